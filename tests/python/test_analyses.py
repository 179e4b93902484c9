"""Every analysis in analyses/ compiles (`dbt compile`) and runs on the clean test
warehouse; one figure of each is checked independently: against the synthetic world's
truth (`truth/expected_la_year`, the official basis, and `expected_la_year_hindsight`),
or recomputed here in Python from the mart's rows. The default year (2024) and source
(xml) of the analyses are used."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.python.conftest import BuiltWarehouse, run_dbt

PROJECT_DIR = Path(__file__).resolve().parents[2]
YEAR = 2024  # the analyses' default census year (var analysis_census_year)


@pytest.fixture(scope="module")
def compiled(clean_warehouse: BuiltWarehouse, tmp_path_factory) -> dict[str, str]:
    target = tmp_path_factory.mktemp("analyses_target")
    run_dbt(["compile", "--select", "path:analyses"], clean_warehouse.db_path, target)
    folder = target / "compiled" / "cin_warehouse" / "analyses"
    return {path.stem: path.read_text() for path in folder.glob("*.sql")}


def _run(warehouse: BuiltWarehouse, sql: str) -> list[dict]:
    cursor = warehouse.con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _truth_total(warehouse: BuiltWarehouse, measure: str, basis: str = "expected_la_year") -> int:
    rows = pq.read_table(warehouse.truth_dir / f"{basis}.parquet").to_pylist()
    return sum(r[measure] or 0 for r in rows if r["census_year"] == YEAR)


def _truth_by_la(warehouse: BuiltWarehouse, basis: str) -> dict[tuple[int, str], dict]:
    rows = pq.read_table(warehouse.truth_dir / f"{basis}.parquet").to_pylist()
    return {(r["census_year"], r["la_code"]): r for r in rows}


def _official_and_hindsight(warehouse: BuiltWarehouse) -> tuple[dict, dict]:
    """The truth's measures by census year and LA on DfE's official basis and in hindsight."""
    return (
        _truth_by_la(warehouse, "expected_la_year"),
        _truth_by_la(warehouse, "expected_la_year_hindsight"),
    )


def _is_rounded_to_one_decimal(shown: float, exact: float) -> bool:
    """`shown` is `exact` to one decimal as DuckDB rounds it (half away from zero): within
    half a unit of the last place (Python's round() goes to the float below on ties such
    as 26.25, so it is no reference)."""
    return abs(shown - exact) <= 0.05 + 1e-9


def test_every_analysis_compiles(compiled: dict[str, str]) -> None:
    on_disk = {path.stem for path in (PROJECT_DIR / "analyses").glob("*.sql")}
    assert set(compiled) == on_disk
    assert all("{{" not in sql for sql in compiled.values())


@pytest.mark.parametrize(
    ("analysis", "measures"),
    [
        ("dfe_table_b1_episodes", ("referrals", "episodes_starting", "children_in_need_31mar")),
        ("dfe_table_c1_referrals", ("referrals", "rereferrals_12m", "referrals_nfa")),
        ("dfe_table_c4_s47_icpc", ("s47_enquiries", "icpcs")),
        ("dfe_table_d1_plans", ("cpp_starting", "cpp_second_or_later", "cpp_31mar")),
    ],
)
def test_dfe_table_totals_equal_the_truth(
    clean_warehouse: BuiltWarehouse, compiled: dict[str, str], analysis: str, measures: tuple
) -> None:
    rows = _run(clean_warehouse, compiled[analysis])
    (total,) = [r for r in rows if r["la_code"] == "all"]
    assert len(rows) > 2, "a row per LA and the total"
    for measure in measures:
        assert total[measure] == _truth_total(clean_warehouse, measure) > 0, measure
    if analysis == "dfe_table_c1_referrals":
        assert _is_rounded_to_one_decimal(
            total["rereferral_pct"], 100 * total["rereferrals_12m"] / total["referrals"]
        )
    print(f"\n{analysis} {YEAR} all LAs: " + ", ".join(f"{m} {total[m]}" for m in measures))


def test_rereferral_rates_by_la_on_both_bases(
    clean_warehouse: BuiltWarehouse, compiled: dict[str, str]
) -> None:
    official, hindsight = _official_and_hindsight(clean_warehouse)
    rows = _run(clean_warehouse, compiled["rereferral_rates_by_la"])
    rated = [r for r in rows if r["rereferrals_12m"] is not None]
    assert rated
    for row in rated:
        key = (row["census_year"], row["la_code"])
        want = official[key]["rereferrals_12m"] / official[key]["referrals"]
        assert _is_rounded_to_one_decimal(row["rereferral_pct"], 100 * want), key
        assert row["rereferrals_12m_reconstructed"] == hindsight[key]["rereferrals_12m"], key


def test_worked_example_fct_la_year(
    clean_warehouse: BuiltWarehouse, compiled: dict[str, str]
) -> None:
    official, hindsight = _official_and_hindsight(clean_warehouse)
    rows = _run(clean_warehouse, compiled["worked_example_fct_la_year"])
    assert rows
    for row in rows:
        key = (YEAR, row["la_code"])
        assert row["children_in_need_31mar"] == official[key]["children_in_need_31mar"]
        assert (
            row["children_in_need_31mar_reconstructed"] == hindsight[key]["children_in_need_31mar"]
        )


@pytest.mark.parametrize(
    ("analysis", "column", "measure"),
    [
        ("worked_example_fct_episode", "episodes", "referrals"),
        ("worked_example_fct_assessment", "assessments_authorised", "assessments_completed"),
        ("worked_example_fct_s47", "s47_enquiries", "s47_enquiries"),
    ],
)
def test_worked_examples_by_year_equal_the_truth(
    clean_warehouse: BuiltWarehouse, compiled: dict[str, str], analysis: str, column: str,
    measure: str,
) -> None:  # fmt: skip
    rows = _run(clean_warehouse, compiled[analysis])
    (row,) = [r for r in rows if r["source_kind"] == "xml" and r["census_year"] == YEAR]
    assert row[column] == _truth_total(clean_warehouse, measure) > 0


def test_worked_example_fct_cpp(clean_warehouse: BuiltWarehouse, compiled: dict[str, str]) -> None:
    rows = _run(clean_warehouse, compiled["worked_example_fct_cpp"])
    xml = sum(r["plans_starting"] for r in rows if r["source_kind"] == "xml")
    assert xml == _truth_total(clean_warehouse, "cpp_starting") > 0


def test_worked_example_dim_child(
    clean_warehouse: BuiltWarehouse, compiled: dict[str, str]
) -> None:
    rows = _run(clean_warehouse, compiled["worked_example_dim_child"])
    children = _run(clean_warehouse, "select source_kind, sex from marts.dim_child")
    counted = Counter((c["source_kind"], c["sex"] or "unknown") for c in children)
    assert {(r["source_kind"], r["sex"]): r["children"] for r in rows} == dict(counted)


def test_episodes_open_at_31_march_by_la(
    clean_warehouse: BuiltWarehouse, compiled: dict[str, str]
) -> None:
    rows = _run(clean_warehouse, compiled["episodes_open_at_31_march_by_la"])
    episodes = _run(clean_warehouse, "select la_code, closure_date from marts.fct_episode")
    counted = Counter(e["la_code"] for e in episodes if e["closure_date"] is None)
    assert {r["la_code"]: r["episodes_open"] for r in rows} == dict(counted)
