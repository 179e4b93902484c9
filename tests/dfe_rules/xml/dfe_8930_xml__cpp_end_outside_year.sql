-- DfE rule 8930: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8930', 'xml') %}
with checked as (
    select
        cpp.census_year,
        cpp.la_code,
        cpp.child_pos,
        cpp.cin_details_pos,
        cpp.cpp_pos,
        cpp.cpp_end_date,
        census.period_start,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }} as cpp
    inner join {{ ref('ref_census_years') }} as census
        on cpp.census_year = census.census_year
    where cpp.cpp_end_date is not null
)

select
    *,
    '8930: CPP end date '
    || {{ dq_text('cpp_end_date') }}
    || ' is outside the census year '
    || {{ dq_text('period_start') }}
    || ' to '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    cpp_end_date not between period_start and period_end
{% endcall %}
