-- The NPD episodes as DfE's episode-ordering rules read them, computed in one pass for the
-- three rule tests that read it (tests/dfe_rules: 8815 more than one open episode, 8816 an
-- open episode that is not the latest, 8820 episodes overlapping; DfE, "Children in need
-- census: validation rules", seeds/ref_dfe_rules.csv). Each rule test read and grouped the
-- 16 million NPD rows of a national extract itself (50 CPU s for the three at scale 1): here
-- they are grouped once, and only the child-years with more than one record, the only ones
-- a rule on two episodes can fail, are kept, with each rule's finding as a column.
--
-- An episode is a distinct referral of a child in a census year's return (a referral with
-- two CPPs is two NPD rows), from 2009/10 (the NPD has no closure date before: every 2008/09
-- episode would look open); the child is census year, LA code of any year
-- (docs/cin_census.md §3b) and LA child ID, as in the XML rules. Open: no closure date and
-- not an NFA referral (DfE's summaries of 8815 and 8816).
with npd_records as not materialized (
    select
        census_year,
        la_child_id,
        referral_date,
        closure_date,
        is_referral_nfa,
        coalesce(la_code, la_code_post_2009) as la_code,
        -- The child-year as one number, to find the child-years of more than one record by
        -- a group by on it: on the three keys (one a text) that group by of 16 million rows
        -- was most of the cost. Two child-years sharing a hash only bring both into the
        -- episodes below, where everything is computed on the keys themselves.
        hash(census_year, coalesce(la_code, la_code_post_2009), la_child_id) as child_year_hash
    from {{ ref('stg_npd__cin') }}
    where referral_date is not null and census_year >= 2010
),

-- The records per child-year hash. A hash of one record is one child-year of one record:
-- one episode, which no rule on two episodes can fail, counted only in the rules'
-- rows_checked.
child_year_hashes as (
    select
        child_year_hash,
        count(*) as records,
        count(*) filter (
            where closure_date is null and not coalesce(is_referral_nfa, false)
        ) as open_records
    from npd_records
    group by child_year_hash
),

-- The distinct episodes of the other child-years (NULL keys are one child here, as in the
-- rules' group by).
episodes as (
    select distinct
        npd_records.census_year,
        npd_records.la_code,
        npd_records.la_child_id,
        npd_records.referral_date,
        npd_records.closure_date,
        npd_records.is_referral_nfa,
        npd_records.closure_date is null
        and not coalesce(npd_records.is_referral_nfa, false) as is_open
    from npd_records
    semi join child_year_hashes
        on
            npd_records.child_year_hash = child_year_hashes.child_year_hash
            and child_year_hashes.records > 1
),

-- Each child-year's open episodes (8815) and latest referral (8816), as an aggregate joined
-- back to its episodes (NULL keys one child, as in a group by): the window over the 4.3M
-- episodes it replaces (partitioned on the three keys) was 27% of this model at national
-- scale; the model alone there, alternated three times: 19.5, 16.1, 18.4 -> 15.5, 14.4,
-- 17.3 CPU s (means 18.0 -> 15.7, -13%), the same 743,124 rows.
child_year_episodes as (
    select
        census_year,
        la_code,
        la_child_id,
        count(*) filter (where is_open) as open_episodes,
        max(referral_date) as latest_referral_date
    from episodes
    group by census_year, la_code, la_child_id
),

episodes_in_child_year as (
    select
        episodes.*,
        child_year_episodes.open_episodes,
        child_year_episodes.latest_referral_date
    from episodes
    inner join child_year_episodes
        on
            episodes.census_year = child_year_episodes.census_year
            and episodes.la_code is not distinct from child_year_episodes.la_code
            and episodes.la_child_id is not distinct from child_year_episodes.la_child_id
),

-- 8820: the span of an episode runs from its referral to its closure or, while it has none
-- and is not an NFA referral, to the end of the census year (DfE's summary).
episode_spans as (
    select
        episodes.census_year,
        episodes.la_code,
        episodes.la_child_id,
        episodes.referral_date as span_start,
        case
            when episodes.closure_date is not null then episodes.closure_date
            when not coalesce(episodes.is_referral_nfa, false) then census.period_end
        end as span_end
    from episodes
    inner join {{ ref('ref_census_years') }} as census
        on episodes.census_year = census.census_year
),

-- 8820: the earliest other episode of the child (another referral date) whose span the
-- episode's referral falls within (from its start, before its end). The child's keys
-- match by equality: a record without an LA code or LA child ID is no child's.
episode_overlaps as (
    select
        this_episode.census_year,
        this_episode.la_code,
        this_episode.la_child_id,
        this_episode.referral_date,
        this_episode.closure_date,
        this_episode.is_referral_nfa,
        min(other_span.span_start) as overlapped_referral_date
    from episodes as this_episode
    inner join episode_spans as other_span
        on
            this_episode.census_year = other_span.census_year
            and this_episode.la_code = other_span.la_code
            and this_episode.la_child_id = other_span.la_child_id
            and this_episode.referral_date != other_span.span_start
            and this_episode.referral_date >= other_span.span_start
            and this_episode.referral_date < other_span.span_end
    group by all
),

-- What each rule checks, over all episodes (its rows_checked): 8815 the child-years,
-- 8816 the open episodes, 8820 the episodes. A child-year of one record is one episode.
single_record_counts as (
    select
        count(*) as child_years,
        count(*) filter (where open_records = 1) as open_episodes
    from child_year_hashes
    where records = 1
),

multiple_record_counts as (
    select
        (select count(*) from child_year_episodes) as child_years,
        count(*) filter (where is_open) as open_episodes,
        count(*) as episodes
    from episodes
)

select
    episodes_in_child_year.census_year,
    episodes_in_child_year.la_code,
    episodes_in_child_year.la_child_id,
    episodes_in_child_year.referral_date,
    episodes_in_child_year.closure_date,
    episodes_in_child_year.is_referral_nfa,
    episodes_in_child_year.is_open,
    episodes_in_child_year.open_episodes,
    episodes_in_child_year.latest_referral_date,
    episode_overlaps.overlapped_referral_date,
    single_record_counts.child_years + multiple_record_counts.child_years
        as child_years_checked,
    single_record_counts.open_episodes + multiple_record_counts.open_episodes
        as open_episodes_checked,
    single_record_counts.child_years + multiple_record_counts.episodes as episodes_checked
from episodes_in_child_year
left join episode_overlaps
    on
        episodes_in_child_year.census_year = episode_overlaps.census_year
        and episodes_in_child_year.la_code = episode_overlaps.la_code
        and episodes_in_child_year.la_child_id = episode_overlaps.la_child_id
        and episodes_in_child_year.referral_date = episode_overlaps.referral_date
        and episodes_in_child_year.closure_date
        is not distinct from episode_overlaps.closure_date
        and episodes_in_child_year.is_referral_nfa
        is not distinct from episode_overlaps.is_referral_nfa
cross join single_record_counts
cross join multiple_record_counts
where
    episodes_in_child_year.open_episodes > 1
    or (
        episodes_in_child_year.is_open
        and episodes_in_child_year.referral_date < episodes_in_child_year.latest_referral_date
    )
    or episode_overlaps.overlapped_referral_date is not null
