{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.5 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8816', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8816 (error; rulesets cin2022_23 to current): An open CIN episode is shown and case is
-- not a referral with no further action, but it is not the latest episode. An open non-NFA
-- episode must have the child's latest CIN referral date.
-- From 2009/10: the NPD has no closure date before (every 2008/09 episode would look open).

with episodes as (
    select distinct
        census_year,
        la_child_id,
        referral_date,
        closure_date,
        is_referral_nfa,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where referral_date is not null and census_year >= 2010
),

latest as (
    select
        *,
        max(referral_date) over (
            partition by census_year, la_code, la_child_id
        ) as latest_referral_date
    from episodes
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from latest
    where closure_date is null and not coalesce(is_referral_nfa, false)
)

select
    *,
    '8816: open episode referred '
    || {{ dq_text('referral_date') }}
    || ' is not the latest (latest referral '
    || {{ dq_text('latest_referral_date') }}
    || ')' as failure_reason
from checked
where
    referral_date < latest_referral_date
