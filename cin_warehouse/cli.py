"""The `cin` command: generate a synthetic world, land raw extracts, summarise the warehouse."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from cin_warehouse.ingest import LoadError, loader

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult
    from rich.console import Console

    from cin_warehouse import check_plan

DEFAULT_DB = "warehouse/cin.duckdb"


def default_db() -> str:
    """The warehouse file: $CIN_DUCKDB_PATH (what profiles.yml gives dbt), else the default."""
    return os.environ.get("CIN_DUCKDB_PATH") or DEFAULT_DB


EXAMPLE_QUERY = """select la_code, count(*) as episodes, count(closure_date) as closed
from marts.fct_episode group by la_code order by la_code"""


def _census_years(text: str) -> tuple[int, ...]:
    """'2009-2026', '2017', or '2009,2012-2014'."""
    years: list[int] = []
    try:
        for part in text.split(","):
            first, _, last = part.partition("-")
            years.extend(range(int(first), int(last or first) + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--years: not a year range: {text!r}") from None
    if not years or min(years) < 2009 or max(years) > 2026:
        raise argparse.ArgumentTypeError(f"--years must lie within 2009-2026, not {text!r}")
    return tuple(sorted(set(years)))


def _write_step_timings(path: Path, started: list[tuple[str, float, float]]) -> None:
    """`cin generate --timings`: each progress step's wall and CPU seconds (the process's,
    both threads), from its start to the next step's start or the end, as JSON."""
    ends = [*started[1:], ("end", time.perf_counter(), time.process_time())]
    path.write_text(
        json.dumps(
            [
                {"step": step, "wall_s": round(end - wall, 3), "cpu_s": round(end_cpu - cpu, 3)}
                for (step, wall, cpu), (_, end, end_cpu) in zip(started, ends, strict=True)
            ],
            indent=2,
        )
        + "\n"
    )


def _generate(args: argparse.Namespace) -> int:
    # Imported here so that `cin load` starts without loading the simulation.
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from cin_warehouse.synth import calibration
    from cin_warehouse.synth.config import GeneratorSettings
    from cin_warehouse.synth.generate import generate

    console = Console(stderr=True)
    out = Path(args.out)
    previous = [out / part for part in ("npd", "xml", "truth") if (out / part).exists()]
    if previous and not args.overwrite:
        console.print(
            f"[red]error[/red]: {out} already holds a generated world"
            f" ({', '.join(p.name for p in previous)}); pass --overwrite to replace it",
            highlight=False,
        )
        return 2
    timings = Path(args.timings) if args.timings else None
    # A path that cannot be written fails now, not after the world; nothing is created in
    # it (a generation that fails leaves no empty file behind).
    if timings is not None:
        try:
            timings.parent.mkdir(parents=True, exist_ok=True)
            unwritable = ("a folder" if timings.is_dir() else None) or (
                None if os.access(timings.parent, os.W_OK) else "its folder is read-only"
            )
        except OSError as error:
            unwritable = error.strerror
        if unwritable:
            console.print(
                f"[red]error[/red]: cannot write --timings {timings}: {unwritable}",
                highlight=False,
            )
            return 2
    for part in previous:
        shutil.rmtree(part)
    las = None if args.las == "all" else tuple(c.strip() for c in args.las.split(","))
    settings = GeneratorSettings(
        scale=args.scale, census_years=args.years, la_codes=las, seed=args.seed, clean=args.clean
    )
    # the world, its measures, the recorder, the truth, each year, the last writes
    steps = len(settings.census_years) + 5
    # Each step's start (wall and process CPU, all threads) for --timings.
    started: list[tuple[str, float, float]] = []
    with Progress(
        TextColumn("{task.description:<48}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("starting", total=steps)
        done = iter(range(steps + 1))

        def step(description: str) -> None:
            started.append((description, time.perf_counter(), time.process_time()))
            progress.update(task, description=description, completed=next(done))

        try:
            summary = generate(
                settings,
                out,
                formats=args.format,
                delimiter="\t" if args.tab else ",",
                progress=step,
            )
        except (ValueError, FileNotFoundError) as error:
            console.print(f"[red]error[/red]: {error}", highlight=False)
            return 2
        progress.update(task, description="done", completed=steps)
    if timings is not None:
        _write_step_timings(timings, started)
    print(
        f"wrote {len(summary.files)} files to {summary.out_dir}: {summary.episodes:,} true"
        f" referrals, {summary.npd_rows:,} NPD rows, {summary.xml_children:,} XML child records"
        f"{' (clean mode: no quirks)' if args.clean else ''}"
    )
    if args.report:
        if las is not None:
            print(
                f"note: this world covers {len(las)} LA(s), not England; the figures below"
                " compare it with England's and only mean something with --las all"
            )
        print(calibration.report(Path(args.out) / "truth", args.scale, quirks=not args.clean))
    return 0


def _load(args: argparse.Namespace) -> int:
    # Imported here so that the other commands start without loading rich.
    from rich.console import Console

    from cin_warehouse.ingest import report

    # soft_wrap: one message stays one line (greppable, as the errors promise).
    console, err_console = Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)
    paths = [Path(p) for p in args.paths]
    try:
        raw_files, _ = loader.files.find_files(paths, args.kind)
    except LoadError as error:
        err_console.print(f"[red]error[/red]: {error}", highlight=False)
        return 2
    with report.RichProgress(console, err_console, per_file=not args.summary) as progress:
        progress.set_total(sum(f.path.stat().st_size for f in raw_files if f.path.exists()))
        try:
            outcomes = loader.land(paths, Path(args.db), progress, kind=args.kind)
        except LoadError as error:
            err_console.print(f"[red]error[/red]: {error}", highlight=False)
            return 2
    if args.summary:
        report.print_folders(outcomes, paths, console)
    report.print_summary(outcomes, Path(args.db), console)
    if not raw_files:
        err_console.print(
            "[red]error[/red]: nothing to land: every file was skipped (see above)",
            highlight=False,
        )
        return 2
    # Non-zero when any file could not be landed (the others are landed all the same).
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def _wide_console() -> Console:
    """Standard output; 120 columns when it is not a terminal (rich would use 80)."""
    from rich.console import Console

    console = Console(soft_wrap=True)
    if not console.is_terminal:
        console.width = max(console.width, 120)
    return console


def _share(failing: int, checked: int | None) -> str:
    return f"{failing / checked:.1%}" if checked else "-"


def _dq(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from cin_warehouse import dq

    console = _wide_console()
    db = Path(args.db)
    try:
        build = dq.read_build(Path(args.target))
        if not db.exists():
            raise dq.DqError(f"{db}: no such warehouse (pass --db, or set CIN_DUCKDB_PATH)")
        try:
            with duckdb.connect(str(db), read_only=True) as con:
                dq.count_all(con, build)
        except duckdb.Error as error:
            first = str(error).splitlines()[0]
            raise dq.DqError(f"{db}: cannot read the warehouse ({first})") from None
    except dq.DqError as error:
        Console(stderr=True, soft_wrap=True).print(f"[red]error[/red]: {error}", highlight=False)
        return 2
    counts = ", ".join(f"{n:,} {s}" for s, n in sorted(build.counts.items()))
    built = ", ".join(f"{n:,} {s}" for s, n in sorted(build.built.items()))
    console.print(
        f"`dbt {build.command}` at {build.generated_at[:19]}Z: models and seeds {built or 'none'};"
        f" {sum(build.counts.values()):,} data tests: {counts}",
        highlight=False,
    )
    checks = [c for c in build.checks if not args.rule or c.rule.lower() == args.rule.lower()]
    if not checks:
        console.print("every data test passed" if not args.rule else "no such failing rule")
        return 0
    if args.by_la_year:
        table = Table(show_edge=False, box=None, pad_edge=False)
        for column in ("census year", "LA", "rule", "check", "severity", "rows failing", "share"):
            table.add_column(
                column, justify="right" if column in ("rows failing", "share") else "left"
            )
        rows = [
            (year, la, check, failing, checked)
            for check in checks
            for year, la, failing, checked in check.by_la_year
            if (args.year is None or year == args.year) and (args.la is None or la == args.la)
        ]
        rows.sort(key=lambda r: (r[0] or 0, r[1] or "", r[2].label, r[2].name))
        for year, la, check, failing, checked in rows:
            table.add_row(
                str(year or "all"),
                la or "all",
                check.label,
                check.name,
                check.severity,
                f"{failing:,}",
                _share(failing, checked),
            )
        console.print(table)
        return 0
    table = Table(show_edge=False, box=None, pad_edge=False)
    for column in ("rule", "check", "severity", "rows failing", "share", "LA-years", "worst"):
        table.add_column(
            column, justify="right" if column in ("rows failing", "share", "LA-years") else "left"
        )
    for check in checks:
        located = [r for r in check.by_la_year if r[0] is not None or r[1] is not None]
        worst = max((r for r in located if r[3]), key=lambda r: r[2] / (r[3] or 1), default=None)
        table.add_row(
            check.label,
            check.name.removeprefix(f"dfe_{check.rule.lower()}_{check.source}__").replace("_", " "),
            check.severity,
            f"{check.failures:,}",
            _share(check.failures, check.checked),
            f"{len(located):,}" if located else "-",
            f"{worst[0] or ''} {worst[1] or ''} {_share(worst[2], worst[3])}".strip()
            if worst
            else "-",
        )
    console.print(table)
    console.print(
        "share: of the rows checked. `cin dq --by-la-year [--year Y] [--la CODE]` for each"
        " census year and LA; failing rows in the dq_failures schema.",
        highlight=False,
    )
    return 0


def _years(years: list[int]) -> str:
    """2009, 2010, 2011, 2014 -> '2009-2011, 2014'."""
    runs: list[list[int]] = []
    for year in years:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs) or "none"


def _status(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from cin_warehouse.ingest import status as landing_status

    console = _wide_console()
    db = Path(args.db)
    if not db.exists():
        Console(stderr=True, soft_wrap=True).print(
            f"[red]error[/red]: {db}: no such warehouse (pass --db, or set CIN_DUCKDB_PATH)",
            highlight=False,
        )
        return 2
    try:
        status = landing_status.read_status(db)
    except duckdb.Error as error:
        first = str(error).splitlines()[0]
        Console(stderr=True, soft_wrap=True).print(
            f"[red]error[/red]: {db}: not a warehouse landed by `cin load` ({first})",
            highlight=False,
        )
        return 2
    table = Table(title=f"landed in {db}", show_edge=False, box=None, pad_edge=False)
    for column in ("census year", "source", "files", "LAs", "rows", "rejected"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for row in status.landed:
        table.add_row(
            str(row.census_year),
            row.source,
            f"{row.files:,}",
            f"{row.las:,}",
            f"{row.rows:,}",
            f"{row.rejected:,}",
        )
    console.print(table)
    console.print(f"NPD census years missing: {_years(status.missing_npd_years)}", highlight=False)
    console.print(
        f"XML census years missing (from the first landed): {_years(status.missing_xml_years)}",
        highlight=False,
    )
    for la, gaps in status.xml_gaps.items():
        console.print(f"  LA {la}: no XML return for {_years(gaps)}", highlight=False)
    console.print(f"superseded loads (re-delivered): {len(status.superseded):,}", highlight=False)
    for file_name, year, la_code, by in status.superseded:
        where = f"census year {year}" + (f", LA {la_code}" if la_code else "")
        console.print(f"  {file_name} ({where}): superseded by load {by}", highlight=False)
    console.print(f"failed loads: {len(status.failed):,}", highlight=False)
    for source_file, problem in status.failed:
        console.print(f"  {source_file}: {problem}", highlight=False)
    return 0


def _demo_summary(args: argparse.Namespace) -> int:
    with duckdb.connect(args.db, read_only=True) as con:
        (episodes,) = con.execute("select count(*) from marts.fct_episode").fetchall()[0]
    print(f"\nWarehouse: {Path(args.db).resolve()} ({episodes} episodes in marts.fct_episode)")
    print(f"Docs site: {Path('target/static_index.html').resolve()} (open it in a browser)")
    print(
        f"Try a query:\n  .venv/bin/python -c \"import duckdb; duckdb.connect('{args.db}',"
        f" read_only=True).sql('''{' '.join(EXAMPLE_QUERY.split())}''').show()\""
    )
    return 0


def _docs_measured(args: argparse.Namespace) -> int:
    """Write the measured data-quality doc blocks from the built warehouse (measured_docs)."""
    from cin_warehouse import measured_docs

    try:
        path = measured_docs.write(Path(args.db), Path(args.out))
    except measured_docs.MeasuredDocsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(
        f"Measured data quality written to {path}: build the site with"
        f" {measured_docs.ENV}={args.out} dbt docs generate --static"
    )
    return 0


def _docs(args: argparse.Namespace) -> int:
    """Say where the static docs site is; with --serve, serve it on localhost until Ctrl-C."""
    from http import HTTPStatus
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    site = Path(args.site).resolve()
    if not site.is_file():
        print(
            f"error: no docs site at {site}: build it with `make demo`"
            " or `dbt docs generate --static`",
            file=sys.stderr,
        )
        return 2
    print(f"Docs site: {site} (one self-contained file: open it in a browser, offline too)")
    if not args.serve:
        return 0

    class SiteHandler(BaseHTTPRequestHandler):
        # Serves the one file, read afresh per request (a rebuilt site shows on reload),
        # and nothing else of the target folder.
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            if self.path.split("?")[0] not in ("/", "/index.html", "/static_index.html"):
                self.send_error(HTTPStatus.NOT_FOUND, "only the docs site is served: open /")
                return
            page = site.read_bytes()
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *values: object) -> None:
            pass  # one line per request would bury the address printed above

    # Localhost only: the site is for the person at this machine.
    with ThreadingHTTPServer(("127.0.0.1", args.port), SiteHandler) as server:
        print(
            f"Serving at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C to stop)", flush=True
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("stopped")
    return 0


def _fidelity(args: argparse.Namespace) -> int:
    from cin_warehouse import access, fidelity

    sources = fidelity.SOURCES if args.source == "both" else (args.source,)
    try:
        with fidelity.open_warehouse(Path(args.db)) as con:
            reports = fidelity.measure(con, Path(args.truth), sources, args.db, args.examples)
    except fidelity.FidelityError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except duckdb.OutOfMemoryException as error:
        # DuckDB spills what it can to its temp directory; this is what it could not
        print(
            f"error: DuckDB ran out of memory under its limit: {access.first_line(error)}\n"
            f"give it more with {access.MEMORY_LIMIT_ENV} (now"
            f" {access.duckdb_limits()['memory_limit']}), or fewer threads with"
            f" {access.THREADS_ENV}",
            file=sys.stderr,
        )
        return 2
    except duckdb.IOException as error:
        # at national scale the spill files can outgrow the disk (seen at scale 1)
        advice = (
            f"\nfree disk space, or point {access.TEMP_DIRECTORY_ENV} at a disk with room"
            if "No space left" in str(error)
            else ""
        )
        print(
            f"error: DuckDB could not read or write a file: {access.first_line(error)}{advice}",
            file=sys.stderr,
        )
        return 2
    fidelity.render(reports)
    if args.json:
        fidelity.write_json(reports, Path(args.json))
    return 0


def _query(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    from cin_warehouse import access

    try:
        with access.connect(Path(args.db)) as con:
            result = access.run_query(con, args.sql)
    except access.AccessError as error:
        Console(stderr=True, soft_wrap=True).print(f"[red]error[/red]: {error}", highlight=False)
        return 2
    if args.csv:
        access.write_csv(result)
        return 0
    table = Table(show_edge=False, box=None, pad_edge=False)
    for column in result.columns:
        table.add_column(column)
    for row in result.rows:
        table.add_row(*("NULL" if value is None else str(value) for value in row))
    console = _wide_console()
    console.print(table)
    console.print(f"({len(result.rows):,} rows)", highlight=False)
    return 0


def _export(args: argparse.Namespace) -> int:
    from rich.console import Console

    from cin_warehouse import access

    out = Path(args.out)
    try:
        with access.connect(Path(args.db)) as con:
            relation, rows = access.export(con, args.model, args.format, out)
    except access.AccessError as error:
        Console(stderr=True, soft_wrap=True).print(f"[red]error[/red]: {error}", highlight=False)
        return 2
    print(f"{relation}: {rows:,} rows written to {out} ({args.format})")
    return 0


# `cin check-return`: the dbt project is the repository this package lives in.
PROJECT_DIR = Path(__file__).resolve().parents[1]
# The default warehouse of a check, replaced at each check; beside it the parse and plan
# the checks reuse (CHECK_DIR / "dbt"; a parse kept whatever the warehouse's path:
# _parse_for_check).
CHECK_DIR = PROJECT_DIR / "target" / "check_return"


def _check_return(args: argparse.Namespace) -> int:
    """Land XML returns, build the `single_return` selector, print the rules that fail.

    The build replays the check plan saved by the last dbt run when the project is unchanged
    (cin_warehouse/check_plan.py); else dbt seeds and compiles a new plan, which is saved
    and replayed (dbt's build only when that plan cannot be made, or with --through-dbt)."""
    from rich.console import Console
    from rich.table import Table

    from cin_warehouse import check_plan

    err_console = Console(stderr=True, soft_wrap=True)
    if not (PROJECT_DIR / "selectors.yml").is_file():
        err_console.print(
            f"[red]error[/red]: {PROJECT_DIR}: not the warehouse's dbt project (no"
            " selectors.yml); `cin check-return` runs from a checkout of the repository",
            highlight=False,
        )
        return 2
    if args.prepare:
        if args.paths or args.db:
            err_console.print(
                "[red]error[/red]: --prepare makes the plan of the default check from a"
                " generated return: give it no return and no --db",
                highlight=False,
            )
            return 2
        return _prepare_plan(through_dbt=args.through_dbt, err_console=err_console)
    if not args.paths:
        err_console.print(
            "[red]error[/red]: name the XML return(s) to check (or --prepare)", highlight=False
        )
        return 2
    db = Path(args.db) if args.db else CHECK_DIR / "cin.duckdb"
    if not args.db:  # a return checked alone: nothing from an earlier check
        for stale in (db, db.with_name(db.name + ".wal")):
            stale.unlink(missing_ok=True)
    try:
        paths = [Path(p) for p in args.paths]
        # Files named on the command line are returns whatever their names; in a folder,
        # the returns are found by name as `cin load` finds them, other files skipped.
        kind = "xml" if all(p.is_file() for p in paths) else None
        outcomes = loader.land(paths, db, kind=kind)
    except LoadError as error:
        err_console.print(f"[red]error[/red]: {error}", highlight=False)
        return 2
    for outcome in outcomes:  # e.g. a file in the folder that is no return: said, not fatal
        if isinstance(outcome.raw_file, loader.files.Skipped):
            skipped = outcome.raw_file
            # The loader's advice for an unrecognised name (`--kind`) is `cin load`'s: here
            # a file named on the command line is checked whatever its name.
            reason = (
                "not named like a return (*.xml); name the file itself to check it"
                if skipped.reason == loader.files.NOT_A_CIN_NAME
                else skipped.reason
            )
            err_console.print(f"skipped: {skipped.path}: {reason}", highlight=False)
    failed = [o for o in outcomes if o.status == "failed"]
    for outcome in failed:
        err_console.print(f"[red]error[/red]: {outcome.error}", highlight=False)
    landed = [o for o in outcomes if o.status not in ("failed", "skipped")]
    if failed or not landed:
        err_console.print(
            "[red]error[/red]: no return checked: every file must land (see above)",
            highlight=False,
        )
        return 2

    # A parse (and a plan) of its own for a given warehouse, so that checking one does not
    # spoil the parse and plan the default warehouse's next check reuses.
    dbt_dir = CHECK_DIR / ("dbt_given_db" if args.db else "dbt")
    try:
        nodes = _check_nodes(db, dbt_dir, through_dbt=args.through_dbt, err_console=err_console)
    except check_plan.ReplayError as error:
        err_console.print(f"[red]error[/red]: check plan: {error}", highlight=False)
        return 2
    if nodes is None:
        return 2
    tests = [n for n in nodes if n.resource_type == "test"]
    errors = [n for n in nodes if n.status == "error"]
    findings = [n for n in tests if n.status in ("warn", "fail")]
    counts: dict[str, int] = {}
    for n in tests:
        counts[n.status] = counts.get(n.status, 0) + 1
    console = _wide_console()
    console.print(
        f"{len(landed)} return(s) landed in {db}; {len(tests)} checks: "
        + ", ".join(f"{count} {status}" for status, count in sorted(counts.items())),
        highlight=False,
    )
    for n in errors:
        err_console.print(f"[red]error[/red]: {n.name}: {n.message}", highlight=False)
    if findings:
        table = Table(show_edge=False, box=None, pad_edge=False)
        for column in ("rule", "check", "status", "rows failing"):
            table.add_column(column, justify="right" if column == "rows failing" else "left")
        findings.sort(key=lambda n: (n.status != "fail", n.name))
        for n in findings:
            table.add_row(n.rule_code or "-", n.name, n.status, f"{n.failures:,}")
        console.print(table)
        console.print(
            "status fail: over the rule's ceiling (seeds/ref_dfe_rules.csv); the failing rows"
            f" are in the dq_failures schema of {db}.",
            highlight=False,
        )
    return 1 if errors or any(n.status == "fail" for n in findings) else 0


def _prepare_plan(*, through_dbt: bool, err_console: Console) -> int:
    """Make the default check's plan (CHECK_DIR/dbt) before any user return is checked: a
    generated return landed in the default warehouse and checked through dbt, which saves
    the plan; the warehouse and the return are removed afterwards. Nothing to do when the
    saved plan is the project's already (unless `through_dbt`)."""
    import tempfile

    from cin_warehouse import check_plan
    from cin_warehouse.synth.config import GeneratorSettings
    from cin_warehouse.synth.generate import generate

    dbt_dir = CHECK_DIR / "dbt"
    plan_file = dbt_dir / check_plan.PLAN_FILE
    fingerprint = check_plan.project_fingerprint(PROJECT_DIR)
    if not through_dbt and check_plan.load(dbt_dir, fingerprint) is not None:
        print(f"check plan up to date: {plan_file} (the project is unchanged)")
        return 0
    db = CHECK_DIR / "cin.duckdb"
    stale = (db, db.with_name(db.name + ".wal"))
    with tempfile.TemporaryDirectory(prefix="cin_prepare_") as folder:
        # A small synthetic return (one LA, one year; about 230 children, a few seconds to
        # generate). The plan holds what dbt compiled, which depends on the project, not on
        # the return's rows (the macros that query while compiling read seeds only), so a
        # plan made on it replays any return.
        settings = GeneratorSettings(scale=0.01, la_codes=("330",), census_years=(2023,), seed=1)
        world = generate(settings, Path(folder), formats="xml")
        returns = [f for f in world.files if f.suffix == ".xml"]
        for path in stale:
            path.unlink(missing_ok=True)
        try:
            outcomes = loader.land(returns, db, kind="xml")
            failed = [o for o in outcomes if o.status == "failed"]
            if failed:  # the generator's own return: a bug of this code, said plainly
                for outcome in failed:
                    err_console.print(f"[red]error[/red]: {outcome.error}", highlight=False)
                return 2
            nodes = _check_through_dbt(db, dbt_dir, fingerprint, err_console)
        except LoadError as error:
            err_console.print(f"[red]error[/red]: {error}", highlight=False)
            return 2
        finally:
            # It held the generated return, not one of the user's.
            for path in stale:
                path.unlink(missing_ok=True)
    if nodes is None:
        return 2
    plan = check_plan.load(dbt_dir, fingerprint)
    if plan is None:  # why was said on standard error (a node the replay cannot reproduce)
        err_console.print(
            "[red]error[/red]: no check plan could be made: every check runs dbt",
            highlight=False,
        )
        return 1
    print(
        f"check plan prepared: {plan_file} ({len(plan.nodes)} nodes, from a generated"
        " return); the next `cin check-return` of an unchanged project replays it"
    )
    return 0


def _check_nodes(
    db: Path, dbt_dir: Path, *, through_dbt: bool, err_console: Console
) -> list[check_plan.NodeOutcome] | None:
    """Each node's outcome: the saved check plan replayed when it is the project's (and fits
    the warehouse), else a dbt build, which saves the plan for the next check. None when dbt
    could not run (said on standard error)."""
    from cin_warehouse import check_plan

    fingerprint = check_plan.project_fingerprint(PROJECT_DIR)
    if not through_dbt:
        plan = check_plan.load(dbt_dir, fingerprint)
        if plan is None:  # the project changed (or no plan yet): dbt compiles a new one
            plan = _plan_through_dbt_compile(db, dbt_dir, fingerprint)
        if plan is not None:
            try:
                return check_plan.replay(plan, db, dbt_dir)
            except check_plan.PlanMismatchError:
                pass  # e.g. another warehouse name: dbt compiles for it
    return _check_through_dbt(db, dbt_dir, fingerprint, err_console)


def _dbt_arguments(db: Path, dbt_dir: Path) -> list[str]:
    """dbt's options for a check of the warehouse `db`, its target folder `dbt_dir`."""
    return [
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(dbt_dir),
        "--log-path",
        str(dbt_dir / "logs"),
        # Nothing from dbt on the console (as with --quiet, which still printed each
        # failing test): cin's report says what failed, the same whether dbt ran or the
        # plan was replayed. dbt's warnings and errors go to its log file; its debug lines
        # (every statement and event) cost about 1.2 s of CPU a check (BENCHMARKS.md).
        "--log-level",
        "none",
        "--log-level-file",
        "warn",
        # No JSON artefacts (manifest.json twice, run_results.json, graph.gpickle: about
        # 1.5 s of CPU): the plan is made from the parsed manifest and the run's results,
        # in memory. dbt's partial parse (partial_parse.msgpack) is still kept in dbt_dir.
        "--no-write-json",
    ]


@contextmanager
def _warehouse_for_dbt(db: Path) -> Iterator[None]:
    """profiles.yml reads the warehouse from the environment: set for these dbt runs only."""
    previous = os.environ.get("CIN_DUCKDB_PATH")
    os.environ["CIN_DUCKDB_PATH"] = str(db.resolve())
    try:
        yield
    finally:
        if previous is None:
            del os.environ["CIN_DUCKDB_PATH"]
        else:
            os.environ["CIN_DUCKDB_PATH"] = previous


def _parse_for_check(db: Path, dbt_dir: Path) -> dbtRunnerResult:
    """`dbt parse` of the project for a check of the warehouse `db` (dbt's result: the
    manifest, or why not), whose seed, compile or build then runs on `db` itself with
    `dbtRunner(manifest=...)`.

    Parsed with CIN_DUCKDB_PATH set to a stand-in, the same for every warehouse of a given
    file name: dbt keeps its parse (partial_parse.msgpack in `dbt_dir`) only while a hash of
    the profile's connection info, warehouse path included, is unchanged (dbt-core's
    ManifestLoader.build_manifest_state_check), so a check into another --db would throw it
    away ("profile has changed") for a full parse: 25-27 s, where a parse kept costs 7.8 s.
    Same file name: dbt-duckdb names the catalog after it, and every node of the manifest
    names its catalog. `dbt parse` neither opens nor creates that file, nor its folder
    (dbt-duckdb connects at a node's first query; a parse runs none): a check leaves no file
    there (tests/python/test_check_plan.py)."""
    from dbt.cli.main import dbtRunner

    with _warehouse_for_dbt(dbt_dir / "parse" / db.name):
        return dbtRunner().invoke(["parse", *_dbt_arguments(db, dbt_dir)])


def _plan_through_dbt_compile(db: Path, dbt_dir: Path, fingerprint: str) -> check_plan.Plan | None:
    """A new plan made by dbt without building the checks: `dbt seed` of the selector's seeds
    (with the on-run hooks; the macros that query while compiling read the seeds), then
    `dbt compile` of its models and tests, on one parsed manifest; the plan is made from
    these results as from a build's (the same compiled SQL, graph and configs), saved, and
    the seed tables dropped again, for the replay to make them from the plan's template.
    dbt's per-node work in a build (its materialisations, about two thirds of a build's
    CPU) is what this saves. None when anything is not as a build would have it (seed
    tables in the warehouse already, a seed or a node that does not compile, compiled SQL
    naming the dbt run, a node the replay cannot reproduce): the check then runs dbt's
    build, which says why."""
    from dbt.adapters.factory import FACTORY
    from dbt.artifacts.schemas.run import RunExecutionResult
    from dbt.cli.main import dbtRunner
    from dbt.contracts.graph.manifest import Manifest
    from dbt.flags import get_flags

    from cin_warehouse import check_plan

    common = _dbt_arguments(db, dbt_dir)
    parsed = _parse_for_check(db, dbt_dir)
    if not isinstance(parsed.result, Manifest):
        return None
    manifest = parsed.result
    with _warehouse_for_dbt(db):
        # dbt loads a seed into a table that exists already (truncate and insert, keeping
        # its columns), which the plan's template would then copy: such a warehouse (--db)
        # goes through dbt's build, as its replay would.
        seeds = [(n.schema, n.alias) for n in manifest.nodes.values() if n.resource_type == "seed"]
        if check_plan.holds_tables(db, seeds):
            return None
        seeded = dbtRunner(manifest=manifest).invoke(
            ["seed", "--selector", "single_return", *common]
        )
        if not isinstance(seeded.result, RunExecutionResult) or not seeded.success:
            return None
        hooks = [r for r in seeded.result.results if r.node.resource_type == "operation"]
        # The hooks ran in the seed's invocation: checked against its id and start here.
        if check_plan.run_moment([getattr(h.node, "compiled_code", "") or "" for h in hooks]):
            return None
        compiled = dbtRunner(manifest=manifest).invoke(
            ["compile", "--selector", "single_return", *common]
        )
        if not isinstance(compiled.result, RunExecutionResult) or not compiled.success:
            return None
    nodes = [r for r in compiled.result.results if r.node.resource_type != "seed"]
    credentials = getattr(
        getattr(FACTORY.adapters.get("duckdb"), "config", None), "credentials", None
    )
    flags = get_flags()
    plan = check_plan.plan_from_dbt(
        [*seeded.result.results, *nodes],
        check_plan.build_graph(manifest),
        credentials,
        fingerprint,
        db,
        warn_error=bool(flags.WARN_ERROR or flags.WARN_ERROR_OPTIONS.includes("LogTestResult")),
    )
    if not isinstance(plan, check_plan.Plan):
        return None
    check_plan.save(plan, dbt_dir, db)
    check_plan.drop_seeds(plan, db)
    return plan


def _check_through_dbt(
    db: Path, dbt_dir: Path, fingerprint: str, err_console: Console
) -> list[check_plan.NodeOutcome] | None:
    """`dbt build --selector single_return` on the warehouse, in process; then its plan."""
    from dbt.adapters.factory import FACTORY
    from dbt.artifacts.schemas.run import RunExecutionResult
    from dbt.cli.main import dbtRunner
    from dbt.contracts.graph.manifest import Manifest
    from dbt.flags import get_flags

    from cin_warehouse import check_plan

    common = _dbt_arguments(db, dbt_dir)
    # Parsed first, so that the build graph (with the test edges that say which nodes a
    # failure skips) can be made from the same manifest the build runs.
    parsed = _parse_for_check(db, dbt_dir)
    if not isinstance(parsed.result, Manifest):
        err_console.print(f"[red]error[/red]: dbt parse failed: {parsed.exception}")
        return None
    manifest = parsed.result
    with _warehouse_for_dbt(db):
        result = dbtRunner(manifest=manifest).invoke(
            ["build", "--selector", "single_return", *common]
        )
    if not isinstance(result.result, RunExecutionResult):
        err_console.print(f"[red]error[/red]: dbt build failed: {result.exception}")
        return None
    results = result.result.results
    # The profile as dbt rendered it for this run (its DuckDB settings go into the plan).
    credentials = getattr(
        getattr(FACTORY.adapters.get("duckdb"), "config", None), "credentials", None
    )
    flags = get_flags()
    plan = check_plan.plan_from_dbt(
        results,
        check_plan.build_graph(manifest),
        credentials,
        fingerprint,
        db,
        warn_error=bool(flags.WARN_ERROR or flags.WARN_ERROR_OPTIONS.includes("LogTestResult")),
    )
    if isinstance(plan, check_plan.Plan):
        check_plan.save(plan, dbt_dir, db)
    else:
        check_plan.discard(dbt_dir)
        err_console.print(
            f"note: no check plan saved ({plan}): the next check runs dbt again",
            highlight=False,
        )
    return [
        check_plan.NodeOutcome(
            unique_id=r.node.unique_id,
            name=r.node.name,
            resource_type=str(r.node.resource_type),
            status=str(r.status),
            failures=r.failures or 0,
            message=r.message,
            rule_code=r.node.config.meta.get("dfe_rule_code"),
        )
        for r in results
        # An on-run hook is said when it fails (the replay stops there, with the hook named).
        if r.node.resource_type != "operation" or str(r.status) == "error"
    ]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write a synthetic world (raw files + truth)")
    generate.add_argument("--out", required=True, help="folder to write into")
    generate.add_argument(
        "--scale", type=float, default=0.01, help="share of England's volume (1 = national)"
    )
    generate.add_argument(
        "--years",
        type=_census_years,
        default=tuple(range(2009, 2027)),
        help="census years, e.g. 2009-2026 or 2017,2019 (default 2009-2026)",
    )
    generate.add_argument(
        "--las", default="all", help="'all' or comma-separated current 3-digit LA codes"
    )
    generate.add_argument("--seed", type=int, default=1, help="random seed (same seed, same world)")
    generate.add_argument(
        "--format", choices=("npd", "xml", "both"), default="both", help="raw files to write"
    )
    generate.add_argument("--clean", action="store_true", help="no recording quirks at all")
    generate.add_argument(
        "--overwrite", action="store_true", help="replace a world already in --out"
    )
    generate.add_argument("--tab", action="store_true", help="write NPD files tab-delimited (.txt)")
    generate.add_argument(
        "--report", action="store_true", help="print the calibration report afterwards"
    )
    generate.add_argument(
        "--timings",
        metavar="FILE",
        help="write each step's wall and CPU seconds to FILE (JSON; `make bench` reads it)",
    )
    generate.set_defaults(handler=_generate)

    load = commands.add_parser("load", help="land raw extract files into DuckDB")
    load.add_argument(
        "paths", nargs="+", help="files or folders (searched recursively); .gz accepted"
    )
    load.add_argument(
        "--db",
        default=default_db(),
        help="DuckDB file to land into (default: $CIN_DUCKDB_PATH, as dbt reads it, else"
        f" {DEFAULT_DB})",
    )
    load.add_argument(
        "--kind",
        choices=("npd", "xml"),
        help="land every file as an NPD text file or an XML return, whatever its name",
    )
    load.add_argument(
        "--summary",
        action="store_true",
        help="one line per folder (or file) given, not per file; failures and skips still"
        " one line each",
    )
    load.set_defaults(handler=_load)

    dq_parser = commands.add_parser(
        "dq", help="what the data tests of the last dbt build found, by census year and LA"
    )
    dq_parser.add_argument("--db", default=default_db(), help="the built warehouse")
    dq_parser.add_argument(
        "--target", default="target", help="dbt's target folder of the build (run_results.json)"
    )
    dq_parser.add_argument(
        "--by-la-year", action="store_true", help="one row per check, census year and LA"
    )
    dq_parser.add_argument("--year", type=int, help="only this census year (with --by-la-year)")
    dq_parser.add_argument("--la", help="only this LA code (with --by-la-year)")
    dq_parser.add_argument("--rule", help="only this DfE rule code, e.g. 8820")
    dq_parser.set_defaults(handler=_dq)

    status_parser = commands.add_parser(
        "status", help="what is landed: census years x source, LAs, rows, gaps, re-deliveries"
    )
    status_parser.add_argument("--db", default=default_db(), help="the warehouse")
    status_parser.set_defaults(handler=_status)

    summary = commands.add_parser("demo-summary", help="say where the demo warehouse and docs are")
    summary.add_argument("--db", default=default_db())
    summary.set_defaults(handler=_demo_summary)

    docs = commands.add_parser("docs", help="print where the docs site is; --serve serves it")
    docs.add_argument("--site", default="target/static_index.html", help="the static site file")
    docs.add_argument("--serve", action="store_true", help="serve it on localhost until Ctrl-C")
    docs.add_argument("--port", type=int, default=8000, help="port for --serve (0: any free one)")
    docs.set_defaults(handler=_docs)

    measured = commands.add_parser(
        "docs-measured", help="write the measured data quality for the docs site (make demo)"
    )
    measured.add_argument("--db", default=default_db(), help="the built warehouse")
    measured.add_argument("--out", default="target/measured_docs", help="folder to write into")
    measured.set_defaults(handler=_docs_measured)

    fid = commands.add_parser("fidelity", help="measure the warehouse against a world's truth")
    fid.add_argument("--db", required=True, help="warehouse DuckDB file (built by dbt build)")
    fid.add_argument("--truth", required=True, help="the world's truth/ folder")
    fid.add_argument("--source", choices=("npd", "xml", "both"), default="both")
    fid.add_argument("--json", help="also write every figure, by quirk, with failures, here")
    fid.add_argument(
        "--examples", type=int, default=0, help="explain N failed episodes per reason, row by row"
    )
    fid.set_defaults(handler=_fidelity)

    query = commands.add_parser(
        "query", help="run one SQL statement on the warehouse, read-only; prints a table"
    )
    query.add_argument("sql", help='the SQL, e.g. "select * from marts.fct_la_year limit 5"')
    query.add_argument("--csv", action="store_true", help="print CSV (with a header) instead")
    query.add_argument("--db", default=default_db(), help="the warehouse (read-only)")
    query.set_defaults(handler=_query)

    export = commands.add_parser(
        "export", help="write one model (e.g. fct_episode) to a Parquet or CSV file, read-only"
    )
    export.add_argument("model", help="model name, e.g. fct_la_year or marts.fct_la_year")
    export.add_argument("--format", required=True, choices=("parquet", "csv"))
    export.add_argument("--out", required=True, help="file to write")
    export.add_argument("--db", default=default_db(), help="the warehouse (read-only)")
    export.set_defaults(handler=_export)

    check = commands.add_parser(
        "check-return",
        help="check one LA's XML return against DfE's validation rules, in seconds",
    )
    check.add_argument("paths", nargs="*", help="XML return files or folders")
    check.add_argument(
        "--db",
        help="land into this warehouse and keep it (default: a fresh one,"
        " target/check_return/cin.duckdb, replaced at each check)",
    )
    check.add_argument(
        "--through-dbt",
        action="store_true",
        help="run dbt build (not a replay of the check plan saved by the last dbt run, nor"
        " of one dbt compiles anew) and save its plan (with --prepare: make the plan anew)",
    )
    check.add_argument(
        "--prepare",
        action="store_true",
        help="make the check plan now, from a small generated return, so that the first"
        " check of a return replays it (`make demo` does this)",
    )
    check.set_defaults(handler=_check_return)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
