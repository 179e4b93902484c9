"""Analyst access to a built warehouse: `cin query` and `cin export`.

Both open the DuckDB file read-only, so they run beside any other reader (a second
`cin query`, a notebook, the docs) and can never change the warehouse; a statement that
would write fails with DuckDB's own message. Errors are `AccessError`s carrying one line an
analyst can act on (no traceback): the warehouse file is missing, the SQL is wrong
(DuckDB's message), or a model name is unknown (with the close names).
"""

from __future__ import annotations

import csv
import difflib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import duckdb

EXPORT_FORMATS = ("parquet", "csv")
# The schemas dbt builds (dbt_project.yml); an unqualified model name is looked up in them.
MODEL_SCHEMAS = ("marts", "intermediate", "staging", "reference", "landing")


# DuckDB's limits, from the environment variables `dbt build` reads (profiles.yml and the
# on-run-start hook, macros/duckdb_temp_directory.sql) with the same defaults (a test holds
# the two equal), so that whatever reads the warehouse in Python spills to disk under the
# same memory limit as the build instead of growing to DuckDB's own default (80% of RAM):
# `cin fidelity` needed 19.5 GiB at scale 1 without it.
MEMORY_LIMIT_ENV, MEMORY_LIMIT_DEFAULT = "CIN_DUCKDB_MEMORY_LIMIT", "4GB"
THREADS_ENV, THREADS_DEFAULT = "CIN_DUCKDB_THREADS", "2"
TEMP_DIRECTORY_ENV = "CIN_DUCKDB_TEMP_DIRECTORY"


class AccessError(Exception):
    """A problem the analyst can fix, said in one line."""


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]


def duckdb_limits(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """DuckDB's settings from `env` (default: the process environment): memory_limit and
    threads always, temp_directory only when CIN_DUCKDB_TEMP_DIRECTORY names a folder
    (else DuckDB's default, beside the database file: `<path>.tmp`)."""
    env = os.environ if env is None else env
    limits = {
        "memory_limit": env.get(MEMORY_LIMIT_ENV) or MEMORY_LIMIT_DEFAULT,
        "threads": env.get(THREADS_ENV) or THREADS_DEFAULT,
    }
    if env.get(TEMP_DIRECTORY_ENV):
        limits["temp_directory"] = env[TEMP_DIRECTORY_ENV]
    return limits


def apply_limits(con: duckdb.DuckDBPyConnection, env: Mapping[str, str] | None = None) -> None:
    """Set `duckdb_limits(env)` on the database behind `con` (all its cursors share them).
    The settings are set after opening, not passed to `duckdb.connect`: a second opening
    of the same file in one process with a different configuration is refused. The temp
    directory is set only when it differs: DuckDB refuses to move it once it has spilled."""
    for name, value in duckdb_limits(env).items():
        if name == "temp_directory":
            (current,) = con.execute("select current_setting('temp_directory')").fetchone() or ("",)
            if Path(current) == Path(value):
                continue
        con.execute(f"set {name} = '{value.replace(chr(39), chr(39) * 2)}'")


def connect(db: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the warehouse file, under the warehouse's DuckDB limits
    (`duckdb_limits`); AccessError when it is missing or a limit is not valid."""
    if not db.is_file():
        raise AccessError(f"{db}: no such warehouse (pass --db, or set CIN_DUCKDB_PATH)")
    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as error:
        raise AccessError(f"{db}: cannot open read-only: {first_line(error)}") from None
    try:
        apply_limits(con)
    except duckdb.Error as error:
        con.close()
        raise AccessError(
            f"DuckDB limits ({MEMORY_LIMIT_ENV}, {THREADS_ENV}, {TEMP_DIRECTORY_ENV}):"
            f" {first_line(error)}"
        ) from None
    return con


def first_line(error: Exception) -> str:
    """An error's first line (DuckDB's messages go on with advice for its own SQL)."""
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def run_query(con: duckdb.DuckDBPyConnection, sql: str) -> QueryResult:
    """Run one SQL statement; AccessError with DuckDB's message when it fails."""
    try:
        cursor = con.execute(sql)
        if cursor.description is None:
            return QueryResult(columns=[], rows=[])
        columns = [d[0] for d in cursor.description]
        return QueryResult(columns=columns, rows=cursor.fetchall())
    except duckdb.Error as error:
        raise AccessError(f"SQL error: {str(error).strip()}") from None


def relations(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every table and view of the warehouse: "schema.name" -> its schema."""
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables"
        " where table_catalog = current_database()"
    ).fetchall()
    return {f"{schema}.{name}": schema for schema, name in rows}


def resolve_model(con: duckdb.DuckDBPyConnection, model: str) -> str:
    """The "schema.name" of a model given as `name` or `schema.name`; an unqualified name
    is looked up in dbt's schemas in order (marts first). AccessError naming the close
    matches when there is none."""
    known = relations(con)
    wanted = model.strip().lower()
    if wanted in known:
        return wanted
    for schema in MODEL_SCHEMAS:
        if f"{schema}.{wanted}" in known:
            return f"{schema}.{wanted}"
    names = sorted(known) + sorted({name.split(".", 1)[1] for name in known})
    close = difflib.get_close_matches(wanted, names, n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else "; `cin query` can list them:"
    if not close:
        hint += ' cin query "select table_schema, table_name from information_schema.tables"'
    raise AccessError(f"unknown model {model!r}{hint}")


def _quoted_relation(relation: str) -> str:
    schema, name = relation.split(".", 1)
    return ".".join('"' + part.replace('"', '""') + '"' for part in (schema, name))


def _export_select(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """The select an export writes: every column as it is, but a UUID column (the keys,
    macros/episode_key.sql's hashed_key) as its text, 8-4-4-4-12 hex digits with hyphens.
    Parquet would store a UUID as a 16-byte fixed_len_byte_array with the UUID logical
    type: pyarrow 26 reads that as its arrow.uuid extension, a reader without that
    extension sees 16 raw bytes, not an id to print or to join a CSV export on. Text is
    read as text by every tool, is the value `cin query` shows and casts back to a UUID in
    DuckDB; DuckDB's CSV writer writes a UUID so too, one form in both formats."""
    quoted = _quoted_relation(relation)
    columns = []
    for name, type_code, *_ in con.execute(f"select * from {quoted} limit 0").description:
        column = '"' + name.replace('"', '""') + '"'
        columns.append(f"cast({column} as varchar) as {column}" if type_code == "UUID" else column)
    return f"select {', '.join(columns)} from {quoted}"


def export(con: duckdb.DuckDBPyConnection, model: str, fmt: str, out: Path) -> tuple[str, int]:
    """Write a model to `out` as Parquet or CSV (with a header); the model's "schema.name"
    and the number of rows written."""
    if fmt not in EXPORT_FORMATS:
        raise AccessError(f"unknown format {fmt!r}: one of {', '.join(EXPORT_FORMATS)}")
    relation = resolve_model(con, model)
    if not out.parent.is_dir():
        raise AccessError(f"{out.parent}: no such folder for --out")
    options = "format parquet" if fmt == "parquet" else "format csv, header true"
    target = str(out).replace("'", "''")
    try:
        # COPY answers with the number of rows it wrote
        written = con.execute(
            f"copy ({_export_select(con, relation)}) to '{target}' ({options})"
        ).fetchall()
    except duckdb.Error as error:
        raise AccessError(f"export of {relation} failed: {first_line(error)}") from None
    return relation, int(written[0][0])


def write_csv(result: QueryResult, stream: TextIO | None = None) -> None:
    """The result as CSV with a header (NULL as an empty field), to `stream` or the
    standard output of the moment (looked up at call time, not import time)."""
    writer = csv.writer(stream or sys.stdout, lineterminator="\n")
    writer.writerow(result.columns)
    writer.writerows(["" if value is None else value for value in row] for row in result.rows)
