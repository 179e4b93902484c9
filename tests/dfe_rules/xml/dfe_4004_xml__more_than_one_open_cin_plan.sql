{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '4004', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 4004 (error; rulesets cin2022_23 to current): This child is showing more than one open
-- CIN Plan, i.e. with no End Date. Within an episode there must be at most one CIN plan with no
-- end date.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        count(*) filter (where cin_plan_end_date is null) as open_cin_plans,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_plan_dates') }}
    group by census_year, la_code, child_pos, cin_details_pos
)

select
    *,
    '4004: episode has ' || open_cin_plans || ' open CIN plans (no end date)' as failure_reason
from checked
where
    open_cin_plans > 1
