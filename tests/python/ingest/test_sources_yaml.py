"""The dbt source YAMLs: in sync with their generator, and with the tables the loader makes."""

from __future__ import annotations

from pathlib import Path

import duckdb
import yaml

from cin_warehouse.ingest import schema, sources_yaml


def test_committed_files_are_up_to_date() -> None:
    assert sources_yaml.NPD_SOURCES.read_text() == sources_yaml.npd_sources(), (
        "run: python -m cin_warehouse.codegen"
    )
    assert sources_yaml.XML_SOURCES.read_text() == sources_yaml.xml_sources()


def _raw_columns(tmp_path: Path) -> dict[str, list[str]]:
    with duckdb.connect(str(tmp_path / "empty.duckdb")) as con:
        schema.ensure_raw_schema(con)
        rows = con.execute(
            "select table_name, column_name from information_schema.columns"
            " where table_schema = 'raw' order by table_name, ordinal_position"
        ).fetchall()
    columns: dict[str, list[str]] = {}
    for table, column in rows:
        columns.setdefault(table, []).append(column)
    return columns


def test_sources_describe_every_raw_table_and_column(tmp_path: Path) -> None:
    raw = _raw_columns(tmp_path)
    described: dict[str, list[str]] = {}
    for path in (sources_yaml.NPD_SOURCES, sources_yaml.XML_SOURCES):
        for source in yaml.safe_load(path.read_text())["sources"]:
            assert source["schema"] == "raw"
            assert source["description"].strip()
            for table in source["tables"]:
                assert table["description"].strip(), table["name"]
                for column in table["columns"]:
                    assert column["description"].strip(), (table["name"], column["name"])
                described[table["name"]] = [c["name"] for c in table["columns"]]
    assert set(described) == set(raw)
    for table, columns in raw.items():
        assert sorted(described[table]) == sorted(columns), table
    # The skeleton's staging model reads this one.
    assert "npd_cin_2017" in described
