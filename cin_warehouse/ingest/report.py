"""What `cin load` shows: a rich progress bar over the bytes to land, one line per file
(landed, replaced, unchanged, failed, skipped, with warnings) or, with `--summary`, one
line per folder (failures and skips still one line each), and a closing summary line."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from cin_warehouse.ingest import files
from cin_warehouse.ingest.loader import Outcome


class RichProgress:
    """The loader's Progress hooks, drawn with rich (plain lines when not a terminal)."""

    def __init__(self, console: Console, err_console: Console, *, per_file: bool = True) -> None:
        self.console = console
        self.err_console = err_console
        self.per_file = per_file
        self.bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task = self.bar.add_task("landing", total=None)
        self.done = 0

    def __enter__(self) -> RichProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def set_total(self, total: int) -> None:
        self.bar.update(self.task, total=total)

    def start_file(self, raw_file: files.RawFile, size: int) -> None:
        self.current = size
        self.bar.update(self.task, description=raw_file.path.name, completed=self.done)

    def advance(self, n_bytes: int) -> None:
        self.bar.advance(self.task, n_bytes)

    def end_file(self, outcome: Outcome) -> None:
        if outcome.status != "skipped":
            self.done += self.current
            self.bar.update(self.task, completed=self.done)
        if self.per_file or outcome.status in ("failed", "skipped"):
            print_outcome(outcome, self.bar.console, self.err_console)


def print_outcome(outcome: Outcome, console: Console, err_console: Console) -> None:
    path = escape(str(outcome.path))
    if outcome.status == "skipped":
        assert isinstance(outcome.raw_file, files.Skipped)
        console.print(f"skipped {path}: {escape(outcome.raw_file.reason)}", highlight=False)
        return
    if outcome.status == "failed":
        err_console.print(f"[red]error[/red]: {escape(str(outcome.error))}", highlight=False)
        return
    if outcome.status == "unchanged":
        previous = outcome.previous
        assert previous is not None
        console.print(
            f"unchanged {path}: these bytes are already landed (load {previous.load_id},"
            f" {previous.finished_at:%Y-%m-%d %H:%M}); nothing to do",
            highlight=False,
        )
        return
    record = outcome.record
    assert record is not None
    tables = ", ".join(f"{t} {n:,}" for t, n in record.rows_per_table.items()) or "no rows"
    verb = "replaced" if outcome.status == "replaced" else "landed"
    where = f"census year {record.census_year}"
    if record.la_code:
        where += f", LA {record.la_code}"
    line = f"{verb} {path} ({where}): {tables}"
    if record.rows_rejected:
        line += f"; {record.rows_rejected:,} rejected"
    if outcome.status == "replaced":
        line += f"; supersedes load {', '.join(record.replaces)}"
    console.print(line, highlight=False)
    for message in record.messages:
        err_console.print(f"  [yellow]warning[/yellow]: {path}: {escape(message)}", highlight=False)


def print_folders(outcomes: list[Outcome], paths: list[Path], console: Console) -> None:
    """One line per path given to `cin load` (the `--summary` mode)."""
    roots = [p.resolve() for p in paths]
    for root, given in zip(roots, paths, strict=True):
        mine = [
            o
            for o in outcomes
            if next((r for r in roots if o.path.resolve().is_relative_to(r)), None) == root
        ]
        records = [o.record for o in mine if o.record is not None]
        count = {s: sum(o.status == s for o in mine) for s in STATUSES}
        years = sorted({r.census_year for r in records if r.census_year is not None})
        span = f"census years {years[0]}-{years[-1]}" if years else "no census year"
        states = ", ".join(f"{n:,} {s}" for s, n in count.items() if n)
        warnings = sum(len(r.messages) for r in records)
        line = (
            f"{escape(str(given))}: {len(mine):,} files ({states or 'none'});"
            f" {sum(r.rows_landed for r in records):,} rows,"
            f" {sum(r.rows_rejected for r in records):,} rejected; {span}"
        )
        if warnings:
            line += f"; {warnings:,} warnings (in raw._loads.messages)"
        console.print(line, highlight=False)


STATUSES = ("landed", "replaced", "unchanged", "failed", "skipped")


def print_summary(outcomes: list[Outcome], db: Path, console: Console) -> None:
    """The closing line: the landing's files by status, its rows and rejects. A line, as
    `print_folders` writes, not a table: rich cuts a table's cells to fit the width, and at
    national scale (tens of millions of rows) the row count was cut to "10,982,1…" at the
    80 columns rich assumes when the output is not a terminal (a log, a pipe)."""
    count = {s: sum(o.status == s for o in outcomes) for s in STATUSES}
    records = [o.record for o in outcomes if o.record is not None]
    states = ", ".join(f"{n:,} {s}" for s, n in count.items() if n)
    console.print(
        f"cin load into {escape(str(db))}: {len(outcomes):,} files ({states or 'none'});"
        f" {sum(r.rows_landed for r in records):,} rows,"
        f" {sum(r.rows_rejected for r in records):,} rejected",
        highlight=False,
    )
