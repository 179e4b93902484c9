"""Rates of `marts.fct_la_year` and the England and region rows of `marts.fct_england_year`,
recomputed independently from the synthetic world's truth (`truth/expected_la_year`) and the
package's population file (`cin_warehouse/data/calibration/population_0_17_by_la.csv`).

On the clean world `fct_la_year` equals the truth (test_fct_la_year.py), so the truth's
figures stand for each LA's, and the expected rates and totals are computed here in Python
from the truth and the CSV, not from the warehouse. For the estimate of an LA that did not
submit, the clean world's files are landed again without one LA's 2020/21 return (its XML
file and its rows of the 2020/21 NPD extract), and only the models up to fct_england_year
are built.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from cin_warehouse.ingest import loader
from tests.python.conftest import PROJECT_DIR, BuiltWarehouse, World, run_dbt
from tests.python.la_year.test_fct_la_year import MEASURES, NPD_NEVER

POPULATION_CSV = (
    PROJECT_DIR / "cin_warehouse" / "data" / "calibration" / "population_0_17_by_la.csv"
)
LA_SEED = PROJECT_DIR / "seeds" / "ref_local_authorities.csv"
# Rates per 10,000 children and percentages, written out here from DfE's definitions
# (methodology 2016-17; the national figures of ref_published_national_statistics).
PER_10K = {
    "referrals_rate_per_10k": "referrals",
    "cin_31mar_rate_per_10k": "children_in_need_31mar",
    "s47_rate_per_10k": "s47_enquiries",
    "icpc_rate_per_10k": "icpcs",
    "cpp_starting_rate_per_10k": "cpp_starting",
    "cpp_31mar_rate_per_10k": "cpp_31mar",
    "cpp_ended_rate_per_10k": "cpp_ended",
}
PERCENTAGES = {
    "rereferrals_12m_pct": ("rereferrals_12m", "referrals"),
    "referrals_nfa_pct": ("referrals_nfa", "referrals"),
    "assessed_not_in_need_pct": ("referrals_assessed_not_in_need", "referrals"),
    "assessments_within_45wd_pct": (
        "single_assessments_within_45wd",
        "single_assessments_completed",
    ),
    "cpp_second_or_later_pct": ("cpp_second_or_later", "cpp_starting"),
}
DROPPED_LA = "330"  # Birmingham: the only LA of its region in the test world
DROPPED_YEAR = 2021  # census year 2020/21 (mid-2020 population)


def _population() -> dict[tuple[int, str], int]:
    """(census year, LA code) -> children aged 0-17 at mid-(year - 1); blanks left out."""
    with POPULATION_CSV.open(encoding="utf-8", newline="") as handle:
        return {
            (int(row["mid_year"]) + 1, row["old_la_code"]): int(row["population_0_17"])
            for row in csv.DictReader(handle)
            if row["geographic_level"] == "Local authority" and row["population_0_17"]
        }


def _regions() -> dict[str, str]:
    with LA_SEED.open(encoding="utf-8", newline="") as handle:
        return {row["la_code"]: row["region_code"] for row in csv.DictReader(handle)}


def _truth(world_dir: Path) -> dict[tuple[int, str], dict]:
    rows = pq.read_table(world_dir / "truth" / "expected_la_year.parquet").to_pylist()
    return {(r["census_year"], r["la_code"]): r for r in rows}


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _carried(source: str, measure: str) -> bool:
    return not (source == "npd" and measure in NPD_NEVER)


def _expected_rates(figures: dict, population: int | None) -> dict[str, float | None]:
    rates: dict[str, float | None] = {}
    for name, measure in PER_10K.items():
        value = figures.get(measure)
        rates[name] = None if value is None or not population else 10000 * value / population
    for name, (numerator, denominator) in PERCENTAGES.items():
        top, bottom = figures.get(numerator), figures.get(denominator)
        rates[name] = None if top is None or not bottom else 100 * top / bottom
    return rates


def _assert_close(got: float | None, expected: float | None, label: str) -> None:
    if expected is None:
        assert got is None, f"{label}: {got}, expected NULL"
    else:
        assert got == pytest.approx(expected, rel=1e-9, abs=1e-9), f"{label}: {got} != {expected}"


# --- the population seed ------------------------------------------------------------


def test_population_seed_is_the_package_file_row_for_row(clean_warehouse: BuiltWarehouse) -> None:
    with POPULATION_CSV.open(encoding="utf-8", newline="") as handle:
        source = [
            (
                int(r["mid_year"]),
                r["geographic_level"],
                r["old_la_code"] or None,
                r["new_la_code"] or None,
                r["la_name"] or None,
                r["region_code"] or None,
                r["region_name"] or None,
                int(r["population_0_17"]) if r["population_0_17"] else None,
            )
            for r in csv.DictReader(handle)
        ]
    seed = clean_warehouse.con.execute(
        "select mid_year, geographic_level, old_la_code, new_la_code, la_name, region_code,"
        " region_name, population_0_17 from reference.ref_child_population"
    ).fetchall()
    assert sorted(seed, key=repr) == sorted(source, key=repr)
    assert len(seed) == 2132


# --- rates of fct_la_year -------------------------------------------------------------


@pytest.mark.parametrize("source", ["xml", "npd"])
def test_la_rates_equal_the_truth_over_the_population(
    clean_warehouse: BuiltWarehouse, source: str
) -> None:
    truth, population = _truth(clean_warehouse.world_dir), _population()
    rows = _rows(
        clean_warehouse.con, "select * from marts.fct_la_year where source_kind = ?", [source]
    )
    checked = 0
    for row in rows:
        key = (row["census_year"], row["la_code"])
        figures = {m: row[m] for m in MEASURES if row[m] is not None}
        # the numerators and denominators from the truth, where fct_la_year has the figure
        figures = {m: truth[key][m] for m in figures}
        pop = population.get(key)
        _assert_close(row["population_0_17"], pop, f"{key} population")
        for name, value in _expected_rates(figures, pop).items():
            _assert_close(row[name], value, f"{source} {key} {name}")
        checked += pop is not None
    # every LA-year of census years 2013-2025 with a population was checked (the test world's
    # LAs have one from their first year, except Poole and Bournemouth, blank to mid-2018)
    assert checked >= 30
    outside = [r for r in rows if r["census_year"] < 2013 or r["census_year"] > 2025]
    assert outside and all(r["referrals_rate_per_10k"] is None for r in outside)


# --- England and region rows on a world where every LA submitted ----------------------


def _sums(truth: dict, year: int, las: list[str], source: str) -> dict[str, int | None]:
    return {
        m: (sum(truth[(year, la)][m] for la in las) if _carried(source, m) else None)
        for m in MEASURES
    }


@pytest.mark.parametrize(("source", "year"), [("xml", 2023), ("npd", 2022)])
def test_england_and_regions_are_the_sums_of_the_las(
    clean_warehouse: BuiltWarehouse, source: str, year: int
) -> None:
    truth, population, regions = _truth(clean_warehouse.world_dir), _population(), _regions()
    las = sorted(la for (y, la) in truth if y == year)
    areas = {None: las}
    for la in las:
        areas.setdefault(regions[la], []).append(la)
    rows = _rows(
        clean_warehouse.con,
        "select * from marts.fct_england_year where source_kind = ? and census_year = ?",
        [source, year],
    )
    assert {r["region_code"] for r in rows} == set(areas)
    for row in rows:
        area_las = areas[row["region_code"]]
        assert row["geographic_level"] == ("National" if row["region_code"] is None else "Regional")
        assert row["time_period"] == (year - 1) * 100 + year % 100
        assert row["las_with_return"] == len(area_las) and row["la_codes_without_return"] is None
        assert row["is_whole_area"] is False  # a world of five LAs
        sums = _sums(truth, year, area_las, source)
        for measure, value in sums.items():
            assert row[f"{measure}_reported"] == value, (row["region_code"], measure)
            assert row[f"{measure}_estimated"] == (None if value is None else 0), measure
            assert row[measure] == value, (row["region_code"], measure)
        pop = sum(population[(year, la)] for la in area_las)
        assert row["population_0_17"] == pop
        for name, value in _expected_rates(
            {m: v for m, v in sums.items() if v is not None}, pop
        ).items():
            _assert_close(row[name], value, f"{row['region_code']} {name}")


# --- England with an LA that did not submit --------------------------------------------


def _drop_la_return(world_dir: Path, target: Path, la: str, year: int) -> None:
    """Copy the world's raw files to `target` without `la`'s return of census `year`."""
    shutil.copytree(world_dir / "npd", target / "npd")
    shutil.copytree(world_dir / "xml", target / "xml")
    xml_file = target / "xml" / str(year) / f"CIN_{year}_{la}.xml"
    assert xml_file.exists(), xml_file
    xml_file.unlink()
    for path in sorted((target / "npd").glob(f"CIN_{year}*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            lines = handle.readlines()
        column = lines[0].rstrip("\r\n").split(",").index("CIN_LA")
        kept = [lines[0]] + [line for line in lines[1:] if next(csv.reader([line]))[column] != la]
        assert len(kept) < len(lines), f"{path.name} has no rows of LA {la}"
        with path.open("w", encoding="utf-8", newline="") as handle:
            handle.writelines(kept)


@pytest.fixture(scope="module")
def missing_la_warehouse(
    clean_world: World, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltWarehouse]:
    root = tmp_path_factory.mktemp("missing_la_warehouse")
    _drop_la_return(clean_world.path, root / "world", DROPPED_LA, DROPPED_YEAR)
    db_path = root / "cin.duckdb"
    outcomes = loader.land([root / "world" / "npd", root / "world" / "xml"], db_path)
    assert not [o for o in outcomes if o.status == "failed"]
    run_dbt(
        ["build", "--select", "+fct_england_year"]
        + ["--resource-type", "seed", "--resource-type", "model"],
        db_path,
        root / "target",
    )
    con = duckdb.connect(str(db_path))
    yield BuiltWarehouse(world_dir=clean_world.path, db_path=db_path, con=con)
    con.close()


def _expected_with_estimate(
    truth: dict, population: dict, year: int, source: str, missing: dict[str, set[str]]
) -> tuple[dict, dict]:
    """England's reported sums and estimates: per measure, the LAs in `missing[measure]`
    estimated at the known LAs' rate times their population."""
    las = sorted(la for (y, la) in truth if y == year)
    reported, estimated = {}, {}
    for measure in MEASURES:
        if not _carried(source, measure):
            reported[measure] = estimated[measure] = None
            continue
        known = [la for la in las if la not in missing.get(measure, set())]
        reported[measure] = sum(truth[(year, la)][measure] for la in known)
        rate = reported[measure] / sum(population[(year, la)] for la in known)
        estimated[measure] = sum(rate * population[(year, la)] for la in missing.get(measure, ()))
    return reported, estimated


@pytest.mark.parametrize("source", ["xml", "npd"])
def test_missing_la_is_estimated_at_the_known_national_rate(
    missing_la_warehouse: BuiltWarehouse, source: str
) -> None:
    con = missing_la_warehouse.con
    truth, population, regions = (
        _truth(missing_la_warehouse.world_dir),
        _population(),
        _regions(),
    )
    la_row = _rows(
        con,
        "select * from marts.fct_la_year where source_kind = ? and census_year = ? and la_code = ?",
        [source, DROPPED_YEAR, DROPPED_LA],
    )
    assert len(la_row) == 1 and la_row[0]["has_return"] is False
    missing = {m: {DROPPED_LA} for m in MEASURES}
    reported, estimated = _expected_with_estimate(truth, population, DROPPED_YEAR, source, missing)
    rows = {
        r["region_code"]: r
        for r in _rows(
            con,
            "select * from marts.fct_england_year where source_kind = ? and census_year = ?",
            [source, DROPPED_YEAR],
        )
    }
    england, region = rows[None], rows[regions[DROPPED_LA]]
    assert england["la_codes_without_return"] == DROPPED_LA
    assert region["la_codes_without_return"] == DROPPED_LA
    for measure in MEASURES:
        _assert_close(england[f"{measure}_estimated"], estimated[measure], measure)
        assert england[f"{measure}_reported"] == reported[measure], measure
        total = None if reported[measure] is None else reported[measure] + estimated[measure]
        _assert_close(england[measure], total, measure)
        # the LA is alone in its region: the region is its estimate
        _assert_close(region[measure], estimated[measure], f"region {measure}")
        assert region[f"{measure}_reported"] == (None if reported[measure] is None else 0)
    assert estimated["referrals"] > 0
    # DfE grosses a breakdown up by its key figure's factor: the same number here
    for breakdown, key in [("cpp_second_or_later", "cpp_starting"), ("referrals_nfa", "referrals")]:
        factor = england[key] / england[f"{key}_reported"]
        _assert_close(england[breakdown], england[f"{breakdown}_reported"] * factor, breakdown)


def test_measure_an_la_cannot_give_is_estimated_alone(
    missing_la_warehouse: BuiltWarehouse,
) -> None:
    """The year after: the LA's return is in, but without last year's it cannot give
    re-referrals; only they are estimated."""
    con = missing_la_warehouse.con
    truth, population = _truth(missing_la_warehouse.world_dir), _population()
    year = DROPPED_YEAR + 1
    for source in ("xml", "npd"):
        (england,) = _rows(
            con,
            "select * from marts.fct_england_year where source_kind = ? and census_year = ?"
            " and geographic_level = 'National'",
            [source, year],
        )
        reported, estimated = _expected_with_estimate(
            truth, population, year, source, {"rereferrals_12m": {DROPPED_LA}}
        )
        assert england["la_codes_without_return"] is None
        assert estimated["rereferrals_12m"] > 0
        for measure in MEASURES:
            assert england[f"{measure}_reported"] == reported[measure], (source, measure)
            _assert_close(england[f"{measure}_estimated"], estimated[measure], measure)
