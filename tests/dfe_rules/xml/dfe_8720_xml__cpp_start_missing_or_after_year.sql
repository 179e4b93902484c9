-- DfE rule 8720: message, summary and severity in seeds/ref_dfe_rules.csv.

{% call dq_dfe_rule('8720', 'xml') %}
with checked as (
    select
        cpp.census_year,
        cpp.la_code,
        cpp.child_pos,
        cpp.cin_details_pos,
        cpp.cpp_pos,
        cpp.cpp_start_date,
        census.period_start,
        census.period_end,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }} as cpp
    inner join {{ ref('ref_census_years') }} as census
        on cpp.census_year = census.census_year
)

select
    *,
    '8720: CPP start date '
    || {{ dq_text('cpp_start_date') }}
    || ' is missing or after the end of the census year '
    || {{ dq_text('period_start') }}
    || ' to '
    || {{ dq_text('period_end') }} as failure_reason
from checked
where
    cpp_start_date > period_end or cpp_start_date is null
{% endcall %}
