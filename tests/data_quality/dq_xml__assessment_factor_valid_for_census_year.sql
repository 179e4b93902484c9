{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dq', 'xml'],
    )
}}

-- Warehouse check: every assessment factor is valid in its census year (e.g. 24A only from
-- 2021/22, 18B/18C/19B/19C from 2020/21); DfE's XSD checks this, no DfE rule does. The
-- superseded 18A/19A are allowed (legacy rows of seeds/ref_codes): rules 8945Q and 8950Q
-- query them from 2024/25.

{{
    dq_values_valid_for_census_year(
        ref('stg_xml__assessment_factor'),
        'assessment_factor_code',
        'assessment_factor',
        allow_legacy=true
    )
}}
