"""The synthetic world: determinism, truth consistency, quirk rates, clean mode, formats.

Expected values come from the configuration (`config.toml`), from the XSDs and from
the census variable table of docs/cin_census.md, never from an earlier run of the generator.
"""

from __future__ import annotations

import csv
import math
import re
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from cin_warehouse.synth.config import by_year, load_raw_config
from cin_warehouse.synth.geography import CALIBRATION_DIR
from cin_warehouse.synth.xml_writer import validate_xml_return
from tests.python.conftest import World, make_world

CENSUS_DOC = Path(__file__).resolve().parents[3] / "docs" / "cin_census.md"
CONFIG = load_raw_config()


def truth(world: World) -> duckdb.DuckDBPyConnection:
    """A connection with every truth table as a view."""
    con = duckdb.connect()
    for path in world.truth_dir.glob("*.parquet"):
        con.execute(f"create view {path.stem} as select * from read_parquet('{path}')")
    return con


def assert_rate(observed: int, expected: float, trials: int, label: str) -> None:
    """Observed count within 4 binomial standard deviations (and 1) of the expected count."""
    assert trials > 0, f"{label}: nothing to measure"
    p = expected / trials
    sd = math.sqrt(max(trials * p * (1 - p), 1.0))
    assert abs(observed - expected) <= 4 * sd + 1, (
        f"{label}: {observed} of {trials} (expected {expected:.1f}, rate {p:.4f})"
    )


# --- determinism ---------------------------------------------------------------------


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.suffix in (".csv", ".xml")
    }


def test_same_seed_same_files_and_truth(tmp_path: Path) -> None:
    small = {"la_codes": ("202",), "census_years": (2016, 2017, 2018)}
    a = make_world(tmp_path / "a", **small)
    b = make_world(tmp_path / "b", **small)
    other = make_world(tmp_path / "c", **{**small, "seed": 8})
    assert _files(a.path) == _files(b.path)
    assert len(_files(a.path)) == 2 * 3 + 2  # NPD main + disabilities per year, XML 2017-18
    for table in ("episodes", "cpps", "quirks", "expected_la_year"):
        assert pq.read_table(a.truth_dir / f"{table}.parquet").equals(
            pq.read_table(b.truth_dir / f"{table}.parquet")
        )
    assert _files(a.path) != _files(other.path)


# --- truth is internally consistent ------------------------------------------------------

CONSISTENCY_CHECKS = {
    "closure before referral": "select count(*) from episodes where closure_date < referral_date",
    "assessment outside its episode": """
        select count(*) from assessments a join episodes e using (episode_id)
        where a.start_date < e.referral_date or a.authorisation_date < a.start_date
           or a.authorisation_date > e.closure_date""",
    "conference before its enquiry": "select count(*) from s47 where icpc_date < start_date",
    "enquiry or conference after its episode closed": """
        select count(*) from s47 s join episodes e using (episode_id)
        where s.start_date < e.referral_date or s.start_date > e.closure_date
           or s.icpc_date > e.closure_date""",
    "plan outside its episode": """
        select count(*) from cpps c join episodes e using (episode_id)
        where c.start_date < e.referral_date or c.end_date <= c.start_date
           or c.end_date > e.closure_date""",
    "review outside its plan": """
        select count(*) from reviews r join cpps c using (cpp_id)
        where r.review_date <= c.start_date or r.review_date > c.end_date""",
    "CIN plan outside its episode": """
        select count(*) from cin_plans p join episodes e using (episode_id)
        where p.start_date < e.referral_date or p.end_date < p.start_date
           or p.end_date > e.closure_date""",
    "overlapping true episodes of one LA record": """
        select count(*) from (
            select referral_date, lag(closure_date) over w as previous_closure,
                   lag(episode_id) over w as previous_episode
            from episodes window w as (partition by identity_id order by referral_date)
        ) where previous_episode is not null
            and (previous_closure is null or referral_date <= previous_closure)""",
    "two plans of one child at once": """
        select count(*) from (
            select start_date, lag(end_date) over w as previous_end,
                   lag(cpp_id) over w as previous_plan
            from cpps window w as (partition by person_id order by start_date)
        ) where previous_plan is not null
            and (previous_end is null or start_date < previous_end)""",
}


@pytest.mark.parametrize("check", sorted(CONSISTENCY_CHECKS))
def test_truth_is_consistent(world: World, check: str) -> None:
    assert truth(world).execute(CONSISTENCY_CHECKS[check]).fetchone()[0] == 0


def test_truth_has_every_event_kind(world: World) -> None:
    con = truth(world)
    for table in (
        "persons",
        "episodes",
        "assessments",
        "factors",
        "s47",
        "cpps",
        "reviews",
        "cin_plans",
        "services",
        "record_keys",
        "expected_la_year",
        "expected_la_year_hindsight",
    ):
        assert con.execute(f"select count(*) from {table}").fetchone()[0] > 0, table


def test_record_keys_one_row_per_year_and_record_in_that_order(world: World) -> None:
    """truth/record_keys is ordered by its key, census year then record id (truth.py)."""
    keys = pq.read_table(
        world.truth_dir / "record_keys.parquet", columns=["census_year", "record_id"]
    )
    rows = list(zip(keys["census_year"].to_pylist(), keys["record_id"].to_pylist(), strict=True))
    assert len(rows) > 1000
    assert len(set(rows)) == len(rows)
    assert rows == sorted(rows)


def test_child_ids_unique_within_an_la_unless_the_collision_quirk(world: World) -> None:
    """Within a year's return, one LAchildID is one LA record, except where the quirk log
    says the ID was borrowed from another LA's child."""
    con = truth(world)
    shared = con.execute(
        """select census_year, la_code, la_child_id from record_keys
           group by all having count(distinct identity_id) > 1"""
    ).fetchall()
    collided = {
        row[0]
        for row in con.execute(
            "select written_value from quirks where quirk = 'la_child_id_collision'"
        ).fetchall()
    }
    assert all(child in collided for _, _, child in shared)


# --- quirks at their configured rates, and absent in clean mode --------------------------


def _year_rate(name: str, year: int) -> float:
    return by_year(CONFIG["quirks"][name], year)


def test_missing_closure_rate(world: World) -> None:
    rows = (
        truth(world)
        .execute(
            """select year(closure_date + interval 9 month) as census_year, count(*),
                  count(*) filter (where is_closure_missing)
           from records where not is_phantom and closure_date is not null
             and closure_date >= date '2008-04-01'
           group by 1"""
        )
        .fetchall()
    )
    expected = sum(_year_rate("missing_closure", y) * n for y, n, _ in rows)
    assert_rate(sum(m for *_, m in rows), expected, sum(n for _, n, _ in rows), "missing closure")


def test_phantom_rereferral_rate(world: World) -> None:
    rows = (
        truth(world)
        .execute(
            """select year(e.referral_date + interval 9 month) as y, count(*),
                  count(*) filter (where p.record_id is not null)
           from episodes e
           left join (select distinct episode_id, record_id from records where is_phantom) p
             using (episode_id)
           where not e.is_referral_nfa
             and coalesce(e.closure_date, date '2026-03-31') - e.referral_date > 30
           group by 1"""
        )
        .fetchall()
    )
    expected = sum(_year_rate("open_case_rereferral", y) * n for y, n, _ in rows)
    observed = sum(p for *_, p in rows)
    assert_rate(observed, expected, sum(n for _, n, _ in rows), "phantom re-referrals")


def test_npd_value_quirk_rates(world: World) -> None:
    """Legacy codes, duplicates and missing DateOfInitialCPC, per NPD file."""
    con = truth(world)
    legacy = expected_legacy = trials_legacy = 0
    dups = expected_dups = trials_dups = 0
    for year in world.settings.census_years:
        path = world.path / "npd" / f"CIN_{year}.csv"
        con.execute(
            f"create or replace view f as select * from read_csv('{path}', all_varchar=true)"
        )
        rows = con.execute("select count(*) from f").fetchone()[0]
        logged = dict(
            con.execute(
                f"select quirk, count(*) from quirks where census_year = {year} group by 1"
            ).fetchall()
        )
        d = logged.get("duplicate_row", 0)
        dups += d
        trials_dups += rows - d
        expected_dups += _year_rate("duplicate_row", year) * (rows - d)
        if year >= 2010:
            values = con.execute(
                "select count(cin_primaryneedcode) + count(cin_reasonforclosure)"
                " + count(cin_ethnicgroupminor) from f"
            ).fetchone()[0]
            legacy += con.execute(
                f"select count(*) from quirks where census_year = {year} and quirk = 'legacy_code'"
                " and field <> 'CIN_ReferralSource'"
            ).fetchone()[0]
            trials_legacy += values
            expected_legacy += _year_rate("legacy_code", year) * values
    assert_rate(dups, expected_dups, trials_dups, "duplicate rows")
    assert_rate(legacy, expected_legacy, trials_legacy, "legacy codes")


def test_clean_world_has_no_quirks(clean_world: World) -> None:
    con = truth(clean_world)
    assert con.execute("select count(*) from quirks").fetchone()[0] == 0
    assert con.execute("select count(*) from records where is_phantom").fetchone()[0] == 0
    assert (
        con.execute(
            "select count(*) from records where is_closure_missing or amended_from_census_year > 0"
        ).fetchone()[0]
        == 0
    )
    valid = _valid_codes()
    for year in clean_world.settings.census_years:
        path = clean_world.path / "npd" / f"CIN_{year}.csv"
        con.execute(
            f"create or replace view f as select * from read_csv('{path}', all_varchar=true)"
        )
        duplicates = con.execute(
            "select (select count(*) from f) - (select count(*) from (select distinct * from f))"
        ).fetchone()[0]
        assert duplicates == 0, year
        bad_need = con.execute(
            "select count(*) from f where cin_primaryneedcode not in (select unnest(?))",
            [sorted(valid["primary_need"])],
        ).fetchone()[0]
        assert bad_need == 0, year
        if year >= 2010:
            before = con.execute(
                "select count(*) from f where cin_cinclosuredate < cin_referraldate"
                " or cin_cinclosuredate like '1%00-01-01'"
            ).fetchone()[0]
            assert before == 0, year


def _valid_codes() -> dict[str, set[str]]:
    seeds = Path(__file__).resolve().parents[3] / "seeds" / "ref_codes.csv"
    codes: dict[str, set[str]] = {}
    with open(seeds, encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["is_legacy"] == "false":
                codes.setdefault(row["code_list"], set()).add(row["code"])
    return codes


# --- formats ----------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["world", "clean_world"])
def test_every_xml_file_validates_against_its_xsd(
    which: str, world: World, clean_world: World
) -> None:
    # both worlds named, so that the test runs where the session's worlds are (conftest.py)
    generated = {"world": world, "clean_world": clean_world}[which]
    files = sorted((generated.path / "xml").rglob("*.xml"))
    assert {int(p.parent.name) for p in files} == set(range(2017, 2027))
    errors = {str(p): validate_xml_return(p) for p in files}
    assert {p: e[:3] for p, e in errors.items() if e} == {}


def _domain_npd_years() -> dict[str, set[int]]:
    """docs/cin_census.md §3b's table, parsed independently of the seeds: variable -> years."""
    text = CENSUS_DOC.read_text(encoding="utf-8")
    table = text[text.index("| variable | years |") : text.index("Legacy values met")]
    names_for = {  # entries of the table that are not plain NPD variable names
        "CINReferralDate (ReferralDate)": ["ReferralDate"],
        "PupilMatchingRefAnonymous (PMR)": ["PupilMatchingRefAnonymous"],
        "LA (3-digit) and LA_9CODE": ["LA", "LA_9CODE"],
        "LA_09 (code before the 2009 reorganisation)": ["LA_09"],
        "LA_LGR (after)": ["LA_LGR"],
        "service provision (ServiceType": ["ServiceType"],
        "ServiceProvider": ["ServiceProvider"],
        "start": ["ServiceProvisionStartDate"],
        "end)": ["ServiceProvisionEndDate"],
    }
    out: dict[str, set[int]] = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0].startswith("ethnicity coded"):
            continue
        years = _years(cells[1])
        for entry in (e.strip() for e in cells[0].split(",")):
            for name in names_for.get(entry, [entry]):
                out[name] = years
    return out


def _years(text: str) -> set[int]:
    """'2008/09 on', '2009/10 – 2016/17', '2008/09 only', '2008/09, and 2012/13 on (...)'."""
    text = re.sub(r"\(.*\)", "", text)
    years: set[int] = set()
    for part in text.split(", and "):
        found = [int(y) + 1 for y in re.findall(r"(\d{4})/\d{2}", part)]
        if "on" in part.split():
            years |= set(range(found[0], 2027))
        elif len(found) == 2:
            years |= set(range(found[0], found[1] + 1))
        else:
            years.add(found[0])
    return years


def test_npd_columns_per_year_equal_domain(world: World) -> None:
    domain = _domain_npd_years()
    assert len(domain) > 40
    for year in world.settings.census_years:
        path = world.path / "npd" / f"CIN_{year}.csv"
        with open(path, encoding="utf-8") as handle:
            header = handle.readline().strip().split(",")
        expected = {f"CIN_{name}" for name, years in domain.items() if year in years}
        assert set(header) == expected, year


def test_referral_date_amended_rate(world: World) -> None:
    rows = (
        truth(world)
        .execute(
            """select year(referral_date + interval 9 month) as y, count(*),
                  count(*) filter (where amended_from_census_year > 0)
           from records
           where closure_date is null
              or year(closure_date + interval 9 month) > year(referral_date + interval 9 month)
           group by 1"""
        )
        .fetchall()
    )
    expected = sum(_year_rate("referral_date_amended", y) * n for y, n, _ in rows)
    observed = sum(a for *_, a in rows)
    assert_rate(observed, expected, sum(n for _, n, _ in rows), "amended referral dates")


def test_identity_quirk_rates(world: World) -> None:
    """LAchildID collisions and second UPNs (per LA record), UPNs missing (per record-year)."""
    con = truth(world)
    identities, with_upn, second = con.execute(
        "select count(*), count(upn), count(second_upn) from identities"
    ).fetchone()
    collisions = con.execute(
        "select count(*) from quirks where quirk = 'la_child_id_collision'"
    ).fetchone()[0]
    rate = CONFIG["quirks"]["la_child_id_collision"]
    # A borrowed ID must come from another LA; the few drawn from the same LA are dropped.
    assert_rate(collisions, rate * identities, identities, "LAchildID collisions")
    assert_rate(second, CONFIG["quirks"]["second_upn"] * with_upn, with_upn, "second UPNs")
    rows = con.execute(
        """select k.census_year, count(*) filter (where k.upn is not null),
                  any_value(q.n)
           from (select distinct census_year, identity_id, upn from record_keys) k
           left join (select census_year, count(*) as n from quirks
                      where quirk = 'upn_missing' group by 1) q using (census_year)
           group by 1"""
    ).fetchall()
    missing = sum(n or 0 for *_, n in rows)
    trials = sum(kept + (n or 0) for _, kept, n in rows)
    expected = sum(_year_rate("upn_missing", y) * (kept + (n or 0)) for y, kept, n in rows)
    assert_rate(missing, expected, trials, "UPN missing")


def test_npd_date_quirk_rates(world: World) -> None:
    """Placeholder dates (of empty closure and plan-end dates), closure dates before the
    referral (of closure dates), DateOfInitialCPC missing (of those present)."""
    con = truth(world)
    tallies = {q: [0, 0.0, 0] for q in ("placeholder", "before", "icpc")}
    for year in world.settings.census_years:
        if year < 2010:
            continue
        path = world.path / "npd" / f"CIN_{year}.csv"
        con.execute(
            f"create or replace view f as select * from read_csv('{path}', all_varchar=true)"
        )
        logged = dict(
            con.execute(
                f"select quirk, count(*) from quirks where census_year = {year} group by 1"
            ).fetchall()
        )
        plan_end = "cin_cppenddate" if year >= 2013 else "null"
        empty, closures = con.execute(
            f"""select count(*) filter (where cin_cinclosuredate is null
                                        or cin_cinclosuredate like '1_00-01-01')
                       + count(*) filter (where {plan_end} is null
                                          or {plan_end} like '1_00-01-01'),
                       count(cin_cinclosuredate)
                from f"""
        ).fetchone()
        for key, quirk, trials in (
            ("placeholder", "placeholder_date", empty),
            ("before", "closure_before_referral", closures),
        ):
            tallies[key][0] += logged.get(quirk, 0)
            tallies[key][1] += _year_rate(quirk, year) * trials
            tallies[key][2] += trials
        if year <= 2017:
            present = con.execute("select count(cin_dateofinitialcpc) from f").fetchone()[0]
            dropped = logged.get("initial_cpc_missing", 0)
            tallies["icpc"][0] += dropped
            tallies["icpc"][1] += CONFIG["quirks"]["initial_cpc_missing"] * (present + dropped)
            tallies["icpc"][2] += present + dropped
    for key, (observed, expected, trials) in tallies.items():
        assert_rate(observed, expected, trials, key)


def test_cpp_fields_missing_for_2009_to_2012_referrals(world: World, clean_world: World) -> None:
    query = """select count(cin_cppstartdate) from read_csv('{}', all_varchar=true)
               where cin_referraldate between '2009-04-01' and '2012-03-31'"""

    def count(path: Path) -> int:
        # A relation's fetchone() is gone in DuckDB 2.0; fetchall() reads it in both.
        ((rows,),) = duckdb.sql(query.format(path)).fetchall()
        return rows

    damaged = clean = 0
    for year in (2013, 2014):
        damaged += count(world.path / "npd" / f"CIN_{year}.csv")
        clean += count(clean_world.path / "npd" / f"CIN_{year}.csv")
    assert damaged == 0
    assert clean > 0


def test_missing_returns(tmp_path: Path) -> None:
    """The Isle of Wight (921) submitted nothing in 2009/10 (config) but did in 2010/11."""
    isle = make_world(tmp_path / "w", la_codes=("921",), census_years=(2010, 2011), scale=0.2)
    assert CONFIG["recording"]["missing_returns"]["2010"] == ["921"]
    rows = {
        year: duckdb.sql(
            f"select count(*) from read_csv('{isle.path / 'npd' / f'CIN_{year}.csv'}',"
            " all_varchar=true)"
        ).fetchall()[0][0]
        for year in (2010, 2011)
    }
    assert rows[2010] == 0
    assert rows[2011] > 0


def test_2008_09_returns_cases_closed_before_the_period_retrospectively(
    world: World, clean_world: World
) -> None:
    """The first collection ran from 1 October 2008. A case closed from April to September
    2008 is in the 2008/09 return only as a retrospective case, at the configured rate
    (March closures are left out: a missing closure can keep those in a return anyway)."""
    query = """select r.record_id, k.record_id is not null as returned, q.record_id is not null
               from records r
               left join (select distinct record_id from record_keys where census_year = 2009) k
                 using (record_id)
               left join (select record_id from quirks
                          where census_year = 2009 and quirk = 'retrospective_case') q
                 using (record_id)
               where r.closure_date >= '2008-04-01' and r.closure_date < '2008-10-01'"""
    rows = truth(world).execute(query).fetchall()
    returned = sum(r for _, r, _ in rows)
    assert all(in_return == logged for _, in_return, logged in rows)
    assert_rate(
        returned,
        by_year(CONFIG["quirks"]["retrospective_case"], 2009) * len(rows),
        len(rows),
        "retrospective cases",
    )
    clean_rows = truth(clean_world).execute(query).fetchall()
    assert clean_rows and not any(r or q for _, r, q in clean_rows)


def test_conference_timing_follows_the_configured_bands_of_each_year(world: World) -> None:
    """Working days from s47 start to ICPC (start counted, end not; weekends and the bank
    holidays of the seed skipped, counted here day by day) fall in each band at the
    configured weight of the s47's census year, pooled over 2015-2026."""
    with open(
        Path(__file__).resolve().parents[3] / "seeds" / "ref_bank_holidays.csv", encoding="utf-8"
    ) as handle:
        holidays = {row["holiday_date"] for row in csv.DictReader(handle)}
    rows = (
        truth(world)
        .execute(
            """select start_date, icpc_date from s47
           where icpc_date is not null and start_date >= '2014-04-01'
             and icpc_date <= '2026-03-31'"""
        )
        .fetchall()
    )
    bands = CONFIG["pathway"]["icpc_wd_bands"]
    weights = CONFIG["pathway"]["icpc_wd_band_weights"]
    observed = [0] * len(bands)
    expected = [0.0] * len(bands)
    for start, icpc in rows:
        days, day = 0, start
        while day < icpc:
            days += day.weekday() < 5 and day.isoformat() not in holidays
            day += timedelta(days=1)
        band = next(i for i, (low, high) in enumerate(bands) if low <= days <= high)
        observed[band] += 1
        year = start.year + (start.month >= 4)
        shares = [by_year(table, year) for table in weights]
        for i, share in enumerate(shares):
            expected[i] += share / sum(shares)
    for i, (low, high) in enumerate(bands):
        assert_rate(observed[i], expected[i], len(rows), f"ICPC after {low}-{high} working days")


def test_no_upn_names_an_la_before_it_existed(world: World) -> None:
    """Characters 2-4 of a UPN are the LA that allocated it, so no return can show a UPN
    whose LA started after that return's 31 March (local_authorities.csv; rule 1530)."""
    started: dict[str, str] = {}
    with open(CALIBRATION_DIR / "local_authorities.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code, opened = row["old_la_code"], row["date_of_operation"]
            started[code] = min(started.get(code, opened), opened)
    con = truth(world)
    shown = con.execute(
        "select distinct census_year, substring(upn, 2, 3) from record_keys where upn is not null"
    ).fetchall()
    assert {code for _, code in shown} & {"839", "940"}, "test LAs lost their new codes"
    early = [(year, code) for year, code in shown if started[code] > f"{year}-03-31"]
    assert not early


def test_a_upn_stays_with_the_child_across_moves_and_changes_on_adoption(world: World) -> None:
    """UPNs are for life (DfE's UPN guidance): a child who moves LA keeps its UPN under the
    new LAchildID, an adopted child gets a new one, and no UPN is held by two children."""
    rows = (
        truth(world)
        .execute(
            "select person_id, reason, upn, second_upn from identities"
            " order by person_id, start_date"
        )
        .fetchall()
    )
    holders: dict[str, set[int]] = {}
    kept = changed = 0
    for (person, _, before, _), (same_person, reason, after, _) in zip(
        rows, rows[1:], strict=False
    ):
        if person != same_person or before is None or after is None:
            continue
        if reason == "moved LA":
            assert after == before, (person, before, after)
            kept += 1
        else:
            assert reason == "adopted" and after != before, (person, reason, before, after)
            changed += 1
    for person, _, upn, second in rows:
        for held in (upn, second):
            if held is not None:
                holders.setdefault(held, set()).add(person)
    assert {upn: p for upn, p in holders.items() if len(p) > 1} == {}
    assert kept > 50 and changed > 5, (kept, changed)


def test_upns_carry_their_check_letter(world: World) -> None:
    """Check letter recomputed here from DfE's rule (chars 2-13 weighted 2..13, mod 23,
    alphabet without I, O, S), independently of the generator's vectorised version."""
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    con = truth(world)
    upns = [
        u
        for (u,) in con.execute(
            "select upn from identities where upn is not null"
            " union all select second_upn from identities where second_upn is not null"
        ).fetchall()
    ]
    assert len(upns) > 100
    for u in upns:
        assert len(u) == 13 and u[1:].isdigit(), u
        assert (
            letters[sum(int(c) * w for c, w in zip(u[1:], range(2, 14), strict=True)) % 23] == u[0]
        ), u
