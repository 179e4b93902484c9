{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '4000', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 4000 (error; rulesets cin2022_23 to current): CIN Plan details provided for a referral
-- with no further action. A referral with ReferralNFA = true must not have CIN plan dates.

with checked as (
    select
        plan.census_year,
        plan.la_code,
        plan.child_pos,
        plan.cin_details_pos,
        plan.cin_plan_pos,
        plan.cin_plan_start_date,
        episode.is_referral_nfa,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_plan_dates') }} as plan
    inner join {{ ref('stg_xml__cin_details') }} as episode
        on {{ dq_xml_keys_match('plan', 'episode', 'cin_details') }}
)

select
    *,
    '4000: CIN plan starting '
    || {{ dq_text('cin_plan_start_date') }}
    || ' on a referral with no further action' as failure_reason
from checked
where
    is_referral_nfa
