{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '4015', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 4015 (error; rulesets cin2022_23 to current): The CIN Plan start date cannot be before
-- the referral date. CIN plan start date must be on or after the CIN referral date.

with checked as (
    select
        plan.census_year,
        plan.la_code,
        plan.child_pos,
        plan.cin_details_pos,
        plan.cin_plan_start_date,
        episode.referral_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_plan_dates') }} as plan
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('plan', 'episode', 'cin_details') }}
)

select
    *,
    '4015: CIN plan start date '
    || {{ dq_text('cin_plan_start_date') }}
    || ' is before the referral date '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    cin_plan_start_date < referral_date
