-- The child protection plan fact: one row per plan gathered across its yearly records
-- (int_cpp_spells holds every rule).
select
    cpp_id,
    episode_id,
    child_id,
    source_kind,
    la_code,
    start_date,
    start_date_is_inferred,
    is_start_date_unrecorded,
    end_date,
    end_date_is_inferred,
    initial_abuse_category_code,
    latest_abuse_category_code,
    previous_cpp_count,
    review_count,
    first_census_year,
    last_census_year
from {{ ref('int_cpp_spells') }}
