-- DfE rule 4017: message, summary and severity in seeds/ref_dfe_rules.csv. A CPP may start on the
-- day a CIN plan ends (hence the strict upper bound).

{% call dq_dfe_rule('4017', 'xml') %}
with census as (
    select
        census_year,
        period_end
    from {{ ref('ref_census_years') }}
),

checked as (
    select
        cpp.census_year,
        cpp.la_code,
        cpp.child_pos,
        cpp.cin_details_pos,
        cpp.cpp_pos,
        cpp.cpp_start_date,
        (
            select min(plan.cin_plan_start_date)
            from {{ ref('stg_xml__cin_plan_dates') }} as plan
            inner join census
                on plan.census_year = census.census_year
            where
                {{ dq_xml_keys_match('plan', 'cpp', 'child') }}
                and cpp.cpp_start_date >= plan.cin_plan_start_date
                and cpp.cpp_start_date < coalesce(plan.cin_plan_end_date, census.period_end)
        ) as cin_plan_start_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }} as cpp
)

select
    *,
    '4017: CPP starting '
    || {{ dq_text('cpp_start_date') }}
    || ' starts while the CIN plan starting '
    || {{ dq_text('cin_plan_start_date') }}
    || ' is open' as failure_reason
from checked
where
    cin_plan_start_date is not null
{% endcall %}
