-- The episode fact analysts query: one row per episode of need.
select
    episode_id,
    la_code,
    la_child_id,
    referral_date,
    closure_date,
    primary_need_code,
    last_census_year,
    closure_date is null as is_open
from {{ ref('int_episodes_assembled') }}
