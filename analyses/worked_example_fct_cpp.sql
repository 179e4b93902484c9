-- Worked example, fct_cpp: child protection plans starting in one census year by initial
-- category of abuse, per source, with how many have ended and their median length in days.
-- --vars '{analysis_census_year: 2024}'.
select
    plan_spells.source_kind,
    plan_spells.initial_abuse_category_code,
    count(*) as plans_starting,
    count(plan_spells.end_date) as ended,
    median(plan_spells.end_date - plan_spells.start_date) as median_days_to_end
from {{ ref('fct_cpp') }} as plan_spells
inner join {{ ref('ref_census_years') }} as years
    on plan_spells.start_date between years.period_start and years.period_end
where years.census_year = {{ var('analysis_census_year', 2024) }}
group by plan_spells.source_kind, plan_spells.initial_abuse_category_code
order by plan_spells.source_kind, plan_spells.initial_abuse_category_code
