"""`cin fidelity` in bounded memory: the report on the test warehouse, opened the way the
command opens it (read-only, under the warehouse's DuckDB limits from the environment),
with a memory limit far below what the report holds, still finishes, spills to the temp
directory it was given, and gives every figure, by quirk, with the same failures, as the
same report without a limit."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cin_warehouse import cli, fidelity

# Small enough that the report must spill on the test world (asserted below), large
# enough for DuckDB's operators that cannot spill with one thread.
MEMORY_LIMIT = "40MB"


def _copy(warehouse, tmp_path: Path) -> Path:
    """The test warehouse under another path: the fixture holds the file open for writing,
    and a read-only opening of it is a new database (with its own limits) only there."""
    warehouse.con.execute("checkpoint")
    copy = tmp_path / "cin.duckdb"
    shutil.copyfile(warehouse.db_path, copy)
    return copy


def test_the_report_under_a_small_memory_limit_is_the_same(
    warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unbounded = fidelity.measure(warehouse.con, warehouse.truth_dir)
    copy = _copy(warehouse, tmp_path)
    spill = tmp_path / "spill"
    monkeypatch.setenv("CIN_DUCKDB_MEMORY_LIMIT", MEMORY_LIMIT)
    monkeypatch.setenv("CIN_DUCKDB_THREADS", "1")
    monkeypatch.setenv("CIN_DUCKDB_TEMP_DIRECTORY", str(spill))
    with fidelity.open_warehouse(copy) as con:
        (limit,) = con.execute("select current_setting('memory_limit')").fetchone()
        assert limit.endswith("MiB") and float(limit.split()[0]) < 40
        bounded = fidelity.measure(con, warehouse.truth_dir)
        # DuckDB makes the folder at its first spill (and removes it when it closes)
        assert spill.is_dir(), "no spill: the limit did not bind, the test proves nothing"
    assert unbounded.keys() == bounded.keys() == set(fidelity.SOURCES)
    for source in fidelity.SOURCES:
        assert bounded[source].as_dict() == unbounded[source].as_dict()
        # and in the same order: the first reason of each measure is the one printed
        for metric, reasons in unbounded[source].failures.items():
            assert list(bounded[source].failures[metric]) == list(reasons), metric
        assert fidelity.f1(bounded[source]) == fidelity.f1(unbounded[source])


def test_out_of_memory_is_said_with_the_setting_to_change(
    warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(warehouse, tmp_path)
    monkeypatch.setenv("CIN_DUCKDB_MEMORY_LIMIT", "1MB")  # below what any join needs
    monkeypatch.setenv("CIN_DUCKDB_THREADS", "1")
    monkeypatch.setenv("CIN_DUCKDB_TEMP_DIRECTORY", str(tmp_path / "spill"))
    code = cli.main(["fidelity", "--db", str(copy), "--truth", str(warehouse.truth_dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: DuckDB ran out of memory under its limit: Out of Memory")
    assert "CIN_DUCKDB_MEMORY_LIMIT (now 1MB)" in err and "Traceback" not in err


def test_a_spill_that_cannot_be_written_is_said_without_a_traceback(
    warehouse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = _copy(warehouse, tmp_path)
    # a file where the spill folder should be: DuckDB cannot write there, as on a full disk
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("")
    monkeypatch.setenv("CIN_DUCKDB_MEMORY_LIMIT", "40MB")
    monkeypatch.setenv("CIN_DUCKDB_THREADS", "1")
    monkeypatch.setenv("CIN_DUCKDB_TEMP_DIRECTORY", str(blocked / "spill"))
    code = cli.main(["fidelity", "--db", str(copy), "--truth", str(warehouse.truth_dir)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: DuckDB could not read or write a file: "), err
    assert "Traceback" not in err
