"""Land many files: one transaction per file, a manifest row per landing, no half loads.

Consecutive XML returns share a transaction (fewer commits and inserts); if one of them
fails, the shared transaction is rolled back and each file is landed again in its own, so
what lands is what landing the files one by one would land.

A file whose bytes are already landed (same sha256, not superseded) is a no-op that says
so. Any error rolls the file's transaction back, so a failed file leaves no row in any
raw table; its manifest row (status `failed`, with the error) is then written in a
transaction of its own. The remaining files are still landed. Files in a folder that do
not look like extracts are skipped, each with its reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

import duckdb

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
) -> Outcome:
    """Land one file in one transaction (the caller has set up the raw schema); with
    `batch`, an XML file in the caller's transaction instead, its rows through `batch`
    (with DuckDB on one thread already: see `_land_xml_batch`)."""
    started = _now()
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
                parsed = npd.parse_npd_file(con, raw_file, scan, record)
            except LoadError as error:
                return Outcome(raw_file, "failed", error=error)
            if advance is not None:
                advance(scan.size_bytes // 2)
        if batch is not None:
            return _write(con, raw_file, scan, record, parsed, advance, batch)
        if raw_file.format == "xml":
            # An XML return reaches DuckDB as many small Arrow batches, which one thread
            # inserts and commits with about half the CPU of two (measured on the returns
            # of a small world); NPD files keep every thread for DuckDB's CSV reader.
            with _duckdb_threads(con, 1):
                return _write(con, raw_file, scan, record, parsed, advance)
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
) -> Outcome:
    """The one transaction of a file: its rows, rejects, column map and manifest row
    (with `batch`: the caller's transaction, which it rolls back if this fails)."""
    transaction = batch is None
    if transaction:
        con.execute("begin transaction")
    try:
        if parsed is not None:
            npd.write_npd_file(con, parsed, record)
            if advance is not None:
                advance(scan.size_bytes - scan.size_bytes // 2)
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
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        failure = LoadError(raw_file.path, f"could not be landed: {first_line}")
        return Outcome(raw_file, "failed", error=failure)
    except BaseException:
        if transaction:
            con.execute("rollback")
        raise
    return Outcome(raw_file, "replaced" if record.replaces else "landed", record=record)


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
    db_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        connection = duckdb.connect(str(db_path))
    except duckdb.Error as error:
        # Typically another process holds the file (DuckDB allows one writer).
        first_line = str(error).splitlines()[0]
        raise LoadError(db_path, f"cannot open the warehouse: {first_line}") from error
    with connection as con:
        # DuckDB draws its own progress bar on a terminal; `cin load` draws one already.
        con.execute("set enable_progress_bar = false")
        outcomes += land_files(con, raw_files, progress)
    return outcomes


def land_files(
    con: duckdb.DuckDBPyConnection,
    raw_files: list[files.RawFile],
    progress: Progress | None = None,
) -> list[Outcome]:
    """Land files one by one over an open connection (failed ones get a manifest row);
    consecutive XML files share a transaction (see `_land_xml_batch`)."""
    con.execute("begin transaction")
    schema.ensure_raw_schema(con)
    con.execute("commit")
    outcomes: list[Outcome] = []
    start = 0
    while start < len(raw_files):
        batch = _xml_batch(raw_files, start)
        if len(batch) > 1:
            outcomes += _land_xml_batch(con, batch, progress)
        else:
            outcomes.append(_land_alone(con, raw_files[start], progress))
        start += max(len(batch), 1)
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
    con: duckdb.DuckDBPyConnection, raw_file: files.RawFile, progress: Progress | None
) -> Outcome:
    """Land one file in its own transaction (a failed one gets its manifest row)."""
    if progress is not None:
        progress.start_file(raw_file, _size(raw_file))
    started = _now()
    outcome = land_file(con, raw_file, progress)
    if outcome.status == "failed":
        _record_failure(con, outcome, started)
    if progress is not None:
        progress.end_file(outcome)
    return outcome


def _land_xml_batch(
    con: duckdb.DuckDBPyConnection, batch: list[files.RawFile], progress: Progress | None
) -> list[Outcome]:
    """Land XML files in one transaction, committed once. If any of them fails, the whole
    transaction is rolled back and each file is landed again alone, so a failed file still
    changes nothing and every other file lands exactly as it would alone (a later file of
    the batch sees the earlier ones: a re-delivery, or the same bytes again)."""
    outcomes: list[Outcome] = []
    committed = False
    held = xml.Batches(con, hold=True)
    with _duckdb_threads(con, 1):
        con.execute("begin transaction")
        try:
            for raw_file in batch:
                if progress is not None:
                    progress.start_file(raw_file, _size(raw_file))
                outcome = land_file(con, raw_file, progress, held)
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
        return [_land_alone(con, raw_file, progress) for raw_file in batch]
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
