"""The manifest `raw._loads`: one row per landed (or failed) file; what the loader consults
to decide between a no-op (same bytes already landed), a first landing and a re-delivery."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

import duckdb


@dataclass
class LoadRecord:
    """What a landing did; becomes one `raw._loads` row and the CLI's report line."""

    load_id: str
    source_file: str
    file_name: str
    sha256: str | None  # None only for a failed file that could not be read at all
    size_bytes: int
    format: str  # npd | xml
    file_kind: str  # main | disabilities | la_return
    census_year: int | None
    la_code: str | None
    encoding: str | None
    delimiter: str | None
    rows_per_table: dict[str, int]
    rows_rejected: int
    lines_in_file: int | None
    blank_lines: int | None
    started_at: datetime
    finished_at: datetime | None = None
    replaces: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    status: str = "loaded"  # loaded | failed (superseded is set by a later load)
    error: str | None = None  # why a failed file could not be landed

    @property
    def rows_landed(self) -> int:
        return sum(self.rows_per_table.values())


@dataclass(frozen=True)
class PreviousLoad:
    load_id: str
    source_file: str
    finished_at: datetime


def same_bytes_loaded(con: duckdb.DuckDBPyConnection, sha256: str) -> PreviousLoad | None:
    """The current (not superseded) load of identical bytes, if any."""
    row = con.execute(
        "select load_id, source_file, finished_at from raw._loads"
        " where sha256 = ? and status = 'loaded' order by finished_at desc limit 1",
        [sha256],
    ).fetchone()
    return PreviousLoad(*row) if row else None


def landed_files(con: duckdb.DuckDBPyConnection) -> frozenset[tuple[str, int]]:
    """The path and size of every current (not superseded) load's file."""
    rows = con.execute(
        "select source_file, size_bytes from raw._loads where status = 'loaded'"
    ).fetchall()
    return frozenset((path, size) for path, size in rows)


def current_loads(
    con: duckdb.DuckDBPyConnection,
    file_format: str,
    file_kind: str,
    census_year: int,
    la_code: str | None,
) -> list[str]:
    """Loads a new file of this year (and LA, for XML) replaces."""
    return [
        row[0]
        for row in con.execute(
            "select load_id from raw._loads where status = 'loaded' and format = ?"
            " and file_kind = ? and census_year = ? and la_code is not distinct from ?",
            [file_format, file_kind, census_year, la_code],
        ).fetchall()
    ]


def supersede(con: duckdb.DuckDBPyConnection, old_ids: list[str], new_id: str) -> None:
    if old_ids:
        con.execute(
            "update raw._loads set status = 'superseded', superseded_by = ?"
            " where list_contains(?, load_id)",
            [new_id, old_ids],
        )


def record(con: duckdb.DuckDBPyConnection, rec: LoadRecord) -> None:
    con.execute(
        """
        insert into raw._loads (
            load_id, source_file, file_name, sha256, size_bytes, format, file_kind,
            census_year, la_code, encoding, delimiter, rows_landed, rows_rejected,
            rows_per_table, lines_in_file, blank_lines, status, superseded_by, replaces,
            messages, started_at, finished_at, error
        ) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, null, ?, ?, ?, ?, ?)
        """,
        [
            rec.load_id,
            rec.source_file,
            rec.file_name,
            rec.sha256,
            rec.size_bytes,
            rec.format,
            rec.file_kind,
            rec.census_year,
            rec.la_code,
            rec.encoding,
            rec.delimiter,
            rec.rows_landed,
            rec.rows_rejected,
            json.dumps(rec.rows_per_table, sort_keys=True),
            rec.lines_in_file,
            rec.blank_lines,
            rec.status,
            ",".join(rec.replaces) or None,
            json.dumps(rec.messages) if rec.messages else None,
            rec.started_at,
            rec.finished_at,
            rec.error,
        ],
    )
