{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8831', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8831 (error; rulesets cin2022_23 to current): Activity is recorded against a case
-- marked as a referral with no further action. An NFA referral (ReferralNFA true) must have no
-- assessment, S47 or initial CPC dates.
-- NPD has no assessments or section 47s: only the CINdetails initial CPC date can be checked.

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        is_referral_nfa,
        initial_cpc_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where is_referral_nfa
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8831: referral with no further action has an initial CPC date '
    || {{ dq_text('initial_cpc_date') }} as failure_reason
from checked
where
    initial_cpc_date is not null
