{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dq', 'npd'],
    )
}}

-- Warehouse check: every NPD disability code is a valid disability code in its census year.
-- Legacy values must have been recoded by staging (seeds/ref_codes, is_legacy).

{{
    dq_values_valid_for_census_year(
        ref('stg_npd__disabilities'), 'disability_code', 'disability'
    )
}}
