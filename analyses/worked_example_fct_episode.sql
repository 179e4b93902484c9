-- Worked example, fct_episode: episodes referred in each census year per source, how many
-- are closed, how many closures are inferred (the case dropped out of the returns), and
-- the median length of the closed ones in days. Phantom re-referrals of open cases
-- (overlap_kind 'rereferral_of_open_case') are left out, as the reconstructed measures do.
select
    episodes.source_kind,
    years.census_year,
    count(*) as episodes,
    count(episodes.closure_date) as closed,
    count(*) filter (where episodes.closure_date_is_inferred) as closure_inferred,
    median(episodes.closure_date - episodes.referral_date) as median_days_to_closure
from {{ ref('fct_episode') }} as episodes
inner join {{ ref('ref_census_years') }} as years
    on episodes.referral_date between years.period_start and years.period_end
where episodes.overlap_kind is distinct from 'rereferral_of_open_case'
group by episodes.source_kind, years.census_year
order by episodes.source_kind, years.census_year
