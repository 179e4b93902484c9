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
from collections.abc import Iterator
from datetime import date

import duckdb
import numpy as np
import pyarrow as pa

from cin_warehouse.synth import calendar as cal
from cin_warehouse.synth import geography
from cin_warehouse.synth.config import GeneratorSettings
from cin_warehouse.synth.world import World

BASES = ("official", "hindsight")
# DuckDB's memory for the measures query (it spills to a temporary folder beyond it). The
# earlier query (one per basis): at scale 1, 142 CPU s with 1GB (peak 4.53 GiB), 148 s with
# 2GB (5.42 GiB), 116 s with 3GB (7.06 GiB, above the recorder's 6.51 GiB, the run's peak);
# one thread instead of two made no difference. The one-pass query below, seed 1, 1GB:
# scale 0.1, 4.5-4.7 CPU s (+0.70-0.76 GiB of RSS over the world; the earlier 6.8-7.6 s,
# +0.96-1.01 GiB); scale 0.25, 13.0-16.9 s (+1.06-1.07 GiB; the earlier 31.4-31.8 s).
# Scale 1: 86 s, +1.31 GiB, 4.7 GiB spilled (the earlier: 142 s, +1.72 GiB, 7.9 GiB).
# 2GB (session 12, seed 1, same query): scale 0.25, 9.8-10.6 CPU s against 13.3-13.6 with
# 1GB (+0.7 GiB of RSS); scale 1, 61 CPU s, the process's peak 5.90 GiB after the
# simulation's 4.86 (below the census years' peak, 6.5 GiB).
MEMORY_LIMIT = "2GB"
# Episodes per part of the world the measures query reads at a time (`identity_parts`):
# its window per child, range join over the census years and per-child counts grow
# faster than the world once they outgrow MEMORY_LIMIT. Seed 1, the query alone after the
# simulation: scale 0.1 (1.41M episodes), 8.1, 8.5 CPU s in one pass, 6.8 in 2 parts, 6.3
# in 4; scale 1 (14.1M), a fresh process each, 128.0, 116.0 CPU s (72, 64 s wall, +1.37
# GiB of RSS over the world) in one pass against 91.4, 97.1 (52, 55 s, +0.21 GiB) in the
# 15 parts of this size (in one process: 80-97 in 5 to 20 parts, 103 in 40).
EPISODES_PER_PART = 1_000_000
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


# The census year whose 1 April - 31 March range holds a date (census years begin on
# 1 April, calendar.census_year_start): the one year whose period can hold it, so that
# each dated event meets its census year by an equality join, not a range join.
def census_year_of_sql(day: str) -> str:
    """SQL for the census year of `day` (its 1 April - 31 March range)."""
    return f"(year({day}) + case when month({day}) >= 4 then 1 else 0 end)"


# The columns that differ between the bases, each as `<name>__<basis>` in one pass.
BASIS_COLUMNS = (
    "rereferrals_12m",
    "referrals_assessed_not_in_need",
    "episodes_starting",
    "children_starting_episode",
    "episodes_any_point",
    "children_in_need_any_point",
    "episodes_ending",
    "children_in_need_31mar",
)
# The published columns in order (the same on both bases).
COLUMNS = (
    "referrals",
    "rereferrals_12m",
    "referrals_nfa",
    "referrals_assessed_not_in_need",
    "children_referred",
    "episodes_starting",
    "children_starting_episode",
    "episodes_any_point",
    "children_in_need_any_point",
    "episodes_ending",
    "children_in_need_31mar",
    "assessments_completed",
    "single_assessments_completed",
    "single_assessments_within_45wd",
    "s47_enquiries",
    "children_s47",
    "icpcs",
    "children_icpc",
    "cpp_starting",
    "children_starting_cpp",
    "cpp_second_or_later",
    "cpp_any_point",
    "children_cpp_any_point",
    "cpp_ended",
    "cpp_31mar",
)
AS_AT = {"official": "e.period_end", "hindsight": END_OF_TIME}
# Re-referrals: the child's previous referral (the date of the episode before, in the
# order of referral date then episode id). Hindsight: any earlier referral. Official (DfE
# methodology, "Calculating referrals within 12 months"): the year's referrals merged with
# those of last year's return, last year de-duplicated to the latest per child, so the
# latest earlier referral that is either in this year's period or in last year's return.
# The window gives, per episode, the latest earlier referral (`previous_referral_any`),
# the latest earlier one in a census period (`previous_in_a_period`) and the latest
# earlier one that the next year's return compares with (`previous_in_a_last_return`:
# last year's return holds its year's referrals, those referred before its collection
# period (2008/09) only if still open when the period began; 2009 has no earlier return).
# If `previous_in_a_period` lies in this year's period, it is the official previous
# referral; if not, no referral of this year precedes the episode, and the official one is
# `previous_in_a_last_return` if it lies in last year's range (a later one in this year's
# range would be in this year's period: every year's period is its range but 2008/09's,
# which has no earlier return).
PREVIOUS_REFERRAL_SQL = {
    "hindsight": "e.previous_referral_any",
    "official": """(case
        when e.previous_in_a_period >= e.referral_period_start then e.previous_in_a_period
        when e.previous_in_a_last_return between e.referral_previous_year_start
                                              and e.referral_previous_year_end
            then e.previous_in_a_last_return
    end)""",
}


def _basis_counts(basis: str) -> str:
    """The per-child counts of `referral_children` that differ between the bases."""
    as_at = AS_AT[basis]
    previous = PREVIOUS_REFERRAL_SQL[basis]
    is_cin = is_cin_episode_sql(as_at)
    return f"""
           count(*) filter (where e.referral_date >= e.period_start
                            and e.referral_date - {previous} <= 365)
               as rereferrals_12m__{basis},
           count(*) filter (where e.referral_date >= e.period_start
                            and {assessed_not_in_need_sql(as_at)})
               as referrals_assessed_not_in_need__{basis},
           count(*) filter (where {is_cin} and e.referral_date >= e.period_start)
               as episodes_starting__{basis},
           count(*) filter (where {is_cin}
                            and (e.closure_date is null or e.closure_date >= e.period_start))
               as episodes_any_point__{basis},
           count(*) filter (where {is_cin} and e.closure_date between e.period_start
                            and e.period_end) as episodes_ending__{basis},
           count(*) filter (where {is_cin}
                            and (e.closure_date is null or e.closure_date > e.period_end))
               as cin_episodes_open_31mar__{basis}"""


def _basis_sums(basis: str) -> str:
    """The per-area sums of `referral_measures` that differ between the bases."""
    return f"""
           sum(rereferrals_12m__{basis})::bigint as rereferrals_12m__{basis},
           sum(referrals_assessed_not_in_need__{basis})::bigint
               as referrals_assessed_not_in_need__{basis},
           sum(episodes_starting__{basis})::bigint as episodes_starting__{basis},
           count(*) filter (where episodes_starting__{basis} > 0)
               as children_starting_episode__{basis},
           sum(episodes_any_point__{basis})::bigint as episodes_any_point__{basis},
           count(*) filter (where episodes_any_point__{basis} > 0)
               as children_in_need_any_point__{basis},
           sum(episodes_ending__{basis})::bigint as episodes_ending__{basis},
           count(*) filter (where cin_episodes_open_31mar__{basis} > 0)
               as children_in_need_31mar__{basis}"""


def _la_columns() -> list[str]:
    """Every measure column of `area_measures`, both bases' columns apart."""
    names: list[str] = []
    for name in COLUMNS:
        if name in BASIS_COLUMNS:
            names.extend(f"{name}__{basis}" for basis in BASES)
        else:
            names.append(name)
    return names


def measures_sql() -> str:
    """The measures on both bases in one pass: one row per LA and census year, each
    measure that differs between the bases as `<measure>__<basis>` (`basis_sql` picks one
    basis' columns under their published names).

    Everything is counted per (census year, area, lineage branch), integer keys, and the
    LA code attached at the end: an identity lives in one area and branch, so its LA in a
    year follows from them, and each count (of rows, or of distinct children) adds up
    over the (area, branch) pairs an LA code stands for."""
    la_sums = ",\n           ".join(f"sum({c})::bigint as {c}" for c in _la_columns())
    return f"""
with periods as (select * from census_periods),
episode_facts as materialized (
    -- Each episode with its child's area and lineage branch, its census year's period and
    -- its previous referrals (see PREVIOUS_REFERRAL_SQL); only the columns read below.
    select i.area_index, i.branch_index, e.episode_id, e.identity_id, e.referral_date,
           e.closure_date, e.closure_reason, e.is_referral_nfa, e.first_protection_date,
           rp.period_start as referral_period_start,
           rp.previous_year_start as referral_previous_year_start,
           rp.previous_year_end as referral_previous_year_end,
           max(e.referral_date) over earlier as previous_referral_any,
           max(case when rp.census_year is not null then e.referral_date end) over earlier
               as previous_in_a_period,
           max(case when np.census_year is not null
                     and (e.closure_date is null
                          or e.closure_date >= np.previous_period_start)
                    then e.referral_date end) over earlier as previous_in_a_last_return
    from ({EPISODES_WITH_PROTECTION_SQL}) e
    join identities i using (identity_id)
    -- the census period the referral falls in, if any
    left join periods rp
      on rp.census_year = {census_year_of_sql("e.referral_date")}
     and e.referral_date between rp.period_start and rp.period_end
    -- the next year's return, which compares its referrals with this year's
    left join periods np
      on np.census_year = {census_year_of_sql("e.referral_date")} + 1
     and np.has_previous_return
     and e.referral_date between np.previous_year_start and np.previous_year_end
    window earlier as (partition by e.identity_id order by e.referral_date, e.episode_id
                       rows between unbounded preceding and 1 preceding)
),
episode_years as materialized (
    -- Each episode in each census year's (perfect) return: referred by the end of the
    -- period and not closed before its start (an open episode's closure as the end of
    -- time, so that both conditions are one range join).
    select p.census_year, p.period_start, p.period_end, e.*
    from episode_facts e
    join periods p
      on e.referral_date <= p.period_end
     and coalesce(e.closure_date, {END_OF_TIME}) >= p.period_start
),
referral_children as (
    -- One row per child and year (integer keys), so that each count of children below
    -- counts rows (one hash table per year's children, not one per count(distinct)).
    select e.census_year, e.area_index, e.branch_index, e.identity_id,
           count(*) filter (where e.referral_date >= e.period_start) as referrals,
           count(*) filter (where e.referral_date >= e.period_start and e.is_referral_nfa)
               as referrals_nfa,{_basis_counts("official")},{_basis_counts("hindsight")}
    from episode_years e
    group by all
),
referral_measures as (
    select census_year, area_index, branch_index,
           sum(referrals)::bigint as referrals,
           sum(referrals_nfa)::bigint as referrals_nfa,
           count(*) filter (where referrals > 0) as children_referred,{_basis_sums("official")},{
        _basis_sums("hindsight")
    }
    from referral_children
    group by all
),
-- The dated events counted in the census year whose period holds their date, each kind a
-- code: completed assessments (1), s47 enquiries (2), initial child protection conferences
-- (3), these from the s47 module plus transfer-in conferences (CINdetails), a child's
-- conferences on the same date counted once (DfE methodology 2016-17).
dated_events as (
    select episode_id, authorisation_date as event_date, 1 as event,
           kind = 'single' as is_single, working_days <= 45 as is_within_45wd
    from assessments where authorisation_date is not null
    union all
    select episode_id, start_date, 2, null, null from s47
    union all
    select episode_id, icpc_date, 3, null, null from s47 where icpc_date is not null
    union all
    select episode_id, transfer_in_icpc_date, 3, null, null from episodes
    where transfer_in_icpc_date is not null
),
event_counts as (
    -- All kinds in one join to the episodes; an event counts if its episode is in that
    -- year's return (as in episode_years).
    select p.census_year, e.area_index, e.branch_index,
           count(*) filter (where d.event = 1) as assessment_rows,
           count(*) filter (where d.event = 1 and d.is_single) as single_assessments_completed,
           count(*) filter (where d.event = 1 and d.is_single and d.is_within_45wd)
               as single_assessments_within_45wd,
           count(*) filter (where d.event = 2) as s47_rows,
           count(distinct (e.identity_id, d.event_date)) filter (where d.event = 2)
               as s47_enquiries,
           count(distinct e.identity_id) filter (where d.event = 2) as children_s47,
           count(*) filter (where d.event = 3) as icpc_rows,
           count(distinct (e.identity_id, d.event_date)) filter (where d.event = 3) as icpcs,
           count(distinct e.identity_id) filter (where d.event = 3) as children_icpc
    from dated_events d
    join episode_facts e on e.episode_id = d.episode_id
    join periods p on p.census_year = {census_year_of_sql("d.event_date")}
    where d.event_date between p.period_start and p.period_end
      and e.referral_date <= p.period_end
      and coalesce(e.closure_date, {END_OF_TIME}) >= p.period_start
    group by all
),
event_measures as (
    -- A kind with no event in an (area, branch) and year has no counts there (null), as
    -- if counted apart.
    select census_year, area_index, branch_index,
           case when assessment_rows > 0 then assessment_rows end as assessments_completed,
           case when assessment_rows > 0 then single_assessments_completed end
               as single_assessments_completed,
           case when assessment_rows > 0 then single_assessments_within_45wd end
               as single_assessments_within_45wd,
           case when s47_rows > 0 then s47_enquiries end as s47_enquiries,
           case when s47_rows > 0 then children_s47 end as children_s47,
           case when icpc_rows > 0 then icpcs end as icpcs,
           case when icpc_rows > 0 then children_icpc end as children_icpc
    from event_counts
),
cpp_measures as (
    -- (every year of an episode with a plan makes a row, its counts 0 if none is in it)
    select e.census_year, e.area_index, e.branch_index,
           count(*) filter (where c.start_date between e.period_start and e.period_end)
               as cpp_starting,
           count(distinct e.identity_id) filter (where c.start_date between e.period_start
                                                 and e.period_end) as children_starting_cpp,
           count(*) filter (where c.start_date between e.period_start and e.period_end
                            and c.previous_cpp_count >= 1) as cpp_second_or_later,
           count(*) filter (where c.start_date <= e.period_end
                            and (c.end_date is null or c.end_date >= e.period_start))
               as cpp_any_point,
           count(distinct e.identity_id) filter (where c.start_date <= e.period_end
                            and (c.end_date is null or c.end_date >= e.period_start))
               as children_cpp_any_point,
           count(*) filter (where c.end_date between e.period_start and e.period_end)
               as cpp_ended,
           count(*) filter (where c.start_date <= e.period_end
                            and (c.end_date is null or c.end_date > e.period_end)) as cpp_31mar
    from episode_years e join cpps c on c.episode_id = e.episode_id
    group by all
),
area_measures as (
    select *
    from referral_measures
    full join event_measures using (census_year, area_index, branch_index)
    full join cpp_measures using (census_year, area_index, branch_index)
)
-- A measure absent from every (area, branch) of an LA stays null (sum of nulls), as when
-- the LA has no row of it.
select m.census_year, l.la_code,
           {la_sums}
from area_measures m
join la_year_codes l
  on l.area_index = m.area_index and l.branch_index = m.branch_index
 and l.census_year = m.census_year
group by all
"""


def combine_parts_sql(table: str) -> str:
    """The measures of every part of the identities (`measures_sql` over each part's
    tables, `identity_parts`; their rows in `table`) added up per LA and census year.
    Exact: every measure is a count of rows, of distinct children or of a child's distinct
    dates, and an identity (with its episodes and their events) is in one part alone; a
    measure null in every part stays null, as it is null where no (area, branch) has it."""
    sums = ",\n       ".join(f"sum({c})::bigint as {c}" for c in _la_columns())
    return f"""
select census_year, la_code,
       {sums}
from {table}
group by census_year, la_code
"""


def basis_sql(basis: str, table: str) -> str:
    """One basis' measures from `table` (the result of `measures_sql`), under the
    published column names, ordered by census year and LA."""
    if basis not in BASES:
        raise ValueError(f"basis must be one of {', '.join(BASES)}, not {basis!r}")
    columns = ",\n       ".join(
        f"{name}__{basis} as {name}" if name in BASIS_COLUMNS else name for name in COLUMNS
    )
    return f"""
select census_year, la_code,
       {columns}
from {table}
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


def identity_parts(tables: dict[str, pa.Table]) -> Iterator[dict[str, pa.Table]]:
    """The world's tables the measures read (`episodes`, `identities` and the episodes'
    events: `assessments`, `s47`, `cpps`) in parts of about EPISODES_PER_PART episodes:
    the identities whose id is k modulo the number of parts, with their episodes and
    those episodes' events. The whole world is one part up to that size."""
    episodes = tables["episodes"]
    parts = max(1, -(-episodes.num_rows // EPISODES_PER_PART))
    if parts == 1:
        yield tables
        return
    episode_ids = episodes["episode_id"].to_numpy()
    part_of_episode = np.zeros(int(episode_ids.max()) + 1, dtype=np.int32)
    part_of_episode[episode_ids] = episodes["identity_id"].to_numpy() % parts
    part_of_rows = {
        name: (
            table["identity_id"].to_numpy() % parts
            if name in ("episodes", "identities")
            else part_of_episode[table["episode_id"].to_numpy()]
        )
        for name, table in tables.items()
    }
    for part in range(parts):
        yield {
            name: table.filter(pa.array(part_of_rows[name] == part))
            for name, table in tables.items()
        }


def expected_la_year(
    world: World, census_years: list[int], settings: GeneratorSettings
) -> dict[str, pa.Table]:
    """Every official measure per LA and census year from the true dates, on each basis
    (`official`, `hindsight`): counted over each part of the identities
    (`identity_parts`) and added up (`combine_parts_sql`)."""
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
            con.register("la_year_codes", la_year_codes(census_years))
            con.register("census_periods", census_periods(census_years, settings))
            world_tables = {
                "assessments": assessments.append_column("working_days", pa.array(days)),
                "episodes": world.episodes,
                "identities": world.identities,
                "s47": world.s47,
                "cpps": world.cpps,
            }
            part_measures = []
            for part in identity_parts(world_tables):
                for name, table in part.items():
                    con.register(name, table)
                part_measures.append(con.sql(measures_sql()).to_arrow_table())
            con.register("la_measure_parts", pa.concat_tables(part_measures))
            con.execute(f"create temp table la_measures as {combine_parts_sql('la_measure_parts')}")
            return {
                basis: con.sql(basis_sql(basis, "la_measures")).to_arrow_table() for basis in BASES
            }
        finally:
            con.close()
