-- The section 47 enquiry fact: one row per enquiry with its initial conference,
-- de-duplicated across returns (int_s47_deduplicated holds the rules).
select
    s47_id,
    episode_id,
    child_id,
    source_kind,
    la_code,
    start_date,
    initial_cpc_target_date,
    initial_cpc_date,
    is_icpc_not_required,
    first_census_year,
    last_census_year
from {{ ref('int_s47_deduplicated') }}
