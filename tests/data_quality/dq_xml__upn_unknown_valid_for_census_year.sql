{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dq', 'xml'],
    )
}}

-- Warehouse check: every UPNunknown reason is UN1-UN7.
-- Legacy values must have been recoded by staging (seeds/ref_codes, is_legacy).

{{
    dq_values_valid_for_census_year(
        ref('stg_xml__child'), 'upn_unknown_code', 'upn_unknown'
    )
}}
