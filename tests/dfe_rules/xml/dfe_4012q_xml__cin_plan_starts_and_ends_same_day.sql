{{
    config(
        severity='warn',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '4012Q', 'dfe_rule_type': 'query', 'source': 'xml'},
    )
}}

-- DfE rule 4012Q (query; rulesets cin2022_23 to current): Please check and either amend or
-- provide a reason: CIN Plan shown as starting and ending on the same day. CIN plan start date
-- should not equal the CIN plan end date.

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
    '4012Q: CIN plan end date '
    || {{ dq_text('cin_plan_end_date') }}
    || ' is the same day as '
    || {{ dq_text('cin_plan_start_date') }} as failure_reason
from checked
where
    cin_plan_end_date = cin_plan_start_date
