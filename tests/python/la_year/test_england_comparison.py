"""`cin_warehouse.england_comparison` on a hand-made warehouse: the scaled figures, their
differences from the published ones and the verdicts, worked out by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from cin_warehouse import england_comparison
from cin_warehouse.england_comparison import NotComparableError, compare, render


def _warehouse(path: Path, is_whole_area: bool = True) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute("create schema reference")
    con.execute(
        "create table marts.fct_england_year (geographic_level varchar, source_kind varchar,"
        " census_year integer, is_whole_area boolean, referrals double,"
        " referrals_reported bigint, rereferrals_12m_pct double, children_referred double,"
        " s47_enquiries double)"
    )
    con.execute(
        "insert into marts.fct_england_year values"
        " ('National', 'npd', 2020, ?, 6000, 5990, 25.0, 5000, null),"
        " ('National', 'xml', 2020, true, 1, 1, 1, 1, 1),"
        " ('Regional', 'npd', 2020, true, 2, 2, 2, 2, 2)",
        [is_whole_area],
    )
    con.execute(
        "create table reference.ref_published_national_statistics"
        " (census_year integer, measure varchar, value double)"
    )
    con.execute(
        "insert into reference.ref_published_national_statistics values"
        " (2020, 'referrals', 620000), (2020, 'rereferrals_12m_pct', 22.0),"
        " (2020, 'children_referred', 510000), (2020, 's47_enquiries', 200000),"
        " (2020, 'not_in_the_mart', 1), (2019, 'referrals', 1)"
    )
    return con


def test_counts_are_scaled_and_scored_in_percent_rates_in_points(tmp_path: Path) -> None:
    con = _warehouse(tmp_path / "w.duckdb")
    scored, shown, missing = compare(con, scale=0.01)
    by_measure = {c.measure: c for c in scored}
    assert set(by_measure) == {"referrals", "rereferrals_12m_pct"}
    referrals = by_measure["referrals"]
    # 6,000 at 1% of England = 600,000; 600,000 / 620,000 - 1 = -3.23%: within +-5%
    assert referrals.synthetic == pytest.approx(600_000)
    assert referrals.difference == pytest.approx(-100 * 20_000 / 620_000)
    assert referrals.within
    rereferrals = by_measure["rereferrals_12m_pct"]
    # a percentage is not scaled: 25.0 - 22.0 = +3.0 points, outside +-2
    assert rereferrals.synthetic == 25.0 and rereferrals.difference == pytest.approx(3.0)
    assert not rereferrals.within
    # published, in the mart, not a calibration target: shown, not scored
    assert [(c.measure, c.synthetic) for c in shown] == [("children_referred", 500_000)]
    assert missing == [(2020, "s47_enquiries")]
    text = render((scored, shown, missing), 0.01, "npd")
    assert "1 of 2 scored comparisons within tolerance." in text
    assert "| 2020 | referrals | 600,000 | 620,000 | -3.2 % | yes (±5) |" in text
    assert "- 2020: s47_enquiries" in text


def test_a_world_of_some_las_is_refused(tmp_path: Path) -> None:
    con = _warehouse(tmp_path / "w.duckdb", is_whole_area=False)
    with pytest.raises(NotComparableError, match=r"every LA of England in census years \[2020\]"):
        compare(con, scale=0.01)


def test_cli_reports_a_missing_warehouse_and_a_missing_mart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert england_comparison.main(["--db", str(tmp_path / "absent.duckdb")]) == 2
    assert "no such warehouse" in capsys.readouterr().err
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    assert england_comparison.main(["--db", str(tmp_path / "empty.duckdb")]) == 2
    assert "run `dbt build` first" in capsys.readouterr().err
    _warehouse(tmp_path / "w.duckdb").close()
    assert england_comparison.main(["--db", str(tmp_path / "w.duckdb"), "--scale", "0.01"]) == 0
    assert "1 of 2 scored comparisons" in capsys.readouterr().out


def test_a_warehouse_without_the_published_seed_is_refused(tmp_path: Path) -> None:
    # a mart built with `--select +fct_england_year` and no `dbt seed`
    con = _warehouse(tmp_path / "w.duckdb")
    con.execute("drop table reference.ref_published_national_statistics")
    with pytest.raises(NotComparableError, match="ref_published_national_statistics is not in"):
        compare(con, scale=0.01)
