-- Worked example, fct_assessment: assessments authorised in each census year (XML), their
-- median duration in working days and the share within DfE's 45 working days.
select
    assessments.source_kind,
    years.census_year,
    count(*) as assessments_authorised,
    median(assessments.duration_working_days) as median_working_days,
    round(
        100.0 * count(*) filter (where assessments.duration_working_days <= 45) / count(*), 1
    ) as within_45wd_pct
from {{ ref('fct_assessment') }} as assessments
inner join {{ ref('ref_census_years') }} as years
    on assessments.authorisation_date between years.period_start and years.period_end
group by assessments.source_kind, years.census_year
order by assessments.source_kind, years.census_year
