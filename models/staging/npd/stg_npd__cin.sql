-- Every census year of the NPD main table in one shape: one row per raw row of every year.
-- Adds the LA harmonisation columns (the current LA of the submitted code, docs/cin_census.md §5)
-- and the closure-before-referral flag (both dates exist from 2009/10).
with yearly_records as (
    {{ union_census_years('stg_npd__cin_') }}
)

-- The year models share one column list (checked in tests/python/staging).
select
    *,  -- noqa: AM04
    {{ la_harmonisation('coalesce(la_code_post_2009, la_code)') }},
    {{ closure_before_referral('closure_date', 'referral_date') }}
from yearly_records
