"""Land NPD yearly CIN files into `raw.npd_cin_<year>` / `raw.npd_cin_disabilities_<year>`.

Every value lands as VARCHAR exactly as delivered (no trimming, no casting; an empty field
is NULL, a quoted empty field is ''), with `_load_id`, `_source_file`, `_line_number`
(physical line, header = 1) and `_census_year`.

The file is read here, one physical line (up to `\\n`) at a time, so that damage stays on
the line it is on: every line after the header is landed (one row), rejected (one row of
`raw._rejects` with its line number, full text and reason) or blank (counted, skipped).
A quoted value may hold line breaks (RFC 4180), so a line whose quote does not close is
joined with the next lines, at most `MAX_RECORD_LINES` of them, but only if the joined
text then parses into exactly the header's columns; otherwise the first line alone is
rejected and reading goes on at the next line. So one stray `"` costs one row, never the
rest of the file. Per-line containment rather than refusing the file: the values of an
NPD extract are codes, dates and ids, none of which holds a quote or a line break, so a
quote that breaks a line is damage to that line, and the researcher keeps the other rows
(and sees the broken one, whole, in `raw._rejects`).

Also rejected, each with its reason: a NUL byte, a carriage return inside a value, a
byte-order mark inside a line (files joined together), the header line repeated, too many
or too few delimiters (or the other delimiter), and, in a UTF-8 file, a line of bytes that
are not UTF-8 (in a Windows-1252 file, a byte Windows-1252 leaves undefined).

In a UTF-8 file the lines are sorted in bulk first (`_read_records_fast`): Arrow splits
the file into lines and each line on the delimiter, and a line is landed there only when it
holds no quote, carriage return, NUL or byte-order mark, is not the header, and has the
header's number of fields. Every other line, and the `MAX_RECORD_LINES - 1` lines after a
line with a quote (which a quoted value could join), goes through the line-by-line reader
above, so both paths land, reject and count exactly the same lines.

A whole file is refused (nothing of it lands) only when it cannot be an extract: no
header, wrong delimiter, a required column missing, no data row that parses, mismatched
census years, or a last line cut short with no line ending (a truncated delivery, which
lacks rows no line can show).
"""

from __future__ import annotations

import csv
import re
from collections import deque
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
# A quoted value may span at most this many physical lines (see the module docstring).
MAX_RECORD_LINES = 20
# Rows are handed to DuckDB through Arrow in batches of this many (bounded memory).
BATCH_ROWS = 50_000
# The bulk reader takes the file in blocks of about this many bytes (bounded memory).
FAST_BLOCK_BYTES = 32 * 1024 * 1024
# Examples of each kind of rejected line quoted in the load's messages.
EXAMPLES = 3
# A quoted value: `"` … `"` with `""` for a quote inside (linear, no backtracking).
QUOTED = re.compile(r'"([^"]*(?:""[^"]*)*)"')


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
            f" (it holds {max(others.values())} x {max(others, key=lambda c: others[c])!r}:"
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


@dataclass(frozen=True)
class Reject:
    """A physical line (or, for a joined record, its first line) that is not landed."""

    line: int
    error_type: str
    message: str
    text: str


class _BadLineError(Exception):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


class _UnclosedError(_BadLineError):
    """A quoted value that does not close on the text seen so far."""


def _physical_lines(
    raw_file: files.RawFile,
) -> Generator[tuple[int, bytes, bytes], None, None]:
    """(line number, content, line ending) of every physical line; `\\n` ends a line and a
    `\\r` before it belongs to the ending (a CR anywhere else is in the content)."""
    with files.open_binary(raw_file) as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.endswith(b"\r\n"):
                yield number, raw[:-2], b"\r\n"
            elif raw.endswith(b"\n"):
                yield number, raw[:-1], b"\n"
            else:
                yield number, raw, b""


class _Decoder:
    """Bytes of a line to text. A file is UTF-8 or Windows-1252 as a whole (`files.scan`
    decides); in a UTF-8 file that also holds lines of other bytes (a damaged or spliced
    file), those lines are rejected rather than the whole file misread."""

    def __init__(self, raw_file: files.RawFile, scan: files.Scan) -> None:
        self.windows_1252 = False
        self.mixed = False
        self.delimiter = b","  # set once the header has told it (for column numbers)
        if scan.encoding != "utf-8":
            valid_non_ascii = bad = False
            for _, content, _ in _physical_lines(raw_file):
                if content.isascii():
                    continue
                try:
                    content.decode("utf-8")
                    valid_non_ascii = True
                except UnicodeDecodeError:
                    bad = True
                if valid_non_ascii and bad:
                    break
            self.mixed = valid_non_ascii and bad
            self.windows_1252 = not self.mixed

    def decode(self, content: bytes) -> str:
        """The text of a line; raises _BadLineError for bytes of neither encoding."""
        try:
            return content.decode("cp1252" if self.windows_1252 else "utf-8")
        except UnicodeDecodeError as error:
            byte = content[error.start : error.start + 1].hex()
            column = content.count(self.delimiter, 0, error.start) + 1
            problem = (
                "neither UTF-8 nor Windows-1252"
                if self.windows_1252
                else "not UTF-8, unlike the rest of the file"
            )
            raise _BadLineError(
                "ENCODING", f"byte 0x{byte} in column {column} is {problem}"
            ) from error

    @staticmethod
    def shown(content: bytes) -> str:
        """A line's text for raw._rejects when it cannot be decoded: bad bytes as \\xNN."""
        return content.decode("utf-8", errors="backslashreplace")


def _column_at(text: str, position: int, delimiter: str) -> int:
    return text.count(delimiter, 0, position) + 1


def _split_quoted(text: str, delimiter: str) -> list[str | None]:
    """Fields of a record holding a quote character (RFC 4180 quoting, `""` escapes)."""
    fields: list[str | None] = []
    position, length, column = 0, len(text), 1
    while True:
        if text.startswith('"', position):
            match = QUOTED.match(text, position)
            if match is None:
                raise _UnclosedError(
                    "UNCLOSED QUOTE", f"the quote opening column {column} never closes"
                )
            end = match.end()
            if end < length and text[end] != delimiter:
                raise _BadLineError(
                    "QUOTE", f"text after the closing quote of column {column} (stray quote?)"
                )
            fields.append(match[1].replace('""', '"'))
        else:
            end = text.find(delimiter, position)
            end = length if end < 0 else end
            value = text[position:end]
            if '"' in value:
                raise _BadLineError(
                    "QUOTE", f"a quote inside unquoted column {column} (stray quote?)"
                )
            if "\r" in value:
                raise _BadLineError("STRAY CR", f"a carriage return inside column {column}")
            fields.append(value or None)
        if end >= length:
            return fields
        position, column = end + 1, column + 1


def _fields(text: str, delimiter: str, n_columns: int) -> list[str | None]:
    """The values of one record, or _BadLineError saying what is wrong with it."""
    if "\x00" in text:
        column = _column_at(text, text.index("\x00"), delimiter)
        raise _BadLineError("NUL BYTE", f"a NUL byte in column {column}")
    if "\ufeff" in text:
        column = _column_at(text, text.index("\ufeff"), delimiter)
        raise _BadLineError(
            "BYTE ORDER MARK", f"a byte-order mark in column {column} (files joined together?)"
        )
    if '"' in text:
        values = _split_quoted(text, delimiter)
    else:
        if "\r" in text:
            column = _column_at(text, text.index("\r"), delimiter)
            raise _BadLineError("STRAY CR", f"a carriage return inside column {column}")
        values = [value or None for value in text.split(delimiter)]
    if len(values) != n_columns:
        other = "\t" if delimiter == "," else ","
        if '"' not in text and len(text.split(other)) == n_columns:
            raise _BadLineError(
                "MIXED DELIMITER",
                f"mixed delimiter: this line splits on {DELIMITERS[other]}, the header on"
                f" {DELIMITERS[delimiter]}",
            )
        kind = "MISSING COLUMNS" if len(values) < n_columns else "TOO MANY COLUMNS"
        raise _BadLineError(kind, f"{len(values)} columns where the header has {n_columns}")
    return values


@dataclass
class _Batches:
    """Accepted rows, column by column, handed to Arrow every BATCH_ROWS rows."""

    n_columns: int
    batches: list[pa.RecordBatch] = field(default_factory=list)
    rows: int = 0

    def __post_init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.columns: list[list[str | None]] = [[] for _ in range(self.n_columns)]
        self.lines: list[int] = []

    def add(self, line: int, values: list[str | None]) -> None:
        for column, value in zip(self.columns, values, strict=True):
            column.append(value)
        self.lines.append(line)
        self.rows += 1
        if len(self.lines) >= BATCH_ROWS:
            self.flush()

    def add_batch(self, batch: pa.RecordBatch) -> None:
        """Rows already in Arrow (c1 … cn, `_line_number`), from the bulk reader."""
        self.flush()
        self.batches.append(batch)
        self.rows += batch.num_rows

    def flush(self) -> None:
        if self.lines or not self.batches:
            arrays = [pa.array(c, pa.string()) for c in self.columns]
            arrays.append(pa.array(self.lines, pa.int64()))
            names = [f"c{i}" for i in range(1, self.n_columns + 1)] + ["_line_number"]
            self.batches.append(pa.RecordBatch.from_arrays(arrays, names=names))
            self._reset()

    def table(self) -> pa.Table:
        self.flush()
        return pa.Table.from_batches(self.batches)


@dataclass
class _Reading:
    """What one pass over the data lines found."""

    rows: _Batches
    rejects: list[Reject] = field(default_factory=list)
    blank: int = 0
    continuation: int = 0  # lines taken by a value with line breaks, after its first


Line = tuple[int, bytes, bytes]


def _join_lines(
    text: str,
    ending: bytes,
    next_line: Callable[[], Line | None],
    pending: deque[Line],
    decoder: _Decoder,
    delimiter: str,
    n_columns: int,
) -> tuple[list[str | None], int] | None:
    """A record whose quoted value holds line breaks: (values, lines joined to the first)
    if the joined text parses into the header's columns; else None and the lines read
    ahead are put back."""
    taken: list[Line] = []
    while len(taken) < MAX_RECORD_LINES - 1 and ending:
        item = next_line()
        if item is None:
            break
        taken.append(item)
        try:
            text = text + ending.decode("ascii") + decoder.decode(item[1])
            return _fields(text, delimiter, n_columns), len(taken)
        except _UnclosedError:
            ending = item[2]
        except _BadLineError:
            break
    pending.extendleft(reversed(taken))
    return None


def _read_records(
    lines: Iterator[Line], decoder: _Decoder, delimiter: str, header_text: str, n_columns: int
) -> _Reading:
    """Sort every physical line after the header into landed, rejected or blank."""
    reading = _Reading(_Batches(n_columns))
    pending: deque[Line] = deque()

    def next_line() -> Line | None:
        return pending.popleft() if pending else next(lines, None)

    while (item := next_line()) is not None:
        number, content, ending = item
        if not content.strip(b"\r"):
            reading.blank += 1
            continue
        try:
            text = decoder.decode(content)
        except _BadLineError as bad:
            reading.rejects.append(
                Reject(number, bad.error_type, bad.message, decoder.shown(content))
            )
            continue
        try:
            if text.lstrip("\ufeff") == header_text:
                raise _BadLineError(
                    "REPEATED HEADER", "the header line again (files joined together?)"
                )
            try:
                values, joined = _fields(text, delimiter, n_columns), 0
            except _UnclosedError:
                result = _join_lines(
                    text, ending, next_line, pending, decoder, delimiter, n_columns
                )
                if result is None:
                    raise
                values, joined = result
        except _BadLineError as bad:
            reading.rejects.append(Reject(number, bad.error_type, bad.message, text))
            continue
        reading.rows.add(number, values)
        reading.continuation += joined
    return reading


def _fast_block(
    block: bytes, first_line: int, delimiter: str, header_text: str, n_columns: int
) -> tuple[pa.RecordBatch, np.ndarray, pa.Array, np.ndarray]:
    """The whole lines of `block` (each ending in `\n`; the first is line `first_line`):
    the simple lines as a batch of rows, and for every line whether it is simple, whether
    it holds a quote, and its bytes (ending's `\r` included)."""
    raw = pc.split_pattern(pa.array([block], pa.binary()), b"\n").flatten()
    raw = raw.slice(0, len(raw) - 1)  # the block ends in `\n`: nothing after it
    text = raw.cast(pa.string())  # the file is UTF-8 (files.scan)
    content = pc.if_else(pc.ends_with(text, "\r"), pc.utf8_slice_codeunits(text, 0, -1), text)
    fields = pc.split_pattern(content, delimiter)
    simple = (pc.list_value_length(fields).to_numpy(zero_copy_only=False) == n_columns) & (
        pc.not_equal(content, header_text).to_numpy(zero_copy_only=False)
    )
    has_quote = np.zeros(len(raw), dtype=bool)
    # Each character is looked for line by line only in a block that holds it at all (a
    # CR only if some CR is not a line ending's).
    if b'"' in block:
        has_quote = pc.match_substring(content, '"').to_numpy(zero_copy_only=False)
        simple &= ~has_quote
    for character, present in (
        ("\r", block.count(b"\r") != block.count(b"\r\n")),
        ("\x00", b"\x00" in block),
        ("\ufeff", "\ufeff".encode() in block),
    ):
        if present:
            simple &= ~pc.match_substring(content, character).to_numpy(zero_copy_only=False)
    index = np.flatnonzero(simple)
    kept = fields.filter(pa.array(simple))
    columns = []
    for column in range(n_columns):
        value = pc.list_element(kept, column)
        # An empty field is NULL (a quoted empty field, '', never reaches this path).
        columns.append(pc.if_else(pc.equal(value, ""), None, value))
    columns.append(pa.array(index + first_line, pa.int64()))
    names = [f"c{i}" for i in range(1, n_columns + 1)] + ["_line_number"]
    return pa.RecordBatch.from_arrays(columns, names=names), simple, raw, has_quote


def _read_records_fast(
    raw_file: files.RawFile,
    decoder: _Decoder,
    delimiter: str,
    header_text: str,
    n_columns: int,
) -> _Reading:
    """As `_read_records` over every line after the header, for a UTF-8 file: simple lines
    are split in bulk, the others (with the lines a quoted value could join) are handed,
    in file order, to `_read_records`."""
    reading = _Reading(_Batches(n_columns))
    handed: list[Line] = []  # lines for the line-by-line reader
    joinable_until = 0  # last line that a quoted value opened earlier could join
    with files.open_binary(raw_file) as handle:
        handle.readline()  # the header, line 1
        first_line, carry = 2, b""
        while True:
            chunk = handle.read(FAST_BLOCK_BYTES)
            data = carry + chunk
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            block, carry = data[:cut], data[cut:]
            if not chunk:
                if block:  # a last line without a line ending: the careful reader's case
                    handed.append((first_line, block, b""))
                break
            if not block:
                continue
            batch, simple, raw, has_quote = _fast_block(
                block, first_line, delimiter, header_text, n_columns
            )
            numbers = np.arange(first_line, first_line + len(raw))
            joinable = numbers <= joinable_until
            for offset in range(min(MAX_RECORD_LINES, len(raw))):
                joinable[offset:] |= has_quote[: len(has_quote) - offset]
            quoted = np.flatnonzero(has_quote)
            if len(quoted):
                joinable_until = max(
                    joinable_until, int(numbers[quoted[-1]]) + MAX_RECORD_LINES - 1
                )
            careful = ~simple | joinable
            if careful.any():
                # Simple lines a quoted value could join are handed over too: not landed here.
                keep = np.flatnonzero(simple & ~careful)
                positions = np.searchsorted(np.flatnonzero(simple), keep)
                batch = batch.take(pa.array(positions))
                for position in np.flatnonzero(careful):
                    line = raw[int(position)].as_py()
                    ending = b"\r\n" if line.endswith(b"\r") else b"\n"
                    handed.append((int(numbers[position]), line.removesuffix(b"\r"), ending))
            reading.rows.add_batch(batch)
            first_line += len(raw)
    careful_reading = _read_records(iter(handed), decoder, delimiter, header_text, n_columns)
    for batch in careful_reading.rows.table().to_batches():
        reading.rows.add_batch(batch)
    reading.rejects = careful_reading.rejects
    reading.blank = careful_reading.blank
    reading.continuation = careful_reading.continuation
    return reading


def _reject_messages(rejects: list[Reject]) -> list[str]:
    """One message per kind of problem, with the first few lines as examples."""
    by_type: dict[str, list[Reject]] = {}
    for reject in rejects:
        by_type.setdefault(reject.error_type, []).append(reject)
    messages = []
    for error_type, group in by_type.items():
        first = group[0]
        head = f"{len(group):,} row{'s' if len(group) > 1 else ''} rejected to raw._rejects"
        if len(group) == 1:
            messages.append(f"{head}, {error_type.lower()}: line {first.line}: {first.message}")
            continue
        lines = ", ".join(str(r.line) for r in group[:EXAMPLES])
        more = f" and {len(group) - EXAMPLES:,} more" if len(group) > EXAMPLES else ""
        messages.append(
            f"{head}, {error_type.lower()}: lines {lines}{more} (first, line {first.line}:"
            f" {first.message})"
        )
    return messages


@dataclass(frozen=True)
class Parsed:
    """A file parsed into `_npd_landing` (an Arrow table registered on the connection),
    ready to write."""

    table: str
    mapped: list[HeaderColumn]
    accepted: int
    rejects: list[Reject]


@dataclass
class Read:
    """What reading one NPD file found, before the database is touched (`read_npd_file`):
    its rows, rejects and header, and what the landing's record will say of it."""

    rows: pa.Table
    rejects: list[Reject]
    accepted: int
    blank: int
    delivered: list[str]
    delimiter: str
    kind: str
    year_from_name: int | None
    encoding: str
    messages: list[str]


def read_npd_file(raw_file: files.RawFile, scan: files.Scan) -> Read:
    """Read and check one NPD file (its `scan` made first): every data line landed as a row,
    rejected or blank; raises LoadError. Touches no database, so that the landing can read
    the next file while it writes this one (loader.py, `_NpdReadAhead`)."""
    path = raw_file.path
    if scan.empty:
        raise LoadError(path, "empty file (no header, no rows)")
    year_from_name, kind = _file_identity(raw_file)
    decoder = _Decoder(raw_file, scan)
    messages: list[str] = []
    if decoder.windows_1252:
        messages.append(
            f"not UTF-8 (first at line {scan.first_non_utf8_line}): decoded as Windows-1252"
        )

    lines = _physical_lines(raw_file)
    _, header_bytes, _ = next(lines)
    try:
        header_text = decoder.decode(header_bytes)
    except _BadLineError as bad:
        raise LoadError(path, f"header: {bad.message}", where="line 1") from None
    header_line = header_text.lstrip("\ufeff").rstrip("\r")
    all_names = _all_npd_columns()
    delimiter, delivered = _choose_delimiter(path, header_line, all_names)
    decoder.delimiter = delimiter.encode("ascii")
    if kind is None:
        kind = (
            "disabilities"
            if any(_lookup(h, all_names) == "CIN_DisabilityType" for h in delivered)
            else "main"
        )
    for position, name in enumerate(delivered, start=1):
        control = next((c for c in name if ord(c) < 32 or ord(c) == 127), None)
        if control is not None:
            # A corrupt header: its column names cannot be trusted, nor the file.
            raise LoadError(
                path,
                f"header column {position} holds the control character {control!r}",
                where="line 1",
            )
    n = len(delivered)
    if scan.encoding == "utf-8":
        lines.close()
        reading = _read_records_fast(raw_file, decoder, delimiter, header_line, n)
    else:
        reading = _read_records(lines, decoder, delimiter, header_line, n)
    rejects, accepted = reading.rejects, reading.rows.rows
    data_lines = max(scan.line_count - 1, 0)
    accounted = accepted + reading.continuation + len(rejects) + reading.blank
    if accounted != data_lines:
        # The promise of the landing: every line is landed, rejected or blank.
        raise LoadError(
            path,
            f"internal error: {accounted:,} lines accounted for (landed, rejected, blank)"
            f" but the file has {data_lines:,} after the header",
        )
    if accepted + len(rejects) == 0:
        raise LoadError(path, "empty file (a header but no data rows)")
    if accepted == 0:
        # Not one row parses: a format problem of the whole file, not of some rows.
        raise LoadError(
            path,
            f"none of the {len(rejects):,} data rows can be parsed: {rejects[0].message}",
            where=f"line {rejects[0].line}",
        )
    if not scan.ends_with_newline and rejects and rejects[-1].line == scan.line_count:
        raise LoadError(
            path,
            f"file appears truncated: the last line has no line ending and {rejects[-1].message}",
            where=f"line {scan.line_count}",
        )
    if decoder.mixed:
        messages.append("UTF-8, but some lines hold other bytes (those are rejected)")
    if not scan.ends_with_newline:
        messages.append(
            f"line {scan.line_count}: the last line has no line ending (landed; if the file"
            " was cut short, its last value may be incomplete)"
        )
    rows = reading.rows.table()
    numbers = rows.column("_line_number")
    if len(numbers) > 1 and not pc.all(pc.greater(numbers[1:], numbers[:-1])).as_py():
        # The bulk and the line-by-line reader's rows come in two runs: back to file order,
        # so that rowids follow the lines.
        rows = rows.sort_by("_line_number")
    return Read(
        rows=rows,
        rejects=rejects,
        accepted=accepted,
        blank=reading.blank,
        delivered=delivered,
        delimiter=delimiter,
        kind=kind,
        year_from_name=year_from_name,
        encoding="windows-1252" if decoder.windows_1252 else "utf-8",
        messages=messages,
    )


def parse_npd_file(
    con: duckdb.DuckDBPyConnection,
    raw_file: files.RawFile,
    scan: files.Scan,
    record: LoadRecord,
    read: Read | None = None,
) -> Parsed:
    """Parse one NPD file into `_npd_landing` (c1 … cn, `_line_number`; an Arrow table
    registered on the connection, outside the database file) and check it, from what
    `read_npd_file` found (`read`, or read here); raises LoadError; writes no raw table (it
    runs outside the transaction)."""
    path = raw_file.path
    if read is None:
        read = read_npd_file(raw_file, scan)
    record.encoding = read.encoding
    record.messages.extend(read.messages)
    delivered, delimiter, kind = read.delivered, read.delimiter, read.kind
    all_names = _all_npd_columns()
    drop_temp_tables(con)
    # Registered, not copied into a temp table: the insert reads the Arrow table itself.
    con.register("_npd_landing", read.rows)

    # Census year: from the name and/or ACADYR, which must agree.
    acadyr_position = next(
        (i for i, h in enumerate(delivered, 1) if _lookup(h, all_names) == "CIN_ACADYR"), None
    )
    census_year = _census_year(con, path, read.year_from_name, acadyr_position)
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
    record.blank_lines = read.blank
    _report_columns(record, mapped, census_year, kind)
    return Parsed(
        table=npd_table(census_year, kind),
        mapped=mapped,
        accepted=read.accepted,
        rejects=read.rejects,
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
        from _npd_landing
        """,
        [record.load_id, record.source_file, census_year],
    )
    record.rows_per_table = {table: parsed.accepted}
    rejects = parsed.rejects
    if rejects:
        # Through Arrow, not row by row: a broken file can have many rejects.
        batch = pa.table(
            {
                "line_number": pa.array([r.line for r in rejects], pa.int64()),
                "error_type": pa.array([r.error_type for r in rejects], pa.string()),
                "message": pa.array([r.message for r in rejects], pa.string()),
                "original_text": pa.array([r.text for r in rejects], pa.string()),
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
        record.messages.extend(_reject_messages(rejects))


def drop_temp_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Forget the parsed rows of the last file (`_npd_landing`)."""
    con.unregister("_npd_landing")


def _census_year(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    year_from_name: int | None,
    acadyr_position: int | None,
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
            # fetchall, not fetchone: DuckDB 2.0 streams results, and one left unfinished
            # refuses the caller's next unregister() on this connection.
            ((line,),) = con.execute(
                f"select min(_line_number) from _npd_landing where c{acadyr_position} = ?",
                [value],
            ).fetchall()
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
