"""Official DfE measures per LA and census year, computed directly from the truth.

Definitions: DfE "Characteristics of children in need" methodology (2016-17), summarised
in docs/cin_census.md §7. A child is an LA record (LA + LAchildID), as DfE counts children within
each LA's return; England figures are the sum over LAs. Two documented choices:
- "assessed not in need" and the matching CIN-episode exclusion take closures RC8 and
  RC9 (both "closed after assessment"; RC9 exists from 2022/23, after the methodology was
  written, and validation rule 2990 treats the two alike);
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
from cin_warehouse.synth.world import World

# DfE's CIN episode: a referral that led to a case, or to an assessment that did not close
# it as "not in need" (RC8/RC9). Shared with the distributions of the calibration report.
IS_CIN_EPISODE_SQL = """(e.outcome = 2
           or (e.outcome = 1 and coalesce(e.closure_reason, '') not in ('RC8', 'RC9')))"""

MEASURES_SQL = f"""
with years as (
    select unnest(?::integer[]) as census_year
),
periods as (
    select census_year,
           make_date(census_year - 1, 4, 1) as period_start,
           make_date(census_year, 3, 31) as period_end
    from years
),
la_of as (select * from la_year_codes),
ep as (
    select e.* exclude (area_index), i.area_index, i.branch_index,
           {IS_CIN_EPISODE_SQL} as is_cin_episode,
           e.outcome = 1 and e.closure_reason in ('RC8', 'RC9') as is_assessed_not_in_need
    from episodes e join identities i using (identity_id)
),
ep_year as (
    select p.census_year, p.period_start, p.period_end, l.la_code, ep.*
    from ep
    join periods p
      on ep.referral_date <= p.period_end
     and (ep.closure_date is null or ep.closure_date >= p.period_start - interval 365 day)
    join la_of l
      on l.area_index = ep.area_index and l.branch_index = ep.branch_index
     and l.census_year = p.census_year
),
previous_referral as (
    select episode_id,
           lag(referral_date) over (partition by identity_id order by referral_date, episode_id)
               as previous_referral_date
    from episodes
),
referral_measures as (
    select census_year, la_code,
           count(*) filter (where referral_date >= period_start) as referrals,
           count(*) filter (where referral_date >= period_start
                            and referral_date - pr.previous_referral_date <= 365)
               as rereferrals_12m,
           count(*) filter (where referral_date >= period_start and is_referral_nfa)
               as referrals_nfa,
           count(*) filter (where referral_date >= period_start and is_assessed_not_in_need)
               as referrals_assessed_not_in_need,
           count(distinct identity_id) filter (where referral_date >= period_start)
               as children_referred,
           count(*) filter (where is_cin_episode and referral_date >= period_start)
               as episodes_starting,
           count(distinct identity_id) filter (where is_cin_episode
                                               and referral_date >= period_start)
               as children_starting_episode,
           count(*) filter (where is_cin_episode
                            and (closure_date is null or closure_date >= period_start))
               as episodes_any_point,
           count(distinct identity_id) filter (where is_cin_episode
                            and (closure_date is null or closure_date >= period_start))
               as children_in_need_any_point,
           count(*) filter (where is_cin_episode and closure_date between period_start
                            and period_end) as episodes_ending,
           count(distinct identity_id) filter (where is_cin_episode
                            and (closure_date is null or closure_date > period_end))
               as children_in_need_31mar
    from ep_year left join previous_referral pr using (episode_id)
    where referral_date <= period_end
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


def expected_la_year(world: World, census_years: list[int]) -> pa.Table:
    """Every official measure per LA and census year, from the true dates."""
    # Bounded memory: at national scale the joins spill to disk rather than take the RAM.
    con = duckdb.connect(config={"memory_limit": "3GB", "temp_directory": tempfile.gettempdir()})
    assessments = world.assessments
    start = assessments["start_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    auth = assessments["authorisation_date"].to_numpy(zero_copy_only=False).astype("datetime64[D]")
    done = ~np.isnat(auth)
    days = np.full(len(start), -1, dtype=np.int64)
    days[done] = cal.working_days_between(start[done], auth[done])
    con.register("assessments", assessments.append_column("working_days", pa.array(days)))
    identities = world.identities
    for name, table in (
        ("episodes", world.episodes),
        ("identities", identities),
        ("s47", world.s47),
        ("cpps", world.cpps),
        ("la_year_codes", la_year_codes(census_years)),
    ):
        con.register(name, table)
    return con.execute(MEASURES_SQL, [census_years]).to_arrow_table()
