{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dq', 'xml'],
    )
}}

-- Warehouse check: every XML disability code is a valid disability code in its census year
-- (DfE rule 8540 checks only born children with a referral going on to further action).
-- Legacy values must have been recoded by staging (seeds/ref_codes, is_legacy).

{{
    dq_values_valid_for_census_year(
        ref('stg_xml__disability'), 'disability_code', 'disability'
    )
}}
