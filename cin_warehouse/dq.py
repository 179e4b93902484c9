"""`cin dq`: what the data tests of the last `dbt build` found, where a user sees it.

dbt writes the outcome of each test to `target/run_results.json` (status, failing rows) and
describes each test in `target/manifest.json` (its DfE rule code, the model it checks, the
table holding its failing rows). Every data test stores its failing rows in the
`dq_failures` schema (dbt_project.yml: `store_failures`), so the failures can be counted
per census year and LA. The share of a census year and LA is its failing rows over the
rows of the tested model in that census year and LA (the model's `census_year` and
`la_code`); the overall share is over the rows the test checked (`rows_checked`, which the
DfE rule tests carry) or else over all rows of the model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

# Where `make demo` keeps the build's run_results.json and manifest.json (in the target
# folder) before `dbt docs generate` overwrites them.
KEPT_BUILD = "last_build"
# Outcome of a test in run_results.json -> what `cin dq` calls it.
SEVERITY = {"warn": "warn", "fail": "error", "error": "error (did not run)"}


class DqError(Exception):
    """The build results cannot be read (one line a user can act on)."""


@dataclass
class Check:
    """One data test of the build that did not pass."""

    unique_id: str
    name: str
    rule: str  # DfE rule code, or '' for the project's own checks
    source: str  # npd | xml | ''
    severity: str
    failures: int
    failures_table: str | None  # where its failing rows are stored
    model: str | None  # relation of the model it checks
    message: str
    checked: int | None = None  # rows checked (overall)
    by_la_year: list[tuple[int | None, str | None, int, int | None]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.rule} {self.source}".strip() or "-"

    @property
    def share(self) -> float | None:
        return self.failures / self.checked if self.checked else None


@dataclass(frozen=True)
class BuildResults:
    generated_at: str
    command: str
    counts: dict[str, int]  # test outcomes: pass, warn, fail, error, skipped
    checks: list[Check]
    built: dict[str, int]  # models, seeds … by outcome: success, error, skipped


def read_build(target: Path) -> BuildResults:
    """The tests of the last `dbt build` (or `dbt test`) in `target`, those not passing."""
    try:
        results = json.loads((target / "run_results.json").read_text())
        manifest = json.loads((target / "manifest.json").read_text())
    except FileNotFoundError as error:
        raise DqError(
            f"{error.filename}: not found: run `dbt build` first (or pass --target)"
        ) from None
    command = results.get("args", {}).get("which", "?")
    kept = target / KEPT_BUILD
    if command not in ("build", "test") and (kept / "run_results.json").exists():
        # `dbt docs generate` ran after the build; `make demo` kept the build's results.
        return read_build(kept)
    if command not in ("build", "test"):
        raise DqError(
            f"{target / 'run_results.json'} holds the results of `dbt {command}`, not of a"
            " build: run `dbt build` again (`dbt docs generate` overwrites the file unless"
            " given another --target-path)"
        )
    nodes = manifest.get("nodes", {})
    counts: dict[str, int] = {}
    built: dict[str, int] = {}
    checks = []
    for result in results.get("results", []):
        unique_id = result["unique_id"]
        if not unique_id.startswith("test."):
            built[result["status"]] = built.get(result["status"], 0) + 1
            continue
        counts[result["status"]] = counts.get(result["status"], 0) + 1
        if result["status"] not in SEVERITY:
            continue
        node = nodes.get(unique_id, {})
        meta = node.get("config", {}).get("meta", {}) or node.get("meta", {})
        checks.append(
            Check(
                unique_id=unique_id,
                name=node.get("name", unique_id.split(".")[2]),
                rule=str(meta.get("dfe_rule_code", "")),
                source=str(meta.get("source", "")),
                severity=SEVERITY[result["status"]],
                failures=int(result.get("failures") or 0),
                failures_table=node.get("relation_name"),
                model=_tested_model(node, nodes),
                message=(result.get("message") or "").splitlines()[0]
                if result.get("message")
                else "",
            )
        )
    return BuildResults(results["metadata"]["generated_at"], command, counts, checks, built)


def _tested_model(node: dict, nodes: dict) -> str | None:
    """Relation of what the test checks: the node it is attached to, else the first model
    it depends on, else the first seed (a rule test also reads reference seeds)."""
    depends = node.get("depends_on", {}).get("nodes", [])
    candidates = [
        node.get("attached_node"),
        *(d for d in depends if d.startswith("model.")),
        *(d for d in depends if d.startswith("seed.")),
    ]
    for unique_id in candidates:
        if unique_id:
            return nodes.get(unique_id, {}).get("relation_name")
    return None


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> set[str]:
    try:
        return {r[0].lower() for r in con.execute(f"describe {relation}").fetchall()}
    except duckdb.Error:
        return set()


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int | None:
    row = con.execute(sql).fetchone()
    return row[0] if row else None


def count_failures(con: duckdb.DuckDBPyConnection, check: Check) -> None:
    """Fill `checked` and `by_la_year` from the stored failing rows and the tested model."""
    failing = _columns(con, check.failures_table) if check.failures_table else set()
    model = _columns(con, check.model) if check.model else set()
    if "rows_checked" in failing:
        check.checked = _scalar(con, f"select max(rows_checked) from {check.failures_table}")
    elif model:
        check.checked = _scalar(con, f"select count(*) from {check.model}")
    keys = [k for k in ("census_year", "la_code") if k in failing]
    if not failing or not keys:
        check.by_la_year = [(None, None, check.failures, check.checked)]
        return
    select = ", ".join(keys)
    denominators = "cast(null as bigint)"
    join = ""
    if set(keys) <= model:
        join = (
            f"left join (select {select}, count(*) as n from {check.model} group by all)"
            f" as checked using ({select})"
        )
        denominators = "checked.n"
    year = "failing.census_year" if "census_year" in keys else "null"
    la = "failing.la_code" if "la_code" in keys else "null"
    rows = con.execute(
        f"""
        select {year}, {la}, failing.n, {denominators}
        from (select {select}, count(*) as n from {check.failures_table} group by all)
            as failing
        {join}
        order by 1 nulls first, 2 nulls first
        """
    ).fetchall()
    check.by_la_year = [(r[0], r[1], int(r[2]), r[3]) for r in rows]


def summarise(con: duckdb.DuckDBPyConnection, target: Path) -> BuildResults:
    """The failing tests of the build in `target`, counted in the warehouse `con`."""
    return count_all(con, read_build(target))


def count_all(con: duckdb.DuckDBPyConnection, build: BuildResults) -> BuildResults:
    for check in build.checks:
        count_failures(con, check)
    build.checks.sort(key=lambda c: (c.severity != "error", c.source, c.rule, c.name))
    return build
