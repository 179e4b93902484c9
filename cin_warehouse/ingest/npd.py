"""Land NPD yearly CIN files into `raw.npd_cin_<census_year>`, every column VARCHAR as delivered.

Walking-skeleton version: issue 4 adds encodings, rejects, re-deliveries and the XML returns.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

FILE_NAME = re.compile(r"^CIN_(?P<year>\d{4})\.(csv|txt)$", re.IGNORECASE)


class LoadError(Exception):
    """A file that cannot be landed; the message names the file and the problem."""


@dataclass(frozen=True)
class LoadResult:
    path: Path
    table: str
    rows: int


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute(
        """
        create table if not exists raw._loads (
            load_id varchar primary key,
            source_file varchar not null,
            sha256 varchar not null,
            format varchar not null,
            census_year integer,
            target_table varchar not null,
            row_count bigint not null,
            loaded_at timestamp not null default current_timestamp
        )
        """
    )


def census_year_of(path: Path) -> int:
    match = FILE_NAME.match(path.name)
    if match is None:
        raise LoadError(f"{path}: file name does not look like CIN_<census year>.csv")
    return int(match["year"])


def land_npd_file(con: duckdb.DuckDBPyConnection, path: Path) -> LoadResult:
    """Land one file in one transaction: the rows and its manifest entry, or nothing."""
    year = census_year_of(path)
    table = f"raw.npd_cin_{year}"
    load_id = uuid.uuid4().hex
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    con.execute("begin transaction")
    try:
        # Row order is the file's order (DuckDB preserves insertion order), so
        # row_number() + 1 is the line number (line 1 is the header).
        con.execute(
            f"""
            create or replace table {table} as
            select
                *,
                ? as _load_id,
                ? as _source_file,
                row_number() over () + 1 as _line_number,
                ? as _census_year
            from read_csv(?, header = true, all_varchar = true, delim = ',')
            """,
            [load_id, str(path), year, str(path)],
        )
        rows = con.execute(f"select count(*) from {table}").fetchone()[0]
        con.execute(
            "insert into raw._loads (load_id, source_file, sha256, format, census_year,"
            " target_table, row_count) values (?, ?, ?, 'npd', ?, ?, ?)",
            [load_id, str(path), sha256, year, table, rows],
        )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return LoadResult(path=path, table=table, rows=rows)


def find_npd_files(paths: list[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if FILE_NAME.match(p.name)))
        elif path.exists():
            found.append(path)
        else:
            raise LoadError(f"{path}: no such file or folder")
    return found


def land(paths: list[Path], db_path: Path) -> list[LoadResult]:
    files = find_npd_files(paths)
    if not files:
        raise LoadError(f"no CIN_<year>.csv files found under {', '.join(map(str, paths))}")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(db_path)) as con:
        ensure_raw_schema(con)
        return [land_npd_file(con, path) for path in files]
