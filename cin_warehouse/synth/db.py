"""One in-memory DuckDB database for the generator's queries.

Opening a DuckDB database costs about 50 ms (more on a loaded machine), and the generator
runs a handful of small queries per census year; a cursor on one shared database costs
microseconds. Each cursor is its own connection: tables registered on it are invisible to
the others and released when it closes, so callers use it in a `with` block.
"""

from __future__ import annotations

from functools import cache

import duckdb


@cache
def _database() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def connect() -> duckdb.DuckDBPyConnection:
    """A new connection to the shared in-memory database (close it after use)."""
    return _database().cursor()
