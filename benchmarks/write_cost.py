"""What the build's tables cost to write, apart from computing them: the floor under the
build's time that no change to a model's SQL can lower.

    .venv/bin/python benchmarks/write_cost.py DB RUN_RESULTS [--top N]

For every table dbt built in the staging, intermediate and marts schemas of DB: its rows
and columns, and the CPU seconds DuckDB takes to write a copy of it (`CREATE TABLE AS` from
the built table, then `CHECKPOINT`, into a fresh scratch database in a folder beside DB,
under the build's DuckDB settings: threads and memory limit from the environment as
`cin_warehouse.access` reads them, the rest as profiles.yml writes them), beside its node's
execution time in dbt's `run_results.json`. The copy reads rows already computed, so its
time is the writing: DuckDB's append, compression and file write. Only fewer rows or
columns lower it. The process's CPU is measured (DuckDB's threads run in it), so run it on
an idle machine.
No time here is asserted by a test (tests/python/test_write_cost.py checks what is
counted); the figures at scale 1 are in BENCHMARKS.md, "Scale 1, session 25".
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from cin_warehouse.access import apply_limits

SCHEMAS = ("staging", "intermediate", "marts")
PROFILES = Path(__file__).resolve().parents[1] / "profiles.yml"


@dataclass
class TableCost:
    relation: str
    rows: int
    columns: int
    write_cpu_s: float
    node_s: float | None

    @property
    def values(self) -> int:
        return self.rows * self.columns


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _quoted(text: Path | str) -> str:
    """The text inside a SQL string literal (a quote doubled)."""
    return str(text).replace("'", "''")


def _fixed_profile_settings() -> dict[str, object]:
    """The profile's DuckDB settings that are written as values (preserve_insertion_order);
    those read from the environment (threads, memory limit) are set by `apply_limits`,
    the Python side's one place for them."""
    profile = yaml.safe_load(PROFILES.read_text())["cin_warehouse"]
    settings = profile["outputs"][profile["target"]]["settings"]
    return {k: v for k, v in settings.items() if not (isinstance(v, str) and "{{" in v)}


def _node_times(run_results: Path) -> dict[str, float]:
    """Each model's execution time, by its relation's name (dbt's alias is the model name
    here: generate_schema_name changes the schema only)."""
    results = json.loads(run_results.read_text())["results"]
    return {
        r["unique_id"].split(".")[-1]: r["execution_time"]
        for r in results
        if r["unique_id"].startswith("model.")
    }


def write_costs(db: Path, run_results: Path) -> list[TableCost]:
    """The write cost of every table of the three schemas, largest first."""
    with duckdb.connect(str(db), read_only=True) as built:
        # tables only: a view is not written
        tables = built.execute(
            "select schema_name, table_name, column_count from duckdb_tables()"
            " where database_name = current_database() and schema_name in (?, ?, ?)"
            " order by estimated_size desc",
            list(SCHEMAS),
        ).fetchall()
    node_times = _node_times(run_results)
    fixed_settings = _fixed_profile_settings()
    costs = []
    # beside the warehouse: a disk with room for its largest table (1.2 GB at scale 1)
    with tempfile.TemporaryDirectory(prefix="cin-write-cost-", dir=db.parent) as scratch_dir:
        for schema, name, columns in tables:
            scratch = Path(scratch_dir) / f"{name}.duckdb"
            con = duckdb.connect(str(scratch))
            try:
                con.execute(f"attach '{_quoted(db)}' as built (read_only)")
                apply_limits(con)
                for setting, value in fixed_settings.items():
                    con.execute(f"set {setting} = '{_quoted(str(value).lower())}'")
                before = _cpu_s()
                con.execute(f'create table copied as select * from built."{schema}"."{name}"')
                con.execute("checkpoint")
                spent = _cpu_s() - before
                (rows,) = con.execute("select count(*) from copied").fetchone() or (0,)
            finally:
                con.close()
            scratch.unlink()
            costs.append(TableCost(f"{schema}.{name}", rows, columns, spent, node_times.get(name)))
            print(f"  {schema}.{name}: {spent:.1f} CPU s", file=sys.stderr, flush=True)
    return sorted(costs, key=lambda c: -c.write_cpu_s)


def report(costs: list[TableCost], top: int) -> str:
    """A Markdown table of the `top` costliest writes, then the totals over every table."""
    lines = [
        "| table | rows | columns | values written | write CPU s | ns per value | node s (dbt) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for cost in costs[:top]:
        node = "" if cost.node_s is None else f"{cost.node_s:.1f}"
        per_value = 1e9 * cost.write_cpu_s / cost.values if cost.values else 0.0
        lines.append(
            f"| `{cost.relation}` | {cost.rows:,} | {cost.columns} | {cost.values:,}"
            f" | {cost.write_cpu_s:.1f} | {per_value:.0f} | {node} |"
        )
    values = sum(c.values for c in costs)
    write_cpu = sum(c.write_cpu_s for c in costs)
    node_s = sum(c.node_s or 0.0 for c in costs)
    lines.append("")
    lines.append(
        f"{len(costs)} tables: {values:,} values written, {write_cpu:.1f} CPU s to write"
        f" ({1e9 * write_cpu / values if values else 0:.0f} ns per value); their models'"
        f" node time {node_s:.1f} s (dbt's, summed over threads)."
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", type=Path, help="the built warehouse (DuckDB file)")
    parser.add_argument("run_results", type=Path, help="dbt's target/run_results.json")
    parser.add_argument("--top", type=int, default=20, help="rows of the table (default 20)")
    args = parser.parse_args(argv)
    for path in (args.db, args.run_results):
        if not path.is_file():
            parser.error(f"{path}: no such file")
    try:
        _node_times(args.run_results)
    except (ValueError, KeyError, TypeError) as error:
        parser.exit(1, f"{args.run_results}: not dbt's run_results.json ({error!r})\n")
    try:
        costs = write_costs(args.db, args.run_results)
    except duckdb.Error as error:  # not a DuckDB file, or held by a running dbt build
        parser.exit(1, f"{args.db}: {error}\n")
    print(report(costs, args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
