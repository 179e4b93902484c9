"""`cin query` and `cin export` on a small warehouse file made here (two schemas, known
rows), so every figure is checked against what was written, not against the code."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from cin_warehouse import cli

ROWS = [("xml", "202", 2024, 47, None), ("xml", "330", 2024, 12, 3), ("npd", "202", 2009, 5, 1)]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "cin.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create schema staging")
        con.execute(
            "create table marts.fct_la_year (source_kind varchar, la_code varchar,"
            " census_year integer, referrals bigint, rereferrals_12m bigint)"
        )
        con.executemany("insert into marts.fct_la_year values (?, ?, ?, ?, ?)", ROWS)
        con.execute("create view staging.stg_example as select 1 as one")
    return path


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_query_prints_a_table_and_csv(db: Path, capsys) -> None:
    sql = "select la_code, referrals from marts.fct_la_year where source_kind = 'xml' order by 1"
    code, out, _ = _run(capsys, "query", sql, "--db", str(db))
    assert code == 0
    assert "202" in out and "47" in out and "(2 rows)" in out
    code, out, _ = _run(capsys, "query", "select * from marts.fct_la_year order by 3, 2", "--csv",
                        "--db", str(db))  # fmt: skip
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["source_kind", "la_code", "census_year", "referrals", "rereferrals_12m"]
    expected = sorted(ROWS, key=lambda r: (r[2], r[1]))
    assert rows[1:] == [["" if v is None else str(v) for v in row] for row in expected]


def test_bad_sql_gives_duckdb_s_message_without_a_traceback(db: Path, capsys) -> None:
    code, out, err = _run(capsys, "query", "select * from marts.no_such_table", "--db", str(db))
    assert code == 2 and out == ""
    assert "SQL error" in err and "no_such_table" in err and "Catalog Error" in err
    assert "Traceback" not in err
    code, _, err = _run(capsys, "query", "selec 1", "--db", str(db))
    assert code == 2 and "Parser Error" in err


def test_the_connection_is_read_only(db: Path, capsys) -> None:
    code, _, err = _run(capsys, "query", "drop table marts.fct_la_year", "--db", str(db))
    assert code == 2 and "read-only" in err
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_la_year").fetchone() == (len(ROWS),)


def test_a_missing_warehouse_is_named(tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nowhere.duckdb"
    for argv in (
        ("query", "select 1", "--db", str(missing)),
        ("export", "fct_la_year", "--format", "csv", "--out", str(tmp_path / "x.csv"),
         "--db", str(missing)),
    ):  # fmt: skip
        code, _, err = _run(capsys, *argv)
        assert code == 2 and "no such warehouse" in err and str(missing) in err
    assert not missing.exists(), "a read-only command must not create the file"


@pytest.mark.parametrize("model", ["fct_la_year", "marts.fct_la_year", "MARTS.FCT_LA_YEAR"])
def test_export_parquet_holds_every_row(db: Path, tmp_path: Path, capsys, model: str) -> None:
    out = tmp_path / "la_year.parquet"
    code, printed, _ = _run(capsys, "export", model, "--format", "parquet", "--out", str(out),
                            "--db", str(db))  # fmt: skip
    assert code == 0 and "marts.fct_la_year: 3 rows" in printed
    table = pq.read_table(out)
    assert sorted(tuple(r.values()) for r in table.to_pylist()) == sorted(ROWS)
    assert str(table.schema.field("census_year").type) == "int32"


def test_export_csv_and_other_schemas(db: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "la_year.csv"
    code, _, _ = _run(capsys, "export", "fct_la_year", "--format", "csv", "--out", str(out),
                      "--db", str(db))  # fmt: skip
    assert code == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(ROWS)
    assert {(r["la_code"], int(r["census_year"]), int(r["referrals"])) for r in rows} == {
        (r[1], r[2], r[3]) for r in ROWS
    }
    out = tmp_path / "stg.csv"
    code, _, _ = _run(capsys, "export", "stg_example", "--format", "csv", "--out", str(out),
                      "--db", str(db))  # fmt: skip
    assert code == 0 and out.read_text().splitlines() == ["one", "1"]


def test_export_writes_a_uuid_key_as_hyphenated_text(tmp_path: Path, capsys) -> None:
    """A key column (DuckDB UUID, macros/episode_key.sql) leaves in both formats as the
    text of the md5 it is, hyphenated 8-4-4-4-12 (hashlib here, not DuckDB), never as
    Parquet's 16 raw bytes; a null key stays null."""
    path = tmp_path / "keys.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_child as select cast(md5('child|xml|330|A1') as uuid)"
            " as child_id, 'xml' as source_kind"
            " union all select null, 'npd'"
        )
    digest = hashlib.md5(b"child|xml|330|A1").hexdigest()
    expected = "-".join((digest[:8], digest[8:12], digest[12:16], digest[16:20], digest[20:]))
    out = tmp_path / "dim_child.parquet"
    code, _, _ = _run(capsys, "export", "dim_child", "--format", "parquet", "--out", str(out),
                      "--db", str(path))  # fmt: skip
    assert code == 0
    table = pq.read_table(out)
    assert str(table.schema.field("child_id").type) == "string"
    assert sorted(table.column("child_id").to_pylist(), key=lambda v: v is None) == [expected, None]
    out = tmp_path / "dim_child.csv"
    code, _, _ = _run(capsys, "export", "dim_child", "--format", "csv", "--out", str(out),
                      "--db", str(path))  # fmt: skip
    assert code == 0
    assert sorted(r["child_id"] for r in csv.DictReader(out.open())) == ["", expected]


def test_an_unknown_model_lists_close_names(db: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.parquet"
    code, _, err = _run(capsys, "export", "fct_la_yaer", "--format", "parquet", "--out", str(out),
                        "--db", str(db))  # fmt: skip
    assert code == 2 and "unknown model 'fct_la_yaer'" in err and "fct_la_year" in err
    assert not out.exists()
    code, _, err = _run(capsys, "export", "zzz", "--format", "parquet", "--out", str(out),
                        "--db", str(db))  # fmt: skip
    assert code == 2 and "unknown model 'zzz'" in err and "information_schema" in err


def test_cin_duckdb_path_and_a_second_reader(db: Path, tmp_path: Path) -> None:
    """The installed command, in its own process, takes the warehouse from CIN_DUCKDB_PATH
    and reads while this process holds the file open read-only."""
    cin = Path(sys.executable).parent / "cin"
    env = {**os.environ, "CIN_DUCKDB_PATH": str(db)}
    with duckdb.connect(str(db), read_only=True) as reader:
        result = subprocess.run(
            [str(cin), "query", "select sum(referrals) as total from marts.fct_la_year", "--csv"],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert reader.execute("select sum(referrals) from marts.fct_la_year").fetchone() == (64,)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["total", str(sum(r[3] for r in ROWS))]
