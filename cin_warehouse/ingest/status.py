"""`cin status`: what is landed, from the manifest `raw._loads` and the raw tables.

One row per census year and source (NPD main file, NPD disabilities file, XML returns):
files, LAs, rows landed, rows rejected. Then what is missing (census years with no NPD
main file or no XML return, and, for each LA with XML returns, the census years between
its first and last return that it lacks; XML years are counted from the first year any
return is landed for), the superseded loads (re-deliveries) and the
failed ones.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cin_warehouse import npd_spec
from cin_warehouse.ingest.npd import LA_COLUMNS
from cin_warehouse.ingest.schema import quote

YEARS = range(npd_spec.FIRST_CENSUS_YEAR, npd_spec.LAST_CENSUS_YEAR + 1)


@dataclass(frozen=True)
class Landed:
    census_year: int
    source: str  # npd main | npd disabilities | xml
    files: int
    las: int
    rows: int
    rejected: int


@dataclass
class Status:
    landed: list[Landed] = field(default_factory=list)
    missing_npd_years: list[int] = field(default_factory=list)
    missing_xml_years: list[int] = field(default_factory=list)
    xml_gaps: dict[str, list[int]] = field(default_factory=dict)  # LA -> years missing
    superseded: list[tuple[str, int | None, str | None, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)


def _npd_las(con: duckdb.DuckDBPyConnection, load_id: str, rows_per_table: str) -> set[str]:
    """LA codes of an NPD load's rows (from whichever LA columns its table has)."""
    las: set[str] = set()
    for table in json.loads(rows_per_table):
        columns = {
            r[0]
            for r in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'raw'"
                " and table_name = ?",
                [table.split(".")[1]],
            ).fetchall()
        }
        present = [quote(c) for c in LA_COLUMNS if c in columns]
        if not present:
            continue
        la = f"coalesce({', '.join(f'nullif(trim({c}), {chr(39)}{chr(39)})' for c in present)})"
        las |= {
            r[0]
            for r in con.execute(
                f"select distinct {la} from {table} where _load_id = ? and {la} is not null",
                [load_id],
            ).fetchall()
        }
    return las


def read_status(db: Path) -> Status:
    status = Status()
    with duckdb.connect(str(db), read_only=True) as con:
        loads = con.execute(
            "select load_id, format, file_kind, census_year, la_code, rows_landed,"
            " rows_rejected, rows_per_table from raw._loads where status = 'loaded'"
            " order by census_year, format, file_kind"
        ).fetchall()
        groups: dict[tuple[int, str], list] = {}
        for load in loads:
            source = "xml" if load[1] == "xml" else f"npd {load[2]}"
            groups.setdefault((load[3], source), []).append(load)
        for (year, source), group in sorted(groups.items()):
            if source == "xml":
                las = {g[4] for g in group}
            else:
                las = set().union(*(_npd_las(con, g[0], g[7]) for g in group))
            status.landed.append(
                Landed(
                    year,
                    source,
                    len(group),
                    len(las),
                    sum(g[5] for g in group),
                    sum(g[6] for g in group),
                )
            )
        npd_years = {y for y, s in groups if s == "npd main"}
        xml_years = {y for y, s in groups if s == "xml"}
        status.missing_npd_years = [y for y in YEARS if y not in npd_years]
        if xml_years:
            span = range(min(xml_years), max(xml_years) + 1)
            status.missing_xml_years = [y for y in span if y not in xml_years]
        by_la: dict[str, set[int]] = {}
        for load in loads:
            if load[1] == "xml":
                by_la.setdefault(load[4], set()).add(load[3])
        for la, years in sorted(by_la.items()):
            gaps = [y for y in range(min(years), max(years) + 1) if y not in years]
            if gaps:
                status.xml_gaps[la] = gaps
        status.superseded = con.execute(
            "select file_name, census_year, la_code, superseded_by from raw._loads"
            " where status = 'superseded' order by finished_at"
        ).fetchall()
        status.failed = con.execute(
            "select source_file, error from raw._loads where status = 'failed' order by finished_at"
        ).fetchall()
    return status
