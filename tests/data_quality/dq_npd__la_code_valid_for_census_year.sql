{{
    config(
        severity='error',
        warn_if='>0',
        error_if='>0.25 * max(rows_checked)',
        tags=['dq', 'npd'],
    )
}}

-- Warehouse check: the NPD row's LA code is a DfE LA code valid in its census year
-- (seeds/ref_la_harmonisation). Catches codes of LAs that did not exist that year, e.g.
-- 820 (Bedfordshire county) after 2008/09, which is how the BMJ Open paper's Bedford coding
-- (820/822) would show, or 838/839 before the 2019 Dorset reorganisation.

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
        la_child_id,
        source_file,
        source_line_number
    from {{ ref('stg_npd__cin') }}
    where la_code is not null
),

-- Counted once, not by a window beside every row of the 18-year union.
checked_count as (
    select count(*) as rows_checked
    from checked
)

select
    checked.*,
    checked_count.rows_checked,
    'LA code ' || checked.la_code || ' is not a DfE LA code valid in census year '
    || checked.census_year as failure_reason
from checked
cross join checked_count
where
    not exists (
        select 1
        from codes
        where
            codes.submitted_la_code = checked.la_code
            and checked.census_year between codes.first_census_year and codes.last_census_year
    )
