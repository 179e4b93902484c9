"""Everything on the docs site is described, and every model has a primary-key test.

Read from the target folder of a built site (manifest.json and catalog.json, so columns
that a model builds but its yml does not list count as undescribed). The checker itself is
tested on a small hand-made manifest first, so that a pass means something.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.python.docs.coverage import Gap, gaps, load


def _node(kind: str, name: str, description: str, columns: dict[str, str]) -> dict:
    return {
        "resource_type": kind,
        "package_name": "cin_warehouse",
        "name": name,
        "description": description,
        "patch_path": f"cin_warehouse://models/{name}.yml",
        "original_file_path": f"models/{name}.sql",
        "columns": {c: {"name": c, "description": d} for c, d in columns.items()},
    }


def _test(name: str, model: str, column: str | None, kwargs: dict | None = None) -> dict:
    return {
        "resource_type": "test",
        "package_name": "cin_warehouse",
        "attached_node": model,
        "column_name": column,
        "test_metadata": {"name": name, "kwargs": kwargs or {}},
    }


def test_checker_reports_each_kind_of_gap() -> None:
    manifest = {
        "nodes": {
            "model.cin_warehouse.good": _node("model", "good", "Described.", {"id": "Key."}),
            "model.cin_warehouse.bare": _node("model", "bare", " ", {"a": "", "b": "B."}),
            "model.cin_warehouse.pair": _node("model", "pair", "Two-column key.", {"x": "X."}),
            "seed.cin_warehouse.codes": _node("seed", "codes", "", {}),
            "analysis.cin_warehouse.example": _node("analysis", "example", "", {"n": "Count."}),
            "test.1": _test("unique", "model.cin_warehouse.good", "id"),
            "test.2": _test("not_null", "model.cin_warehouse.good", "id"),
            # unique without not_null is not a primary key
            "test.3": _test("unique", "model.cin_warehouse.bare", "b"),
            "test.4": _test(
                "unique_combination_of_columns",
                "model.cin_warehouse.pair",
                None,
                {"combination_of_columns": ["x", "y"]},
            ),
        },
        "sources": {
            "source.cin_warehouse.raw.t": {
                **_node("source", "t", "Table.", {}),
                "source_name": "raw",
                "source_description": "",
                "original_file_path": "models/_sources.yml",
            }
        },
        "exposures": {
            "exposure.cin_warehouse.report": {
                "package_name": "cin_warehouse",
                "name": "report",
                "description": "",
                "original_file_path": "models/exposures.yml",
            }
        },
        "macros": {
            "macro.cin_warehouse.helper": {
                "package_name": "cin_warehouse",
                "name": "helper",
                "description": "",
                "original_file_path": "macros/helper.sql",
            },
            "macro.dbt.is_incremental": {
                "package_name": "dbt",
                "name": "is_incremental",
                "description": "",
                "original_file_path": "macros/x.sql",
            },
        },
    }
    catalog = {
        "nodes": {
            "model.cin_warehouse.good": {"columns": {"id": {}}},
            "model.cin_warehouse.pair": {"columns": {"x": {}, "y": {}}},
        },
        "sources": {"source.cin_warehouse.raw.t": {"columns": {"LOADED": {}}}},
    }
    found = {(gap.what, gap.problem) for gap in gaps(manifest, catalog)}
    assert found == {
        ("model bare", "no description"),
        ("model bare column a", "no description"),
        ("model bare", "no primary-key test"),
        ("model pair column y", "built but not documented"),
        ("seed codes", "no description"),
        ("analysis example", "no description"),
        ("exposure report", "no description"),
        ("source raw.t", "its source has no description"),
        ("source raw.t column LOADED", "built but not documented"),
        ("macro helper", "no description"),
    }


@pytest.fixture(scope="module")
def site_gaps(docs_target: Path) -> list[Gap]:
    return gaps(*load(docs_target))


def test_everything_is_described(site_gaps: list[Gap]) -> None:
    undescribed = [str(gap) for gap in site_gaps if gap.problem != "no primary-key test"]
    assert undescribed == []


def test_every_model_has_a_primary_key_test(site_gaps: list[Gap]) -> None:
    unkeyed = [str(gap) for gap in site_gaps if gap.problem == "no primary-key test"]
    assert unkeyed == []


def test_the_overview_links_to_nodes_that_exist(docs_target: Path) -> None:
    manifest, _ = load(docs_target)
    overview = manifest["docs"]["doc.cin_warehouse.__overview__"]["block_contents"]
    links = re.findall(r"\(#!/(\w+)/([\w.]+)\)", overview)
    assert len(links) >= 5, "the overview links to the models and seeds it names"
    dead = [
        unique_id
        for kind, unique_id in links
        if unique_id not in manifest["nodes"] or not unique_id.startswith(f"{kind}.")
    ]
    assert dead == []
