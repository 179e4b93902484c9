"""Every raw column reaches staging under a documented name, and no raw row is lost.

Compared with the raw tables themselves (information_schema and the rows), and with the
vocabulary of tests/python/staging/naming.py, written independently of the SQL macros."""

from __future__ import annotations

import json
from functools import cache

import pytest

from cin_warehouse import npd_spec
from tests.python.conftest import BuiltWarehouse
from tests.python.staging.naming import (
    XML_COLUMNS,
    XML_PROVENANCE,
    companion,
    npd_staging_names,
)

YEARS = range(npd_spec.FIRST_CENSUS_YEAR, npd_spec.LAST_CENSUS_YEAR + 1)
NPD_TABLES = [
    (year, kind, f"npd_cin_{'disabilities_' if kind == 'disabilities' else ''}{year}")
    for year in YEARS
    for kind in npd_spec.FILE_KINDS
]


def staging_model(kind: str, year: int) -> str:
    return f"stg_npd__{'cin' if kind == 'main' else 'disabilities'}_{year}"


def columns(warehouse: BuiltWarehouse, schema: str, table: str) -> list[str]:
    return [
        name
        for (name,) in warehouse.con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = ? and table_name = ? order by ordinal_position",
            [schema, table],
        ).fetchall()
    ]


@cache
def _manifest(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def documented_columns(warehouse: BuiltWarehouse, model: str) -> dict[str, str]:
    manifest = _manifest(str(warehouse.db_path.parent / "target" / "manifest.json"))
    node = manifest["nodes"][f"model.cin_warehouse.{model}"]
    return {name: column.get("description", "") for name, column in node["columns"].items()}


def assert_every_value_lands(
    warehouse: BuiltWarehouse, raw_table: str, model: str, names: dict[str, str], keys: str
) -> None:
    """No non-blank raw value vanishes: it is in its staging column or its raw companion."""
    staged = set(columns(warehouse, "staging", model))
    checks = []
    for raw_column, name in names.items():
        if raw_column.startswith("_"):
            continue
        kept = [f"s.{name} is null"]
        if companion(name) in staged:
            kept.append(f"s.{companion(name)} is null")
        checks.append(
            f"count_if(nullif(trim(r.\"{raw_column}\"), '') is not null and {' and '.join(kept)})"
            f' as "{raw_column}"'
        )
    lost = warehouse.con.execute(
        f"select {', '.join(checks)} from raw.{raw_table} as r join staging.{model} as s on {keys}"
    ).fetchone()
    assert dict(zip([c for c in names if not c.startswith("_")], lost, strict=True)) == {
        c: 0 for c in names if not c.startswith("_")
    }


NPD_KEYS = "r._load_id = s.load_id and r._line_number = s.source_line_number"


@pytest.mark.parametrize(("year", "kind", "raw_table"), NPD_TABLES)
def test_every_npd_raw_column_reaches_staging(
    warehouse: BuiltWarehouse, year: int, kind: str, raw_table: str
) -> None:
    model = staging_model(kind, year)
    names = npd_staging_names(year, kind)
    raw = columns(warehouse, "raw", raw_table)
    unnamed = [c for c in raw if c not in names]
    assert unnamed == [], f"{raw_table}: raw columns with no staging name"
    staged = set(columns(warehouse, "staging", model))
    documented = documented_columns(warehouse, model)
    for raw_column in raw:
        name = names[raw_column]
        assert name in staged, f"{raw_table}.{raw_column} -> {model}.{name} missing"
        assert documented.get(name), f"{model}.{name} is not documented"
    assert_every_value_lands(warehouse, raw_table, model, {c: names[c] for c in raw}, NPD_KEYS)


@pytest.mark.parametrize("module", sorted(XML_COLUMNS))
def test_every_xml_raw_column_reaches_staging(warehouse: BuiltWarehouse, module: str) -> None:
    model = f"stg_xml__{module}"
    names = {**XML_COLUMNS[module], **XML_PROVENANCE}
    raw = columns(warehouse, "raw", f"xml_{module}")
    assert [c for c in raw if c not in names] == [], f"xml_{module}: unnamed raw columns"
    staged = set(columns(warehouse, "staging", model))
    documented = documented_columns(warehouse, model)
    for raw_column in raw:
        assert names[raw_column] in staged, f"{model}.{names[raw_column]} missing"
        assert documented.get(names[raw_column]), f"{model}.{names[raw_column]} undocumented"
    value_names = {c: n for c, n in names.items() if not c.endswith("_pos")}
    assert_every_value_lands(warehouse, f"xml_{module}", model, value_names, NPD_KEYS)


@pytest.mark.parametrize(("year", "kind", "raw_table"), NPD_TABLES)
def test_no_npd_raw_row_is_lost(
    warehouse: BuiltWarehouse, year: int, kind: str, raw_table: str
) -> None:
    model = staging_model(kind, year)
    missing, extra = warehouse.con.execute(
        f"""select
                (select count(*) from (select _load_id, _line_number from raw.{raw_table}
                 except all select load_id, source_line_number from staging.{model})),
                (select count(*) from (select load_id, source_line_number from staging.{model}
                 except all select _load_id, _line_number from raw.{raw_table}))"""
    ).fetchone()
    assert (missing, extra) == (0, 0), f"{model}: {missing} raw lines lost, {extra} added"


@pytest.mark.parametrize("module", sorted(XML_COLUMNS))
def test_no_xml_raw_row_is_lost(warehouse: BuiltWarehouse, module: str) -> None:
    keys = [c for c in XML_COLUMNS[module] if c.endswith("_pos")]
    raw_keys = ", ".join(["_load_id", "_line_number", *keys])
    staged_keys = ", ".join(["load_id", "source_line_number", *keys])
    missing, extra = warehouse.con.execute(
        f"""select
                (select count(*) from (select {raw_keys} from raw.xml_{module}
                 except all select {staged_keys} from staging.stg_xml__{module})),
                (select count(*) from (select {staged_keys} from staging.stg_xml__{module}
                 except all select {raw_keys} from raw.xml_{module}))"""
    ).fetchone()
    assert (missing, extra) == (0, 0)


def test_the_world_reaches_staging(warehouse: BuiltWarehouse) -> None:
    """The suite's world is not empty: the conservation tests above compared real rows."""
    for model in ("stg_npd__cin", "stg_npd__disabilities", "stg_xml__cin_details"):
        assert warehouse.con.execute(f"select count(*) from staging.{model}").fetchone()[0] > 0


@pytest.mark.parametrize("kind", npd_spec.FILE_KINDS)
def test_unions_hold_every_year(warehouse: BuiltWarehouse, kind: str) -> None:
    union = "stg_npd__cin" if kind == "main" else "stg_npd__disabilities"
    raw_total = sum(
        warehouse.con.execute(f"select count(*) from raw.{table}").fetchone()[0]
        for _, k, table in NPD_TABLES
        if k == kind
    )
    per_year = dict(
        warehouse.con.execute(
            f"select census_year, count(*) from staging.{union} group by census_year"
        ).fetchall()
    )
    assert sum(per_year.values()) == raw_total
    for year, k, table in NPD_TABLES:
        if k == kind:
            raw_rows = warehouse.con.execute(f"select count(*) from raw.{table}").fetchone()[0]
            assert per_year.get(year, 0) == raw_rows, f"{union} {year}"


def signature(warehouse: BuiltWarehouse, table: str) -> list[tuple[str, str]]:
    """(name, type) of a staging relation's columns, in order."""
    return warehouse.con.execute(
        "select column_name, data_type from information_schema.columns"
        " where table_schema = 'staging' and table_name = ? order by ordinal_position",
        [table],
    ).fetchall()


@pytest.mark.parametrize("kind", npd_spec.FILE_KINDS)
def test_every_year_reaches_its_union_in_one_column_list(
    warehouse: BuiltWarehouse, kind: str
) -> None:
    """Every year must reach its union with the same columns, in the same order, with the
    same types (the disabilities' union is positional, `union all`; the main table's is by
    name, with one final column order). The main table's year models hold only their
    variables and its union fills the others; the disabilities' hold them all. So each
    year model's columns must be the union's, in its order and types, less some; those it
    lacks must be no column of a variable the spec says the year has, and hold only NULLs or
    false in the union's rows of that year; and those rows must be the year model's rows."""
    union = f"stg_npd__{'cin' if kind == 'main' else 'disabilities'}"
    union_columns = signature(warehouse, union)
    assert union_columns
    for year in YEARS:
        model = staging_model(kind, year)
        columns = signature(warehouse, model)
        names = {name for name, _ in columns}
        assert columns == [c for c in union_columns if c[0] in names], model
        lacking = [name for name, _ in union_columns if name not in names]
        staged = set(npd_staging_names(year, kind).values())
        has = staged | {companion(name) for name in staged}
        assert [name for name in lacking if name in has] == [], model
        if kind == "disabilities":
            # Its union adds the LA harmonisation columns (macros/staging/la_codes.sql).
            assert lacking == ["la_code_current", "is_la_split_allocation"], model
            lacking = []
        rows = f"staging.{union} where census_year = {year}"
        for name in lacking:
            filled = f"count_if(coalesce(cast({name} as varchar), 'false') <> 'false')"
            found = warehouse.con.execute(f"select {filled} from {rows}").fetchone()
            assert found == (0,), f"{model}: {name} neither NULL nor false in {union}"
        listed = ", ".join(f'"{name}"' for name, _ in columns)
        for first, second in ((rows, f"staging.{model}"), (f"staging.{model}", rows)):
            assert warehouse.con.execute(
                f"select count(*) from (select {listed} from {first}"
                f" except all select {listed} from {second})"
            ).fetchone() == (0,), model


CONFORMED_FROM_NPD = {
    "int_records_conformed__child_year": "select count(*) from staging.stg_npd__cin",
    "int_records_conformed__episode_year": "select count(*) from staging.stg_npd__cin",
    "int_records_conformed__disability": "select count(*) from staging.stg_npd__disabilities",
    "int_records_conformed__cpp_year": (
        "select count(*) from staging.stg_npd__cin where coalesce(cpp_start_date, cpp_end_date)"
        " is not null or coalesce(abuse_category_code, initial_abuse_category_code,"
        " latest_abuse_category_code) is not null or previous_cpp_count is not null"
    ),
}
CONFORMED_FROM_XML = {
    "int_records_conformed__child_year": "stg_xml__child",
    "int_records_conformed__episode_year": "stg_xml__cin_details",
    "int_records_conformed__disability": "stg_xml__disability",
    "int_records_conformed__cpp_year": "stg_xml__cpp",
    "int_records_conformed__assessment": "stg_xml__assessment",
    "int_records_conformed__assessment_factor": "stg_xml__assessment_factor",
    "int_records_conformed__cin_plan": "stg_xml__cin_plan_dates",
    "int_records_conformed__s47": "stg_xml__section47",
    "int_records_conformed__cpp_review": "stg_xml__cpp_review",
}


@pytest.mark.parametrize("model", sorted(CONFORMED_FROM_XML))
def test_conformed_records_hold_every_staged_record(warehouse: BuiltWarehouse, model: str) -> None:
    """NPD records are distinct combinations carrying `record_count` rows each; XML records
    are one per element. Either way every staged row is accounted for exactly once."""
    con = warehouse.con
    built = dict(
        con.execute(
            f"select source_kind, sum(record_count) from intermediate.{model} group by 1"
        ).fetchall()
    )
    xml_rows = con.execute(f"select count(*) from staging.{CONFORMED_FROM_XML[model]}").fetchone()
    assert built.get("xml", 0) == xml_rows[0]
    npd_query = CONFORMED_FROM_NPD.get(model)
    npd_rows = con.execute(npd_query).fetchone()[0] if npd_query else 0
    assert built.get("npd", 0) == npd_rows
    assert set(built) <= {"npd", "xml"}
