{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8610', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8610 (error; rulesets cin2022_23 to current): Primary Need code is missing for a
-- referral which led to further action. If ReferralNFA is false/0, PrimaryNeedCode must be
-- present.

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        primary_need_code,
        is_referral_nfa,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where is_referral_nfa = false
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8610: referral going on to further action has no primary need code' as failure_reason
from checked
where
    primary_need_code is null
