"""Official DfE measures per LA and census year, computed from the truth, on two bases.

Definitions: DfE "Characteristics of children in need" methodology (2016-17), summarised
in docs/cin_census.md §7. A child is an LA record (LA + LAchildID), as DfE counts children within
each LA's return; England figures are the sum over LAs.

`expected_la_year` (the official basis) is what DfE would compute from PERFECT returns:
each census year reads only what that year's return can show, information as at its
31 March (and last year's return, for re-referrals):
- an episode is "assessed not in need" only if that return shows its closure: a case
  referred in March, open at 31 March and closed RC8 in May is a CIN episode in that year
  (counted in children in need at 31 March), and not one in the next;
- census year 2009 is the 2008/09 census period, 1 October 2008 to 31 March 2009 (DfE
  methodology 2016-17, "Background"): referrals, assessments, conferences, plans and
  episodes "in the year" are those of that half-year;
- re-referrals compare the year's referrals with the referrals of last year's return
  (de-duplicated to the latest per child); 2009 has no earlier return, and 2010's
  previous return (2008/09) holds the April-September 2008 referrals only if still open
  on 1 October 2008.
`expected_la_year_hindsight` (same columns) decides "assessed not in need" from the
episode's final closure and counts re-referrals against every earlier referral of the
child: the truth a reconstruction across years should approach. Both use the 2008/09
period for census year 2009 (no raw file holds the earlier referrals).

Two documented choices, on both bases:
- "assessed not in need" and the matching CIN-episode exclusion take closures RC8 and
  RC9 (both "closed after assessment"; RC9 exists from 2022/23, after the methodology was
  written, and validation rule 2990 treats the two alike), with no s47 enquiry and no
  child protection plan recorded (the methodology's "only activity ... was an assessment
  (there was no s47 enquiry or child protection plan)");
- "episodes ending" counts CIN episodes whose closure falls in the year.
"""

from __future__ import annotations

import tempfile
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

from cin_warehouse.synth import calendar as cal
from cin_warehouse.synth import geography
from cin_warehouse.synth.config import GeneratorSettings
from cin_warehouse.synth.world import World

BASES = ("official", "hindsight")
# DuckDB's memory for the measures query (it spills to a temporary folder beyond it). With
# the join order below, at scale 0.1 (both bases): +0.99 GiB of RSS over the world and 7.3 s
# of CPU with 1GB, +0.69 GiB and 9.3 s with 600MB, +0.40 GiB and 12.3 s with 300MB (the
# earlier plan: 15.9 s with 1GB). It spills from scale 0.25 up. The query alone, seed 1: at
# 0.25, 26.9-29.7 CPU s with 1GB (+1.2 GiB), 19.9-20.3 s with 2GB (+2.1 GiB); but at scale 1,
# 142 s with 1GB (peak 4.53 GiB), 148 s with 2GB (5.42 GiB), 116 s with 3GB (7.06 GiB, above
# the recorder's 6.51 GiB, the run's peak). One thread instead of two: no difference. So 1GB:
# at scale 1 more memory pays only beyond the run's peak, which comes first.
MEMORY_LIMIT = "1GB"
# The last day any information can be known under the hindsight basis.
END_OF_TIME = "date '9999-12-31'"


def assessed_not_in_need_sql(as_at: str) -> str:
    """Closed after an assessment alone (RC8/RC9, no s47 enquiry or plan), as a return
    with information as at `as_at` shows it: a closure (or a protection event) after
    that date is not in it. Needs `first_protection_date` (the episode's first s47 or
    plan start) beside the episode's columns."""
    return f"""(not e.is_referral_nfa
           and coalesce(e.closure_reason in ('RC8', 'RC9') and e.closure_date <= {as_at}, false)
           and (e.first_protection_date is null or e.first_protection_date > {as_at}))"""


def is_cin_episode_sql(as_at: str) -> str:
    """DfE's CIN episode: a referral neither NFA nor assessed not in need (as at `as_at`)."""
    return f"(not e.is_referral_nfa and not {assessed_not_in_need_sql(as_at)})"


# Each episode with the date of its first s47 enquiry or plan (for the rule above).
EPISODES_WITH_PROTECTION_SQL = """
    select e.*, p.first_protection_date
    from episodes e left join (
        select episode_id, min(start_date) as first_protection_date
        from (select episode_id, start_date from s47
              union all select episode_id, start_date from cpps)
        group by episode_id
    ) p using (episode_id)
"""

# Re-referrals: the child's previous referral. Hindsight: any earlier referral. Official
# (DfE methodology, "Calculating referrals within 12 months"): the year's referrals merged
# with those of last year's return, last year de-duplicated to the latest per child (a
# lag over the merged, date-ordered referrals gives exactly that pair).
PREVIOUS_REFERRAL_SQL = {
    "hindsight": """
previous_referral as (
    select p.census_year, x.episode_id, x.previous_referral_date
    from (
        select episode_id, referral_date,
               lag(referral_date) over (partition by identity_id
                                        order by referral_date, episode_id)
                   as previous_referral_date
        from episodes
    ) x join periods p on x.referral_date between p.period_start and p.period_end
)""",
    "official": """
compared_referrals as (
    select p.census_year, e.episode_id, e.identity_id, e.referral_date
    from episodes e join periods p
      on e.referral_date between p.period_start and p.period_end
    union all
    -- Last year's return: its year's referrals, those referred before its collection
    -- period (2008/09) only if still open when the period began.
    select p.census_year, e.episode_id, e.identity_id, e.referral_date
    from episodes e join periods p
      on p.has_previous_return
     and e.referral_date between p.previous_year_start and p.previous_year_end
     and (e.closure_date is null or e.closure_date >= p.previous_period_start)
),
previous_referral as (
    select census_year, episode_id,
           lag(referral_date) over (partition by census_year, identity_id
                                    order by referral_date, episode_id)
               as previous_referral_date
    from compared_referrals
)""",
}


def measures_sql(basis: str) -> str:
    """The measures query on one basis (`official` or `hindsight`)."""
    if basis not in BASES:
        raise ValueError(f"basis must be one of {', '.join(BASES)}, not {basis!r}")
    as_at = "e.period_end" if basis == "official" else END_OF_TIME
    return f"""
with periods as (select * from census_periods),
la_of as (select * from la_year_codes),
episode_areas as materialized (
    -- Each episode with its child's area and lineage branch. Each step of the year's
    -- join is materialized so that it is made in this order: with no statistics on the
    -- registered tables, DuckDB otherwise joined every identity to every census year
    -- first (18 rows per identity, ten times the episodes in the years, spilling at the
    -- 1GB limit at scale 0.5).
    -- (only the columns read below: the text columns would double what is held)
    select i.area_index, i.branch_index, e.episode_id, e.identity_id, e.referral_date,
           e.closure_date, e.closure_reason, e.is_referral_nfa, e.first_protection_date
    from ({EPISODES_WITH_PROTECTION_SQL}) e
    join identities i using (identity_id)
),
episode_periods as materialized (
    -- Each episode in each census year's (perfect) return: referred by the end of the
    -- period and not closed before its start (an open episode's closure as the end of
    -- time, so that both conditions are one range join).
    select p.census_year, p.period_start, p.period_end, e.*
    from episode_areas e
    join periods p
      on e.referral_date <= p.period_end
     and coalesce(e.closure_date, {END_OF_TIME}) >= p.period_start
),
ep_year as (
    select l.la_code, e.*,
           {is_cin_episode_sql(as_at)} as is_cin_episode,
           {assessed_not_in_need_sql(as_at)} as is_assessed_not_in_need
    from episode_periods e
    join la_of l
      on l.area_index = e.area_index and l.branch_index = e.branch_index
     and l.census_year = e.census_year
),
{PREVIOUS_REFERRAL_SQL[basis]},
referral_children as (
    -- One row per child, LA and year, so that each count of children below counts rows
    -- (one hash table per year's children, not one per count(distinct) and LA).
    select census_year, la_code, identity_id,
           count(*) filter (where referral_date >= period_start) as referrals,
           count(*) filter (where referral_date >= period_start
                            and referral_date - pr.previous_referral_date <= 365)
               as rereferrals_12m,
           count(*) filter (where referral_date >= period_start and is_referral_nfa)
               as referrals_nfa,
           count(*) filter (where referral_date >= period_start and is_assessed_not_in_need)
               as referrals_assessed_not_in_need,
           count(*) filter (where is_cin_episode and referral_date >= period_start)
               as episodes_starting,
           count(*) filter (where is_cin_episode
                            and (closure_date is null or closure_date >= period_start))
               as episodes_any_point,
           count(*) filter (where is_cin_episode and closure_date between period_start
                            and period_end) as episodes_ending,
           count(*) filter (where is_cin_episode
                            and (closure_date is null or closure_date > period_end))
               as cin_episodes_open_31mar
    from ep_year left join previous_referral pr using (census_year, episode_id)
    group by all
),
referral_measures as (
    select census_year, la_code,
           sum(referrals)::bigint as referrals,
           sum(rereferrals_12m)::bigint as rereferrals_12m,
           sum(referrals_nfa)::bigint as referrals_nfa,
           sum(referrals_assessed_not_in_need)::bigint as referrals_assessed_not_in_need,
           count(*) filter (where referrals > 0) as children_referred,
           sum(episodes_starting)::bigint as episodes_starting,
           count(*) filter (where episodes_starting > 0) as children_starting_episode,
           sum(episodes_any_point)::bigint as episodes_any_point,
           count(*) filter (where episodes_any_point > 0) as children_in_need_any_point,
           sum(episodes_ending)::bigint as episodes_ending,
           count(*) filter (where cin_episodes_open_31mar > 0) as children_in_need_31mar
    from referral_children
    group by all
),
assessment_measures as (
    select census_year, la_code,
           count(*) as assessments_completed,
           count(*) filter (where a.kind = 'single') as single_assessments_completed,
           count(*) filter (where a.kind = 'single' and a.working_days <= 45)
               as single_assessments_within_45wd
    from ep_year
    join assessments a using (episode_id)
    where a.authorisation_date between period_start and period_end
    group by all
),
s47_measures as (
    select census_year, la_code,
           count(distinct (identity_id, s.start_date)) as s47_enquiries,
           count(distinct identity_id) as children_s47
    from ep_year join s47 s using (episode_id)
    where s.start_date between period_start and period_end
    group by all
),
-- Conferences from the s47 module plus transfer-in conferences (CINdetails), a child's
-- conferences on the same date counted once (DfE methodology 2016-17).
icpc_dates as (
    select episode_id, icpc_date from s47 where icpc_date is not null
    union all
    select episode_id, transfer_in_icpc_date from episodes
    where transfer_in_icpc_date is not null
),
icpc_measures as (
    select census_year, la_code,
           count(distinct (identity_id, d.icpc_date)) as icpcs,
           count(distinct identity_id) as children_icpc
    from ep_year join icpc_dates d using (episode_id)
    where d.icpc_date between period_start and period_end
    group by all
),
cpp_measures as (
    select census_year, la_code,
           count(*) filter (where c.start_date between period_start and period_end)
               as cpp_starting,
           count(distinct identity_id) filter (where c.start_date between period_start
                                               and period_end) as children_starting_cpp,
           count(*) filter (where c.start_date between period_start and period_end
                            and c.previous_cpp_count >= 1) as cpp_second_or_later,
           count(*) filter (where c.start_date <= period_end
                            and (c.end_date is null or c.end_date >= period_start))
               as cpp_any_point,
           count(distinct identity_id) filter (where c.start_date <= period_end
                            and (c.end_date is null or c.end_date >= period_start))
               as children_cpp_any_point,
           count(*) filter (where c.end_date between period_start and period_end)
               as cpp_ended,
           count(*) filter (where c.start_date <= period_end
                            and (c.end_date is null or c.end_date > period_end)) as cpp_31mar
    from ep_year join cpps c using (episode_id)
    group by all
)
select *
from referral_measures
full join assessment_measures using (census_year, la_code)
full join s47_measures using (census_year, la_code)
full join icpc_measures using (census_year, la_code)
full join cpp_measures using (census_year, la_code)
order by census_year, la_code
"""


def la_year_codes(census_years: list[int]) -> pa.Table:
    """The LA code each (area, lineage branch) reports under in each census year."""
    rows: dict[str, list] = {"area_index": [], "branch_index": [], "census_year": [], "la_code": []}
    for area in geography.areas():
        for branch in range(len(area.branches)):
            for year in census_years:
                code = geography.code_at(area.branches[branch], date(year, 3, 31))
                rows["area_index"].append(area.index)
                rows["branch_index"].append(branch)
                rows["census_year"].append(year)
                rows["la_code"].append(code.old_code)
    return pa.table(rows)


def census_periods(census_years: list[int], settings: GeneratorSettings) -> pa.Table:
    """Each census year's collection period, and last year's (for re-referrals). The
    first census (2008/09) began on 1 October 2008 (config `first_census_period_start`)
    and had no earlier return."""
    first_year = settings.cfg("world")["first_census_year"]
    first_start = date.fromisoformat(settings.cfg("recording")["first_census_period_start"])

    def start(year: int) -> date:
        return first_start if year == first_year else cal.census_year_start(year)

    return pa.table(
        {
            "census_year": pa.array(census_years, pa.int32()),
            "period_start": pa.array([start(y) for y in census_years], pa.date32()),
            "period_end": pa.array([cal.census_year_end(y) for y in census_years], pa.date32()),
            "has_previous_return": [y > first_year for y in census_years],
            "previous_year_start": pa.array(
                [cal.census_year_start(y - 1) for y in census_years], pa.date32()
            ),
            "previous_year_end": pa.array(
                [cal.census_year_end(y - 1) for y in census_years], pa.date32()
            ),
            "previous_period_start": pa.array([start(y - 1) for y in census_years], pa.date32()),
        }
    )


def expected_la_year(
    world: World, census_years: list[int], settings: GeneratorSettings
) -> dict[str, pa.Table]:
    """Every official measure per LA and census year from the true dates, on each basis
    (`official`, `hindsight`)."""
    assessments = world.assessments
    start = assessments["start_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    auth = assessments["authorisation_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    done = ~np.isnat(auth)
    days = np.full(len(start), -1, dtype=np.int64)
    days[done] = cal.working_days_between(start[done], auth[done])
    # Bounded memory: at national scale the joins spill to disk rather than take the RAM,
    # into a folder of this call's own (DuckDB names its spill files alike in every
    # process, so two generators spilling into one folder read each other's files).
    with tempfile.TemporaryDirectory(prefix="cin-measures-") as spill:
        con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": spill})
        try:
            con.register("assessments", assessments.append_column("working_days", pa.array(days)))
            for name, table in (
                ("episodes", world.episodes),
                ("identities", world.identities),
                ("s47", world.s47),
                ("cpps", world.cpps),
                ("la_year_codes", la_year_codes(census_years)),
                ("census_periods", census_periods(census_years, settings)),
            ):
                con.register(name, table)
            return {basis: con.execute(measures_sql(basis)).to_arrow_table() for basis in BASES}
        finally:
            con.close()
