"""Benchmark of the whole pipeline on a fresh folder: generate, land, `dbt build`.

    .venv/bin/python benchmarks/bench_pipeline.py --scale 0.1 [--out DIR] [--seed 1]
    make bench SCALE=0.1
    .venv/bin/python benchmarks/bench_pipeline.py --scale 0.42 --la 330 --year 2023
    .venv/bin/python benchmarks/bench_pipeline.py --scale 0.42 --la 330 --year 2023 --check-return

With `--la`, one LA's XML return of one census year only (the LA analyst's single return:
LA 330 in 2023 holds 6,392 children at scale 0.27): no NPD steps. With `--check-return`
too, the return is checked by the fast path instead of landed and fully built: `cin
check-return` (land, the `single_return` selector of selectors.yml), twice: the first
through dbt (`--through-dbt`; it may parse the dbt project in full) saving the check plan,
the second replaying that plan as an analyst's next check does. No reference scan in that
mode (it times the whole check).

Each step runs in its own measuring process (`--measure`), so its figures are its own:
wall time, CPU time (user + system of the step's whole process tree, from
getrusage(RUSAGE_CHILDREN), which counts every waited-for descendant) and peak memory (the
largest resident set of any one process of the step: ru_maxrss of RUSAGE_CHILDREN). The
steps, in order:

1. `cin generate` (all LAs, 2009-2026, NPD and XML) into DIR/world, with its own steps'
   times (`--timings DIR/generate_steps.json`; the census years summed in the report);
2. `cin load` of the NPD files, then of the XML returns, into DIR/warehouse.duckdb;
3. the two references, in the same run: one DuckDB pass over every value of every raw
   table (`count(column)` of every column: each value is read once) and DuckDB's own
   `read_csv(all_varchar = true)` of the NPD files into a scratch database (the floor of
   NPD landing: no line numbers, rejects or manifest);
4. `dbt build` (models and every data test), its ten slowest nodes from run_results.json
   and its time by layer (staging, intermediate, marts, data tests); then a third
   reference, the floor under the build: each table it wrote, written again from its rows
   (`benchmarks/write_cost.py`; the costliest tables in DIR/write_cost.md); and a fourth
   (not with `--la`), its fixed cost: the same `dbt build` of a three-LA world of about a
   thousand NPD rows, generated and landed in DIR/fixed_cost (FIXED_COST_WORLD), stated as
   a share of the build;
5. everything still correct on the same world (not with `--la`): `cin fidelity` against the
   world's truth (DIR/fidelity.txt and fidelity.json) and the England rows beside the
   published figures (`cin_warehouse.england_comparison`, DIR/england_<source>.txt).

`--format npd` generates and lands the NPD files only (the national research extract: what
a researcher runs at scale 1), `--format xml` the LA returns only.

Every step is then stated as a ratio to the raw scan (and NPD landing to `read_csv`).
Rows in and out: generate writes NPD rows and XML children; landing reads the files' data
lines and lands rows (+ rejects); dbt reads the raw rows and writes the rows of the
intermediate and mart tables. Writes DIR/bench.json and DIR/bench.md and prints the
Markdown. The machine may be shared: compare ratios within one run, not wall times
across runs. Nothing here is asserted by a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


# --- one step, measured in its own process ------------------------------------------------
def _measure(command: list[str], env: dict[str, str], stdout_path: str | None) -> dict[str, Any]:
    """Run `command`; its wall time, CPU time and peak RSS (of its process tree). With
    `stdout_path`, its whole standard output is also kept there (a report step)."""
    start = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=REPO_DIR, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if stdout_path:
        Path(stdout_path).write_text(result.stdout)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mib": usage.ru_maxrss / 1024,  # KiB on Linux
        "returncode": result.returncode,
        "stdout_tail": result.stdout[-3000:],
        "stderr_tail": result.stderr[-3000:],
    }


def step(
    command: list[str], env: dict[str, str] | None = None, stdout_path: Path | None = None
) -> dict[str, Any]:
    """Measure `command` in a fresh measuring process (so RUSAGE_CHILDREN is its own)."""
    # The code of this checkout, whatever the virtual environment has installed.
    full_env = {**os.environ, "PYTHONPATH": str(REPO_DIR), **(env or {})}
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "--measure",
            json.dumps({"command": command, "stdout_path": stdout_path and str(stdout_path)}),
        ],
        env=full_env,
        cwd=REPO_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- the references, each a script run as a step -------------------------------------------
RAW_SCAN = """
import duckdb, sys
con = duckdb.connect(sys.argv[1], read_only=True)
tables = con.execute(
    "select table_name from information_schema.tables where table_schema = 'raw'"
    " and not starts_with(table_name, '_')"
).fetchall()
rows = 0
for (table,) in tables:
    columns = [c for (c,) in con.execute(
        "select column_name from information_schema.columns where table_schema = 'raw'"
        " and table_name = ?", [table]).fetchall()]
    counts = ", ".join(f'count("{c}")' for c in columns)
    rows += con.execute(f'select count(*), {counts} from raw."{table}"').fetchone()[0]
print(rows)
"""

READ_CSV = """
import duckdb, sys
con = duckdb.connect(sys.argv[1])
rows = 0
for i, path in enumerate(sys.argv[2:]):
    con.execute(f"create table t{i} as select * from read_csv(?, all_varchar = true)", [path])
    rows += con.execute(f"select count(*) from t{i}").fetchone()[0]
print(rows)
"""


def _last_int(text: str) -> int:
    return int(text.strip().splitlines()[-1])


def _data_lines(paths: list[Path]) -> int:
    """Lines after the header in the NPD files (what landing must account for)."""
    total = 0
    for path in paths:
        with open(path, "rb") as handle:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b""))
        total -= 1
    return total


def _scalar(db: Path, sql: str) -> Any:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def _rows_in_schemas(db: Path, schemas: tuple[str, ...]) -> int:
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_type = 'BASE TABLE' and table_schema in ("
            + ", ".join("?" for _ in schemas)
            + ")",
            list(schemas),
        ).fetchall()
        return sum(
            con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in tables
        )


def _generation_by_step(timings: Path) -> list[dict[str, Any]]:
    """`cin generate --timings`'s steps, the census years summed into one (a world kept
    from an earlier run without the file: none)."""
    if not timings.exists():
        return []
    merged: dict[str, dict[str, Any]] = {}
    for entry in json.loads(timings.read_text()):
        name = "census years" if entry["step"].startswith("census year ") else entry["step"]
        into = merged.setdefault(name, {"step": name, "wall_s": 0.0, "cpu_s": 0.0})
        into["wall_s"] += entry["wall_s"]
        into["cpu_s"] += entry["cpu_s"]
    return list(merged.values())


def _slowest_nodes(run_results: Path, count: int = 10) -> list[dict[str, Any]]:
    results = json.loads(run_results.read_text())["results"]
    nodes = sorted(results, key=lambda r: r["execution_time"], reverse=True)[:count]
    return [
        {"node": r["unique_id"], "status": r["status"], "seconds": r["execution_time"]}
        for r in nodes
    ]


def _seconds_by_layer(target: Path) -> dict[str, float]:
    """dbt's execution time (summed over threads) of the models of each folder of models/
    (staging, intermediate, marts), of the seeds, the data tests and the unit tests."""
    nodes = json.loads((target / "manifest.json").read_text())["nodes"]
    kinds = {"test": "data tests", "unit_test": "unit tests", "seed": "seeds"}
    layers: dict[str, float] = {}
    for result in json.loads((target / "run_results.json").read_text())["results"]:
        uid = result["unique_id"]
        kind = uid.split(".")[0]
        if kind == "model":
            layer = nodes[uid]["original_file_path"].split("/")[1]
        else:  # seeds, tests, and dbt's other nodes (exposures take no time) by kind
            layer = kinds.get(kind, kind + "s")
        layers[layer] = layers.get(layer, 0.0) + result["execution_time"]
    return layers


# The world of the build's fixed cost: three LAs at a five-hundredth of England's volume
# (1,267 NPD rows for 2009-2026 at this seed), so that its build is dbt's and DuckDB's cost
# per node (parsing, compiling, planning, the unit tests) with next to no data.
FIXED_COST_WORLD = ["--scale", "0.002", "--las", "202,330,940", "--seed", "4242"]


def _fixed_cost(measured: Any, cin: list[str], small: Path) -> dict[str, Any]:
    """The fourth reference: the same `dbt build` (every model, data test and unit test) of a
    three-LA world in a fresh folder of its own, what a build costs before any data. Its
    world is generated and landed as steps of their own, so that the reference is the
    build alone."""
    world, db = small / "world", small / "warehouse.duckdb"
    generate = [*cin, "generate", "--out", str(world), *FIXED_COST_WORLD, "--format", "npd"]
    generated = measured("fixed cost: generate a 3-LA world", [*generate, "--overwrite"])
    lines = _data_lines(sorted((world / "npd").glob("CIN_*")))
    generated.update(rows_in=0, rows_out=lines)
    land = measured("fixed cost: land it", [*cin, "load", str(world / "npd"), "--db", str(db)])
    rows = _scalar(db, "select sum(rows_landed) from raw._loads")
    land.update(rows_in=lines, rows_out=rows)
    fixed = measured(
        "reference: dbt build of the 3-LA world (fixed cost)",
        *_dbt_build(db, small / "target", small / "logs"),
    )
    fixed.update(rows_in=rows, rows_out=_rows_in_schemas(db, ("intermediate", "marts")))
    return fixed


def _dbt_build(db: Path, target: Path, logs: Path) -> tuple[list[str], dict[str, str]]:
    """`dbt build` of this project into the warehouse `db`, compiled into `target`, its log
    in `logs`: the command and its environment."""
    command = [
        str(BIN / "dbt"),
        "build",
        "--profiles-dir",
        ".",
        "--target-path",
        str(target),
        "--log-path",
        str(logs),
        "--quiet",
    ]
    return command, {"CIN_DUCKDB_PATH": str(db), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def _correctness(
    report: dict[str, Any], measured: Any, world: Path, db: Path, scale: float, out: Path
) -> None:
    """Everything still correct at this scale, on the same world: the fidelity report of the
    rebuilt episodes and plans against the truth, and the England rows beside the published
    figures, each source the world has. Their whole output is kept beside bench.json."""
    cin = [sys.executable, "-m", "cin_warehouse.cli"]
    sources = ("npd", "xml") if report["format"] == "both" else (report["format"],)
    source = "both" if len(sources) == 2 else sources[0]
    fidelity = [*cin, "fidelity", "--db", str(db), "--truth", str(world / "truth")]
    fidelity += ["--source", source, "--json", str(out / "fidelity.json")]
    # Under the build's DuckDB limits (CIN_DUCKDB_MEMORY_LIMIT, default 4GB): at scale 1 the
    # report finishes under 4GB with 2 threads (BENCHMARKS.md, session 8).
    measured("fidelity report", fidelity, stdout_path=out / "fidelity.txt")
    for name in sources:
        compare = [sys.executable, "-m", "cin_warehouse.england_comparison", "--db", str(db)]
        compare += ["--scale", str(scale), "--source", name]
        measured(f"England comparison ({name})", compare, stdout_path=out / f"england_{name}.txt")


def _machine() -> dict[str, Any]:
    import duckdb

    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_DIR, capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kib / 2**20, 1),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "commit": commit,
        "load_average_at_start": os.getloadavg(),
    }


# --- the run -------------------------------------------------------------------------------
def run(
    scale: float,
    out: Path,
    seed: int,
    la: str | None,
    year: int,
    fmt: str,
    check_return: bool = False,
    resume: bool = False,
) -> dict[str, Any]:
    # --resume: keep the steps an earlier run in `out` finished (its world and warehouse);
    # a national-scale generation alone takes half an hour.
    previous = {}
    if resume and (out / "bench.json").exists():
        previous = json.loads((out / "bench.json").read_text())["steps"]
    elif out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    world, db = out / "world", out / "warehouse.duckdb"
    report: dict[str, Any] = {
        "scale": scale,
        "seed": seed,
        "la_return": f"LA {la}, census year {year}" if la else None,
        "format": "xml" if la else fmt,
        "machine": _machine(),
        "steps": {},
        "kept_from_earlier_run": [],
    }
    steps = report["steps"]

    def checked(name: str, result: dict[str, Any]) -> dict[str, Any]:
        steps[name] = result
        print(f"{name}: {result['wall_s']:.1f} s wall, {result['cpu_s']:.1f} s CPU", flush=True)
        # Kept as the run goes, so a run stopped part-way still has its measured steps.
        (out / "bench.json").write_text(json.dumps(report, indent=2))
        # dbt build and check-return exit non-zero when a data test fails: a finding.
        if result["returncode"] != 0 and "dbt build" not in name and "check-return" not in name:
            raise SystemExit(f"{name} failed:\n{result['stderr_tail']}\n{result['stdout_tail']}")
        return result

    def measured(
        name: str,
        command: list[str],
        env: dict[str, str] | None = None,
        stdout_path: Path | None = None,
    ) -> dict[str, Any]:
        kept = previous.get(name)
        if kept and kept["returncode"] == 0:
            print(f"{name}: kept from the earlier run in {out}", flush=True)
            report["kept_from_earlier_run"].append(name)
            return checked(name, kept)
        return checked(name, step(command, env, stdout_path))

    cin = [sys.executable, "-m", "cin_warehouse.cli"]
    generate_steps = out / "generate_steps.json"
    generate = [
        *cin,
        "generate",
        "--out",
        str(world),
        "--scale",
        str(scale),
        "--seed",
        str(seed),
        "--timings",
        str(generate_steps),
    ]
    if la:  # one LA's return of one year: the LA analyst's case
        generate += ["--las", la, "--years", str(year), "--format", "xml"]
    else:
        generate += ["--format", fmt]
    measured("generate", generate)
    npd_files = sorted((world / "npd").glob("CIN_*"))
    xml_files = sorted((world / "xml").rglob("*.xml"))
    npd_lines = _data_lines(npd_files)
    steps["generate"].update(
        rows_in=0,
        rows_out=npd_lines,
        xml_files=len(xml_files),
        by_step=_generation_by_step(generate_steps),
    )
    if check_return:
        return _run_check_return(report, out, world, cin, checked)

    npd_landed = 0
    if npd_files:
        measured("land NPD", [*cin, "load", str(world / "npd"), "--db", str(db), "--summary"])
        npd_landed = _scalar(db, "select sum(rows_landed + rows_rejected) from raw._loads")
        steps["land NPD"].update(
            rows_in=npd_lines,
            rows_out=npd_landed,
            mib_in=sum(p.stat().st_size for p in npd_files) / 2**20,
        )
    if xml_files:
        measured("land XML", [*cin, "load", str(world / "xml"), "--db", str(db), "--summary"])
        steps["land XML"].update(
            rows_in=len(xml_files),
            rows_out=_scalar(db, "select sum(rows_landed) from raw._loads") - npd_landed,
            mib_in=sum(p.stat().st_size for p in xml_files) / 2**20,
        )

    py = sys.executable
    scan = measured("reference: one scan of raw", [py, "-c", RAW_SCAN, str(db)])
    raw_rows = scan.get("rows_in") or _last_int(scan["stdout_tail"])
    scan.update(rows_in=raw_rows, rows_out=0)
    if npd_files:
        scratch = out / "read_csv.duckdb"
        ref_csv = measured(
            "reference: DuckDB read_csv of NPD",
            [py, "-c", READ_CSV, str(scratch), *map(str, npd_files)],
        )
        csv_rows = ref_csv.get("rows_out") or _last_int(ref_csv["stdout_tail"])
        ref_csv.update(rows_in=npd_lines, rows_out=csv_rows)
        scratch.unlink(missing_ok=True)

    target = out / "target"
    build = measured("dbt build", *_dbt_build(db, target, out / "logs"))
    results = json.loads((target / "run_results.json").read_text())["results"]
    build.update(
        rows_in=raw_rows,
        rows_out=_rows_in_schemas(db, ("intermediate", "marts")),
        nodes=len(results),
        tests=sum(r["unique_id"].startswith("test.") for r in results),
        node_status={
            s: sum(r["status"] == s for r in results) for s in {r["status"] for r in results}
        },
        models_s=sum(r["execution_time"] for r in results if r["unique_id"].startswith("model.")),
        tests_s=sum(r["execution_time"] for r in results if r["unique_id"].startswith("test.")),
        layer_s=_seconds_by_layer(target),
    )
    report["slowest_nodes"] = _slowest_nodes(target / "run_results.json")
    # The floor under the build: its tables written again from their rows, no query to
    # compute (benchmarks/write_cost.py; the table of the costliest in DIR/write_cost.md).
    write_floor = measured(
        "reference: writing the build's tables",
        [
            py,
            str(REPO_DIR / "benchmarks" / "write_cost.py"),
            str(db),
            str(target / "run_results.json"),
        ],
        stdout_path=out / "write_cost.md",
    )
    written = _rows_in_schemas(db, ("staging", "intermediate", "marts"))
    write_floor.update(rows_in=written, rows_out=written)
    build["x_write_floor_cpu"] = build["cpu_s"] / write_floor["cpu_s"]
    if not la:
        fixed = _fixed_cost(measured, cin, out / "fixed_cost")
        build["fixed_cost_share_wall"] = fixed["wall_s"] / build["wall_s"]
        build["fixed_cost_share_cpu"] = fixed["cpu_s"] / build["cpu_s"]
        _correctness(report, measured, world, db, scale, out)
    report["machine"]["load_average_at_end"] = os.getloadavg()

    for result in steps.values():
        result["x_raw_scan_wall"] = result["wall_s"] / scan["wall_s"]
        result["x_raw_scan_cpu"] = result["cpu_s"] / scan["cpu_s"]
    if npd_files:
        steps["land NPD"]["x_read_csv_wall"] = steps["land NPD"]["wall_s"] / ref_csv["wall_s"]
        steps["land NPD"]["x_read_csv_cpu"] = steps["land NPD"]["cpu_s"] / ref_csv["cpu_s"]
    for result in steps.values():
        result.pop("stdout_tail", None)
        result.pop("stderr_tail", None)
    (out / "bench.json").write_text(json.dumps(report, indent=2))
    markdown = to_markdown(report)
    (out / "bench.md").write_text(markdown)
    return report


def _run_check_return(
    report: dict[str, Any], out: Path, world: Path, cin: list[str], checked: Any
) -> dict[str, Any]:
    """The fast path: `cin check-return` of the generated return, a first and a next time."""
    xml_files = sorted((world / "xml").rglob("*.xml"))
    # The first check runs dbt (a full parse when the checkout has none saved) and saves the
    # check plan; the next one replays that plan, as an analyst's next check does.
    for name, extra in (
        ("check-return (first, through dbt)", ["--through-dbt"]),
        ("check-return (next, plan replayed)", []),
    ):
        result = checked(name, step([*cin, "check-return", str(world / "xml"), *extra]))
        # Exit 1 means a rule failed its ceiling: a finding, not a failed step.
        if result["returncode"] not in (0, 1):
            raise SystemExit(f"{name} failed:\n{result['stderr_tail']}")
        result.update(
            rows_in=len(xml_files),
            mib_in=sum(p.stat().st_size for p in xml_files) / 2**20,
            summary=result["stdout_tail"].splitlines()[0],
        )
        result.pop("stdout_tail")
        result.pop("stderr_tail")
    report["steps"]["generate"].pop("stdout_tail")
    report["steps"]["generate"].pop("stderr_tail")
    report["machine"]["load_average_at_end"] = os.getloadavg()
    (out / "bench.json").write_text(json.dumps(report, indent=2))
    lines = [
        f"### Single return, fast path ({report['la_return']}, scale {report['scale']}, seed"
        f" {report['seed']}, commit {report['machine']['commit']})",
        "",
        f"Load average {report['machine']['load_average_at_start'][0]:.1f} at the start,"
        f" {report['machine']['load_average_at_end'][0]:.1f} at the end.",
        "",
        "| step | wall s | CPU s | peak RSS MiB | what it printed first |",
        "|---|---:|---:|---:|---|",
    ]
    for name, r in report["steps"].items():
        lines.append(
            f"| {name} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_rss_mib']:,.0f}"
            f" | {r.get('summary', '')} |"
        )
    (out / "bench.md").write_text("\n".join(lines) + "\n")
    report["markdown"] = "\n".join(lines) + "\n"
    return report


def to_markdown(report: dict[str, Any]) -> str:
    if "markdown" in report:  # the fast path wrote its own
        return str(report["markdown"])
    machine = report["machine"]
    lines = [
        f"### Pipeline at scale {report['scale']} (seed {report['seed']}, commit"
        f" {machine['commit']})",
        "",
        f"{machine['cpus']} CPUs, {machine['memory_gib']} GiB, DuckDB {machine['duckdb']},"
        f" Python {machine['python']}; load average"
        f" {machine['load_average_at_start'][0]:.1f} at the start,"
        f" {machine['load_average_at_end'][0]:.1f} at the end.",
        "",
        "| step | wall s | CPU s | peak RSS MiB | rows in | rows out | × scan (wall)"
        " | × scan (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in report["steps"].items():
        lines.append(
            f"| {name} | {r['wall_s']:.1f} | {r['cpu_s']:.1f} | {r['peak_rss_mib']:,.0f}"
            f" | {r.get('rows_in', 0):,} | {r.get('rows_out', 0):,}"
            f" | {r['x_raw_scan_wall']:.1f} | {r['x_raw_scan_cpu']:.1f} |"
        )
    build = report["steps"]["dbt build"]
    lines.append("")
    if report["la_return"]:
        xml = report["steps"]["land XML"]
        lines.append(
            f"- {report['la_return']}: landed, built and tested in"
            f" {xml['wall_s'] + build['wall_s']:.1f} s wall"
            f" ({xml['cpu_s'] + build['cpu_s']:.1f} s CPU)."
        )
    by_step = report["steps"]["generate"].get("by_step")
    if by_step:
        lines.append(
            "- generate by step (wall / CPU s, both threads): "
            + "; ".join(f"{s['step']} {s['wall_s']:.1f} / {s['cpu_s']:.1f}" for s in by_step)
            + "."
        )
    if "land NPD" in report["steps"]:
        npd = report["steps"]["land NPD"]
        lines.append(
            f"- NPD landing: {npd['x_read_csv_wall']:.2f}× DuckDB's read_csv (wall),"
            f" {npd['x_read_csv_cpu']:.2f}× (CPU); {npd['mib_in'] / npd['wall_s']:.1f} MiB/s."
        )
    if "land XML" in report["steps"]:
        xml = report["steps"]["land XML"]
        lines.append(
            f"- XML landing: {xml['mib_in'] / xml['wall_s']:.1f} MiB/s wall,"
            f" {xml['mib_in'] / xml['cpu_s']:.1f} MiB per CPU s"
            f" ({xml['mib_in']:,.0f} MiB, {xml['rows_in']:,} returns)."
        )
    layers = ", ".join(f"{k} {v:.0f} s" for k, v in build["layer_s"].items())
    lines += [
        f"- dbt execution time by layer (summed over threads): {layers}.",
        f"- dbt build: {build['nodes']} nodes ({build['tests']} tests), status"
        f" {build['node_status']}; execution time of the models {build['models_s']:.0f} s,"
        f" of the tests {build['tests_s']:.0f} s (summed over threads).",
        f"- dbt build: {build['x_write_floor_cpu']:.1f}× the CPU of writing its tables alone"
        " (reference step above; the costliest tables in write_cost.md).",
    ]
    if "fixed_cost_share_cpu" in build:
        fixed = report["steps"]["reference: dbt build of the 3-LA world (fixed cost)"]
        lines.append(
            f"- dbt build: its fixed cost, the same build of a world of {fixed['rows_in']:,} rows"
            f" (reference step above), took {100 * build['fixed_cost_share_wall']:.0f}% of its"
            f" wall time and {100 * build['fixed_cost_share_cpu']:.0f}% of its CPU."
        )
    lines += [
        "",
        "| slowest node | status | seconds |",
        "|---|---|---:|",
    ]
    lines += [
        f"| `{n['node']}` | {n['status']} | {n['seconds']:.1f} |" for n in report["slowest_nodes"]
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, help="default: data/bench/scale_<SCALE>")
    parser.add_argument(
        "--la", help="only this LA's XML return of --year (the LA analyst's case), e.g. 330"
    )
    parser.add_argument("--year", type=int, default=2026, help="census year with --la")
    parser.add_argument(
        "--format",
        choices=("npd", "xml", "both"),
        default="both",
        help="raw files to generate and land (default both; --la: xml)",
    )
    parser.add_argument(
        "--check-return",
        action="store_true",
        help="with --la: check the return by `cin check-return` (the fast path) instead",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="keep the steps an earlier run in the same folder finished (world, landing)",
    )
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measured = json.loads(args.measure)
        print(json.dumps(_measure(measured["command"], dict(os.environ), measured["stdout_path"])))
        return 0
    if args.check_return and not args.la:
        parser.error("--check-return needs --la (one LA's return)")
    name = f"scale_{args.scale:g}" + (f"_la_{args.la}_{args.year}" if args.la else "")
    if not args.la and args.format != "both":
        name += f"_{args.format}"
    name += "_check_return" if args.check_return else ""
    out = args.out or REPO_DIR / "data" / "bench" / name
    report = run(
        args.scale,
        out.resolve(),
        args.seed,
        args.la,
        args.year,
        args.format,
        args.check_return,
        args.resume,
    )
    print(to_markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
