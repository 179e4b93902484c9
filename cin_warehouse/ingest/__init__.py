"""Landing raw extracts in DuckDB: as delivered, traceable to file and line.

`loader.land` lands NPD yearly files (`npd`) and LA census returns (`xml`) into the `raw`
schema (`schema`), one transaction per file, recorded in `raw._loads` (`manifest`).
"""

from cin_warehouse.ingest.errors import LoadError

__all__ = ["LoadError"]
