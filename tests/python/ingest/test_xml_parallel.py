"""XML returns read by worker processes land exactly as returns read in the main process."""

from __future__ import annotations

import gzip
import multiprocessing
import os
import re
from pathlib import Path

import duckdb
import pytest

from cin_warehouse.ingest import files, loader
from tests.python.ingest import fixtures
from tests.python.ingest.test_xml_streaming import _landed


def _returns(folder: Path) -> list[Path]:
    """Returns that land, fail and are re-delivered in one run, in this order."""
    texts: dict[str, bytes] = {}

    def add(name: str, text: str) -> None:
        texts[name] = text.encode("utf-8")

    def a_return(year: int, la: str, n: int, seed: int, **options: str) -> str:
        return fixtures.return_xml(year, la, fixtures.make_children(year, n, seed=seed), **options)

    add("a0_CIN_2019_202.xml", a_return(2019, "202", 12, 1))
    add("a1_CIN_2020_202.xml", a_return(2020, "202", 9, 2))
    broken = a_return(2021, "202", 10, 3)
    add("b_broken.xml", broken[: len(broken) // 2])  # malformed: fails at its end
    add("c_invoice.xml", "<?xml version='1.0'?>\n<Invoice><Total>3</Total></Invoice>\n")
    add("d_redelivery.xml", a_return(2020, "202", 5, 4))  # replaces a1
    add("e_same_bytes.xml", a_return(2019, "202", 12, 1))  # a0 again: unchanged
    add("f_no_lea.xml", a_return(2022, " ", 4, 5))  # whose return is it?
    add(
        "g_unknown.xml",
        re.sub("</CINdetails>", "<Extra>x</Extra></CINdetails>", a_return(2022, "330", 6, 6)),
    )
    add("h_empty.xml", "")
    # Declared UTF-8 but Windows-1252: decoded as such, with a message.
    texts["i_cp1252.xml"] = a_return(2023, "330", 3, 7).replace("Test", "Tést").encode("cp1252")
    texts["j_CIN_2024_330.xml.gz"] = gzip.compress(a_return(2024, "330", 7, 8).encode())
    texts["k_truncated.xml.gz"] = gzip.compress(a_return(2025, "330", 7, 9).encode())[:-40]
    add("l_CIN_2021_330.xml", a_return(2021, "330", 8, 10))
    for name, data in texts.items():
        (folder / name).write_bytes(data)
    return sorted(folder.iterdir())


def _land(paths: list[Path], db: Path, workers: int) -> list[loader.Outcome]:
    raw_files = [files.classify(path) for path in paths]
    with duckdb.connect(str(db)) as con:
        return loader.land_files(con, raw_files, workers=workers)


def _outcome(outcome: loader.Outcome) -> tuple[object, ...]:
    record = outcome.record
    return (
        outcome.path.name,
        outcome.status,
        str(outcome.error) if outcome.error else None,
        None if record is None else (record.encoding, record.messages, record.rows_per_table),
    )


@pytest.fixture
def read_by_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The files (their places in the landing) that worker processes read; a pool even
    for these small returns."""
    monkeypatch.setattr(loader, "WORKER_BYTES", 1)
    indexes: list[int] = []
    get = loader._Preparer.get

    def spy(self: loader._Preparer, index: int) -> loader.Prepared | None:
        prepared = get(self, index)
        if prepared is not None:
            indexes.append(index)
        return prepared

    monkeypatch.setattr(loader._Preparer, "get", spy)
    return indexes


def test_parallel_landing_equals_serial(tmp_path: Path, read_by_workers: list[int]) -> None:
    """Every raw table, outcome, error and manifest message is the same whether the
    returns are read by two worker processes or in the main process, with failing files in
    the middle of a batch (the batch lands again file by file), a re-delivery, the same
    bytes again, gzip and Windows-1252 returns."""
    folder = tmp_path / "returns"
    folder.mkdir()
    paths = _returns(folder)
    serial = _land(paths, tmp_path / "serial.duckdb", workers=0)
    assert read_by_workers == []
    parallel = _land(paths, tmp_path / "parallel.duckdb", workers=2)
    # The empty file is not sent to a worker (nothing to read); every other file is.
    empty = [i for i, path in enumerate(paths) if path.name == "h_empty.xml"]
    assert sorted(set(read_by_workers)) == [i for i in range(len(paths)) if i not in empty]

    assert [_outcome(o) for o in parallel] == [_outcome(o) for o in serial]
    assert [o.status for o in serial] == [
        "landed", "landed", "failed", "failed", "replaced", "unchanged", "failed", "landed",
        "failed", "landed", "landed", "failed", "landed",
    ]  # fmt: skip
    assert _landed(tmp_path / "parallel.duckdb") == _landed(tmp_path / "serial.duckdb")


def test_large_return_is_read_in_the_main_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_by_workers: list[int]
) -> None:
    """A return above PREPARE_BYTES is read streaming in the main process, between
    returns read by workers, and lands as in a serial landing."""
    folder = tmp_path / "returns"
    folder.mkdir()
    children = {
        "CIN_2019_202.xml": 3,
        "CIN_2020_202.xml": 40,
        "CIN_2021_202.xml": 3,
        "CIN_2022_202.xml": 3,
    }
    for name, n in children.items():
        year = int(name[4:8])
        text = fixtures.return_xml(year, "202", fixtures.make_children(year, n, seed=n))
        (folder / name).write_text(text)
    paths = sorted(folder.iterdir())
    sizes = [path.stat().st_size for path in paths]
    monkeypatch.setattr(loader, "PREPARE_BYTES", max(sizes) - 1)
    serial = _land(paths, tmp_path / "serial.duckdb", workers=0)
    parallel = _land(paths, tmp_path / "parallel.duckdb", workers=2)
    assert sorted(set(read_by_workers)) == [0, 2, 3]  # not the large one
    assert [_outcome(o) for o in parallel] == [_outcome(o) for o in serial]
    assert [o.status for o in parallel] == ["landed"] * 4
    assert _landed(tmp_path / "parallel.duckdb") == _landed(tmp_path / "serial.duckdb")


def test_returns_already_landed_are_left_to_the_main_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers do not read a return landed before from the same path with the same size
    (most likely `unchanged`); if an earlier file of the landing superseded that load, the
    main process reads it, and it lands as in a serial landing."""
    monkeypatch.setattr(loader, "WORKER_BYTES", 1)
    seen: dict[str, bool] = {}
    get = loader._Preparer.get

    def spy(self: loader._Preparer, index: int) -> loader.Prepared | None:
        prepared = get(self, index)
        seen[self.raw_files[index].path.name] = prepared is not None
        return prepared

    monkeypatch.setattr(loader._Preparer, "get", spy)

    def a_return(year: int, seed: int) -> str:
        return fixtures.return_xml(year, "202", fixtures.make_children(year, 6, seed=seed))

    folder = tmp_path / "returns"
    folder.mkdir()
    first = [folder / "CIN_2019_202.xml", folder / "CIN_2020_202.xml"]
    first[0].write_text(a_return(2019, 1))
    first[1].write_text(a_return(2020, 2))
    redelivery = folder / "redelivery_2019.xml"
    redelivery.write_text(a_return(2019, 3))
    new = folder / "CIN_2021_202.xml"
    new.write_text(a_return(2021, 4))
    # The re-delivery replaces 2019, the first 2019 bytes replace it back, 2020 is unchanged.
    again = [redelivery, *first, new]
    landings = {}
    for workers in (0, 2):
        db = tmp_path / f"workers_{workers}.duckdb"
        _land(first, db, workers)
        seen.clear()
        landings[workers] = [_outcome(o) for o in _land(again, db, workers)]
    statuses = [outcome[1] for outcome in landings[2]]
    assert statuses == ["replaced", "replaced", "unchanged", "landed"]
    assert landings[2] == landings[0]
    assert _landed(tmp_path / "workers_2.duckdb") == _landed(tmp_path / "workers_0.duckdb")
    assert seen == {
        "redelivery_2019.xml": True,
        "CIN_2019_202.xml": False,  # read by the main process
        "CIN_2020_202.xml": False,  # only hashed, by the main process
        "CIN_2021_202.xml": True,
    }


def test_load_workers_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(loader.WORKERS_ENV, "3")
    assert loader.load_workers() == 3
    monkeypatch.setenv(loader.WORKERS_ENV, "0")
    assert loader.load_workers() == 0
    monkeypatch.setenv(loader.WORKERS_ENV, "many")
    with pytest.raises(loader.LoadError, match="CIN_LOAD_WORKERS.*not a number"):
        loader.load_workers()


def test_wrong_workers_setting_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Said before the warehouse is opened: no database file is made, nothing lands.
    folder = tmp_path / "returns"
    folder.mkdir()
    returns = _returns(folder)
    monkeypatch.setenv(loader.WORKERS_ENV, "two")
    db = tmp_path / "warehouse" / "cin.duckdb"
    with pytest.raises(loader.LoadError, match="CIN_LOAD_WORKERS.*not a number"):
        loader.land(returns, db, kind="xml")
    assert not db.exists()


def _stat(user: int, idle: int, iowait: int = 0) -> str:
    """/proc/stat as proc(5) gives it: the `cpu` line (user nice system idle iowait irq
    softirq steal guest guest_nice, in clock ticks), then one line per CPU."""
    return f"cpu  {user} 7 300 {idle} {iowait} 0 11 0 40 0\ncpu0 1 0 1 1 0 0 0 0 0 0\nctxt 12345\n"


def _samples(*texts: str | None) -> object:
    """A read_stat giving these /proc/stat texts in turn."""
    given = iter(texts)
    return lambda: next(given)


@pytest.mark.parametrize(
    ("busy", "workers"), [(0.0, 4), (0.3, 4), (1.0, 3), (2.7, 2), (3.9, 1), (4.0, 0)]
)
def test_load_workers_default_is_the_cpus_idle_now(
    monkeypatch: pytest.MonkeyPatch, busy: float, workers: int
) -> None:
    """Without CIN_LOAD_WORKERS: the CPUs less those busy over a short sample of /proc/stat
    (idle and iowait time count as idle), whatever the 1-minute load average says."""
    monkeypatch.delenv(loader.WORKERS_ENV, raising=False)
    monkeypatch.setattr(loader.os, "cpu_count", lambda: 4)
    # A command that just ended left the load average high: the sample says idle.
    monkeypatch.setattr(loader.os, "getloadavg", lambda: (9.5, 9.5, 9.5))
    waited: list[float] = []
    # 4 CPUs over 1 s at 100 ticks a second: 400 ticks, `busy` CPUs' worth of them in user
    # time, the rest split between idle and iowait.
    spent = round(busy * 100)
    rest = 400 - spent
    read_stat = _samples(
        _stat(10_000, 50_000, 2_000),
        _stat(10_000 + spent, 50_000 + rest - rest // 4, 2_000 + rest // 4),
    )
    assert loader.load_workers(read_stat, waited.append) == workers  # type: ignore[arg-type]
    assert waited == [loader.IDLE_SAMPLE_SECONDS]


@pytest.mark.parametrize(
    "samples",
    [
        (None,),  # no /proc/stat (not Linux)
        ("cpu0 1 2 3 4 5\n", "cpu0 1 2 3 4 5\n"),  # no `cpu` line first
        ("cpu 1 2 x 4 5\n", "cpu 1 2 x 4 5\n"),  # not numbers
        (_stat(10, 50), _stat(10, 50)),  # no tick between the readings
        (_stat(10, 50), None),  # gone between the readings
    ],
)
def test_load_workers_falls_back_to_the_load_average(
    monkeypatch: pytest.MonkeyPatch, samples: tuple[str | None, ...]
) -> None:
    """Where /proc/stat says nothing: the CPUs less the 1-minute load average, and one per
    CPU where there is no load average either."""
    monkeypatch.delenv(loader.WORKERS_ENV, raising=False)
    monkeypatch.setattr(loader.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(loader.os, "getloadavg", lambda: (2.7, 0.0, 0.0))
    assert loader.load_workers(_samples(*samples), lambda _: None) == 2  # type: ignore[arg-type]

    def no_load_average() -> tuple[float, float, float]:
        raise OSError("no load average")

    monkeypatch.setattr(loader.os, "getloadavg", no_load_average)
    assert loader.load_workers(_samples(*samples), lambda _: None) == 4  # type: ignore[arg-type]


def test_busy_cpus_of_this_machine() -> None:
    """The real /proc/stat, where there is one: between none and all of the CPUs."""
    if not loader.PROC_STAT.is_file():
        pytest.skip("no /proc/stat here")
    cpus = os.cpu_count() or 1
    busy = loader.busy_cpus(cpus)
    assert busy is not None and 0 <= busy <= cpus


def test_the_idle_cpus_are_sampled_only_when_a_pool_could_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A landing whose returns allow no pool (one return: `cin check-return`) does not wait
    for a sample of the machine's idle CPU; one whose returns allow a pool does."""
    monkeypatch.delenv(loader.WORKERS_ENV, raising=False)
    asked: list[int] = []
    monkeypatch.setattr(loader, "load_workers", lambda: asked.append(1) or 0)
    path = tmp_path / "CIN_2019_202.xml"
    path.write_text(fixtures.return_xml(2019, "202", fixtures.make_children(2019, 5)))
    alone = loader._Preparer([files.classify(path)], None, frozenset())
    assert (alone.pool, asked) == (None, [])
    second = tmp_path / "CIN_2020_202.xml"
    second.write_text(fixtures.return_xml(2020, "202", fixtures.make_children(2020, 5)))
    monkeypatch.setattr(loader, "WORKER_BYTES", 1)
    pair = loader._Preparer([files.classify(path), files.classify(second)], None, frozenset())
    assert (pair.pool, asked) == (None, [1])  # asked; it said no workers


def test_no_pool_for_small_returns(tmp_path: Path) -> None:
    """Two small returns are read in the main process: a worker would cost more to start
    than they take to read."""
    folder = tmp_path / "returns"
    folder.mkdir()
    raw_files = []
    for year in (2019, 2020):
        path = folder / f"CIN_{year}_202.xml"
        path.write_text(fixtures.return_xml(year, "202", fixtures.make_children(year, 5)))
        raw_files.append(files.classify(path))
    assert sum(f.path.stat().st_size for f in raw_files) < loader.WORKER_BYTES
    preparer = loader._Preparer(raw_files, 2, frozenset())
    try:
        assert preparer.pool is None
        assert preparer.get(0) is None
    finally:
        preparer.close()


def test_returns_are_read_here_when_the_workers_die(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, read_by_workers: list[int]
) -> None:
    """Worker processes killed before they read anything (as by the out-of-memory killer):
    every return is read in the main process instead and lands as in a serial landing."""
    folder = tmp_path / "returns"
    folder.mkdir()
    paths = _returns(folder)
    start = loader._Preparer.__init__

    def start_then_kill(self: loader._Preparer, *args: object) -> None:
        start(self, *args)  # type: ignore[arg-type]
        if self.pool is not None:  # the parallel landing's
            killed.extend(self.pool._processes.values())
            for process in killed:
                process.kill()

    killed: list[multiprocessing.Process] = []

    monkeypatch.setattr(loader._Preparer, "__init__", start_then_kill)
    serial = _land(paths, tmp_path / "serial.duckdb", workers=0)
    parallel = _land(paths, tmp_path / "parallel.duckdb", workers=2)
    assert killed and read_by_workers == []
    assert [_outcome(o) for o in parallel] == [_outcome(o) for o in serial]
    assert _landed(tmp_path / "parallel.duckdb") == _landed(tmp_path / "serial.duckdb")
