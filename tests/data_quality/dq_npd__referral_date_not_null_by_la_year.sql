{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>10',
        tags=['dq', 'npd'],
    )
}}

-- Warehouse check: in each LA and census year at least 99% of NPD rows have a referral
-- date (part of the episode key). One row per LA-year below the threshold; more than 10
-- such LA-years fail the build.

{{
    test_not_null_proportion(
        model=ref('stg_npd__cin'),
        column_name='referral_date',
        min_proportion=0.99,
        group_by=['census_year', 'la_code']
    )
}}
