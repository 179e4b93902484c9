"""Landing raw extracts in DuckDB: as delivered, traceable to file and line."""
