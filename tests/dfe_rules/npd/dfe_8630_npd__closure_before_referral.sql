{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'npd'],
        meta={'dfe_rule_code': '8630', 'dfe_rule_type': 'error', 'source': 'npd'},
    )
}}

-- DfE rule 8630 (error; rulesets cin2022_23 to current): CIN Closure Date is before CIN Referral
-- Date for the same CIN episode. CINclosureDate must be on or after the CINreferralDate of the
-- same episode.

with records as (
    select
        census_year,
        la_child_id,
        source_file,
        source_line_number,
        referral_date,
        closure_date,
        coalesce(la_code, la_code_post_2009) as la_code
    from {{ ref('stg_npd__cin') }}
),

checked as (
    select
        *,
        count(*) over () as rows_checked
    from records
)

select
    *,
    '8630: closure date '
    || {{ dq_text('closure_date') }}
    || ' is before the referral date '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    closure_date < referral_date
