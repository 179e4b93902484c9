"""`cin status`: what is landed, against what the test wrote (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cin_warehouse import cli
from cin_warehouse.ingest import loader
from cin_warehouse.ingest.status import Landed, read_status
from tests.python.ingest import fixtures


@pytest.fixture
def landed_db(db: Path, files_dir: Path) -> Path:
    first, second = files_dir / "first", files_dir / "second"
    first.mkdir()
    second.mkdir()
    rows_2015 = fixtures.npd_rows(2015, 7, seed=1, la="202") + fixtures.npd_rows(
        2015, 4, seed=2, la="330"
    )
    fixtures.write_npd(first, 2015, rows_2015)
    fixtures.write_npd(first, 2016, fixtures.npd_rows(2016, 5, seed=3, la="202"))
    (first / "CIN_2016_Disabilities.csv").write_text(
        "CIN_ACADYR,CIN_LA,CIN_LAchildID_Anon,CIN_DisabilityType\n"
        "2015/16,202,A1,MOB\n2015/16,202,A2,HAND\n"
    )
    for la, years in (("202", (2017, 2019)), ("330", (2017, 2018, 2019))):
        for year in years:
            (first / f"CIN_{year}_{la}.xml").write_text(
                fixtures.return_xml(year, la, fixtures.make_children(year, 3, seed=year))
            )
    (first / "CIN_2020.csv").write_text("CIN_LA\n202\n")  # fails: required columns
    assert sorted(o.status for o in loader.land([first], db)) == ["failed"] + ["landed"] * 8
    # A re-delivery of 2016: 6 rows replace the 5.
    fixtures.write_npd(second, 2016, fixtures.npd_rows(2016, 6, seed=4, la="330"))
    assert [o.status for o in loader.land([second], db)] == ["replaced"]
    return db


def test_status_counts_what_was_landed(landed_db: Path) -> None:
    status = read_status(landed_db)
    assert status.landed == [
        Landed(2015, "npd main", 1, 2, 11, 0),
        Landed(2016, "npd disabilities", 1, 1, 2, 0),
        Landed(2016, "npd main", 1, 1, 6, 0),
        Landed(2017, "xml", 2, 2, status.landed[3].rows, 0),
        Landed(2018, "xml", 1, 1, status.landed[4].rows, 0),
        Landed(2019, "xml", 2, 2, status.landed[5].rows, 0),
    ]
    assert status.missing_npd_years == [y for y in range(2009, 2027) if y not in (2015, 2016)]
    assert status.missing_xml_years == []
    assert status.xml_gaps == {"202": [2018]}
    assert [(s[0], s[1]) for s in status.superseded] == [("CIN_2016.csv", 2016)]
    assert len(status.failed) == 1 and status.failed[0][0].endswith("CIN_2020.csv")
    assert "header is not comma- or tab-delimited NPD column names" in status.failed[0][1]


def test_xml_rows_are_the_rows_of_the_returns(landed_db: Path) -> None:
    # Rows of a return: every raw XML row of its load (counted here from the raw tables).
    rows = fixtures.query(
        landed_db,
        "select l.census_year, sum(l.rows_landed) from raw._loads as l where l.format = 'xml'"
        " group by 1 order by 1",
    )
    children = fixtures.query(
        landed_db,
        "select _census_year, count(*) from raw.xml_child group by _census_year order by 1",
    )
    assert children == [(2017, 6), (2018, 3), (2019, 6)]
    status = {(r.census_year, r.source): r.rows for r in read_status(landed_db).landed}
    assert [status[(y, "xml")] for y, _ in rows] == [n for _, n in rows]


def test_cli_status(landed_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["status", "--db", str(landed_db)]) == 0
    out = capsys.readouterr().out
    assert "NPD census years missing: 2009-2014, 2017-2026" in out
    assert "LA 202: no XML return for 2018" in out
    assert "superseded loads (re-delivered): 1" in out
    assert "failed loads: 1" in out


def test_cli_status_without_a_warehouse(tmp_path: Path, capsys) -> None:
    assert cli.main(["status", "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "no such warehouse" in capsys.readouterr().err
