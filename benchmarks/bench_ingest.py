"""Benchmark of the landing (`cin load`): NPD rows/second, XML MB/second, peak memory.

    .venv/bin/python benchmarks/bench_ingest.py --world DIR      # files of `cin generate`
    .venv/bin/python benchmarks/bench_ingest.py --synthetic      # files made here instead

Each measurement runs in a fresh process (so its peak resident memory is its own) against a
fresh DuckDB file. Baselines on the same files:
  - NPD: a plain DuckDB `read_csv(all_varchar = true)` into a table (no provenance, no line
    numbers, no rejects, no manifest): the floor the loader is compared with;
  - XML: lxml iterparse over the file doing nothing (the parse alone).

`--synthetic` writes representative files (a national-size NPD year of plausible values and
a large LA return built like the DfE schema) into a temporary folder; nothing is kept.
Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_DIR = Path(__file__).resolve().parents[1]


# --- one measurement, in its own process --------------------------------------------------
def _measure(kind: str, paths: list[str], db: str) -> dict[str, float]:
    import duckdb
    from lxml import etree

    from cin_warehouse.ingest import loader

    start = time.perf_counter()
    rows = 0
    if kind == "load":
        outcomes = loader.land([Path(p) for p in paths], Path(db))
        failed = [str(o.error) for o in outcomes if o.status == "failed"]
        if failed:
            raise SystemExit(f"landing failed: {failed}")
        rows = sum(o.record.rows_landed for o in outcomes if o.record)
    elif kind == "read_csv":
        with duckdb.connect(db) as con:
            for i, path in enumerate(paths):
                con.execute(
                    f"create table t{i} as select * from read_csv(?, all_varchar = true)", [path]
                )
                rows += con.execute(f"select count(*) from t{i}").fetchone()[0]
    elif kind == "iterparse":
        for path in paths:
            for _, elem in etree.iterparse(path, events=("end",)):
                if elem.tag == "Child":
                    elem.clear()
                    while elem.getprevious() is not None:
                        del elem.getparent()[0]
                rows += 1
    elapsed = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # The worker processes that read XML returns (ended and waited for by the landing).
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": elapsed,
        # CPU time as well: on a shared machine wall time depends on the neighbours.
        "cpu_seconds": usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime,
        "rows": rows,
        "peak_mib": usage.ru_maxrss / 1024,  # ru_maxrss is in KiB on Linux
        "worker_peak_mib": children.ru_maxrss / 1024,  # the largest worker's
    }


def run(kind: str, paths: list[Path], workdir: Path) -> dict[str, float]:
    db = workdir / f"{kind}-{time.monotonic_ns()}.duckdb"
    result = subprocess.run(
        [sys.executable, __file__, "--measure", kind, str(db), *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO_DIR,
    )
    db.unlink(missing_ok=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- representative files when no generated world is given -------------------------------
def synthetic_npd(path: Path, rows: int, census_year: int = 2022) -> None:
    from cin_warehouse import npd_spec

    rng = random.Random(1)
    columns = npd_spec.npd_columns(census_year)
    las = [str(c) for c in range(201, 353)]
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(columns) + "\n")
        for i in range(rows):
            values = {
                "CIN_ACADYR": f"{census_year - 1}/{census_year % 100:02d}",
                "CIN_LA": rng.choice(las),
                "CIN_LAchildID_Anon": f"C{i:09d}",
                "CIN_ReferralDate": f"{census_year - 1}-0{rng.randint(4, 9)}-1{rng.randint(0, 9)}",
                "CIN_PrimaryNeedCode": rng.choice(["N1", "N2", "N4", "N5", "N8"]),
            }
            out.write(",".join(values.get(c, str(rng.randint(0, 9))) for c in columns) + "\n")


def synthetic_xml(path: Path, children: int, census_year: int = 2022) -> None:
    sys.path.insert(0, str(REPO_DIR))
    from tests.python.ingest import fixtures

    batch = 2000
    with open(path, "w", encoding="utf-8") as out:
        head, tail = fixtures.return_xml(census_year, "202", []).split("  </Children>")
        out.write(head.replace("<Children>\n", "<Children>\n"))
        for start in range(0, children, batch):
            text = fixtures.return_xml(
                census_year,
                "202",
                fixtures.make_children(census_year, min(batch, children - start), seed=start),
            )
            body = text.split("<Children>\n", 1)[1].split("  </Children>", 1)[0]
            out.write(body)
        out.write("  </Children>" + tail)


# --- report --------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--world", type=Path, help="a `cin generate` output folder")
    source.add_argument("--synthetic", action="store_true", help="write representative files")
    parser.add_argument("--npd-rows", type=int, default=1_000_000)
    parser.add_argument("--xml-children", type=int, default=100_000)
    parser.add_argument("--measure", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        kind, db, *paths = args.measure
        print(json.dumps(_measure(kind, paths, db)))
        return 0
    if not (args.world or args.synthetic):
        parser.error("give --world DIR or --synthetic")

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.synthetic:
            npd_files = [workdir / "CIN_2022.csv"]
            synthetic_npd(npd_files[0], args.npd_rows)
            xml_files = [workdir / "CIN_2022_202.xml"]
            synthetic_xml(xml_files[0], args.xml_children)
        else:
            npd_files = sorted((args.world / "npd").glob("CIN_*.*"))
            xml_files = sorted((args.world / "xml").rglob("*.xml"))
        npd_bytes = sum(p.stat().st_size for p in npd_files)
        xml_bytes = sum(p.stat().st_size for p in xml_files)
        results = {
            "npd load": run("load", npd_files, workdir),
            "npd read_csv": run("read_csv", npd_files, workdir),
            "xml load": run("load", xml_files, workdir),
            "xml iterparse": run("iterparse", xml_files, workdir),
        }
    print(f"NPD: {len(npd_files)} file(s), {npd_bytes / 2**20:,.1f} MiB")
    print(f"XML: {len(xml_files)} file(s), {xml_bytes / 2**20:,.1f} MiB\n")
    print("| run | files | rows | wall s | CPU s | rows/s | MiB/s | peak memory (MiB) |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        size = npd_bytes if name.startswith("npd") else xml_bytes
        count = len(npd_files) if name.startswith("npd") else len(xml_files)
        rows = f"{int(r['rows']):,}" if name != "xml iterparse" else f"{int(r['rows']):,} elements"
        print(
            f"| {name} | {count} | {rows} | {r['seconds']:.1f} | {r['cpu_seconds']:.1f}"
            f" | {r['rows'] / r['seconds']:,.0f}"
            f" | {size / 2**20 / r['seconds']:,.1f} | {r['peak_mib']:,.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
