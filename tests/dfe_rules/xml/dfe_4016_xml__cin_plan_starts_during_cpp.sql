-- DfE rule 4016: message, summary and severity in seeds/ref_dfe_rules.csv. A CIN plan may start on
-- the day a CPP ends (hence the strict upper bound).

{% call dq_dfe_rule('4016', 'xml') %}
with census as (
    select
        census_year,
        period_end
    from {{ ref('ref_census_years') }}
),

checked as (
    select
        plan.census_year,
        plan.la_code,
        plan.child_pos,
        plan.cin_details_pos,
        plan.cin_plan_pos,
        plan.cin_plan_start_date,
        (
            select min(cpp.cpp_start_date)
            from {{ ref('stg_xml__cpp') }} as cpp
            inner join census
                on cpp.census_year = census.census_year
            where
                {{ dq_xml_keys_match('cpp', 'plan', 'child') }}
                and plan.cin_plan_start_date >= cpp.cpp_start_date
                and plan.cin_plan_start_date < coalesce(cpp.cpp_end_date, census.period_end)
        ) as cpp_start_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_plan_dates') }} as plan
)

select
    *,
    '4016: CIN plan starting '
    || {{ dq_text('cin_plan_start_date') }}
    || ' starts while the CPP starting '
    || {{ dq_text('cpp_start_date') }}
    || ' is open' as failure_reason
from checked
where
    cpp_start_date is not null
{% endcall %}
