"""One in-memory DuckDB database for the generator's queries.

Opening a DuckDB database costs about 50 ms (more on a loaded machine), and the generator
runs a handful of small queries per census year; a cursor on one shared database costs
microseconds. Each cursor is its own connection: tables registered on it are invisible to
the others and released when it closes, so callers use it in a `with` block.

One thread: the queries are a census year's (about 100k NPD rows at scale 0.1, a million at
scale 1), where a second thread adds more CPU in coordination than it saves. Measured at
scale 0.1, three census years: 5.1-5.4 CPU s with DuckDB's default (2 threads on 2 cores),
4.1 s with one; the NPD query alone 1.8-2.0 against 1.1-1.2 s. One thread also makes the
row order of a query without `order by` (the record keys) independent of the machine.
"""

from __future__ import annotations

from functools import cache

import duckdb


@cache
def _database() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={"threads": 1})


def connect() -> duckdb.DuckDBPyConnection:
    """A new connection to the shared in-memory database (close it after use)."""
    return _database().cursor()
