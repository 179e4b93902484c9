"""The shape of the world beside the partial distributions DfE and BMJ Open 2019 publish.

The calibration targets (cin_warehouse/data/README.md) ask that distributions published only
in part (durations, referral source, primary need, category of abuse, sex, ethnicity) follow
the partial figures; the
config sets its inputs from them. This part of the calibration report shows what the
truth makes of them, in percentages with the difference in percentage points. It is not
scored: the targets give tolerances for counts and rates only.

Published side: `cin_warehouse/data/calibration/distributions.csv`, matched on measure, year and
category label; a distribution published as counts (conferences, assessments) is turned
into shares of its published bands. The BMJ Open 2019 cohort facts are docs/cin_census.md §6.
Not shown: the assessment factors (the config's factor weights are the 2018 counts
themselves) and re-referrals by primary need (one year, five needs).
"""

from __future__ import annotations

import csv
import tempfile
from collections import defaultdict
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa

from cin_warehouse.synth import calendar as cal
from cin_warehouse.synth.geography import calibration_dir
from cin_warehouse.synth.measures import EPISODES_WITH_PROTECTION_SQL, is_cin_episode_sql

# The distributions of distributions.csv that the report shows, with their source.
SHOWN = {
    "cin_31mar_by_episode_duration": "LAIT CINTime",
    "cin_episodes_ended_by_duration": "LAIT CINCease",
    "cpp_31mar_by_duration": "CSC d5",
    "cpp_ended_by_duration": "EES D7",
    "icpcs_by_working_days_from_s47_start": "LAIT, EES C4",
    "assessments_by_duration_working_days": "EES C2",
    "referrals_by_source_partial": "LAIT",
    "primary_need_cin_31mar_partial": "SFR 43/2014",
    "cpp_starting_by_initial_category_partial": "secondary report",
    "gender_cin_31mar": "secondary report, whole %",
    "ethnicity_cin_31mar_partial": "secondary report, whole %",
}
TRUTH_TABLES = ("episodes", "persons", "cpps", "s47", "assessments", "record_keys")

# Duration bands as DfE publishes them. Plans at 31 March (CSC d5) and plans ended (EES
# D7): "3 months or less", "more than 3 months, up to 6 months", "more than 6 months,
# less than 1 year", "1 year, less than 2 years", "2 years or more". CIN episodes (LAIT
# CINTime, CINCease): under 3 months, 3 to 6, 6 to 12, 1 to 2 years, 2 years or more.
MACROS_SQL = """
create or replace macro cpp_duration(from_date, to_date) as case
    when from_date + interval 3 month >= to_date then '3 months or less'
    when from_date + interval 6 month >= to_date then 'more than 3 months, up to 6 months'
    when from_date + interval 12 month > to_date then 'more than 6 months, less than 1 year'
    when from_date + interval 24 month > to_date then '1 year, less than 2 years'
    else '2 years or more' end;
create or replace macro cin_duration(from_date, to_date) as case
    when from_date + interval 3 month > to_date then 'under 3 months'
    when from_date + interval 6 month > to_date then '3 to 6 months'
    when from_date + interval 12 month > to_date then '6 months to 1 year'
    when from_date + interval 24 month > to_date then '1 to 2 years'
    else '2 years or more' end;
"""

# One row per (distribution, census year, category label, true count); shares are taken
# over every category of the year, so a partial distribution keeps its published base.
DISTRIBUTIONS_SQL = f"""
with years as (
    select census_year, make_date(census_year - 1, 4, 1) as period_start,
           make_date(census_year, 3, 31) as period_end
    from (select unnest(?::integer[]) as census_year)
),
-- CIN episodes as each year's return shows them (information as at its 31 March).
cin as ({EPISODES_WITH_PROTECTION_SQL}),
cin_31mar as (
    select y.census_year, y.period_end, e.*
    from cin e join years y
      on {is_cin_episode_sql("y.period_end")} and e.referral_date <= y.period_end
     and (e.closure_date is null or e.closure_date > y.period_end)
),
-- Working days from start (counted) to end (not), DfE's way: `calendar` numbers them.
icpc_days as (
    select y.census_year, done.wd_before - began.wd_before as days
    from s47 s join years y on s.icpc_date between y.period_start and y.period_end
    join calendar began on began.day = s.start_date
    join calendar done on done.day = s.icpc_date
),
assessment_days as (
    select y.census_year, done.wd_before - began.wd_before as days
    from assessments a
    join years y on a.authorisation_date between y.period_start and y.period_end
    join calendar began on began.day = a.start_date
    join calendar done on done.day = a.authorisation_date
)
select 'cpp_31mar_by_duration' as measure, y.census_year,
       cpp_duration(c.start_date, y.period_end) as category_label, count(*) as n
from cpps c join years y
  on c.start_date <= y.period_end and (c.end_date is null or c.end_date > y.period_end)
group by all
union all
select 'cpp_ended_by_duration', y.census_year, cpp_duration(c.start_date, c.end_date), count(*)
from cpps c join years y on c.end_date between y.period_start and y.period_end
group by all
union all
select 'cin_31mar_by_episode_duration', census_year,
       cin_duration(referral_date, period_end), count(*)
from cin_31mar group by all
union all
select 'cin_episodes_ended_by_duration', y.census_year,
       cin_duration(e.referral_date, e.closure_date), count(*)
from cin e join years y
  on {is_cin_episode_sql("y.period_end")}
 and e.closure_date between y.period_start and y.period_end
group by all
union all
select 'icpcs_by_working_days_from_s47_start', census_year,
       case when days <= 10 then '0-10 working days' when days <= 15 then '11-15 working days'
            when days <= 20 then '16-20 working days' else '21+ working days' end,
       count(*)
from icpc_days group by all
union all
select 'assessments_by_duration_working_days', census_year,
       case when days = 0 then 'started and finished the same day'
            when days <= 10 then '1 to 10 days' when days <= 20 then '11 to 20 days'
            when days <= 30 then '21 to 30 days' when days <= 40 then '31 to 40 days'
            when days <= 45 then '41 to 45 days' when days <= 50 then '46 to 50 days'
            when days <= 60 then '51 to 60 days' else '61 days or more' end,
       count(*)
from assessment_days group by all
union all
-- Referral source codes (DfE): 6 police, 2A schools, 3A-3F health services.
select 'referrals_by_source_partial', y.census_year,
       case when e.referral_source = '6' then 'police'
            when e.referral_source = '2A' then 'schools'
            when e.referral_source like '3_' then 'health services'
            else 'other' end,
       count(*)
from episodes e join years y on e.referral_date between y.period_start and y.period_end
group by all
union all
select 'primary_need_cin_31mar_partial', census_year,
       case primary_need when 'N1' then 'abuse or neglect' when 'N5' then 'family dysfunction'
            else 'other' end,
       count(*)
from cin_31mar group by all
union all
select 'cpp_starting_by_initial_category_partial', y.census_year,
       case c.initial_category when 'NEG' then 'neglect' when 'EMO' then 'emotional abuse'
            when 'PHY' then 'physical abuse' else 'other' end,
       count(*)
from cpps c join years y on c.start_date between y.period_start and y.period_end
group by all
union all
select 'gender_cin_31mar', census_year,
       case when p.birth_date > period_end then 'unborn or unknown'
            when p.sex = 'M' then 'male' when p.sex = 'F' then 'female'
            else 'unborn or unknown' end,
       count(*)
from cin_31mar join persons p using (person_id) group by all
union all
select 'ethnicity_cin_31mar_partial', census_year,
       case when p.ethnicity like 'W%' then 'White (all White groups)' else 'other' end,
       count(*)
from cin_31mar join persons p using (person_id) group by all
"""

# BMJ Open 2019 (docs/cin_census.md §6): children (LA child IDs) in the returns 2008/09-2015/16.
BMJ_COHORT_PCT = {
    "children never given a PMR": 36.0,
    "male": 50.2,
    "female": 47.5,
    "sex unknown (unborn in every return)": 2.3,
    "White": 66.0,
    "Asian": 7.0,
    "Black": 7.0,
    "Mixed": 6.0,
    "first referral: abuse or neglect (N1)": 45.0,
    "first referral: family dysfunction (N5)": 17.8,
    "first referral: family in acute stress (N4)": 9.8,
    "first referral: child's disability (N2)": 4.8,
    "ever on a child protection plan": 10.7,
}
BMJ_MEAN_AGE_AT_REFERRAL = 7.25
BMJ_LAST_CENSUS_YEAR = 2016

COHORT_SQL = f"""
with child as (
    select identity_id, any_value(person_id) as person_id,
           count(pupil_matching_ref) = 0 as has_no_pmr, max(census_year) as last_year
    from record_keys where census_year <= {BMJ_LAST_CENSUS_YEAR} group by identity_id
),
first_need as (
    select identity_id, arg_min(primary_need, (referral_date, episode_id)) as first_need
    from episodes group by identity_id
),
on_plan as (
    select distinct e.identity_id
    from episodes e join cpps c using (episode_id)
    where c.start_date <= make_date({BMJ_LAST_CENSUS_YEAR}, 3, 31)
),
facts as (
    select child.*, p.sex, p.birth_date, p.ethnicity, first_need.first_need,
           on_plan.identity_id is not null as was_on_plan,
           p.birth_date <= make_date(child.last_year, 3, 31) as was_born
    from child
    join persons p using (person_id)
    join first_need using (identity_id)
    left join on_plan using (identity_id)
)
select
    avg(has_no_pmr::int),
    avg((sex = 'M' and was_born)::int),
    avg((sex = 'F' and was_born)::int),
    avg((sex not in ('M', 'F') or not was_born)::int),
    avg((ethnicity like 'W%')::int), avg((ethnicity like 'A%')::int),
    avg((ethnicity like 'B%')::int), avg((ethnicity like 'M%')::int),
    avg((first_need = 'N1')::int), avg((first_need = 'N5')::int),
    avg((first_need = 'N4')::int), avg((first_need = 'N2')::int),
    avg(was_on_plan::int)
from facts
"""

MEAN_AGE_SQL = f"""
select avg(date_diff('day', p.birth_date, e.referral_date) / 365.25)
from episodes e join persons p using (person_id)
where e.referral_date >= p.birth_date
  and e.episode_id in (select episode_id from record_keys
                       where census_year <= {BMJ_LAST_CENSUS_YEAR})
"""


def working_day_calendar(first: date, last: date) -> pa.Table:
    """Every day from first to last with the number of working days before it."""
    days = np.arange(np.datetime64(first), np.datetime64(last) + 1)
    return pa.table(
        {"day": days, "wd_before": cal.working_days_between(np.full(len(days), days[0]), days)}
    )


def connect(truth_dir: Path) -> duckdb.DuckDBPyConnection:
    # Bounded memory: at national scale the joins spill to disk rather than take the RAM.
    con = duckdb.connect(config={"memory_limit": "3GB", "temp_directory": tempfile.gettempdir()})
    for name in TRUTH_TABLES:
        path = truth_dir / f"{name}.parquet"
        con.execute(f"create view {name} as select * from read_parquet('{path}')")
    con.register("calendar", working_day_calendar(date(2000, 1, 1), date(2027, 12, 31)))
    con.execute(MACROS_SQL)
    return con


def published() -> dict[tuple[str, int], dict[str, float]]:
    """Published shares (%) by (measure, year) and category label."""
    counts: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    shares: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    with open(calibration_dir() / "distributions.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["measure"], int(row["year"]))
            if row["percent"]:
                shares[key][row["category_label"]] = float(row["percent"])
            elif row["count"]:
                counts[key][row["category_label"]] = float(row["count"])
    for key, by_label in counts.items():
        if key not in shares:
            total = sum(by_label.values())
            shares[key] = {label: 100 * n / total for label, n in by_label.items()}
    return dict(shares)


def synthetic(con: duckdb.DuckDBPyConnection, census_years: list[int]) -> dict:
    """True shares (%) by (measure, year) and category label."""
    rows = con.execute(DISTRIBUTIONS_SQL, [census_years]).fetchall()
    totals: dict[tuple[str, int], int] = defaultdict(int)
    for measure, year, _, n in rows:
        totals[(measure, year)] += n
    shares: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    for measure, year, label, n in rows:
        shares[(measure, year)][label] = 100 * n / totals[(measure, year)]
    return shares


def render_distributions(truth_dir: Path, census_years: list[int]) -> str:
    con = connect(truth_dir)
    true_shares = synthetic(con, census_years)
    lines = [
        "\nDistributions (synthetic % and, in brackets, published %; not scored, see"
        " distributions.py):"
    ]
    targets = published()
    for measure, source in SHOWN.items():
        years = sorted(y for m, y in targets if m == measure and y in census_years)
        if not years:
            continue
        labels = list(targets[(measure, years[-1])])
        lines += [
            f"\n{measure} ({source}):\n",
            "| year | " + " | ".join(labels) + " | largest gap |",
            "|---|" + "---:|" * (len(labels) + 1),
        ]
        for year in years:
            cells, gaps = [], []
            for label in labels:
                target = targets[(measure, year)].get(label)
                value = true_shares.get((measure, year), {}).get(label, 0.0)
                if target is None:
                    cells.append("")
                    continue
                cells.append(f"{value:.1f} ({target:.1f})")
                gaps.append(value - target)
            gap = max(gaps, key=abs)
            lines.append(f"| {year} | " + " | ".join(cells) + f" | {gap:+.1f} pp |")
    lines.append(render_bmj_cohort(con, census_years))
    return "\n".join(lines)


def render_bmj_cohort(con: duckdb.DuckDBPyConnection, census_years: list[int]) -> str:
    if min(census_years) > BMJ_LAST_CENSUS_YEAR:
        return ""
    values = con.execute(COHORT_SQL).fetchone()
    mean_age_row = con.execute(MEAN_AGE_SQL).fetchone()
    assert values is not None and mean_age_row is not None  # aggregates return one row
    mean_age = mean_age_row[0]
    lines = [
        f"\nBMJ Open 2019 cohort (children in the returns {min(census_years)}"
        f"-{BMJ_LAST_CENSUS_YEAR}; not scored):\n",
        "| fact | synthetic | BMJ Open 2019 |",
        "|---|---:|---:|",
    ]
    for (fact, target), value in zip(BMJ_COHORT_PCT.items(), values, strict=True):
        lines.append(f"| {fact} | {100 * value:.1f} % | {target:g} % |")
    lines.append(
        f"| mean age at referral (born children) | {mean_age:.2f} y"
        f" | {BMJ_MEAN_AGE_AT_REFERRAL:g} y |"
    )
    lines.append(
        "\nBMJ's figures come from the recorded data: its unknown sex includes sex missing"
        " from records (about 2% of demographics), and its children ever on a plan miss the"
        " plans of 2009/10-2011/12 referrals, whose CPP fields the NPD lacks."
    )
    return "\n".join(lines)
