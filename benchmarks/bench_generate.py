"""Benchmark `cin generate`: wall and CPU time, rows per second, peak memory; then the
calibration report of the generated world.

    .venv/bin/python benchmarks/bench_generate.py --scale 0.1 [--out DIR] [--format both]

Writes the world to DIR (default: a temporary folder, removed afterwards) and prints a
Markdown section for BENCHMARKS.md. Peak memory is the process's maximum resident set
size (getrusage), which includes DuckDB's and Arrow's native allocations; it is also shown
at the end of each phase, with the phase's wall and CPU time. On a shared machine wall time
depends on the load, so rows per CPU second are shown too.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import shutil
import tempfile
import time
from pathlib import Path

from cin_warehouse.synth import calibration
from cin_warehouse.synth.config import GeneratorSettings
from cin_warehouse.synth.generate import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", default="both", choices=("npd", "xml", "both"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_generate_"))
    settings = GeneratorSettings(scale=args.scale, seed=args.seed)
    steps: list[tuple[str, float, float, float]] = []

    def mark(step: str) -> None:
        steps.append((step, time.perf_counter(), time.process_time(), _peak_gib()))

    start_wall, start_cpu = time.perf_counter(), time.process_time()
    summary = generate(settings, out, formats=args.format, progress=mark)
    mark("end")
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    peak_gib = _peak_gib()
    xml_bytes = sum(p.stat().st_size for p in (out / "xml").rglob("*.xml"))
    npd_bytes = sum(p.stat().st_size for p in (out / "npd").rglob("*.csv"))
    simulate_s = steps[1][1] - steps[0][1] if len(steps) > 1 else float("nan")
    print(f"## cin generate --scale {args.scale} --format {args.format} (seed {args.seed})\n")
    print("| measure | value |\n|---|---:|")
    print(f"| wall time | {wall:,.0f} s |")
    print(f"| CPU time (this process) | {cpu:,.0f} s |")
    print(f"| simulation of the world | {simulate_s:,.0f} s |")
    print(f"| true referrals simulated | {summary.episodes:,} |")
    print(f"| NPD rows written | {summary.npd_rows:,} ({npd_bytes / 1e6:,.0f} MB) |")
    print(f"| NPD rows per second (whole run) | {summary.npd_rows / wall:,.0f} |")
    print(f"| NPD rows per CPU second (whole run) | {summary.npd_rows / cpu:,.0f} |")
    print(f"| XML child records written | {summary.xml_children:,} ({xml_bytes / 1e6:,.0f} MB) |")
    print(f"| files written | {len(summary.files):,} |")
    print(f"| peak memory (max RSS) | {peak_gib:,.2f} GiB |\n")
    print(_phases(steps))
    print(calibration.report(out / "truth", args.scale))
    if args.out is None:
        shutil.rmtree(out)


def _peak_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _phases(steps: list[tuple[str, float, float, float]]) -> str:
    """Wall and CPU time of each phase (the census years summed) and the peak memory
    reached by its end."""
    phases: dict[str, list[float]] = {}
    for (step, wall, cpu, _), (_, next_wall, next_cpu, peak) in itertools.pairwise(steps):
        name = "census years (returns, NPD, XML)" if step.startswith("census year") else step
        totals = phases.setdefault(name, [0.0, 0.0, 0.0])
        totals[0] += next_wall - wall
        totals[1] += next_cpu - cpu
        totals[2] = peak
    lines = ["| phase | wall | CPU | peak RSS by its end |", "|---|---:|---:|---:|"]
    for name, (wall, cpu, peak) in phases.items():
        lines.append(f"| {name} | {wall:,.0f} s | {cpu:,.0f} s | {peak:,.2f} GiB |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
