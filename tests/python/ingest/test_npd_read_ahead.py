"""NPD files read ahead by a thread (loader._NpdReadAhead) land exactly as files read where
they are written, whatever fails, is re-delivered or was landed before."""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import pytest

from cin_warehouse.ingest import files, loader, npd
from tests.python.ingest import fixtures
from tests.python.ingest.test_xml_parallel import _outcome
from tests.python.ingest.test_xml_streaming import _landed


def _extracts(folder: Path) -> list[Path]:
    """NPD files that land, fail, are re-delivered and repeat in one landing, in this order
    (their names sort so)."""
    rows_2019 = fixtures.npd_rows(2019, 40, seed=1)
    fixtures.write_npd(folder, 2019, rows_2019, name="a_CIN_2019.csv")
    fixtures.write_npd(folder, 2020, fixtures.npd_rows(2020, 25, seed=2), name="b_CIN_2020.csv")
    (folder / "c_CIN_2021.csv").write_bytes(b"")  # empty: fails in the reading
    with_rejects = fixtures.write_npd(
        folder, 2021, fixtures.npd_rows(2021, 30, seed=3), name="d_CIN_2021.csv"
    )
    lines = with_rejects.read_bytes().split(b"\n")
    lines[5] += b",one,too,many"  # a rejected line, kept with its text
    with_rejects.write_bytes(b"\n".join(lines))
    cp1252 = fixtures.npd_rows(2022, 12, seed=4)
    cp1252[3]["CIN_LAchildID_Anon"] = "Ñame–1"  # read as Windows-1252, with a message
    fixtures.write_npd(folder, 2022, cp1252, name="e_CIN_2022.csv", encoding="cp1252")
    # A re-delivery of 2019, then the first 2019 bytes again under another name.
    fixtures.write_npd(folder, 2019, fixtures.npd_rows(2019, 15, seed=5), name="f_CIN_2019.csv")
    fixtures.write_npd(folder, 2019, rows_2019, name="g_CIN_2019.csv")
    (folder / "h_CIN_2023.csv").write_text("CIN_LA\x01,CIN_ACADYR\n202,2022/23\n")  # bad header
    fixtures.write_npd(folder, 2024, fixtures.npd_rows(2024, 20, seed=6), name="i_CIN_2024.csv")
    return sorted(folder.iterdir())


def _land(paths: list[Path], db: Path) -> list[loader.Outcome]:
    raw_files = [files.classify(path, "npd") for path in paths]
    with duckdb.connect(str(db)) as con:
        return loader.land_files(con, raw_files)


@pytest.fixture
def reading_threads(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(file name, thread name) of every NPD file read."""
    seen: list[tuple[str, str]] = []
    read = npd.read_npd_file

    def spy(raw_file: files.RawFile, scan: files.Scan) -> npd.Read:
        seen.append((raw_file.path.name, threading.current_thread().name))
        return read(raw_file, scan)

    monkeypatch.setattr(npd, "read_npd_file", spy)
    return seen


def test_read_ahead_landing_equals_reading_where_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reading_threads: list[tuple[str, str]]
) -> None:
    """Every raw table (rejects with their text included), outcome, error and manifest
    message is the same whether the files are read by the thread ahead of their writing or
    each where it is written; and the thread did read them."""
    folder = tmp_path / "npd"
    folder.mkdir()
    paths = _extracts(folder)
    ahead = _land(paths, tmp_path / "ahead.duckdb")
    by_thread = [name for name, thread in reading_threads if thread.startswith("cin-load-npd")]
    # Every file is read in the thread, in order (those that fail too: with the error the
    # landing gives when it reads them where they are written).
    assert by_thread == [p.name for p in paths]

    reading_threads.clear()
    monkeypatch.setattr(loader._NpdReadAhead, "get", lambda self, index: None)
    where_written = _land(paths, tmp_path / "where_written.duckdb")
    assert {thread for _, thread in reading_threads} == {threading.main_thread().name}

    assert [_outcome(o) for o in ahead] == [_outcome(o) for o in where_written]
    assert [o.status for o in ahead] == [
        "landed", "landed", "failed", "landed", "landed", "replaced", "replaced", "failed",
        "landed",
    ]  # fmt: skip
    assert ahead[3].record is not None and ahead[3].record.rows_rejected == 1
    assert _landed(tmp_path / "ahead.duckdb") == _landed(tmp_path / "where_written.duckdb")


def test_files_landed_before_are_left_to_the_main_thread(
    tmp_path: Path, reading_threads: list[tuple[str, str]]
) -> None:
    """A file landed before from the same path with the same size is not read ahead (most
    likely `unchanged`: only hashed); a new file beside it is."""
    folder = tmp_path / "npd"
    folder.mkdir()
    first = [
        fixtures.write_npd(folder, 2019, fixtures.npd_rows(2019, 10, seed=1)),
        fixtures.write_npd(folder, 2020, fixtures.npd_rows(2020, 10, seed=2)),
    ]
    db = tmp_path / "warehouse.duckdb"
    _land(first, db)
    reading_threads.clear()
    new = [
        fixtures.write_npd(folder, 2021, fixtures.npd_rows(2021, 10, seed=3)),
        fixtures.write_npd(folder, 2022, fixtures.npd_rows(2022, 10, seed=4)),
    ]
    outcomes = _land([*first, *new], db)
    assert [o.status for o in outcomes] == ["unchanged", "unchanged", "landed", "landed"]
    assert [(name, thread.startswith("cin-load-npd")) for name, thread in reading_threads] == [
        ("CIN_2021.csv", True),
        ("CIN_2022.csv", True),
    ]
