-- DfE rule 8620: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8620', 'xml') %}
with checked as (
    select
        episode.census_year,
        episode.la_code,
        episode.child_pos,
        episode.cin_details_pos,
        episode.closure_date,
        census.period_start,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }} as episode
    inner join {{ ref('ref_census_years') }} as census
        on episode.census_year = census.census_year
    where episode.closure_date is not null
)

select
    *,
    '8620: closure date '
    || {{ dq_text('closure_date') }}
    || ' is outside the census year '
    || {{ dq_text('period_start') }}
    || ' to '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    closure_date not between period_start and period_end
{% endcall %}
