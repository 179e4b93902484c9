{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8832', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8832 (error; rulesets cin2022_23 to current): Child Protection details provided for a
-- referral with no further action. An NFA referral (ReferralNFA true) must have no child
-- protection plan.

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        is_referral_nfa,
        cpp_start_date,
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
    '8832: CPP starting '
    || {{ dq_text('cpp_start_date') }}
    || ' on a referral with no further action' as failure_reason
from checked
where
    cpp_start_date is not null
