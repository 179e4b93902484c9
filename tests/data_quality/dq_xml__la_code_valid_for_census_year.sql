{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dq', 'xml'],
    )
}}

-- Warehouse check: the LA of each XML return (Header LEA) is a DfE LA code valid in the
-- return's census year (seeds/ref_la_harmonisation), e.g. no 942/943 before 2023/24.

with codes as (
    select
        submitted_la_code,
        first_census_year,
        last_census_year
    from {{ ref('ref_la_harmonisation') }}
),

checked as (
    select
        census_year,
        la_code,
        count(*) over () as rows_checked
    from {{ ref('stg_xml__header') }}
)

select
    checked.*,
    'LA code ' || {{ dq_text('checked.la_code') }}
    || ' is not a DfE LA code valid in census year ' || checked.census_year as failure_reason
from checked
where
    not exists (
        select 1
        from codes
        where
            codes.submitted_la_code = checked.la_code
            and checked.census_year between codes.first_census_year and codes.last_census_year
    )
