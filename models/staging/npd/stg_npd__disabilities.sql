-- Every census year of the NPD disabilities table in one shape: one row per raw row.
-- Adds the LA harmonisation columns (the current LA of the submitted code, docs/cin_census.md §5).
with yearly_disabilities as (
    {{ union_census_years('stg_npd__disabilities_') }}
)

-- The year models share one column list (checked in tests/python/staging).
select
    *,  -- noqa: AM04
    {{ la_harmonisation('coalesce(la_code_post_2009, la_code)') }}
from yearly_disabilities
