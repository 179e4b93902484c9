"""What the docs site leaves undescribed, read from dbt's manifest.json and catalog.json.

Used by test_descriptions.py, and on its own to list the gaps of a built site:
`python -m tests.python.docs.coverage target/`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROJECT = "cin_warehouse"
# The generic test, in tests/generic/, that makes a key of several columns.
COMBINATION_TEST = "unique_combination_of_columns"


@dataclass(frozen=True, order=True)
class Gap:
    """One thing the site does not describe: in which file, what, and what is missing."""

    path: str
    what: str
    problem: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}: {self.problem}"


def load(target_dir: Path) -> tuple[dict, dict]:
    """manifest.json and catalog.json of a target folder (catalog.json: `dbt docs generate`)."""
    with open(target_dir / "manifest.json", encoding="utf-8") as handle:
        manifest = json.load(handle)
    with open(target_dir / "catalog.json", encoding="utf-8") as handle:
        catalog = json.load(handle)
    return manifest, catalog


def _blank(text: str | None) -> bool:
    return not (text or "").strip()


def _column_gaps(node: dict, catalogued: dict | None, label: str) -> Iterable[Gap]:
    """Columns documented with no description, and built columns not documented at all."""
    path = node.get("patch_path") or node["original_file_path"]
    path = path.split("://", 1)[-1]
    documented = {name.lower(): column for name, column in node["columns"].items()}
    for name, column in documented.items():
        if _blank(column.get("description")):
            yield Gap(path, f"{label} column {name}", "no description")
    for name in (catalogued or {}).get("columns", {}):
        if name.lower() not in documented:
            yield Gap(path, f"{label} column {name}", "built but not documented")


def _key_tests(manifest: dict) -> dict[str, set[str]]:
    """For each model, the primary keys its tests establish ('col' or 'a+b' combinations)."""
    tests_by_column: dict[tuple[str, str], set[str]] = {}
    keys: dict[str, set[str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test" or not node.get("test_metadata"):
            continue
        model = node.get("attached_node")
        if not model:
            continue
        name = node["test_metadata"]["name"]
        kwargs = node["test_metadata"].get("kwargs", {})
        if name in ("unique", "not_null") and node.get("column_name"):
            tests_by_column.setdefault((model, node["column_name"].lower()), set()).add(name)
        elif name == COMBINATION_TEST:
            columns = kwargs.get("combination_of_columns") or kwargs.get("columns") or []
            keys.setdefault(model, set()).add("+".join(columns))
    for (model, column), names in tests_by_column.items():
        if names == {"unique", "not_null"}:
            keys.setdefault(model, set()).add(column)
    return keys


def gaps(manifest: dict, catalog: dict) -> list[Gap]:
    """Every model, source, seed, analysis, exposure, column and project macro without a
    description, and every model without a primary-key test (unique + not_null on one column, or
    unique_combination_of_columns)."""
    found: list[Gap] = []
    keys = _key_tests(manifest)
    for unique_id, node in manifest["nodes"].items():
        kind = node["resource_type"]
        if node["package_name"] != PROJECT or kind not in ("model", "seed", "snapshot", "analysis"):
            continue
        path = (node.get("patch_path") or node["original_file_path"]).split("://", 1)[-1]
        label = f"{kind} {node['name']}"
        if _blank(node["description"]):
            found.append(Gap(path, label, "no description"))
        found.extend(_column_gaps(node, catalog["nodes"].get(unique_id), label))
        if kind == "model" and not keys.get(unique_id):
            found.append(Gap(path, label, "no primary-key test"))
    for unique_id, source in manifest["sources"].items():
        if source["package_name"] != PROJECT:
            continue
        label = f"source {source['source_name']}.{source['name']}"
        if _blank(source["description"]):
            found.append(Gap(source["original_file_path"], label, "no description"))
        if _blank(source.get("source_description")):
            found.append(Gap(source["original_file_path"], label, "its source has no description"))
        found.extend(_column_gaps(source, catalog["sources"].get(unique_id), label))
    for exposure in manifest.get("exposures", {}).values():
        if exposure["package_name"] == PROJECT and _blank(exposure["description"]):
            label = f"exposure {exposure['name']}"
            found.append(Gap(exposure["original_file_path"], label, "no description"))
    for macro in manifest["macros"].values():
        if macro["package_name"] != PROJECT:
            continue
        if _blank(macro["description"]):
            path = macro["original_file_path"]
            found.append(Gap(path, f"macro {macro['name']}", "no description"))
    return sorted(set(found))


def main(argv: list[str]) -> int:
    target_dir = Path(argv[0] if argv else "target")
    found = gaps(*load(target_dir))
    for gap in found:
        print(gap)
    print(f"{len(found)} gaps", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
