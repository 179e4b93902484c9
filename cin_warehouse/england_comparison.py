"""The warehouse's England figures beside DfE's published ones, scored with the calibration
tolerances.

Reads `marts.fct_england_year` (national rows of one source, the NPD by default) and the
seed `reference.ref_published_national_statistics` from a built warehouse (opened
read-only under the build's DuckDB limits, `access.connect`), scales the
counts of a synthetic world of scale S by 1 / S, and scores them with the project's
calibration targets (cin_warehouse/data/README.md; the measures and tolerances are those of
the generator's calibration report, `cin_warehouse.synth.calibration`, so the two cannot
disagree): +-5% for referrals, children in need at 31 March, episodes starting, plans
starting and at 31 March; +-2 percentage points for the re-referral, NFA and
assessed-not-in-need percentages. Other published figures the mart has (counts, rates per
10,000 children scaled like counts, percentages) are shown beside it, not scored.

    python -m cin_warehouse.england_comparison --db warehouse/cin.duckdb --scale 0.01
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import duckdb

from cin_warehouse import access
from cin_warehouse.synth.calibration import (
    COUNT_MEASURES,
    COUNT_TOLERANCE_PCT,
    RATE_MEASURES,
    RATE_TOLERANCE_PP,
    Comparison,
)

MART = "marts.fct_england_year"
SEED = "reference.ref_published_national_statistics"


class NotComparableError(ValueError):
    """The warehouse cannot be compared with England's published figures."""


def _mart_columns(con: duckdb.DuckDBPyConnection) -> set[str]:
    try:
        return {row[0] for row in con.execute(f"describe {MART}").fetchall()}
    except duckdb.CatalogException as error:
        raise NotComparableError(
            f"{MART} is not in the warehouse: run `dbt build` first"
        ) from error


def compare(
    con: duckdb.DuckDBPyConnection, scale: float, source: str = "npd"
) -> tuple[list[Comparison], list[Comparison], list[tuple[int, str]]]:
    """(scored, shown, not compared): the national rows of `source` beside the published
    figures; not compared: (census year, measure) published but NULL in the mart (the
    source cannot carry it, or an LA without it has no population to estimate it from)."""
    if scale <= 0:
        raise NotComparableError(f"scale must be positive, got {scale}")
    columns = _mart_columns(con)
    rows = con.execute(
        f"select * from {MART} where geographic_level = 'National' and source_kind = ?"
        " order by census_year",
        [source],
    )
    names = [d[0] for d in rows.description]
    england = [dict(zip(names, row, strict=True)) for row in rows.fetchall()]
    if not england:
        raise NotComparableError(f"{MART} has no national rows of source {source!r}")
    partial = [row["census_year"] for row in england if not row["is_whole_area"]]
    if partial:
        raise NotComparableError(
            f"{MART}: source {source!r} does not hold every LA of England in census years"
            f" {partial}; the published figures are England's (generate every LA)"
        )
    try:
        published_rows = con.execute(f"select census_year, measure, value from {SEED}")
    except duckdb.CatalogException as error:
        # `dbt build --select +fct_england_year` builds the mart without this seed
        raise NotComparableError(
            f"{SEED} is not in the warehouse: run `dbt seed` (or a full `dbt build`)"
        ) from error
    published: dict[tuple[int, str], float] = {
        (year, measure): value for year, measure, value in published_rows.fetchall()
    }
    scored: list[Comparison] = []
    shown: list[Comparison] = []
    missing: list[tuple[int, str]] = []
    for row in england:
        year = row["census_year"]
        for measure in sorted(m for (y, m) in published if y == year and m in columns):
            value = row[measure]
            if value is None:
                missing.append((year, measure))
                continue
            target = published[(year, measure)]
            if measure.endswith("_pct"):
                comparison = Comparison(
                    year, measure, value, target, value - target, "pp", RATE_TOLERANCE_PP
                )
            else:  # counts and rates per 10,000 children scale with the world
                value = value / scale
                comparison = Comparison(
                    year,
                    measure,
                    value,
                    target,
                    100 * (value / target - 1),
                    "%",
                    COUNT_TOLERANCE_PCT,
                )
            is_scored = measure in COUNT_MEASURES or measure in RATE_MEASURES
            (scored if is_scored else shown).append(comparison)
    return scored, shown, missing


def render(
    compared: tuple[list[Comparison], list[Comparison], list[tuple[int, str]]],
    scale: float,
    source: str,
) -> str:
    scored, shown, missing = compared
    lines = [
        f"England ({source}) from {MART} beside DfE's published figures"
        f" ({SEED}); counts and rates per 10,000 divided by the scale {scale:g}.",
        "",
        "| census year | measure | warehouse (scaled) | published | difference | within |",
        "|---|---|---:|---:|---:|---|",
    ]
    for c in scored:
        lines.append(_line(c, f"{'yes' if c.within else 'NO'} (±{c.tolerance:g})"))
    within = sum(c.within for c in scored)
    lines.append(f"\n{within} of {len(scored)} scored comparisons within tolerance.")
    if shown:
        lines += [
            "\nShown, not scored (published figures outside the calibration targets):\n",
            "| census year | measure | warehouse (scaled) | published | difference | |",
            "|---|---|---:|---:|---:|---|",
        ]
        lines += [_line(c, "") for c in shown]
    if missing:
        # years with the same NULL measures on one line
        by_year: dict[int, list[str]] = {}
        for year, measure in missing:
            by_year.setdefault(year, []).append(measure)
        groups: dict[tuple[str, ...], list[int]] = {}
        for year, measures in sorted(by_year.items()):
            groups.setdefault(tuple(sorted(measures)), []).append(year)
        lines.append(
            "\nNot compared, NULL in the mart (a measure the source cannot carry, a year"
            " without a child population, or an LA without a figure and without a population"
            " to estimate it from; `<measure>_reported` keeps the LAs' sum):\n"
        )
        lines += [
            f"- {', '.join(map(str, years))}: {', '.join(measures)}"
            for measures, years in groups.items()
        ]
    return "\n".join(lines)


def _line(c: Comparison, verdict: str) -> str:
    fmt = "{:,.0f}" if c.unit == "%" and not c.measure.endswith("_10k") else "{:,.1f}"
    return (
        f"| {c.census_year} | {c.measure} | {fmt.format(c.synthetic)}"
        f" | {fmt.format(c.published)} | {c.difference:+.1f} {c.unit} | {verdict} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cin_warehouse.england_comparison",
        description="Compare the warehouse's England figures with DfE's published ones.",
    )
    default_db = os.environ.get("CIN_DUCKDB_PATH")
    parser.add_argument(
        "--db",
        type=Path,
        default=Path(default_db) if default_db else None,
        required=not default_db,
        help="the built warehouse (DuckDB; default $CIN_DUCKDB_PATH)",
    )
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="scale of the synthetic world (1 = England's volume; a real extract: 1)",
    )
    parser.add_argument("--source", choices=["npd", "xml"], default="npd")
    args = parser.parse_args(argv)
    try:
        con = access.connect(args.db)
    except access.AccessError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        compared = compare(con, args.scale, args.source)
    except NotComparableError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        con.close()
    print(render(compared, args.scale, args.source))
    return 0


if __name__ == "__main__":
    sys.exit(main())
