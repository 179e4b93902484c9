"""Fingerprint of a built warehouse, and the comparison of two: the proof that a speed change
changed no result.

    .venv/bin/python benchmarks/build_fingerprint.py save DB RUN_RESULTS OUT.json
    .venv/bin/python benchmarks/build_fingerprint.py compare BEFORE.json AFTER.json

`save` records, for every table and view of the staging, intermediate and marts schemas, its
row count and an order-independent checksum of its rows (`sum(hash(t))`: the same rows in
any order give the same sum), and for every node of dbt's `run_results.json` its status and
number of failing rows. `compare` prints every difference and exits 1 if there is one, 0 if
every table and every test outcome is the same. Nothing here is asserted by a test.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import duckdb

SCHEMAS = ("staging", "intermediate", "marts")


def fingerprint(db: Path, run_results: Path) -> dict[str, Any]:
    """Row count and row checksum per relation; status and failures per dbt node."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_catalog = current_database() and table_schema in (?, ?, ?)"
            " order by 1, 2",
            list(SCHEMAS),
        ).fetchall()
        tables = {}
        for schema, name in relations:
            count, checksum = con.execute(
                f'select count(*), sum(hash(t)) from "{schema}"."{name}" as t'
            ).fetchone()
            tables[f"{schema}.{name}"] = [count, str(checksum)]
    finally:
        con.close()
    results = json.loads(run_results.read_text())["results"]
    nodes = {r["unique_id"]: [r["status"], r.get("failures")] for r in results}
    return {"tables": tables, "nodes": nodes}


def compare(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Every difference between two fingerprints, as lines; empty when they are equal."""
    differences = []
    for part in ("tables", "nodes"):
        old, new = before[part], after[part]
        for key in sorted(old.keys() | new.keys()):
            if old.get(key) != new.get(key):
                differences.append(f"{part}: {key}: {old.get(key)} -> {new.get(key)}")
    return differences


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "save":
        db, run_results, out = map(Path, argv[1:])
        print_ = fingerprint(db, run_results)
        out.write_text(json.dumps(print_, indent=1, sort_keys=True))
        print(f"{len(print_['tables'])} relations, {len(print_['nodes'])} nodes -> {out}")
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        before, after = (json.loads(Path(p).read_text()) for p in argv[1:])
        differences = compare(before, after)
        for line in differences:
            print(line)
        print(
            f"{len(before['tables'])} relations, {len(before['nodes'])} nodes compared:"
            f" {len(differences)} differences"
        )
        return 1 if differences else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
