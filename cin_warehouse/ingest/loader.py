"""Land many files: one transaction per file, a manifest row per landing, no half loads.

Consecutive XML returns share a transaction (fewer commits and inserts); if one of them
fails, the shared transaction is rolled back and each file is landed again in its own, so
what lands is what landing the files one by one would land. XML returns are read (scanned,
parsed, walked into Arrow batches) ahead by worker processes while this process writes
them, in the files' order, exactly as it writes a return it reads itself (`_Preparer`);
NPD files are read ahead the same way by a thread (`_NpdReadAhead`).

A file whose bytes are already landed (same sha256, not superseded) is a no-op that says
so. Any error rolls the file's transaction back, so a failed file leaves no row in any
raw table; its manifest row (status `failed`, with the error) is then written in a
transaction of its own. The remaining files are still landed. Files in a folder that do
not look like extracts are skipped, each with its reason.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import duckdb

from cin_warehouse import access
from cin_warehouse.ingest import files, manifest, npd, schema, xml
from cin_warehouse.ingest.errors import LoadError
from cin_warehouse.ingest.manifest import LoadRecord, PreviousLoad


@dataclass
class Outcome:
    """What happened to one file."""

    raw_file: files.RawFile | files.Skipped
    status: str  # landed | replaced | unchanged | failed | skipped
    record: LoadRecord | None = None
    previous: PreviousLoad | None = None
    error: LoadError | None = None

    @property
    def path(self) -> Path:
        return self.raw_file.path


class Progress(Protocol):
    def start_file(self, raw_file: files.RawFile, size: int) -> None: ...
    def advance(self, n_bytes: int) -> None: ...
    def end_file(self, outcome: Outcome) -> None: ...


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def land_file(
    con: duckdb.DuckDBPyConnection,
    raw_file: files.RawFile,
    progress: Progress | None = None,
    batch: xml.Batches | None = None,
    prepared: Prepared | None = None,
) -> Outcome:
    """Land one file in one transaction (the caller has set up the raw schema); with
    `batch`, an XML file in the caller's transaction instead, its rows through `batch`
    (with DuckDB on one thread already: see `_land_xml_batch`); with `prepared`, an XML
    file already scanned and read by a worker process (`_prepare`)."""
    started = _now()
    if prepared is not None:
        if prepared.scan is None:
            assert prepared.error is not None
            return Outcome(raw_file, "failed", error=prepared.error)
        scan = prepared.scan
    else:
        try:
            scan = files.scan(raw_file, text=raw_file.format == "npd")
        except LoadError as error:
            return Outcome(raw_file, "failed", error=error)
    previous = manifest.same_bytes_loaded(con, scan.sha256)
    if previous is not None:
        return Outcome(raw_file, "unchanged", previous=previous)
    record = LoadRecord(
        load_id=uuid.uuid4().hex,
        source_file=str(raw_file.path),
        file_name=raw_file.path.name,
        sha256=scan.sha256,
        size_bytes=scan.size_bytes,
        format=raw_file.format,
        file_kind="la_return" if raw_file.format == "xml" else "main",
        census_year=None,
        la_code=None,
        encoding=scan.encoding,
        delimiter=None,
        rows_per_table={},
        rows_rejected=0,
        lines_in_file=None,
        blank_lines=None,
        started_at=started,
    )
    advance = progress.advance if progress is not None else None
    parsed = None
    try:
        if raw_file.format == "npd":
            # Parsed before the transaction, into an Arrow table registered on the connection
            # (not in the database file): see npd.parse_npd_file.
            try:
                if prepared is not None and prepared.error is not None:
                    raise prepared.error
                read = prepared.parsed if prepared is not None else None
                assert read is None or isinstance(read, npd.Read)
                parsed = npd.parse_npd_file(con, raw_file, scan, record, read)
            except LoadError as error:
                return Outcome(raw_file, "failed", error=error)
            if advance is not None:
                advance(scan.size_bytes // 2)
        if batch is not None:
            return _write(con, raw_file, scan, record, parsed, advance, batch, prepared)
        if raw_file.format == "xml":
            # An XML return reaches DuckDB as many small Arrow batches, which one thread
            # inserts and commits with about half the CPU of two (measured on the returns
            # of a small world); NPD files keep every thread for DuckDB's CSV reader.
            with _duckdb_threads(con, 1):
                return _write(con, raw_file, scan, record, parsed, advance, None, prepared)
        return _write(con, raw_file, scan, record, parsed, advance)
    finally:
        if parsed is not None or raw_file.format == "npd":
            npd.drop_temp_tables(con)


@contextmanager
def _duckdb_threads(con: duckdb.DuckDBPyConnection, threads: int) -> Iterator[None]:
    """Run with DuckDB's `threads` setting at `threads`, then put it back."""
    row = con.execute("select current_setting('threads')").fetchone()
    assert row is not None
    con.execute(f"set threads = {int(threads)}")
    try:
        yield
    finally:
        con.execute(f"set threads = {int(row[0])}")


def _write(
    con: duckdb.DuckDBPyConnection,
    raw_file: files.RawFile,
    scan: files.Scan,
    record: LoadRecord,
    parsed: npd.Parsed | None,
    advance: files.Progress | None,
    batch: xml.Batches | None = None,
    prepared: Prepared | None = None,
) -> Outcome:
    """The one transaction of a file: its rows, rejects, column map and manifest row
    (with `batch`: the caller's transaction, which it rolls back if this fails; with
    `prepared`: what a worker process read of the XML file, or the error it met)."""
    transaction = batch is None
    if transaction:
        con.execute("begin transaction")
    try:
        if parsed is not None:
            npd.write_npd_file(con, parsed, record)
            if advance is not None:
                advance(scan.size_bytes - scan.size_bytes // 2)
        elif prepared is not None:
            if prepared.error is not None:
                raise prepared.error
            # (an NPD file's read ahead became `parsed` in land_file)
            assert prepared.parsed is None or isinstance(prepared.parsed, xml.Parsed)
            xml.land_xml_file(con, raw_file, scan, record, advance, batch, prepared.parsed)
        else:
            xml.land_xml_file(con, raw_file, scan, record, advance, batch)
        record.finished_at = _now()
        manifest.record(con, record)
        if transaction:
            con.execute("commit")
    except LoadError as error:
        if transaction:
            con.execute("rollback")
        return Outcome(raw_file, "failed", error=error)
    except (duckdb.Error, OSError, ValueError) as error:
        if transaction:
            con.execute("rollback")
        return Outcome(raw_file, "failed", error=_could_not_land(raw_file, error))
    except BaseException:
        if transaction:
            con.execute("rollback")
        raise
    return Outcome(raw_file, "replaced" if record.replaces else "landed", record=record)


def _could_not_land(raw_file: files.RawFile, error: Exception) -> LoadError:
    """An unexpected error of the landing (DuckDB, the file system, a value), in one line."""
    first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
    return LoadError(raw_file.path, f"could not be landed: {first_line}")


@dataclass
class Prepared:
    """A file scanned and read ahead of its writing (an XML return by a worker process,
    `_prepare`; an NPD file by a thread, `_prepare_npd`): its scan (None if that failed) and
    what its landing writes, or the error its landing would give."""

    scan: files.Scan | None
    parsed: xml.Parsed | npd.Read | None
    error: LoadError | None


def _prepare(raw_file: files.RawFile) -> Prepared:
    """In a worker process: what `land_file` does to an XML file before it needs the
    database (the scan, then the whole parse), with the error it would meet."""
    try:
        scan = files.scan(raw_file, text=False)
    except LoadError as error:
        return Prepared(None, None, error)
    try:
        return Prepared(scan, xml.parse_xml_file(raw_file, scan), None)
    except LoadError as error:
        return Prepared(scan, None, error)
    except (OSError, ValueError) as error:
        return Prepared(scan, None, _could_not_land(raw_file, error))


def _prepare_npd(raw_file: files.RawFile) -> Prepared:
    """In a thread: what `land_file` does to an NPD file before it needs the database (the
    scan, then `npd.read_npd_file`), with the error it would meet. Any other error is
    raised where the file is written, as if it were read there."""
    try:
        scan = files.scan(raw_file, text=True)
    except LoadError as error:
        return Prepared(None, None, error)
    try:
        return Prepared(scan, npd.read_npd_file(raw_file, scan), None)
    except LoadError as error:
        return Prepared(scan, None, error)


class _NpdReadAhead:
    """Reads the next NPD files (scan and rows: mostly Arrow and file reads, which release
    Python's GIL) in a thread while this thread writes the one before them into DuckDB, so
    that the two halves of an NPD landing overlap on two cores. Two files ahead (AHEAD), so at most
    three files' rows are held: a census year is a main file and a small disabilities file,
    and one file ahead would read only the small one while a main file is written. Files
    landed from the same path with the same size (`landed`) are left to `land_file`, as
    `_Preparer` leaves XML returns (most likely the same bytes again: only hashed). The
    writes keep the files' order, so what lands does not depend on the thread."""

    AHEAD = 2

    def __init__(self, raw_files: list[files.RawFile], landed: frozenset[tuple[str, int]]) -> None:
        self.raw_files = raw_files
        self.todo = [
            i
            for i, f in enumerate(raw_files)
            if f.format == "npd" and (str(f.path), _size(f)) not in landed
        ]
        self.futures: dict[int, Future[Prepared]] = {}
        # One file alone has nothing to overlap with.
        self.pool = (
            ThreadPoolExecutor(1, thread_name_prefix="cin-load-npd")
            if len(self.todo) >= 2
            else None
        )

    def get(self, index: int) -> Prepared | None:
        """The NPD file `index` read ahead (None: `land_file` reads it), with the next ones
        to read submitted first."""
        if self.pool is None or index not in self.todo:
            return None
        place = self.todo.index(index)
        for ahead in self.todo[place : place + 1 + self.AHEAD]:
            if ahead not in self.futures:
                self.futures[ahead] = self.pool.submit(_prepare_npd, self.raw_files[ahead])
        return self.futures.pop(index).result()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.futures = {}


# XML returns up to this size are read in worker processes while the main process writes
# (a return's rows wait in memory as Arrow batches until written; a larger return is read
# and written streaming, in the main process, so memory stays flat however large it is).
PREPARE_BYTES = 64 * 2**20
# A worker process takes about 0.35 CPU s to start (Python, DuckDB, lxml, pyarrow): as long
# as the main process takes to read about 10 MB of returns. One worker per this many bytes of
# returns to read, so that a small landing does not pay for a pool.
WORKER_BYTES = 8 * 2**20
WORKERS_ENV = "CIN_LOAD_WORKERS"


# The idle CPU time of the whole machine is sampled over this long (/proc/stat) to choose
# the workers: the 1-minute load average lags (a command run just before leaves it high on
# a machine that is idle now; BENCHMARKS.md, "Third pass").
IDLE_SAMPLE_SECONDS = 0.15
PROC_STAT = Path("/proc/stat")


def _workers_setting() -> int | None:
    """CIN_LOAD_WORKERS as a number of workers; None when it is not set."""
    value = os.environ.get(WORKERS_ENV, "").strip()
    if not value:
        return None
    try:
        return max(int(value), 0)
    except ValueError:
        raise LoadError(WORKERS_ENV, f"not a number of worker processes: {value!r}") from None


def _read_proc_stat() -> str | None:
    try:
        return PROC_STAT.read_text()
    except OSError:  # not Linux
        return None


def _cpu_jiffies(stat: str) -> tuple[int, int] | None:
    """(idle, total) CPU time of all CPUs so far, from /proc/stat's `cpu` line (proc(5):
    user nice system idle iowait irq softirq steal; guest time is inside user and nice)."""
    first = stat.split("\n", 1)[0].split()
    if len(first) < 5 or first[0] != "cpu":
        return None
    try:
        times = [int(v) for v in first[1:9]]
    except ValueError:
        return None
    return times[3] + times[4], sum(times)


def busy_cpus(
    cpus: int,
    read_stat: Callable[[], str | None] = _read_proc_stat,
    wait: Callable[[float], object] = time.sleep,
) -> float | None:
    """How many of `cpus` were busy over the last IDLE_SAMPLE_SECONDS (two readings of
    /proc/stat); None where there is no /proc/stat or the sample says nothing."""
    before_text = read_stat()
    if before_text is None:
        return None
    wait(IDLE_SAMPLE_SECONDS)
    after_text = read_stat()
    before = _cpu_jiffies(before_text)
    after = _cpu_jiffies(after_text) if after_text is not None else None
    if before is None or after is None or after[1] <= before[1]:
        return None
    idle_share = (after[0] - before[0]) / (after[1] - before[1])
    return cpus * (1 - min(max(idle_share, 0.0), 1.0))


def load_workers(
    read_stat: Callable[[], str | None] = _read_proc_stat,
    wait: Callable[[float], object] = time.sleep,
) -> int:
    """Worker processes that read XML returns (0: none, every return is read in the main
    process): CIN_LOAD_WORKERS, else one per idle CPU: the CPUs less those busy over a short
    sample of /proc/stat (the 1-minute load average where there is none). Workers add CPU
    (their start); they save time only where a core would otherwise idle: with the cores
    busy, landing with them took longer than without (measured, BENCHMARKS.md, "Third
    pass")."""
    setting = _workers_setting()
    if setting is not None:
        return setting
    cpus = os.cpu_count() or 1
    busy = busy_cpus(cpus, read_stat, wait)
    if busy is None:
        try:
            busy = os.getloadavg()[0]
        except OSError:  # no load average either
            return cpus
    return max(cpus - int(busy), 0)


class _Preparer:
    """Reads the XML returns of a landing ahead, in file order, in a pool of worker
    processes (`_prepare`), at most `ahead` returns beyond the one the main process asks
    for; the main process keeps every database write, in the files' order. Returns already
    landed from the same path with the same size (`landed`) are left to the main process.
    At most one worker per WORKER_BYTES of returns; no pool (every file read in the main
    process) with fewer than two such returns or no workers. `workers` None: load_workers(),
    asked only when the returns allow a pool (it samples the machine's idle CPU)."""

    def __init__(
        self,
        raw_files: list[files.RawFile],
        workers: int | None,
        landed: frozenset[tuple[str, int]] = frozenset(),
    ) -> None:
        self.raw_files = raw_files
        # Not a file landed from the same path with the same size: most likely the same
        # bytes again (`unchanged`: only hashed), which the main process scans itself (and
        # reads, if they are not the same bytes after all).
        self.todo = [
            i
            for i, f in enumerate(raw_files)
            if f.format == "xml"
            and 0 < _size(f) <= PREPARE_BYTES
            and (str(f.path), _size(f)) not in landed
        ]
        self.position = {index: place for place, index in enumerate(self.todo)}
        self.futures: dict[int, Future[Prepared]] = {}
        self.submitted = 0  # places of `todo` submitted so far
        # A worker costs about as much CPU to start as reading WORKER_BYTES of returns.
        total = sum(_size(raw_files[i]) for i in self.todo)
        most = min(len(self.todo), total // WORKER_BYTES) if len(self.todo) >= 2 else 0
        if most > 0 and workers is None:
            workers = load_workers()
        workers = min(workers or 0, most)
        self.ahead = 2 * workers
        self.pool: ProcessPoolExecutor | None = None
        if workers > 0:
            # Spawned, not forked: the main process has DuckDB's threads (and a progress
            # bar's) running, which a fork copies in whatever state they are in. A spawned
            # worker imports the main module as Python's multiprocessing does (scripts
            # calling `land` need an `if __name__ == "__main__"` guard); if the workers
            # cannot start or die, the returns are read in the main process instead.
            self.pool = ProcessPoolExecutor(
                workers,
                mp_context=multiprocessing.get_context("spawn"),
            )
            self._submit_to(0)

    def _submit_to(self, place: int) -> None:
        assert self.pool is not None
        end = min(place + self.ahead, len(self.todo))
        while self.submitted < end:
            index = self.todo[self.submitted]
            self.futures[index] = self.pool.submit(_prepare, self.raw_files[index])
            self.submitted += 1

    def get(self, index: int) -> Prepared | None:
        """The file `index` read by a worker (None: read it in the main process)."""
        place = self.position.get(index)
        if self.pool is None or place is None:
            return None
        self._submit_to(place)
        try:
            return self.futures[index].result()
        except BrokenProcessPool:
            # A worker died (killed, out of memory): the rest is read in the main process.
            self.close()
            return None

    def release(self, end: int) -> None:
        """Forget what was read of the files before `end` (they are written)."""
        for index in [i for i in self.futures if i < end]:
            del self.futures[index]

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.futures = {}


def land(
    paths: list[Path],
    db_path: Path,
    progress: Progress | None = None,
    kind: str | None = None,
) -> list[Outcome]:
    """Land every file found under `paths` into the DuckDB file `db_path`; `kind` (npd or
    xml) lands every file as that kind whatever its name.

    Raises LoadError only if the paths themselves are wrong (missing, no file at all);
    per-file problems (and skipped files) are in the outcomes.
    """
    raw_files, skipped = files.find_files(paths, kind)
    if not raw_files and not skipped:
        joined = ", ".join(map(str, paths))
        raise LoadError(joined, "no files found")
    outcomes = [Outcome(s, "skipped") for s in skipped]
    for skip in outcomes:
        if progress is not None:
            progress.end_file(skip)
    if not raw_files:
        return outcomes
    # A wrong CIN_LOAD_WORKERS or DuckDB limit is said before the warehouse is opened (or
    # made): nothing changes.
    workers = _workers_setting()
    with duckdb.connect(":memory:") as scratch:
        _apply_duckdb_limits(scratch)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = duckdb.connect(str(db_path))
    except duckdb.Error as error:
        # Typically another process holds the file (DuckDB allows one writer).
        first_line = str(error).splitlines()[0]
        raise LoadError(db_path, f"cannot open the warehouse: {first_line}") from error
    with connection as con:
        _apply_duckdb_limits(con)
        # DuckDB draws its own progress bar on a terminal; `cin load` draws one already.
        con.execute("set enable_progress_bar = false")
        outcomes += land_files(con, raw_files, progress, workers)
    return outcomes


def _apply_duckdb_limits(con: duckdb.DuckDBPyConnection) -> None:
    """The build's DuckDB limits on the landing's connection (`access.apply_limits`: the
    variables profiles.yml reads, CIN_DUCKDB_MEMORY_LIMIT and CIN_DUCKDB_THREADS, with its
    defaults; CIN_DUCKDB_TEMP_DIRECTORY). Without them DuckDB's buffer pool may grow to 80%
    of the machine's memory: it keeps the blocks a landing writes, so a process landing the
    returns of England grew with the warehouse (841 MiB). The worker processes that read
    XML returns open no DuckDB connection (lxml and Arrow only)."""
    try:
        access.apply_limits(con)
    except duckdb.Error as error:
        variables = f"{access.MEMORY_LIMIT_ENV}, {access.THREADS_ENV}, {access.TEMP_DIRECTORY_ENV}"
        raise LoadError(f"DuckDB limits ({variables})", access.first_line(error)) from None


def land_files(
    con: duckdb.DuckDBPyConnection,
    raw_files: list[files.RawFile],
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[Outcome]:
    """Land files one by one over an open connection (failed ones get a manifest row);
    consecutive XML files share a transaction (see `_land_xml_batch`). XML returns are read
    ahead by `workers` processes (default `load_workers()`, asked only when the returns
    allow a pool; 0: none), written here in the
    files' order, so what lands does not depend on them."""
    con.execute("begin transaction")
    schema.ensure_raw_schema(con)
    con.execute("commit")
    landed = manifest.landed_files(con)
    preparer = _Preparer(raw_files, workers, landed)
    npd_ahead = _NpdReadAhead(raw_files, landed)
    try:
        outcomes: list[Outcome] = []
        start = 0
        while start < len(raw_files):
            batch = _xml_batch(raw_files, start)
            if len(batch) > 1:
                outcomes += _land_xml_batch(con, batch, progress, preparer, start)
            else:
                prepared = preparer.get(start) or npd_ahead.get(start)
                outcomes.append(_land_alone(con, raw_files[start], progress, prepared))
            start += max(len(batch), 1)
            preparer.release(start)
    finally:
        npd_ahead.close()
        preparer.close()
    return outcomes


# XML returns land several to a transaction (at most this many files and bytes): a commit
# costs DuckDB about as much CPU as landing a small return's rows (measured, BENCHMARKS.md,
# "XML landing"), and returns are often small (one LA, one year).
XML_BATCH_FILES = 50
XML_BATCH_BYTES = 64 * 2**20


def _xml_batch(raw_files: list[files.RawFile], start: int) -> list[files.RawFile]:
    """The XML files from `start` on that land in one transaction (empty: not XML)."""
    batch: list[files.RawFile] = []
    size = 0
    for raw_file in raw_files[start : start + XML_BATCH_FILES]:
        if raw_file.format != "xml":
            break
        size += _size(raw_file)
        if batch and size > XML_BATCH_BYTES:
            break
        batch.append(raw_file)
    return batch


def _size(raw_file: files.RawFile) -> int:
    return raw_file.path.stat().st_size if raw_file.path.exists() else 0


def _land_alone(
    con: duckdb.DuckDBPyConnection,
    raw_file: files.RawFile,
    progress: Progress | None,
    prepared: Prepared | None = None,
) -> Outcome:
    """Land one file in its own transaction (a failed one gets its manifest row)."""
    if progress is not None:
        progress.start_file(raw_file, _size(raw_file))
    started = _now()
    outcome = land_file(con, raw_file, progress, prepared=prepared)
    if outcome.status == "failed":
        _record_failure(con, outcome, started)
    if progress is not None:
        progress.end_file(outcome)
    return outcome


def _land_xml_batch(
    con: duckdb.DuckDBPyConnection,
    batch: list[files.RawFile],
    progress: Progress | None,
    preparer: _Preparer,
    start: int,
) -> list[Outcome]:
    """Land XML files in one transaction, committed once. If any of them fails, the whole
    transaction is rolled back and each file is landed again alone, so a failed file still
    changes nothing and every other file lands exactly as it would alone (a later file of
    the batch sees the earlier ones: a re-delivery, or the same bytes again). The files are
    `start` on of the landing's (what `preparer` read of them is used twice if need be)."""
    outcomes: list[Outcome] = []
    committed = False
    held = xml.Batches(con, hold=True)
    with _duckdb_threads(con, 1):
        con.execute("begin transaction")
        try:
            for index, raw_file in enumerate(batch, start):
                if progress is not None:
                    progress.start_file(raw_file, _size(raw_file))
                outcome = land_file(con, raw_file, progress, held, preparer.get(index))
                if outcome.status == "failed":
                    break
                outcomes.append(outcome)
            if len(outcomes) == len(batch):
                held.flush()
                con.execute("commit")
                committed = True
        except duckdb.Error:
            pass  # the commit failed: each file alone below, with its own error
        except BaseException:
            _rollback(con)
            raise
        if not committed:
            _rollback(con)
    if not committed:
        return [
            _land_alone(con, raw_file, progress, preparer.get(index))
            for index, raw_file in enumerate(batch, start)
        ]
    if progress is not None:
        for outcome in outcomes:
            progress.end_file(outcome)
    return outcomes


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll the open transaction back (a failed commit may have ended it already)."""
    with suppress(duckdb.TransactionException):  # no transaction is active: nothing kept
        con.execute("rollback")


def _record_failure(con: duckdb.DuckDBPyConnection, outcome: Outcome, started: datetime) -> None:
    """The manifest row of a file that could not be landed (its own transaction: the
    file's rows were rolled back, its failure is kept)."""
    assert isinstance(outcome.raw_file, files.RawFile) and outcome.error is not None
    raw_file = outcome.raw_file
    try:
        sha256, size = files.sha256_and_size(raw_file.path)
    except LoadError:
        sha256, size = None, 0
    error = outcome.error
    record = LoadRecord(
        load_id=uuid.uuid4().hex,
        source_file=str(raw_file.path),
        file_name=raw_file.path.name,
        sha256=sha256,
        size_bytes=size,
        format=raw_file.format,
        file_kind="la_return" if raw_file.format == "xml" else "main",
        census_year=None,
        la_code=None,
        encoding=None,
        delimiter=None,
        rows_per_table={},
        rows_rejected=0,
        lines_in_file=None,
        blank_lines=None,
        started_at=started,
        finished_at=_now(),
        status="failed",
        error=f"{error.where}: {error.problem}" if error.where else error.problem,
    )
    con.execute("begin transaction")
    manifest.record(con, record)
    con.execute("commit")
