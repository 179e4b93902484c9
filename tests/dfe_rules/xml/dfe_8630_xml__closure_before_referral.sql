{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dfe_rule', 'xml'],
        meta={'dfe_rule_code': '8630', 'dfe_rule_type': 'error', 'source': 'xml'},
    )
}}

-- DfE rule 8630 (error; rulesets cin2022_23 to current): CIN Closure Date is before CIN Referral
-- Date for the same CIN episode. CINclosureDate must be on or after the CINreferralDate of the
-- same episode.

with checked as (
    select
        census_year,
        la_code,
        child_pos,
        cin_details_pos,
        referral_date,
        closure_date,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__cin_details') }}
)

select
    *,
    '8630: closure date '
    || {{ dq_text('closure_date') }}
    || ' is before '
    || {{ dq_text('referral_date') }} as failure_reason
from checked
where
    closure_date < referral_date
