-- Worked example, fct_s47: section 47 enquiries started in each census year (XML), how
-- many led to an initial child protection conference, and how many recorded that none
-- was required.
select
    enquiries.source_kind,
    years.census_year,
    count(*) as s47_enquiries,
    count(enquiries.initial_cpc_date) as with_initial_conference,
    count(*) filter (where enquiries.is_icpc_not_required) as conference_not_required,
    round(100.0 * count(enquiries.initial_cpc_date) / count(*), 1) as conference_pct
from {{ ref('fct_s47') }} as enquiries
inner join {{ ref('ref_census_years') }} as years
    on enquiries.start_date between years.period_start and years.period_end
group by enquiries.source_kind, years.census_year
order by enquiries.source_kind, years.census_year
