"""The `cin` command: generate a synthetic world, land raw extracts, summarise the warehouse."""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import duckdb

from cin_warehouse.ingest import LoadError, loader

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
    for part in previous:
        shutil.rmtree(part)
    las = None if args.las == "all" else tuple(c.strip() for c in args.las.split(","))
    settings = GeneratorSettings(
        scale=args.scale, census_years=args.years, la_codes=las, seed=args.seed, clean=args.clean
    )
    steps = len(settings.census_years) + 3  # world, each year, measures, truth
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
        print(calibration.report(Path(args.out) / "truth", args.scale))
    return 0


def _load(args: argparse.Namespace) -> int:
    # Imported here so that the other commands start without loading rich.
    from rich.console import Console

    from cin_warehouse.ingest import report

    # soft_wrap: one message stays one line (greppable, as the errors promise).
    console, err_console = Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)
    try:
        raw_files = loader.files.find_files([Path(p) for p in args.paths])
    except LoadError as error:
        err_console.print(f"[red]error[/red]: {error}", highlight=False)
        return 2
    with report.RichProgress(console, err_console) as progress:
        progress.set_total(sum(f.path.stat().st_size for f in raw_files if f.path.exists()))
        try:
            outcomes = loader.land([Path(p) for p in args.paths], Path(args.db), progress)
        except LoadError as error:
            err_console.print(f"[red]error[/red]: {error}", highlight=False)
            return 2
    report.print_summary(outcomes, Path(args.db), console)
    # Non-zero when any file could not be landed (the others are landed all the same).
    return 1 if any(o.status == "failed" for o in outcomes) else 0


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
    generate.set_defaults(handler=_generate)

    load = commands.add_parser("load", help="land raw extract files into DuckDB")
    load.add_argument(
        "paths", nargs="+", help="files or folders (searched recursively); .gz accepted"
    )
    load.add_argument("--db", default="warehouse/cin.duckdb", help="DuckDB file to land into")
    load.set_defaults(handler=_load)

    summary = commands.add_parser("demo-summary", help="say where the demo warehouse and docs are")
    summary.add_argument("--db", default="warehouse/cin.duckdb")
    summary.set_defaults(handler=_demo_summary)

    docs = commands.add_parser("docs", help="print where the docs site is; --serve serves it")
    docs.add_argument("--site", default="target/static_index.html", help="the static site file")
    docs.add_argument("--serve", action="store_true", help="serve it on localhost until Ctrl-C")
    docs.add_argument("--port", type=int, default=8000, help="port for --serve (0: any free one)")
    docs.set_defaults(handler=_docs)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
