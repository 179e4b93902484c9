"""The `raw` schema: manifest, rejects, column map, every NPD year table and the XML tables.

Set-up is idempotent and creates only what is missing, so running it on a warehouse that
already has everything changes nothing. Every NPD table of every census year exists (empty if no
file has been landed) so that dbt staging views always compile; landing inserts by name.
"""

from __future__ import annotations

import duckdb

from cin_warehouse import npd_spec
from cin_warehouse.ingest import xml_modules

NPD_PROVENANCE = {
    "_load_id": "varchar",
    "_source_file": "varchar",
    "_line_number": "bigint",
    "_census_year": "integer",
}
# Some extracts carry the LA in CIN_CIN_LA as well as (or instead of) CIN_LA (docs/cin_census.md
# §3b); it lands as its own column and staging coalesces the two.
LA_ALIAS = "CIN_CIN_LA"
MANIFEST_TABLES = ("_loads", "_rejects", "_load_columns")

LOADS_DDL = """
create table if not exists raw._loads (
    load_id varchar not null,
    source_file varchar not null,
    file_name varchar not null,
    sha256 varchar not null,
    size_bytes bigint not null,
    format varchar not null,
    file_kind varchar not null,
    census_year integer,
    la_code varchar,
    encoding varchar,
    delimiter varchar,
    rows_landed bigint not null,
    rows_rejected bigint not null,
    rows_per_table varchar not null,
    lines_in_file bigint,
    blank_lines bigint,
    status varchar not null,
    superseded_by varchar,
    replaces varchar,
    messages varchar,
    started_at timestamp not null,
    finished_at timestamp not null
)
"""

REJECTS_DDL = """
create table if not exists raw._rejects (
    load_id varchar not null,
    source_file varchar not null,
    census_year integer,
    line_number bigint,
    element_path varchar,
    error_type varchar not null,
    message varchar not null,
    original_text varchar
)
"""

LOAD_COLUMNS_DDL = """
create table if not exists raw._load_columns (
    load_id varchar not null,
    position integer,
    delivered_header varchar,
    landed_column varchar not null,
    status varchar not null
)
"""


def quote(identifier: str) -> str:
    """A DuckDB identifier, quoted (delivered headers may hold any character)."""
    return '"' + identifier.replace('"', '""') + '"'


def npd_table(census_year: int, file_kind: str) -> str:
    infix = "" if file_kind == "main" else "disabilities_"
    return f"raw.npd_cin_{infix}{census_year}"


def npd_spec_columns(census_year: int, file_kind: str) -> list[str]:
    """Columns of a year's table before any unknown column is added: spec, alias."""
    columns = npd_spec.npd_columns(census_year, file_kind)
    if "CIN_LA" in columns:
        columns.insert(columns.index("CIN_LA") + 1, LA_ALIAS)
    return columns


def _existing_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute(
        "select table_name, lower(column_name) from information_schema.columns"
        " where table_schema = 'raw'"
    ).fetchall()
    existing: dict[str, set[str]] = {}
    for table, column in rows:
        existing.setdefault(table.lower(), set()).add(column)
    return existing


def _ensure_table(
    con: duckdb.DuckDBPyConnection,
    table: str,
    columns: dict[str, str],
    existing: dict[str, set[str]],
) -> None:
    name = table.split(".", 1)[1].lower()
    if name not in existing:
        body = ",\n    ".join(f"{quote(c)} {t}" for c, t in columns.items())
        con.execute(f"create table {table} (\n    {body}\n)")
        return
    # A spec that gained a column since the table was made: add it (older rows get NULL).
    for column, data_type in columns.items():
        if column.lower() not in existing[name]:
            con.execute(f"alter table {table} add column {quote(column)} {data_type}")


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create whatever of the raw schema is missing; a complete schema is left untouched."""
    con.execute("create schema if not exists raw")
    existing = _existing_columns(con)
    if "_loads" in existing and "status" not in existing["_loads"]:
        raise RuntimeError(
            "this warehouse was made by an older `cin load` (raw._loads has no status column);"
            " delete the DuckDB file and load again"
        )
    for ddl in (LOADS_DDL, REJECTS_DDL, LOAD_COLUMNS_DDL):
        con.execute(ddl)
    for year in range(npd_spec.FIRST_CENSUS_YEAR, npd_spec.LAST_CENSUS_YEAR + 1):
        for kind in npd_spec.FILE_KINDS:
            columns = dict.fromkeys(npd_spec_columns(year, kind), "varchar")
            _ensure_table(con, npd_table(year, kind), columns | NPD_PROVENANCE, existing)
    for module in xml_modules.MODULES:
        columns = xml_modules.PROVENANCE | dict.fromkeys(xml_modules.key_columns(module), "integer")
        columns |= dict.fromkeys(module.values, "varchar")
        _ensure_table(con, module.table, columns, existing)
    unknown = xml_modules.PROVENANCE | dict.fromkeys(xml_modules.UNKNOWN_KEYS, "integer")
    unknown |= {"parent_module": "varchar", "path": "varchar", "text": "varchar"}
    _ensure_table(con, xml_modules.UNKNOWN_TABLE, unknown, existing)
