{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '4011', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 4011 (error; rulesets cin2022_23 to current): CIN Plan End Date earlier than Start
-- Date. CIN plan end date, where present, must be on or after the CIN plan start date.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        cin_plan_pos,
        cin_plan_start_date,
        cin_plan_end_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_plan_dates') }}
)

select
    *,
    '4011: CIN plan end date '
    || {{ dq_text('cin_plan_end_date') }}
    || ' is before '
    || {{ dq_text('cin_plan_start_date') }} as failure_reason
from checked
where
    cin_plan_end_date < cin_plan_start_date
