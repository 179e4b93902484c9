-- The assessment fact: one row per assessment, de-duplicated across returns
-- (int_assessments_deduplicated holds the rules).
select
    assessment_id,
    episode_id,
    child_id,
    source_kind,
    la_code,
    start_date,
    authorisation_date,
    internal_review_date,
    duration_working_days,
    factor_codes,
    has_conflicting_authorisation_dates,
    first_census_year,
    last_census_year
from {{ ref('int_assessments_deduplicated') }}
