{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.5 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8815', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8815 (error; rulesets cin2022_23 to current): More than one open CIN Details episode
-- (a module with no CIN Closure Date) has been provided for this child and case is not a referral
-- with no further action. A child may have only one open (no closure date) non-NFA CINdetails
-- episode.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        count(*) filter (
            where closure_date is null and not coalesce(is_referral_nfa, false)
        ) as open_episodes,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }}
    group by census_year, la_code, child_pos
)

select
    *,
    '8815: child has '
    || open_episodes
    || ' open episodes that are not referrals with no further action' as failure_reason
from checked
where
    open_episodes > 1
