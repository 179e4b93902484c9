"""The metadata site is complete for staging and the conformed records: every model has
a description and a grain, and every column it builds is documented, nothing more."""

from __future__ import annotations

import json

import pytest

from tests.python.conftest import BuiltWarehouse


@pytest.fixture(scope="module")
def manifest(warehouse: BuiltWarehouse) -> dict:
    with open(warehouse.db_path.parent / "target" / "manifest.json", encoding="utf-8") as handle:
        return json.load(handle)


def models(manifest: dict) -> list[dict]:
    found = [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and (node["name"].startswith("stg_") or node["name"].startswith("int_records_conformed"))
    ]
    assert len(found) >= 36 + 2 + 10 + 9
    return found


def test_every_model_has_a_description_and_a_grain(manifest: dict) -> None:
    missing = [
        node["name"]
        for node in models(manifest)
        if not node["description"].strip() or not node["config"]["meta"].get("grain")
    ]
    assert missing == []


def test_every_built_column_is_documented(manifest: dict, warehouse: BuiltWarehouse) -> None:
    problems = {}
    for node in models(manifest):
        built = [
            name
            for (name,) in warehouse.con.execute(
                "select column_name from information_schema.columns"
                " where table_schema = ? and table_name = ? order by ordinal_position",
                [node["schema"], node["name"]],
            ).fetchall()
        ]
        documented = {n: c["description"].strip() for n, c in node["columns"].items()}
        undocumented = [c for c in built if not documented.get(c)]
        phantom = [c for c in documented if c not in built]
        if undocumented or phantom or not built:
            problems[node["name"]] = (undocumented, phantom)
    assert problems == {}
