"""Are two landings the same? Every `raw` table of two warehouses compared with `except all`
both ways (so duplicates count), load ids replaced by the landed file's name, sha256 and
status (load ids are random), `started_at` and `finished_at` left out (clock times).

    .venv/bin/python benchmarks/compare_raw.py A.duckdb B.duckdb

Prints each table's rows and the rows found in one warehouse only; exits 1 if any differ.
Used to show that a change to the landing lands the same rows as main (BENCHMARKS.md).
"""

from __future__ import annotations

import sys

import duckdb

LOAD_ID_COLUMNS = ("_load_id", "load_id", "superseded_by")
LEFT_OUT = ("started_at", "finished_at")


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from duckdb_columns() where database_name = 'a'"
        " and schema_name = 'raw' and table_name = ? order by column_index",
        [table],
    ).fetchall()
    return [column for (column,) in rows if column not in LEFT_OUT]


def _select(db: str, table: str, columns: list[str]) -> str:
    """The table's rows with every load id replaced by its load's file, sha256 and status."""
    names = (
        "(select load_id, file_name || '|' || coalesce(sha256, '') || '|' || status as name"
        f" from {db}.raw._loads)"
    )
    selected = []
    for column in columns:
        if column in LOAD_ID_COLUMNS:
            selected.append(f'(select name from {names} n where n.load_id = x."{column}")')
        elif column == "replaces":  # comma-separated load ids
            selected.append(
                f"(select list_sort(list(name)) from {names} n"
                f" where list_contains(string_split(x.\"{column}\", ','), n.load_id))"
            )
        else:
            selected.append(f'x."{column}"')
    return f"select {', '.join(selected)} from {db}.raw.{table} x"


def _count(con: duckdb.DuckDBPyConnection, query: str) -> int:
    (count,) = con.execute(f"select count(*) from ({query})").fetchone() or (0,)
    return int(count)


def compare(a: str, b: str) -> int:
    """Rows found in one warehouse only, over every raw table (printed per table)."""
    con = duckdb.connect()
    con.execute(f"attach '{a}' as a (read_only)")
    con.execute(f"attach '{b}' as b (read_only)")
    tables = con.execute(
        "select table_name from duckdb_tables() where database_name = 'a'"
        " and schema_name = 'raw' order by 1"
    ).fetchall()
    differing = 0
    for (table,) in tables:
        columns = _columns(con, table)
        in_a, in_b = _select("a", table, columns), _select("b", table, columns)
        rows = _count(con, in_a)
        a_only = _count(con, f"{in_a} except all {in_b}")
        b_only = _count(con, f"{in_b} except all {in_a}")
        differing += a_only + b_only
        if rows or a_only or b_only:
            print(f"raw.{table}: {rows} rows; only in A {a_only}, only in B {b_only}")
    print("identical" if differing == 0 else f"different: {differing} rows")
    return differing


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    sys.exit(1 if compare(sys.argv[1], sys.argv[2]) else 0)
