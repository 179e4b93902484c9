{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8568', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8568 (error; rulesets cin2022_23 to current): RNFA flag is missing or invalid.
-- ReferralNFA must be present and one of 1/0/true/false.
-- ReferralNFA is in the NPD from 2009/10 (docs/cin_census.md §3b).

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        is_referral_nfa,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
    where census_year >= 2010
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8568: ReferralNFA is missing or not one of 0, 1, true, false' as failure_reason
from checked
where
    is_referral_nfa is null
