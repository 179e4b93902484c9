"""Benchmark the LA census return XML writer on a national-size census year.

Builds a synthetic returns set shaped like one national year (about 150 LAs of varied
size, ~650k CINdetails with assessments, factors, CIN plans, s47s, CPPs and reviews; all
codes valid for the year so files validate), writes it with `write_xml_returns`, and
reports wall time, files/s, MB/s, CINdetails/s and resident memory (before writing and
the peak while writing, sampled from /proc). A sample of files is checked against the XSD.

    .venv/bin/python benchmarks/bench_xml_writer.py                 # 2025, 650k CINdetails
    .venv/bin/python benchmarks/bench_xml_writer.py --years 2017-2026 --cin-details 65000

Output goes to a temporary folder, deleted afterwards unless --out is given. No data is
committed: the returns are generated in memory on each run.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cin_warehouse.synth import returns as rs
from cin_warehouse.synth import xml_writer

ETHNICITY = ["WBRI", "WOTH", "MWBC", "MOTH", "AIND", "APKN", "BAFR", "BCRB", "CHNE", "OOTH"]
DISABILITY = ["MOB", "HAND", "PC", "COMM", "LD", "HEAR", "VIS", "BEH", "AUT", "DDA"]
SOURCE = ["1A", "1B", "2A", "3A", "3E", "4", "5A", "5C", "6", "7", "8", "9", "10"]
NEED = ["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9", "N0"]
REASON = ["RC1", "RC2", "RC3", "RC4", "RC5", "RC6", "RC7", "RC8"]
FACTORS = ["1B", "2B", "3A", "3B", "4A", "4B", "5B", "6B", "14A", "16A", "17A", "20"]
ABUSE = ["NEG", "PHY", "SAB", "EMO", "MUL"]


# --- a national-size synthetic returns set -------------------------------------------------


def dates(rng: np.random.Generator, start: str, days: int, n: int) -> pa.Array:
    offsets = rng.integers(0, days, n).astype("timedelta64[D]")
    return pa.array(np.datetime64(start) + offsets).cast(pa.string())


def choice(rng: np.random.Generator, values: list[str], n: int) -> pa.Array:
    return pa.array(np.asarray(values)[rng.integers(0, len(values), n)])


def sometimes(rng: np.random.Generator, values: pa.Array, share: float) -> pa.Array:
    """`values`, NULL except in about `share` of rows."""
    return pc.if_else(pa.array(rng.random(len(values)) < share), values, None)


def expand(parent: pa.Table, counts: np.ndarray, pos: str) -> pa.Table:
    """Each parent row repeated `counts` times, with a 1-based position among its siblings."""
    index = np.repeat(np.arange(parent.num_rows), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    table = parent.take(pa.array(index))
    return table.append_column(pos, pa.array(np.arange(len(index)) - starts + 1, pa.int16()))


def keys(table: pa.Table, names: list[str]) -> pa.Table:
    return table.select(["census_year", "la_code", *names])


def national_returns(census_year: int, n_cin: int, n_las: int, seed: int) -> dict[str, pa.Table]:
    """One census year's returns for `n_las` LAs of lognormal size, ~`n_cin` CINdetails."""
    rng = np.random.default_rng(seed + census_year)
    y = census_year
    n_children = int(n_cin / 1.18)  # ~1.18 CINdetails per child in a year's return
    la_codes = np.sort(rng.choice(np.arange(201, 1000), n_las, replace=False)).astype(str)
    share = rng.lognormal(0, 0.7, n_las)
    la = np.sort(rng.choice(n_las, n_children, p=share / share.sum()))
    first = np.searchsorted(la, la)
    child_keys = pa.table(
        {
            "census_year": pa.array(np.full(n_children, y), pa.int16()),
            "la_code": pa.array(la_codes[la]),
            "child_pos": pa.array(np.arange(n_children) - first + 1, pa.int32()),
        }
    )
    tables = {
        "header": header(y, la_codes),
        "child": child_table(rng, y, child_keys),
        "disability": disability_table(rng, child_keys),
    }
    cin = cin_details_table(rng, y, child_keys)
    tables["cin_details"] = cin
    cin_keys = keys(cin, ["child_pos", "cin_details_pos"])
    tables.update(episode_tables(rng, y, cin_keys))
    return {name: conform(table, rs.MODULES[name]) for name, table in tables.items()}


def conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """The table in the returns schema; columns this benchmark does not make are NULL."""
    columns = [
        table[field.name] if field.name in table.column_names else pa.nulls(table.num_rows)
        for field in schema
    ]
    return pa.Table.from_arrays(columns, names=schema.names).cast(schema)


def header(y: int, la_codes: np.ndarray) -> pa.Table:
    n = len(la_codes)
    return pa.table(
        {
            "census_year": pa.array(np.full(n, y), pa.int16()),
            "la_code": pa.array(la_codes),
            "ReferenceDate": pa.array([f"{y}-03-31"] * n),
            "SoftwareCode": pa.array(["Synthetic CMS"] * n),
            "Release": pa.array(["1.0"] * n),
            "SerialNo": pa.array(["001"] * n),
            "DateTime": pa.array([f"{y}-05-01T09:00:00"] * n),
        }
    )


def child_table(rng: np.random.Generator, y: int, child_keys: pa.Table) -> pa.Table:
    n = child_keys.num_rows
    number = pa.array(np.arange(n)).cast(pa.string())
    upn = pc.binary_join_element_wise("A", pc.utf8_lpad(number, 12, "0"), "")
    unborn = pa.array(rng.random(n) < 0.03)
    sexes = ["1", "2", "0", "9"] if y < xml_writer.SEX_FROM else ["M", "F", "U", "U"]
    columns = {
        "person_id": pa.array(np.arange(n)),
        "LAchildID": pc.binary_join_element_wise("LA-", number, ""),
        "UPN": sometimes(rng, upn, 0.64),
        "FormerUPN": sometimes(rng, upn, 0.02),
        "UPNunknown": pa.nulls(n, pa.string()),
        "PersonBirthDate": pc.if_else(unborn, None, dates(rng, f"{y - 18}-04-01", 18 * 365, n)),
        "ExpectedPersonBirthDate": pc.if_else(unborn, dates(rng, f"{y}-04-01", 150, n), None),
        "Gender": choice(rng, sexes, n),
        "PersonDeathDate": sometimes(rng, dates(rng, f"{y - 1}-04-01", 364, n), 0.002),
        "Ethnicity": choice(rng, ETHNICITY, n),
    }
    table = child_keys
    for name, values in columns.items():
        table = table.append_column(name, values)
    return table


def distinct_codes(rng: np.random.Generator, counts: np.ndarray, values: list[str]) -> pa.Array:
    """Codes distinct among siblings: a random start per parent, stepped by position."""
    start = np.repeat(rng.integers(0, len(values), len(counts)), counts)
    step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return pa.array(np.asarray(values)[(start + step) % len(values)])


def disability_table(rng: np.random.Generator, child_keys: pa.Table) -> pa.Table:
    n = child_keys.num_rows
    disabled = rng.random(n) < 0.15
    counts = np.where(disabled, rng.integers(1, 4, n), 1)
    table = expand(child_keys, counts, "disability_pos")
    codes = pc.if_else(
        pa.array(np.repeat(disabled, counts)), distinct_codes(rng, counts, DISABILITY), "NONE"
    )
    return table.append_column("Disability", codes)


def cin_details_table(rng: np.random.Generator, y: int, child_keys: pa.Table) -> pa.Table:
    n_children = child_keys.num_rows
    table = expand(child_keys, 1 + rng.poisson(0.18, n_children), "cin_details_pos")
    n = table.num_rows
    closed = rng.random(n) < 0.6
    columns = {
        "episode_id": pa.array(np.arange(n)),
        "CINreferralDate": dates(rng, f"{y - 2}-04-01", 2 * 365, n),
        "ReferralSource": choice(rng, SOURCE, n),
        "PrimaryNeedCode": choice(rng, NEED, n),
        "CINclosureDate": pc.if_else(pa.array(closed), dates(rng, f"{y - 1}-04-01", 364, n), None),
        "ReasonForClosure": pc.if_else(pa.array(closed), choice(rng, REASON, n), None),
        "DateOfInitialCPC": sometimes(rng, dates(rng, f"{y - 1}-04-01", 364, n), 0.01),
        "ReferralNFA": pa.array(np.where(rng.random(n) < 0.08, "1", "0")),
    }
    for name, values in columns.items():
        table = table.append_column(name, values)
    return table


def episode_tables(rng: np.random.Generator, y: int, cin_keys: pa.Table) -> dict[str, pa.Table]:
    """Assessments with factors, CIN plans (from 2022), s47s, CPPs with reviews."""
    n = cin_keys.num_rows
    start = f"{y - 1}-04-01"
    assessment = expand(cin_keys, np.minimum(rng.poisson(0.9, n), 4), "assessment_pos")
    m = assessment.num_rows
    assessment = assessment.append_column("AssessmentActualStartDate", dates(rng, start, 300, m))
    assessment = assessment.append_column(
        "AssessmentInternalReviewDate", sometimes(rng, dates(rng, start, 364, m), 0.05)
    )
    assessment = assessment.append_column(
        "AssessmentAuthorisationDate", sometimes(rng, dates(rng, start, 364, m), 0.85)
    )
    counts = 1 + np.minimum(rng.poisson(1.5, m), len(FACTORS) - 1)
    factor = expand(
        keys(assessment, ["child_pos", "cin_details_pos", "assessment_pos"]), counts, "factor_pos"
    )
    factor = factor.append_column("AssessmentFactors", distinct_codes(rng, counts, FACTORS))
    plans = (rng.random(n) < 0.3) * (y >= xml_writer.CIN_PLAN_DATES_FROM)
    plan = expand(cin_keys, plans.astype(int), "cin_plan_pos")
    plan = plan.append_column("CINPlanStartDate", dates(rng, start, 300, plan.num_rows))
    plan = plan.append_column(
        "CINPlanEndDate", sometimes(rng, dates(rng, start, 364, plan.num_rows), 0.5)
    )
    s47 = expand(cin_keys, (rng.random(n) < 0.25).astype(int), "s47_pos")
    k = s47.num_rows
    s47 = s47.append_column("S47ActualStartDate", dates(rng, start, 300, k))
    s47 = s47.append_column("InitialCPCtarget", sometimes(rng, dates(rng, start, 364, k), 0.4))
    s47 = s47.append_column("DateOfInitialCPC", sometimes(rng, dates(rng, start, 364, k), 0.35))
    s47 = s47.append_column("ICPCnotRequired", pa.array(np.where(rng.random(k) < 0.5, "1", "0")))
    cpp = expand(cin_keys, (rng.random(n) < 0.1).astype(int), "cpp_pos")
    p = cpp.num_rows
    columns = {
        "cpp_id": pa.array(np.arange(p)),
        "CPPstartDate": dates(rng, start, 300, p),
        "CPPendDate": sometimes(rng, dates(rng, start, 364, p), 0.5),
        "InitialCategoryOfAbuse": choice(rng, ABUSE, p),
        "LatestCategoryOfAbuse": choice(rng, ABUSE, p),
        "NumberOfPreviousCPP": pa.array(rng.poisson(0.3, p).astype(str)),
    }
    for name, values in columns.items():
        cpp = cpp.append_column(name, values)
    review = expand(
        keys(cpp, ["child_pos", "cin_details_pos", "cpp_pos"]),
        rng.integers(0, 4, p),
        "review_pos",
    )
    review = review.append_column("CPPreviewDate", dates(rng, start, 364, review.num_rows))
    return {
        "assessment": assessment,
        "assessment_factor": factor,
        "cin_plan_dates": plan,
        "section47": s47,
        "cpp": cpp,
        "cpp_review": review,
    }


# --- measuring -----------------------------------------------------------------------------


def cpu_seconds() -> float:
    """CPU time of this process, all threads (DuckDB's included): the machine may be shared,
    so wall time alone can mislead."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


@contextmanager
def peak_rss(interval: float = 0.02) -> Iterator[list[float]]:
    """Sample resident memory in a thread; yields a list whose single item is the peak."""
    peak = [rss_mb()]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb())
            stop.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield peak
    finally:
        stop.set()
        thread.join()
        peak[0] = max(peak[0], rss_mb())


def parse_years(text: str) -> list[int]:
    if "-" in text:
        first, last = (int(part) for part in text.split("-"))
        return list(range(first, last + 1))
    return [int(part) for part in text.split(",")]


def bench_year(args: argparse.Namespace, year: int, out: Path) -> dict[str, float]:
    started = time.perf_counter()
    returns = national_returns(year, args.cin_details, args.las, args.seed)
    built = time.perf_counter() - started
    rows = {name: table.num_rows for name, table in returns.items()}
    input_mb = sum(table.nbytes for table in returns.values()) / 2**20
    before = rss_mb()
    with peak_rss() as peak:
        started, cpu_started = time.perf_counter(), cpu_seconds()
        paths = xml_writer.write_xml_returns(
            returns, out, year, threads=args.threads, batch_rows=args.batch_rows
        )
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    size_mb = sum(path.stat().st_size for path in paths) / 2**20
    largest = max(paths, key=lambda path: path.stat().st_size)
    validator = xml_writer.XsdValidator()
    sample = [largest, *paths[:: max(1, len(paths) // args.validate)]][: args.validate + 1]
    started = time.perf_counter()
    errors = [error for path in sample for error in validator.errors(path)]
    validated = time.perf_counter() - started
    print(
        f"{year}: {len(paths)} files, {size_mb:.0f} MB, {rows['cin_details']:,} CINdetails, "
        f"{rows['child']:,} children, {rows['assessment_factor']:,} factors "
        f"(returns built in {built:.1f} s, {input_mb:.0f} MB of Arrow)\n"
        f"  write {seconds:.1f} s wall, {cpu:.1f} s CPU: {len(paths) / seconds:.1f} files/s, "
        f"{size_mb / seconds:.1f} MB/s, {rows['cin_details'] / seconds:,.0f} CINdetails/s; "
        f"RSS {before:.0f} MB before, peak {peak[0]:.0f} MB while writing "
        f"(+{peak[0] - before:.0f} MB); largest file {largest.stat().st_size / 2**20:.1f} MB\n"
        f"  XSD check of {len(sample)} files ({sum(p.stat().st_size for p in sample) / 2**20:.0f}"
        f" MB): {validated:.1f} s, {len(errors)} errors"
    )
    for error in errors[:5]:
        print("   ", error)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "mb": size_mb,
        "files": len(paths),
        "errors": len(errors),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", default="2025", help="e.g. 2025, 2017-2026 or 2021,2022")
    parser.add_argument("--cin-details", type=int, default=650_000)
    parser.add_argument("--las", type=int, default=152)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default all)")
    parser.add_argument("--batch-rows", type=int, default=20_000, help="CINdetails per query")
    parser.add_argument("--validate", type=int, default=5, help="files to check with the XSD")
    parser.add_argument("--out", type=Path, default=None, help="keep the files here")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="bench_xml_"))
    try:
        results = [bench_year(args, year, out) for year in parse_years(args.years)]
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    seconds = sum(r["seconds"] for r in results)
    files = sum(r["files"] for r in results)
    print(
        f"total: {files} files, {sum(r['mb'] for r in results):.0f} MB in {seconds:.1f} s "
        f"wall, {sum(r['cpu'] for r in results):.1f} s CPU "
        f"({files / seconds:.1f} files/s); schema errors {sum(r['errors'] for r in results)}"
    )
    return 1 if any(r["errors"] for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
