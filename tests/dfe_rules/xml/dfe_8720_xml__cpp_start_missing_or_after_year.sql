{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8720', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8720 (error; rulesets cin2022_23 to current): Child Protection Plan Start Date missing
-- or out of data collection period. Where a CPP exists, CPPstartDate must be present and on or
-- before the ReferenceDate.

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
