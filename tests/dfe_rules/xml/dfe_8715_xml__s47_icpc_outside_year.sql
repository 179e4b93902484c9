-- DfE rule 8715: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8715', 'xml') %}
with checked as (
    select
        s47.census_year,
        s47.la_code,
        s47.child_pos,
        s47.cin_details_pos,
        s47.s47_pos,
        s47.initial_cpc_date,
        census.period_start,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__section47') }} as s47
    inner join {{ ref('ref_census_years') }} as census
        on s47.census_year = census.census_year
    where s47.initial_cpc_date is not null
)

select
    *,
    '8715: section 47 initial CPC date '
    || {{ dq_text('initial_cpc_date') }}
    || ' is outside the census year '
    || {{ dq_text('period_start') }}
    || ' to '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    initial_cpc_date not between period_start and period_end
{% endcall %}
