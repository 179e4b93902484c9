-- BMJ Open 2019 Table 1 ("The number of LAs, estimated children and episodes in CIN"),
-- rebuilt from the data-quality marts for each source: one row per census year with the
-- LAs that returned, the identifiers (PMR / UPN), children (LA child IDs derived: LA +
-- LAchildID) and episodes of that year's returns, then the data-quality shares the paper
-- reports in its text (children without a PMR 36%; closed episodes missing a closure date
-- 33% in 2008/09, 8% in 2015/16, 18.5% overall; overlapping episodes 23%, 7%, 8.6%).
-- The last row of each source ("all years") counts distinct rebuilt children and episodes
-- (dim_child, fct_episode) as the paper's 2008-2016 column does: a child or episode
-- returned in several years is counted once there, once per year above.
with by_year as (
    select
        source_kind,
        cast(census_year as varchar) as census_year,
        count(*) filter (where has_return) as las_returning,
        count(*) filter (where is_la_expected and not has_return) as las_not_submitting,
        sum(identifiers) as identifiers,
        sum(children) as children,
        sum(episode_records) as episodes,
        sum(children_without_identifier) as children_without_identifier,
        sum(overlapping_episode_records) as overlapping_episode_records,
        sum(episodes_closed) as episodes_closed,
        sum(episodes_closed_without_closure_date) as episodes_closed_without_closure_date,
        sum(episodes_first_returned) as episodes_first_returned,
        sum(episodes_referral_date_amended) as episodes_referral_date_amended
    from {{ ref('dq_la_year') }}
    group by source_kind, census_year
),

rebuilt_children as (
    select
        source_kind,
        count(*) as children,
        count(distinct coalesce(pupil_matching_ref, upn)) as identifiers
    from {{ ref('dim_child') }}
    group by source_kind
),

rebuilt_episodes as (
    select
        source_kind,
        count(*) as episodes
    from {{ ref('fct_episode') }}
    group by source_kind
),

all_years as (
    select
        by_year.source_kind,
        'all years' as census_year,
        count(distinct returned.la_code) as las_returning,
        cast(null as bigint) as las_not_submitting,
        rebuilt_children.identifiers,
        rebuilt_children.children,
        rebuilt_episodes.episodes,
        sum(by_year.children_without_identifier) as children_without_identifier,
        sum(by_year.overlapping_episode_records) as overlapping_episode_records,
        sum(by_year.episodes_closed) as episodes_closed,
        sum(by_year.episodes_closed_without_closure_date)
            as episodes_closed_without_closure_date,
        sum(by_year.episodes_first_returned) as episodes_first_returned,
        sum(by_year.episodes_referral_date_amended) as episodes_referral_date_amended
    from by_year
    inner join rebuilt_children
        on by_year.source_kind = rebuilt_children.source_kind
    inner join rebuilt_episodes
        on by_year.source_kind = rebuilt_episodes.source_kind
    left join {{ ref('dq_la_year') }} as returned
        on by_year.source_kind = returned.source_kind and returned.has_return
    group by
        by_year.source_kind, rebuilt_children.identifiers, rebuilt_children.children,
        rebuilt_episodes.episodes
),

-- The shares of "all years" are over the years' records (the sums above), as BMJ's are.
year_totals as (
    select
        source_kind,
        sum(children) as children,
        sum(episodes) as episodes
    from by_year
    group by source_kind
),

table_rows as (
    select
        *,
        children as children_in_denominator,
        episodes as episodes_in_denominator
    from by_year
    union all
    select
        all_years.*,
        year_totals.children as children_in_denominator,
        year_totals.episodes as episodes_in_denominator
    from all_years
    inner join year_totals
        on all_years.source_kind = year_totals.source_kind
)

select
    source_kind,
    census_year,
    las_returning,
    las_not_submitting,
    identifiers,
    children,
    episodes,
    round(100.0 * children_without_identifier / nullif(children_in_denominator, 0), 1)
        as pct_children_without_identifier,
    round(100.0 * overlapping_episode_records / nullif(episodes_in_denominator, 0), 1)
        as pct_episodes_overlapping,
    round(100.0 * episodes_closed_without_closure_date / nullif(episodes_closed, 0), 1)
        as pct_closed_without_closure_date,
    round(100.0 * episodes_referral_date_amended / nullif(episodes_first_returned, 0), 1)
        as pct_referral_date_amended
from table_rows
order by source_kind, census_year = 'all years', census_year
