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
),

-- The (census year, LA code) pairs of the rows: a few hundred however many rows.
checked_pairs as (
    select distinct
        census_year,
        la_code
    from checked
),

-- The pairs that are not valid. Checked per pair, not per row: a correlated `not exists`
-- on every row made DuckDB copy every checked row into a buffer (as in dq_code_years,
-- macros/dq_helpers.sql).
invalid_pairs as (
    select
        checked_pairs.census_year,
        checked_pairs.la_code
    from checked_pairs
    where
        not exists (
            select 1
            from codes
            where
                codes.submitted_la_code = checked_pairs.la_code
                and checked_pairs.census_year
                between codes.first_census_year and codes.last_census_year
        )
)

select
    checked.*,
    checked_count.rows_checked,
    'LA code ' || checked.la_code || ' is not a DfE LA code valid in census year '
    || checked.census_year as failure_reason
from checked
inner join invalid_pairs
    on
        checked.census_year is not distinct from invalid_pairs.census_year
        and checked.la_code = invalid_pairs.la_code
cross join checked_count
