"""The reference seeds against their sources, computed independently of how they were made.

The sources the product needs are package data (``cin_warehouse/data``: DfE's LA list, the
ONS child populations, DfE's XSDs); those tests always run. Tests marked ``shared_crosscheck``
compare the repository's copies with the development team's reference folder beside the
repository, and are skipped, with the reason, where that folder is absent (a user's clone).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from tests.python.conftest import SHARED_REFERENCE_DIR as SHARED
from tests.python.la_year.test_fct_england_year import PER_10K
from tests.python.seeds.england_bank_holidays import bank_holidays, easter_sunday

PROJECT_DIR = Path(__file__).resolve().parents[3]
SEEDS = PROJECT_DIR / "seeds"
PACKAGE_DATA = PROJECT_DIR / "cin_warehouse" / "data"
CALIBRATION = PACKAGE_DATA / "calibration"
XSD_DIR = PACKAGE_DATA / "xsd"
XS = "{http://www.w3.org/2001/XMLSchema}"
shared_crosscheck = pytest.mark.shared_crosscheck


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- bank holidays -------------------------------------------------------------------


def test_easter_computus_matches_known_dates() -> None:
    # Easter Sundays as printed in almanacs (independent of the algorithm).
    known = ["2008-03-23", "2009-04-12", "2010-04-04", "2011-04-24", "2016-03-27", "2019-04-21"]
    known += ["2024-03-31", "2025-04-20", "2026-04-05"]
    assert [easter_sunday(int(day[:4])).isoformat() for day in known] == known


@shared_crosscheck
def test_rule_reproduces_published_2011_to_2026() -> None:
    published = {
        row["date"] for row in read_csv(SHARED / "calibration" / "bank_holidays_england.csv")
    }
    computed = {h.holiday_date.isoformat() for y in range(2011, 2027) for h in bank_holidays(y)}
    assert computed == published


def test_seed_2008_to_2010_rows_follow_the_rule() -> None:
    seed = [
        row for row in read_csv(SEEDS / "ref_bank_holidays.csv") if row["calendar_year"] < "2011"
    ]
    computed = [h for y in (2008, 2009, 2010) for h in bank_holidays(y)]
    assert [row["holiday_date"] for row in seed] == [h.holiday_date.isoformat() for h in computed]
    # Spot checks by hand: 2009 Boxing Day (Saturday) moved to Monday 28 December;
    # 2010 Christmas (Saturday) and Boxing Day (Sunday) moved to 27 and 28 December.
    dates = {row["holiday_date"] for row in seed}
    assert {"2009-12-28", "2010-12-27", "2010-12-28", "2008-03-21", "2010-05-31"} <= dates
    assert "2009-12-26" not in dates


@shared_crosscheck
def test_seed_2011_to_2026_is_the_published_list() -> None:
    seed = {r["holiday_date"] for r in read_csv(SEEDS / "ref_bank_holidays.csv")}
    published = {
        row["date"] for row in read_csv(SHARED / "calibration" / "bank_holidays_england.csv")
    }
    assert {day for day in seed if day >= "2011"} == published


def test_seed_holidays_are_weekdays_and_census_years_are_right() -> None:
    for row in read_csv(SEEDS / "ref_bank_holidays.csv"):
        day = dt.date.fromisoformat(row["holiday_date"])
        assert day.weekday() < 5, row
        assert int(row["census_year"]) == (day.year + 1 if day.month >= 4 else day.year), row


# --- code lists ----------------------------------------------------------------------

XSD_TYPES = {
    "primaryneedcodetype": "primary_need",
    "reasonforclosuretype": "closure_reason",
    "referralsourcetype": "referral_source",
    "categoryofabusetype": "abuse_category",
    "disabilitytype": "disability",
    "ethnicitytype": "ethnicity",
    "assessmentfactorstype": "assessment_factor",
    "unknownupntype": "upn_unknown",
    "gendertype": "gender_current",
    "sextype": "sex",
}
# Superseded codes DfE's schemas still accept: legacy in the seed, present in the XSD.
STILL_IN_SCHEMA = {("assessment_factor", "18A"), ("assessment_factor", "19A")}


def valid_codes(codes: list[dict[str, str]], code_list: str, year: int) -> set[str]:
    return {
        row["code"]
        for row in codes
        if row["code_list"] == code_list
        and int(row["first_census_year"]) <= year <= int(row["last_census_year"])
        and (row["is_legacy"] == "false" or (code_list, row["code"]) in STILL_IN_SCHEMA)
    }


@pytest.mark.parametrize("year", range(2017, 2027))
def test_codes_valid_each_year_are_the_xsd_enumerations(year: int) -> None:
    codes = read_csv(SEEDS / "ref_codes.csv")
    schema = etree.parse(str(XSD_DIR / f"CIN_schema_{year}.xsd"))
    enumerations: dict[str, set[str]] = {}
    for simple_type in schema.iter(f"{XS}simpleType"):
        if simple_type.get("name") in XSD_TYPES:
            values = {e.get("value") for e in simple_type.iter(f"{XS}enumeration")}
            enumerations[XSD_TYPES[simple_type.get("name")]] = values
    for code_list in XSD_TYPES.values():
        assert valid_codes(codes, code_list, year) == enumerations.get(code_list, set()), code_list


def test_legacy_values_map_to_current_codes_of_their_list() -> None:
    codes = read_csv(SEEDS / "ref_codes.csv")
    current = {(r["code_list"], r["code"]) for r in codes if r["is_legacy"] == "false"}
    for row in codes:
        if row["maps_to_code"] and row["code_list"] != "gender_current":
            assert (row["code_list"], row["maps_to_code"]) in current, row
    # docs/cin_census.md §3b legacy values are all present.
    legacy = {(r["code_list"], r["code"]) for r in codes if r["is_legacy"] == "true"}
    expected = {("primary_need", c) for c in ("A2", "A3", "A4", "A5", "n1", "UNMAPPEDNEEDCODE")}
    expected |= {("closure_reason", c) for c in ("NFA", "NONE", "NON", "UNKN", "rc1")}
    expected |= {("ethnicity", c) for c in ("INVA", "MISS", "UNCL")}
    expected |= {("referral_source", "PR")}
    assert expected <= legacy


def test_code_spans_of_one_code_do_not_overlap() -> None:
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for row in read_csv(SEEDS / "ref_codes.csv"):
        key = (row["code_list"], row["code"])
        spans.setdefault(key, []).append(
            (int(row["first_census_year"]), int(row["last_census_year"]))
        )
    for key, ranges in spans.items():
        ranges.sort()
        for (_, end), (start, _) in zip(ranges, ranges[1:], strict=False):
            assert start > end, key


# --- local authorities ---------------------------------------------------------------


def test_local_authorities_are_the_calibration_list() -> None:
    seed = {r["la_code_9"]: r for r in read_csv(SEEDS / "ref_local_authorities.csv")}
    source = {r["new_la_code"]: r for r in read_csv(CALIBRATION / "local_authorities.csv")}
    assert seed.keys() == source.keys()
    for code, row in source.items():
        assert seed[code]["la_code"] == row["old_la_code"]
        assert seed[code]["la_name"] == row["la_name"]
        assert seed[code]["region_name"] == row["region_name"]
        assert seed[code]["successor_la_codes"] == row["successor_old_codes"]


def test_split_las_go_to_the_successor_with_more_children() -> None:
    population: dict[tuple[int, str], int] = {}
    for row in read_csv(CALIBRATION / "population_0_17_by_la.csv"):
        if row["geographic_level"] == "Local authority" and row["population_0_17"]:
            population[(int(row["mid_year"]), row["old_la_code"])] = int(row["population_0_17"])
    harmonisation = {
        r["submitted_la_code"]: r for r in read_csv(SEEDS / "ref_la_harmonisation.csv")
    }
    splits = {"820": ("822", "823"), "875": ("895", "896"), "928": ("940", "941")}
    splits["909"] = ("942", "943")
    for predecessor, successors in splits.items():
        year = min(y for (y, code) in population if code == successors[0])
        larger = max(successors, key=lambda code: population[(year, code)])
        assert harmonisation[predecessor]["current_la_code"] == larger, predecessor
        assert harmonisation[predecessor]["is_split_allocation"] == "true"
    assert harmonisation["822"]["submitted_la_name"] == "Bedford"  # DfE, not BMJ, codes
    assert (
        harmonisation["836"]["current_la_code"] == harmonisation["837"]["current_la_code"] == "839"
    )


def test_harmonisation_covers_every_la_code_and_maps_to_live_las() -> None:
    las = read_csv(SEEDS / "ref_local_authorities.csv")
    live = {r["la_code"] for r in las if r["status"] == "live"}
    harmonisation = read_csv(SEEDS / "ref_la_harmonisation.csv")
    assert {r["submitted_la_code"] for r in harmonisation} == {r["la_code"] for r in las}
    assert all(r["current_la_code"] in live for r in harmonisation)
    assert len(live) == 153


# --- child populations ----------------------------------------------------------------


def test_child_population_seed_is_the_package_file_not_a_copy() -> None:
    """The seed is a link to the package data the generator reads: one file, two readers
    (tests/python/la_year checks that dbt loads it row for row)."""
    seed = SEEDS / "ref_child_population.csv"
    assert seed.is_symlink()
    assert seed.resolve() == (CALIBRATION / "population_0_17_by_la.csv").resolve()


def test_child_populations_add_up_except_where_the_source_is_blank() -> None:
    """Each region's LAs add up to the region (London's LAs are coded to Inner and Outer
    London, E13, which add up to London), and the regions (E12) to England, except the
    South West to mid-2018, where Dorset, Poole and Bournemouth are blank."""
    rows = read_csv(CALIBRATION / "population_0_17_by_la.csv")
    blanks = {(r["mid_year"], r["old_la_code"]) for r in rows if not r["population_0_17"]}
    assert blanks == {(str(y), code) for y in range(2012, 2019) for code in ("835", "836", "837")}
    totals: dict[tuple[str, str, str], int] = {}
    for r in rows:
        key = (r["mid_year"], r["geographic_level"], r["region_code"])
        totals[key] = totals.get(key, 0) + int(r["population_0_17"] or 0)
    for (year, level, region), value in totals.items():
        if level == "Regional" and region != "E12000007":
            las = totals[(year, "Local authority", region)]
            short = region == "E12000009" and int(year) <= 2018
            assert (las < value) if short else (las == value), (year, region)
        if region == "E12000007":
            inner_outer = totals[(year, level, "E13000001")] + totals[(year, level, "E13000002")]
            assert inner_outer == value, year
        if level == "National":
            regions = sum(
                v
                for (y, lv, rg), v in totals.items()
                if y == year and lv == "Regional" and rg.startswith("E12")
            )
            assert regions == value, year


def test_mid_year_before_the_census_year_gives_dfe_s_published_rates() -> None:
    """DfE divides census year Y's counts by the mid-(Y-1) population (the convention of
    fct_la_year and fct_england_year): its published national counts over that population
    give its published rates per 10,000 to their rounding (0.05), for every pair in the
    seed ref_published_national_statistics whose count comes from a DfE table (a count
    from a minister's written answer is rounded otherwise). The mid-Y population misses."""
    pairs = PER_10K
    published = {
        (int(r["census_year"]), r["measure"]): r
        for r in read_csv(SEEDS / "ref_published_national_statistics.csv")
    }
    england = {
        int(r["mid_year"]): int(r["population_0_17"])
        for r in read_csv(CALIBRATION / "population_0_17_by_la.csv")
        if r["geographic_level"] == "National"
    }
    checked, missed = 0, 0
    for (year, measure), row in published.items():
        count = published.get((year, pairs.get(measure, "")))
        if count is None or year - 1 not in england or "theyworkforyou" in count["source"]:
            continue
        rate = 10000 * float(count["value"]) / england[year - 1]
        assert abs(rate - float(row["value"])) <= 0.05, (year, measure, rate)
        checked += 1
        if year in england:
            missed += (
                abs(10000 * float(count["value"]) / england[year] - float(row["value"])) > 0.05
            )
    assert checked >= 50
    assert missed > checked / 2


# --- published statistics ------------------------------------------------------------


@shared_crosscheck
def test_published_statistics_are_the_calibration_values() -> None:
    seed = {
        (r["census_year"], r["measure"]): float(r["value"])
        for r in read_csv(SEEDS / "ref_published_national_statistics.csv")
    }
    wide = read_csv(SHARED / "calibration" / "national_cin_statistics.csv")
    expected = {
        (row["year"], measure): float(value)
        for row in wide
        for measure, value in row.items()
        if measure != "year" and value
    }
    assert seed == expected


def test_legacy_values_are_met_only_while_their_code_is_valid() -> None:
    # A recoded value must be valid in the years its legacy value is met (rc9 not before
    # RC9 exists), except 2008/09's old ethnicity codes, whose four-letter targets start in
    # 2009/10: that change of code set is what the recoding bridges.
    codes = read_csv(SEEDS / "ref_codes.csv")
    current: dict[tuple[str, str], set[int]] = {}
    for row in codes:
        if row["is_legacy"] == "false":
            years = range(int(row["first_census_year"]), int(row["last_census_year"]) + 1)
            current.setdefault((row["code_list"], row["code"]), set()).update(years)
    for row in codes:
        if row["is_legacy"] == "true" and row["maps_to_code"]:
            years = set(range(int(row["first_census_year"]), int(row["last_census_year"]) + 1))
            target = current[(row["code_list"], row["maps_to_code"])]
            if row["code_list"] == "ethnicity" and row["first_census_year"] == "2009":
                assert years == {2009}, row
            else:
                assert years <= target, row


# --- the repository's copies of the development reference data ----------------------


@shared_crosscheck
@pytest.mark.parametrize(
    ("copy", "original"),
    [
        *[
            (CALIBRATION / name, SHARED / "calibration" / name)
            for name in ("local_authorities.csv", "population_0_17_by_la.csv", "distributions.csv")
        ],
        *[
            (
                XSD_DIR / f"CIN_schema_{year}.xsd",
                SHARED / "reference" / "xsd" / f"CIN_schema_{year}.xsd",
            )
            for year in range(2017, 2027)
        ],
    ],
    ids=lambda path: path.name,
)
def test_package_data_is_the_reference_copy(copy: Path, original: Path) -> None:
    assert copy.read_bytes() == original.read_bytes()


def test_package_data_is_every_file_its_readme_names() -> None:
    """Each data file is named, with its source, in cin_warehouse/data/README.md."""
    readme = (PACKAGE_DATA / "README.md").read_text(encoding="utf-8")
    files = sorted(p.name for p in PACKAGE_DATA.rglob("*") if p.is_file() and p.name != "README.md")
    assert len(files) == 13
    assert [name for name in files if f"`{name}`" not in readme and "CIN_schema_" not in name] == []
    assert "`CIN_schema_<year>.xsd`" in readme
