{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8610', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8610 (error; rulesets cin2022_23 to current): Primary Need code is missing for a
-- referral which led to further action. If ReferralNFA is false/0, PrimaryNeedCode must be
-- present.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        primary_need_code,
        is_referral_nfa,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }}
    where is_referral_nfa = false
)

select
    *,
    '8610: referral going on to further action has no primary need code' as failure_reason
from checked
where
    primary_need_code is null
