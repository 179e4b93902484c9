-- CIN plan records (collected from 2021/22) in the conformed shape. XML only: the NPD
-- extract carries no CIN plan dates (docs/cin_census.md §3b).
select
    {{ xml_record_keys('cin_plans', 'episodes', 'children') }},
    cin_plans.cin_plan_pos,
    cin_plans.cin_plan_start_date,
    cin_plans.cin_plan_end_date
from {{ ref('stg_xml__cin_plan_dates') }} as cin_plans
{{ xml_episode_join('cin_plans', 'episodes', 'children') }}
