"""Land NPD yearly CIN files into `raw.npd_cin_<year>` / `raw.npd_cin_disabilities_<year>`.

Every value lands as VARCHAR exactly as delivered (no trimming, no casting; an empty field
is NULL, a quoted empty field is ''), with `_load_id`, `_source_file`, `_line_number`
(physical line, header = 1) and `_census_year`. DuckDB's CSV reader does the parsing (fast,
parallel); rows it cannot parse go to `raw._rejects` with their line and text.

DuckDB does not say which line an accepted row came from, so line numbers are rebuilt:
records fill, in file order, the physical lines that are neither the header, blank (DuckDB
skips those) nor taken by a rejected record; a record spans one line plus the line breaks
inside its quoted values.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from cin_warehouse import npd_spec
from cin_warehouse.ingest import files, manifest
from cin_warehouse.ingest.errors import LoadError
from cin_warehouse.ingest.manifest import LoadRecord
from cin_warehouse.ingest.schema import LA_ALIAS, NPD_PROVENANCE, npd_spec_columns, npd_table, quote

# School-census term suffixes some extracts carry on column names (`CIN_LA_SPR09`).
TERM_SUFFIX = re.compile(r"_(SPR|SUM|AUT)\d{2}$", re.IGNORECASE)
ACADYR = re.compile(r"^\s*(\d{4})\s*[/-]\s*(\d{2}|\d{4})\s*$")
DELIMITERS = {",": "comma", "\t": "tab"}
# Without the child id, the LA and (main file) the referral date a row cannot be keyed to a
# child or an episode (child key = LA + LAchildID, episode key adds the referral date:
# BMJ Open 2019), so a file lacking one of them cannot be landed usefully.
REQUIRED = {
    "main": ("CIN_LAchildID_Anon", "CIN_ReferralDate"),
    "disabilities": ("CIN_LAchildID_Anon", "CIN_DisabilityType"),
}
LA_COLUMNS = ("CIN_LA", LA_ALIAS, "CIN_LA_09", "CIN_LA_LGR")
REJECTS_TABLE = "_npd_reject_errors"
REJECTS_SCAN = "_npd_reject_scans"


@dataclass(frozen=True)
class HeaderColumn:
    position: int  # 1-based
    delivered: str
    landed: str
    status: str  # spec | alias | not_in_year | unknown


def _all_npd_columns() -> dict[str, str]:
    """Lower-case name -> spelling, over every year and file kind (plus the LA alias)."""
    names = {LA_ALIAS.lower(): LA_ALIAS}
    for year in range(npd_spec.FIRST_CENSUS_YEAR, npd_spec.LAST_CENSUS_YEAR + 1):
        for kind in npd_spec.FILE_KINDS:
            names.update({c.lower(): c for c in npd_spec.npd_columns(year, kind)})
    return names


def _canonical_key(header: str) -> str:
    key = TERM_SUFFIX.sub("", header.strip()).lower()
    return key


def _lookup(header: str, names: dict[str, str]) -> str | None:
    key = _canonical_key(header)
    return names.get(key) or names.get("cin_" + key)


def census_year_of_acadyr(value: str) -> int | None:
    """`2016/17`, `2016/2017`, `2016-17` -> 2017 (the census year ends in the later year)."""
    match = ACADYR.match(value)
    if match is None:
        return None
    start, end = int(match[1]), match[2]
    end_year = int(end) if len(end) == 4 else start // 100 * 100 + int(end)
    return end_year if end_year == start + 1 else None


def _read_header(source: Path, is_gzip: bool, encoding: str) -> str:
    opener = files.gzip.open if is_gzip else open
    with opener(source, "rb") as handle:  # type: ignore[operator]
        text = io.TextIOWrapper(handle, encoding=encoding, newline="")
        line = text.readline()
    return line.lstrip("\ufeff").rstrip("\r\n")


def _split_header(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line], delimiter=delimiter, quotechar='"'), [])


def _choose_delimiter(path: Path, header: str, names: dict[str, str]) -> tuple[str, list[str]]:
    """Comma or tab: whichever splits the header into more NPD column names."""
    best = max(
        ((d, _split_header(header, d)) for d in DELIMITERS),
        key=lambda item: sum(_lookup(h, names) is not None for h in item[1]),
    )
    if sum(_lookup(h, names) is not None for h in best[1]) < 2:
        others = {c: header.count(c) for c in ";|:" if header.count(c)}
        hint = (
            f" (it holds {max(others.values())} x {max(others, key=others.get)!r}:"
            " wrong delimiter?)"
            if others
            else ""
        )
        raise LoadError(
            path,
            f"header is not comma- or tab-delimited NPD column names{hint}",
            where="line 1",
        )
    return best


def _map_header(
    path: Path, delivered: list[str], census_year: int, file_kind: str, all_names: dict[str, str]
) -> list[HeaderColumn]:
    spec = {c.lower(): c for c in npd_spec_columns(census_year, file_kind)}
    mapped: list[HeaderColumn] = []
    taken: dict[str, int] = {}
    for position, header in enumerate(delivered, start=1):
        landed = _lookup(header, spec)
        if landed is not None:
            status = "alias" if landed == LA_ALIAS else "spec"
        else:
            status = "not_in_year" if _lookup(header, all_names) else "unknown"
            landed = header if header.strip() else f"_unnamed_column_{position}"
            if landed.lower() in NPD_PROVENANCE:
                landed = f"{landed}__delivered"
        if landed.lower() in taken:
            raise LoadError(
                path,
                f"columns {taken[landed.lower()]} and {position} are both {landed}",
                where="line 1",
            )
        taken[landed.lower()] = position
        mapped.append(HeaderColumn(position, header, landed, status))
    return mapped


def _file_identity(raw_file: files.RawFile) -> tuple[int | None, str | None]:
    match = files.NPD_NAME.match(raw_file.path.name)
    if match is None:
        return None, None
    return int(match["year"]), "disabilities" if match["disabilities"] else "main"


def _reject_rows(
    con: duckdb.DuckDBPyConnection, delimiter: str, n_columns: int
) -> list[tuple[int, int, str, str, str]]:
    """One row per rejected record: (duckdb line, byte offset, type, message, text)."""
    other = "\t" if delimiter == "," else ","
    return con.execute(
        f"""
        with errors as (
            select
                line_byte_position,
                any_value(line) as line,
                string_agg(distinct error_type, '; ' order by error_type) as error_type,
                string_agg(distinct error_message, '; ' order by error_message) as message,
                -- DuckDB prefixes the text of a line that follows a blank line with the
                -- blank line's break; the original line is without it.
                any_value(trim(csv_line, e'\\r\\n')) as original_text
            from {REJECTS_TABLE}
            group by line_byte_position
        )
        select
            line,
            line_byte_position,
            case
                when error_type in ('MISSING COLUMNS', 'TOO MANY COLUMNS')
                    and len(string_split(original_text, ?)) = ?
                    then 'MIXED DELIMITER'
                else error_type
            end,
            case
                when error_type in ('MISSING COLUMNS', 'TOO MANY COLUMNS')
                    and len(string_split(original_text, ?)) = ?
                    then 'mixed delimiter: this line splits on ' || ? || ', the header on ' || ?
                else message
            end,
            original_text
        from errors
        order by line_byte_position
        """,
        [other, n_columns, other, n_columns, DELIMITERS[other], DELIMITERS[delimiter]],
    ).fetchall()


def _physical_reject_lines(
    source: Path, is_gzip: bool, rejects: list[tuple[int, int, str, str, str]]
) -> list[int]:
    """Physical line of each rejected record when some record spans lines.

    DuckDB then counts a multi-line record as one line (its line is a lower bound) and its
    byte offsets are not exact, so each rejected record is found by its text, in order,
    from that bound on. Only files with both multi-line values and rejects come here.
    """
    found: list[int] = []
    opener = files.gzip.open if is_gzip else open
    with opener(source, "rt", encoding="utf-8", newline="") as handle:  # type: ignore[operator]
        lines = enumerate(handle, start=1)
        current = 0
        for reject in rejects:
            target = reject[4].split("\n")[0].rstrip("\r")
            lower = max(reject[0], found[-1] + 1 if found else 0)
            match = None
            for number, text in lines:
                current = number
                if number >= lower and text.rstrip("\r\n") == target:
                    match = number
                    break
            found.append(match if match is not None else max(lower, current))
    return found


@dataclass(frozen=True)
class Parsed:
    """A file parsed into the temp table `_npd_landing`, ready to write."""

    table: str
    mapped: list[HeaderColumn]
    numbered: str  # SQL: the parsed rows with their `_line_number`
    accepted: int
    rejects: list[tuple[int, int, str, str, str]]
    reject_lines: list[int]


def parse_npd_file(
    con: duckdb.DuckDBPyConnection,
    raw_file: files.RawFile,
    scan: files.Scan,
    record: LoadRecord,
    workdir: Path,
) -> Parsed:
    """Parse one NPD file into temp tables and check it; raises LoadError; writes no raw table.

    Runs outside the landing transaction: the temp table's rowids are then 0, 1, 2 … in
    file order (DuckDB keeps insertion order), which is what line numbering builds on.
    """
    path = raw_file.path
    if scan.empty:
        raise LoadError(path, "empty file (no header, no rows)")
    year_from_name, kind = _file_identity(raw_file)

    source, source_is_gzip = path, raw_file.is_gzip
    if scan.encoding != "utf-8":
        # DuckDB reads UTF-8 (Windows-1252 would need an extension): decode to a work copy.
        source, source_is_gzip = workdir / f"{record.load_id}.csv", False
        files.transcode_to_utf8(raw_file, scan.encoding, source)
        record.messages.append(
            f"not UTF-8 (first at line {scan.first_non_utf8_line}): decoded as Windows-1252"
        )

    all_names = _all_npd_columns()
    header_line = _read_header(source, source_is_gzip, "utf-8")
    delimiter, delivered = _choose_delimiter(path, header_line, all_names)
    if kind is None:
        kind = (
            "disabilities"
            if any(_lookup(h, all_names) == "CIN_DisabilityType" for h in delivered)
            else "main"
        )
    # Parse with positional names; canonical names are applied on insert, once the census
    # year (and so the year's spec) is known.
    n = len(delivered)
    columns = ", ".join(f"'c{i}': 'VARCHAR'" for i in range(1, n + 1))
    drop_temp_tables(con)
    compression = "gzip" if source_is_gzip else "none"
    try:
        con.execute(
            f"""
            create temp table _npd_landing as
            select * from read_csv(
                ?, columns = {{{columns}}}, header = true, delim = ?, quote = '"',
                escape = '"', auto_detect = false, strict_mode = true,
                allow_quoted_nulls = false, null_padding = false, compression = '{compression}',
                store_rejects = true, rejects_table = '{REJECTS_TABLE}',
                rejects_scan = '{REJECTS_SCAN}'
            )
            """,
            [str(source), delimiter],
        )
    except duckdb.Error as error:
        first = str(error).splitlines()[0]
        problem = f"cannot be read as {DELIMITERS[delimiter]}-delimited text: {first}"
        raise LoadError(path, problem) from error
    accepted = con.execute("select count(*) from _npd_landing").fetchone()[0]
    rejects = _reject_rows(con, delimiter, n)

    # Line numbers of the rejected records and of the accepted ones.
    blank = [line for line in scan.blank_lines if line > 1]
    data_lines = scan.line_count - 1 - len(blank)
    single_line_records = data_lines == accepted + len(rejects)
    if single_line_records:
        reject_lines = [r[0] for r in rejects]
        occupied = blank + reject_lines
        spans = None
    else:
        # Some record spans lines (a quoted value holds a line break): DuckDB's line count
        # then counts records, so rejected records are placed by their text instead.
        reject_lines = _physical_reject_lines(source, source_is_gzip, rejects)
        occupied = list(blank)
        for line, reject in zip(reject_lines, rejects, strict=True):
            occupied.extend(range(line, line + 1 + reject[4].count("\n")))
        spans = " + ".join(
            f"coalesce(length(c{i}) - length(replace(c{i}, e'\\n', '')), 0)"
            for i in range(1, n + 1)
        )

    if accepted + len(rejects) == 0:
        raise LoadError(path, "empty file (a header but no data rows)")
    if accepted == 0:
        # Not one row parses: a format problem of the whole file, not of some rows.
        raise LoadError(
            path,
            f"none of the {len(rejects)} data rows can be parsed: {rejects[0][3]}",
            where=f"line {reject_lines[0]}",
        )
    if not scan.ends_with_newline and rejects and reject_lines[-1] == scan.line_count:
        raise LoadError(
            path,
            f"file appears truncated: the last line has no line ending and {rejects[-1][3]}",
            where=f"line {scan.line_count}",
        )

    numbered = _numbered_sql(con, occupied, scan.line_count, spans)

    # Census year: from the name and/or ACADYR, which must agree.
    acadyr_position = next(
        (i for i, h in enumerate(delivered, 1) if _lookup(h, all_names) == "CIN_ACADYR"), None
    )
    census_year = _census_year(con, path, year_from_name, acadyr_position, numbered)
    if not npd_spec.FIRST_CENSUS_YEAR <= census_year <= npd_spec.LAST_CENSUS_YEAR:
        raise LoadError(
            path,
            f"census year {census_year} is outside {npd_spec.FIRST_CENSUS_YEAR}-"
            f"{npd_spec.LAST_CENSUS_YEAR}",
        )
    mapped = _map_header(path, delivered, census_year, kind, all_names)
    _check_required(path, mapped, kind)

    record.census_year = census_year
    record.file_kind = kind
    record.delimiter = DELIMITERS[delimiter]
    record.lines_in_file = scan.line_count
    record.blank_lines = len(blank)
    _report_columns(record, mapped, census_year, kind)
    return Parsed(
        table=npd_table(census_year, kind),
        mapped=mapped,
        numbered=numbered,
        accepted=accepted,
        rejects=rejects,
        reject_lines=reject_lines,
    )


def write_npd_file(con: duckdb.DuckDBPyConnection, parsed: Parsed, record: LoadRecord) -> None:
    """Write a parsed file into raw (the caller holds the transaction)."""
    table, mapped = parsed.table, parsed.mapped
    census_year, kind = record.census_year, record.file_kind
    assert census_year is not None
    existing = {
        row[0].lower()
        for row in con.execute(
            "select column_name from information_schema.columns"
            " where table_schema = 'raw' and table_name = ?",
            [table.split(".")[1]],
        ).fetchall()
    }
    for column in mapped:
        if column.landed.lower() not in existing:
            # An unknown extra column: kept, under its delivered name (reported).
            con.execute(f"alter table {table} add column {quote(column.landed)} varchar")
    _record_columns(con, record.load_id, mapped, census_year, kind)

    # Re-delivery: the new file replaces the year's rows (one table per year and kind).
    record.replaces = manifest.current_loads(con, "npd", kind, census_year, None)
    if record.replaces:
        con.execute(f"delete from {table}")
        manifest.supersede(con, record.replaces, record.load_id)

    select_list = ", ".join(f"c{c.position} as {quote(c.landed)}" for c in mapped)
    con.execute(
        f"""
        insert into {table} by name
        select {select_list}, ? as _load_id, ? as _source_file, _line_number,
            ? as _census_year
        from ({parsed.numbered})
        """,
        [record.load_id, record.source_file, census_year],
    )
    record.rows_per_table = {table: parsed.accepted}
    rejects, reject_lines = parsed.rejects, parsed.reject_lines
    if rejects:
        # Through Arrow, not row by row: a broken file can have many rejects.
        batch = pa.table(
            {
                "line_number": pa.array(reject_lines, pa.int64()),
                "error_type": pa.array([r[2] for r in rejects], pa.string()),
                "message": pa.array([r[3] for r in rejects], pa.string()),
                "original_text": pa.array([r[4] for r in rejects], pa.string()),
            }
        )
        con.register("_npd_rejects_batch", batch)
        try:
            con.execute(
                "insert into raw._rejects by name select ? as load_id, ? as source_file,"
                " ? as census_year, * from _npd_rejects_batch",
                [record.load_id, record.source_file, census_year],
            )
        finally:
            con.unregister("_npd_rejects_batch")
        record.rows_rejected = len(rejects)
        first = rejects[0]
        record.messages.append(
            f"{len(rejects)} rows rejected to raw._rejects (first: line {reject_lines[0]}:"
            f" {first[3]})"
        )


def drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("_npd_landing", "_npd_occupied", REJECTS_TABLE, REJECTS_SCAN):
        con.execute(f"drop table if exists temp.{table}")


def _numbered_sql(
    con: duckdb.DuckDBPyConnection, occupied: list[int], line_count: int, spans: str | None
) -> str:
    """SQL selecting `_npd_landing` plus `_line_number`, in file order."""
    if not occupied and spans is None:
        # The common case: every line after the header is one landed record.
        return "select *, rowid + 2 as _line_number from _npd_landing"
    con.execute(
        "create temp table _npd_occupied as select distinct unnest(?::bigint[]) as line",
        [occupied],
    )
    index = (
        "rowid + 1"
        if spans is None
        else f"1 + coalesce(sum(1 + {spans}) over (order by rowid rows between unbounded"
        " preceding and 1 preceding), 0)"
    )
    return f"""
        with free_lines as (
            select r.line, row_number() over (order by r.line) as idx
            from range(2, {line_count + 1}) as r (line)
            anti join _npd_occupied as o on r.line = o.line
        ),
        records as (
            select *, {index} as idx from _npd_landing
        )
        select records.* exclude (idx), free_lines.line as _line_number
        from records inner join free_lines on records.idx = free_lines.idx
        order by records.idx
    """


def _census_year(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    year_from_name: int | None,
    acadyr_position: int | None,
    numbered: str,
) -> int:
    years: dict[int, str] = {}
    if acadyr_position is not None:
        values = con.execute(
            f"select distinct c{acadyr_position} from _npd_landing"
            f" where c{acadyr_position} is not null"
        ).fetchall()
        for (value,) in values:
            year = census_year_of_acadyr(value)
            if year is not None:
                years.setdefault(year, value)
    if year_from_name is not None:
        wrong = {y: v for y, v in years.items() if y != year_from_name}
        if wrong:
            year, value = min(wrong.items())
            line = con.execute(
                f"select min(_line_number) from ({numbered}) where c{acadyr_position} = ?",
                [value],
            ).fetchone()[0]
            raise LoadError(
                path,
                f"census-year mismatch: CIN_ACADYR {value!r} is census year {year} but the"
                f" file name says {year_from_name}",
                where=f"line {line}",
            )
        return year_from_name
    if len(years) == 1:
        return next(iter(years))
    if not years:
        raise LoadError(
            path,
            "cannot tell the census year: the name is not CIN_<year>[_Disabilities] and"
            " CIN_ACADYR is absent or unreadable",
        )
    listed = ", ".join(f"{v!r}" for v in years.values())
    raise LoadError(path, f"census-year mismatch: CIN_ACADYR holds several years ({listed})")


def _check_required(path: Path, mapped: list[HeaderColumn], kind: str) -> None:
    landed = {c.landed for c in mapped if c.status in ("spec", "alias")}
    missing = [c for c in REQUIRED[kind] if c not in landed]
    if not landed & set(LA_COLUMNS):
        missing.append("CIN_LA")
    if missing:
        raise LoadError(
            path, f"missing required column(s): {', '.join(missing)}", where="line 1 (header)"
        )


def _report_columns(
    record: LoadRecord, mapped: list[HeaderColumn], census_year: int, kind: str
) -> None:
    unknown = [c.delivered for c in mapped if c.status == "unknown"]
    out_of_year = [c.delivered for c in mapped if c.status == "not_in_year"]
    present = {c.landed for c in mapped}
    missing = [
        c for c in npd_spec.npd_columns(census_year, kind) if c not in present and c != "CIN_LA"
    ]
    if "CIN_LA" in npd_spec.npd_columns(census_year, kind) and not present & {"CIN_LA", LA_ALIAS}:
        missing.append("CIN_LA")
    if unknown:
        record.messages.append(
            f"line 1: unknown extra column(s) landed as delivered: {', '.join(unknown)}"
        )
    if out_of_year:
        record.messages.append(
            f"line 1: column(s) not populated in {census_year} per the NPD spec, landed as"
            f" delivered: {', '.join(out_of_year)}"
        )
    if missing:
        record.messages.append(
            f"line 1: expected column(s) absent, NULL in the table: {', '.join(missing)}"
        )


def _record_columns(
    con: duckdb.DuckDBPyConnection,
    load_id: str,
    mapped: list[HeaderColumn],
    census_year: int,
    kind: str,
) -> None:
    present = {c.landed for c in mapped}
    rows: list[list[object]] = [
        [load_id, c.position, c.delivered, c.landed, c.status] for c in mapped
    ]
    rows += [
        [load_id, None, None, c, "missing"]
        for c in npd_spec_columns(census_year, kind)
        if c not in present
    ]
    con.execute(
        "insert into raw._load_columns (load_id, position, delivered_header, landed_column,"
        " status) select unnest(?::varchar[]), unnest(?::integer[]), unnest(?::varchar[]),"
        " unnest(?::varchar[]), unnest(?::varchar[])",
        [list(column) for column in zip(*rows, strict=True)],
    )
