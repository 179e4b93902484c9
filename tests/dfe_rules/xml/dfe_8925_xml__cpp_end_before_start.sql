{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8925', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8925 (error; rulesets cin2022_23 to current): Child Protection Plan End Date earlier
-- than Start Date. CPP end date, where present, must be on or after the CPP start date.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        cpp_pos,
        cpp_start_date,
        cpp_end_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cpp') }}
)

select
    *,
    '8925: CPP end date '
    || {{ dq_text('cpp_end_date') }}
    || ' is before '
    || {{ dq_text('cpp_start_date') }} as failure_reason
from checked
where
    cpp_end_date < cpp_start_date
