"""Land many files: one transaction per file, a manifest row per landing, no half loads.

A file whose bytes are already landed (same sha256, not superseded) is a no-op that says
so. Any error rolls the file's transaction back, so a failed file leaves no row in any
raw table; its manifest row (status `failed`, with the error) is then written in a
transaction of its own. The remaining files are still landed. Files in a folder that do
not look like extracts are skipped, each with its reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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
) -> Outcome:
    """Land one file in one transaction (the caller has set up the raw schema)."""
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
) -> Outcome:
    """The one transaction of a file: its rows, rejects, column map and manifest row."""
    con.execute("begin transaction")
    try:
        if parsed is not None:
            npd.write_npd_file(con, parsed, record)
            if advance is not None:
                advance(scan.size_bytes - scan.size_bytes // 2)
        else:
            xml.land_xml_file(con, raw_file, scan, record, advance)
        record.finished_at = _now()
        manifest.record(con, record)
        con.execute("commit")
    except LoadError as error:
        con.execute("rollback")
        return Outcome(raw_file, "failed", error=error)
    except (duckdb.Error, OSError, ValueError) as error:
        con.execute("rollback")
        first_line = str(error).splitlines()[0] if str(error) else type(error).__name__
        failure = LoadError(raw_file.path, f"could not be landed: {first_line}")
        return Outcome(raw_file, "failed", error=failure)
    except BaseException:
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
    """Land files one by one over an open connection (failed ones get a manifest row)."""
    con.execute("begin transaction")
    schema.ensure_raw_schema(con)
    con.execute("commit")
    outcomes = []
    for raw_file in raw_files:
        size = raw_file.path.stat().st_size if raw_file.path.exists() else 0
        if progress is not None:
            progress.start_file(raw_file, size)
        started = _now()
        outcome = land_file(con, raw_file, progress)
        if outcome.status == "failed":
            _record_failure(con, outcome, started)
        if progress is not None:
            progress.end_file(outcome)
        outcomes.append(outcome)
    return outcomes


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
