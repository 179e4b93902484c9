{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '4017', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 4017 (error; rulesets cin2022_23 to current): A CIN Plan has been reported as open at
-- the same time as a Child Protection Plan. A CPP start date must not fall inside a CIN plan
-- period (start to end, or start to ReferenceDate if open) unless it equals the CIN plan end
-- date.
-- A CPP may start on the day a CIN plan ends (hence the strict upper bound).

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
