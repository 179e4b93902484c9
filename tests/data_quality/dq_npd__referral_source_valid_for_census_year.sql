{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dq', 'npd'],
    )
}}

-- Warehouse check: every NPD referral source is valid in its census year (5D only from 2022/23;
-- none expected before 2013/14, when ReferralSource entered the NPD).
-- Legacy values must have been recoded by staging (seeds/ref_codes, is_legacy).

{{
    dq_values_valid_for_census_year(
        ref('stg_npd__cin'), 'referral_source_code', 'referral_source'
    )
}}
