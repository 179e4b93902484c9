"""Land an LA census return (XML) into one raw table per module, streaming.

lxml's iterparse reads the file once (after its first element alone, to refuse a file that
is not a return before anything lands) and reports only module elements; each finished
Child is walked in the tree libxml2 built, then cleared (with its earlier siblings), so
memory stays flat however large the return. Values land as delivered (an
element present but empty lands as '', an absent one as NULL), with position keys to
rebuild the nesting and the line of each module element. Elements the loader does not
know land in `raw.xml_unknown_elements` with their path and text, and are reported.

The same reading runs in a worker process (`parse_xml_file`, no database): it keeps the
header and the Arrow batches in order, and the main process writes them
(`land_xml_file(..., parsed=...)`) exactly as it writes a return it reads itself.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from lxml import etree

from cin_warehouse.ingest import files, manifest
from cin_warehouse.ingest.errors import LoadError
from cin_warehouse.ingest.manifest import LoadRecord
from cin_warehouse.ingest.xml_modules import (
    MODULES,
    STRUCTURAL_PATHS,
    UNKNOWN_KEYS,
    UNKNOWN_TABLE,
    Module,
    key_columns,
)

FLUSH_ROWS = 50_000
DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
YEAR = re.compile(r"^\s*(\d{4})\s*$")
REFERENCE_DATE = re.compile(r"^\s*(\d{4})-\d{2}-\d{2}")
RETURN_NAME = re.compile(r"^CIN_(?P<year>\d{4})_(?P<la>\d{3})\.xml(\.gz)?$", re.IGNORECASE)

KEYS = {m.name: key_columns(m) for m in MODULES}
# A module row is a list: its line, its position keys, its value columns (in this order,
# the order of its Arrow schema); a list indexed by the trie is cheaper than a dict.
COLUMNS = {m.name: ["_line_number", *KEYS[m.name], *m.values] for m in MODULES}
SCHEMAS = {
    m.name: pa.schema(
        [("_line_number", pa.int64())]
        + [(key, pa.int32()) for key in KEYS[m.name]]
        + [(column, pa.string()) for column in m.values]
    )
    for m in MODULES
}
# Columns holding the module element's own text (leaf modules such as Disability).
OWN_TEXT = {
    m.name: [COLUMNS[m.name].index(c) for c, relative in m.values.items() if not relative]
    for m in MODULES
}
# Where a module row holds the keys an unknown element inherits (None: it has none).
UNKNOWN_INDEX = {
    m.name: [COLUMNS[m.name].index(k) if k in COLUMNS[m.name] else None for k in UNKNOWN_KEYS]
    for m in MODULES
}
UNKNOWN_SCHEMA = pa.schema(
    [("_line_number", pa.int64())]
    + [(key, pa.int32()) for key in UNKNOWN_KEYS]
    + [("parent_module", pa.string()), ("path", pa.string()), ("text", pa.string())]
)
MODULE, FIELD, STRUCTURAL, UNKNOWN = range(4)


@dataclass(slots=True)
class _Node:
    """One element path the loader knows, as a trie over tag names (cheap per element)."""

    kind: int
    module: Module | None = None
    index: int = -1  # a value element's place in its module's row
    children: dict[str, _Node] = field(default_factory=dict)


_UNKNOWN = _Node(UNKNOWN)  # its (empty) children make every descendant unknown too


def _trie() -> _Node:
    root = _Node(STRUCTURAL)

    def node_at(path: tuple[str, ...]) -> _Node:
        node = root
        for tag in path:
            node = node.children.setdefault(tag, _Node(STRUCTURAL))
        return node

    for path in STRUCTURAL_PATHS:
        node_at(path)
    for module in MODULES:
        node = node_at(module.path)
        node.kind, node.module = MODULE, module
        for column, relative in module.values.items():
            if relative:
                leaf = node_at((*module.path, *relative))
                leaf.kind, leaf.module = FIELD, module
                leaf.index = COLUMNS[module.name].index(column)
    return root


ROOT = _trie()


class _Landing:
    """State of one file's streaming parse (one instance per file: no global state). What
    must reach the database goes to `out`: the header's census year and LA, and Arrow
    batches of rows (a `_Writer` writes them at once; a `_Recorder`, in a worker process,
    keeps them for the main process to write in the files' order)."""

    def __init__(self, path: Path, out: _Writer | _Recorder) -> None:
        self.out = out
        self.path = path
        self.messages: list[str] = []
        self.buffers: dict[str, list[list[Any]]] = {m.name: [] for m in MODULES}
        self.unknown: list[dict[str, Any]] = []
        self.buffered = 0
        self.header: dict[str, str | None] | None = None
        self.census_year: int | None = None
        self.la_code: str | None = None
        self.counts: dict[str, int] = {m.table: 0 for m in MODULES} | {UNKNOWN_TABLE: 0}
        self.repeated = 0
        # Lines from BIG_LINE on of module elements, read at their start events.
        self.start_lines: dict[Any, int] = {}

    def line(self, elem: Any) -> int:
        """The line of the element's start tag."""
        line: int = elem.sourceline
        return self.start_lines.pop(elem, line) if line >= BIG_LINE else line

    # -- header ---------------------------------------------------------------------
    def finish_header(self, row: list[Any], line: int) -> None:
        values = dict(zip(COLUMNS["header"], row, strict=True))
        lea = values.get("LEA")
        if not lea or not lea.strip():
            raise LoadError(
                self.path, "Header/Source/LEA is missing: cannot tell the LA", f"line {line}"
            )
        year = YEAR.match(values.get("Year") or "")
        reference = REFERENCE_DATE.match(values.get("ReferenceDate") or "")
        if year is None and reference is None:
            raise LoadError(
                self.path,
                "Header has no CollectionDetails/Year or ReferenceDate: cannot tell the"
                " census year",
                f"line {line}",
            )
        self.census_year = int(year[1]) if year else int(reference[1])  # type: ignore[index]
        if year and reference and int(reference[1]) != int(year[1]):
            self.messages.append(
                f"line {line}: Header Year {values['Year']} but ReferenceDate"
                f" {values['ReferenceDate']}; census year taken from Year"
            )
        # The LA code as delivered identifies the return; surrounding spaces are not part
        # of a 3-digit code, so they are ignored for matching re-deliveries only.
        self.la_code = lea.strip()
        self._check_file_name(line)
        self.header = values
        self.out.header(self.census_year, self.la_code)
        self.buffers["header"].append(row)
        self.buffered += 1

    def _check_file_name(self, line: int) -> None:
        """A file named like the generator and DfE name returns, CIN_<year>_<LA>.xml, must
        agree with its header (the header is what identifies the return)."""
        match = RETURN_NAME.match(self.path.name)
        if match is None:
            return
        if int(match["year"]) != self.census_year:
            raise LoadError(
                self.path,
                f"census-year mismatch: the header says {self.census_year} but the file name"
                f" says {match['year']}",
                f"line {line}",
            )
        if match["la"] != self.la_code:
            raise LoadError(
                self.path,
                f"LA mismatch: the header's LEA is {self.la_code} but the file name says"
                f" {match['la']}",
                f"line {line}",
            )

    # -- rows -----------------------------------------------------------------------
    def add_unknown(
        self, path: str, text: str | None, line: int, row: list[Any], module: Module | None
    ) -> None:
        places = UNKNOWN_INDEX[module.name] if module else [None] * len(UNKNOWN_KEYS)
        self.unknown.append(
            {
                "path": path,
                "text": text,
                "_line_number": line,
                "parent_module": module.name if module else None,
                **{
                    k: None if i is None else row[i]
                    for k, i in zip(UNKNOWN_KEYS, places, strict=True)
                },
            }
        )
        self.buffered += 1

    def add_module(
        self, elem: Any, node: _Node, parent_row: list[Any], counts: dict[str, int]
    ) -> list[Any]:
        """The row of a finished module element `elem` (trie node `node`) in the row
        `parent_row`, whose nested module counts are `counts`; its descendants are walked
        and the row is buffered (the header's row is finished by the caller)."""
        module = node.module
        assert module is not None
        name = module.name
        row: list[Any] = [None] * len(COLUMNS[name])
        row[0] = self.line(elem)
        if module.position:
            # The enclosing row's keys come first in the same order: copy them.
            own = len(KEYS[name])
            row[1:own] = parent_row[1:own]
            count = counts.get(name, 0) + 1
            counts[name] = count
            row[own] = count
        if len(elem):
            self.walk(elem, node, row, module, {})
        for index in OWN_TEXT[name]:
            row[index] = elem.text or ""
        if name != "header":
            self.buffers[name].append(row)
            self.buffered += 1
        return row

    def walk(
        self,
        elements: Iterable[Any],
        node: _Node,
        row: list[Any],
        module: Module | None,
        counts: dict[str, int],
    ) -> None:
        """Land `elements`, children of an element at trie node `node` in the row `row` (of
        `module`; `counts` are the module rows nested in it so far), and their descendants,
        in document order."""
        children = node.children
        for elem in elements:
            tag = elem.tag
            child = children.get(tag)
            if child is None:  # rare: a name the trie does not know here, or not a name
                if tag.__class__ is not str:  # an entity reference (not resolved): no element
                    continue
                child = children.get(_local_name(tag), _UNKNOWN)  # a namespace counts for nothing
            kind = child.kind
            # Most elements are values, then module rows, then containers.
            if kind == FIELD:
                if len(elem):  # what is inside a value element is unknown
                    self.walk(elem, _UNKNOWN, row, module, counts)
                index = child.index
                if row[index] is not None:
                    self.repeated += 1
                    self.add_unknown(_path(elem), elem.text, self.line(elem), row, module)
                else:
                    row[index] = elem.text or ""
            elif kind == MODULE:
                self.add_module(elem, child, row, counts)
            elif kind == STRUCTURAL:
                if len(elem):
                    self.walk(elem, child, row, module, counts)
            else:
                # Unknown, with all that is in it: innermost first, as their ends come.
                size = len(elem)
                if size:
                    self.walk(elem, _UNKNOWN, row, module, counts)
                text = elem.text if size == 0 else None
                self.add_unknown(_path(elem), text, self.line(elem), row, module)

    def flush(self) -> None:
        for module in MODULES:
            rows = self.buffers[module.name]
            if rows:
                schema = SCHEMAS[module.name]
                columns = zip(*rows, strict=True)
                arrays = [pa.array(c, type=f.type) for c, f in zip(columns, schema, strict=True)]
                self._insert(module.table, pa.Table.from_arrays(arrays, schema=schema))
                self.buffers[module.name] = []
        if self.unknown:
            self._insert(UNKNOWN_TABLE, pa.Table.from_pylist(self.unknown, schema=UNKNOWN_SCHEMA))
            self.unknown = []
        self.buffered = 0

    def _insert(self, table: str, batch: pa.Table) -> None:
        self.out.batch(table, batch)
        self.counts[table] += batch.num_rows


class _Writer:
    """Writes a return's header and batches in the caller's transaction, as they come."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, path: Path, record: LoadRecord, sink: Batches
    ) -> None:
        self.con = con
        self.path = path
        self.record = record
        self.sink = sink

    def header(self, census_year: int, la_code: str) -> None:
        record = self.record
        record.census_year = census_year
        record.la_code = la_code
        # A re-delivery (same year and LA, other bytes) replaces the earlier return's rows.
        record.replaces = manifest.current_loads(self.con, "xml", "la_return", census_year, la_code)
        if record.replaces:
            self.sink.flush()  # rows held from an earlier file may be the ones replaced
            for table in [m.table for m in MODULES] + [UNKNOWN_TABLE]:
                self.con.execute(
                    f"delete from {table} where list_contains(?, _load_id)", [record.replaces]
                )
            manifest.supersede(self.con, record.replaces, record.load_id)

    def batch(self, table: str, batch: pa.Table) -> None:
        # One Arrow table per module and batch, with the file's provenance as constant
        # columns: DuckDB reads it in one insert with no statement parameters (which cost
        # more per insert than the constant columns).
        count = batch.num_rows
        record = self.record
        for name, value, data_type in (
            ("_load_id", record.load_id, pa.string()),
            ("_source_file", str(self.path), pa.string()),
            ("_census_year", record.census_year, pa.int32()),
            ("_la_code", record.la_code, pa.string()),
        ):
            batch = batch.append_column(name, pa.repeat(pa.scalar(value, data_type), count))
        self.sink.add(table, batch)


class _Recorder:
    """Keeps a return's header and batches, in order, for a `_Writer` in another process
    (`Parsed.replay`): the parse needs no database."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, tuple[Any, ...]]] = []

    def header(self, census_year: int, la_code: str) -> None:
        self.steps.append(("header", (census_year, la_code)))

    def batch(self, table: str, batch: pa.Table) -> None:
        self.steps.append(("batch", (table, batch)))


class Batches:
    """Arrow batches bound for raw tables, inserted as they come (`hold` False) or held and
    inserted together at `flush`, one insert per table: the XML files of one transaction
    (DuckDB spends about as much CPU on an insert statement as on a small return's rows of
    one module). At most FLUSH_ROWS rows are held."""

    def __init__(self, con: duckdb.DuckDBPyConnection, hold: bool) -> None:
        self.con = con
        self.hold = hold
        self.held: dict[str, list[pa.Table]] = {}
        self.rows = 0

    def add(self, table: str, batch: pa.Table) -> None:
        if not self.hold:
            self._insert(table, batch)
            return
        self.held.setdefault(table, []).append(batch)
        self.rows += batch.num_rows
        if self.rows >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        """Insert what is held (before commit, and before anything reads the raw tables)."""
        for table, batches in self.held.items():
            self._insert(table, pa.concat_tables(batches))
        self.held = {}
        self.rows = 0

    def _insert(self, table: str, batch: pa.Table) -> None:
        # DuckDB finds the local `_xml_batch` by name (a replacement scan): cheaper per
        # insert than registering and unregistering a view.
        _xml_batch = batch  # noqa: F841 (read by DuckDB, not by Python)
        self.con.execute(f"insert into {table} by name select * from _xml_batch")


def _declared_encoding(raw_file: files.RawFile) -> str | None:
    with files.open_binary(raw_file) as handle:
        match = DECLARED_ENCODING.search(handle.read(512))
    return match[1].decode("ascii").lower() if match else None


@dataclass
class Parsed:
    """A return read to the end without a database (in a worker process): what its landing
    writes, in order, and what its manifest row says of it."""

    encoding: str
    messages: list[str]
    steps: list[tuple[str, tuple[Any, ...]]]
    counts: dict[str, int]
    repeated: int
    bytes_read: int  # of the file as stored (compressed if gzipped): the progress bar's


def parse_xml_file(raw_file: files.RawFile, scan: files.Scan) -> Parsed:
    """Read one return to the end, keeping what its landing would write (no database: the
    main process writes it with `land_xml_file(..., parsed=...)`). Raises what the landing
    would raise."""
    recorder = _Recorder()
    read = [0]

    def count(n_bytes: int) -> None:
        read[0] += n_bytes

    landing, encoding = _read(raw_file, scan, recorder, count)
    return Parsed(
        encoding, landing.messages, recorder.steps, landing.counts, landing.repeated, read[0]
    )


def land_xml_file(
    con: duckdb.DuckDBPyConnection,
    raw_file: files.RawFile,
    scan: files.Scan,
    record: LoadRecord,
    progress: files.Progress | None = None,
    sink: Batches | None = None,
    parsed: Parsed | None = None,
) -> None:
    """Stream one return into the raw XML tables inside the caller's transaction (through
    `sink` if given: the caller flushes it; else each batch is inserted at once); with
    `parsed` (`parse_xml_file`'s reading of it), write that instead of reading the file."""
    if sink is None:
        sink = Batches(con, hold=False)
    writer = _Writer(con, raw_file.path, record, sink)
    if parsed is None:
        landing, encoding = _read(raw_file, scan, writer, progress)
        messages, counts, repeated = landing.messages, landing.counts, landing.repeated
    else:
        for step, arguments in parsed.steps:
            getattr(writer, step)(*arguments)
        encoding, messages = parsed.encoding, parsed.messages
        counts, repeated = parsed.counts, parsed.repeated
        if progress is not None:
            progress(parsed.bytes_read)
    record.encoding = encoding
    record.messages += messages
    record.rows_per_table = {t: n for t, n in counts.items() if n}
    unknown = counts[UNKNOWN_TABLE]
    if unknown:
        sink.flush()  # the first unknown element is read back from its table
        first = con.execute(
            f"select path, _line_number from {UNKNOWN_TABLE} where _load_id = ?"
            " order by _line_number limit 1",
            [record.load_id],
        ).fetchone()
        assert first is not None  # `unknown` rows of this load are in the table
        record.messages.append(
            f"{unknown} unknown element(s) kept in {UNKNOWN_TABLE} (first: {first[0]} at line"
            f" {first[1]})"
        )
    if repeated:
        record.messages.append(
            f"{repeated} repeated single-valued element(s) kept in {UNKNOWN_TABLE}"
        )
    if not counts["raw.xml_child"]:
        record.messages.append("the return has no Child elements")


def _read(
    raw_file: files.RawFile,
    scan: files.Scan,
    out: _Writer | _Recorder,
    progress: files.Progress | None,
) -> tuple[_Landing, str]:
    """Read one return to the end, its header and rows to `out`: the landing, and the
    encoding it was read in (for the manifest; a message says when it is not declared)."""
    path = raw_file.path
    if scan.empty:
        raise LoadError(path, "empty file (no XML at all)")
    override = None
    declared = _declared_encoding(raw_file)
    encoding = declared or "utf-8"
    landing = _Landing(path, out)
    if scan.encoding != "utf-8" and declared in (None, "utf-8", "utf8"):
        # Declared (or defaulted) UTF-8 but it is not: Windows-1252 exports are common.
        override = "windows-1252"
        encoding = override
        landing.messages.append(
            f"not UTF-8 (first at line {scan.first_non_utf8_line}): decoded as Windows-1252"
        )
    try:
        with open(path, "rb") as handle:
            _check_root(path, _decompressed(handle, raw_file), override)
        with open(path, "rb") as handle:
            _stream(
                _Feed(_decompressed(files.CountingReader(handle, progress), raw_file)),
                override,
                landing,
                # libxml2 counts lines by line feeds; fewer than BIG_LINE of them: every
                # element's line is exact, no start line of a nested module is needed.
                EVENT_TAGS if scan.line_count >= BIG_LINE else SHORT_EVENT_TAGS,
            )
    except etree.XMLSyntaxError as error:
        message = error.msg or str(error)
        raise LoadError(path, f"malformed XML: {message}", where=f"line {error.lineno}") from error
    except EOFError as error:
        raise LoadError(path, "truncated gzip file (compressed stream ends early)") from error
    if landing.header is None:
        raise LoadError(path, "no Header/Source/LEA: cannot tell which LA's return this is")
    landing.flush()
    return landing, encoding


def _parser(stream: Any, override: str | None, **options: Any) -> Any:
    return etree.iterparse(
        stream,
        encoding=override,
        remove_comments=True,
        remove_pis=True,
        huge_tree=True,
        resolve_entities=False,
        no_network=True,
        **options,
    )


def _decompressed(handle: Any, raw_file: files.RawFile) -> Any:
    return gzip.GzipFile(fileobj=handle, mode="rb") if raw_file.is_gzip else handle


def _check_root(path: Path, stream: Any, override: str | None) -> None:
    """Refuse a file whose root element is not Message before any of it lands: the first
    start event of the same parser is the root (a file malformed before its root fails
    here, with the message the landing would give)."""
    _, root = next(iter(_parser(stream, override, events=("start",))))
    tag = _local_name(root.tag)
    if tag != "Message":
        raise LoadError(
            path,
            f"root element is {tag}, not Message: not a CIN census return",
            where=f"line {root.sourceline}",
        )


# Events only for the root and the module elements (Header, Child and the rows nested in
# them). Everything in a finished Header or Child is then walked in the tree libxml2 has built
# (one element proxy per element, no Python call per start and end tag), and what lies
# outside them (elements of Message or Children the loader does not know) when it can no
# longer change: before a finished Child's earlier siblings are freed, and at the end.
MODULE_TAGS = frozenset(m.path[-1] for m in MODULES)
EVENT_TAGS = ("{*}Message", *sorted(f"{{*}}{tag}" for tag in MODULE_TAGS))
# The events of a return shorter than BIG_LINE lines: those `_stream` acts on (about a
# tenth of the parse and walk's CPU fewer on the returns of BENCHMARKS.md).
SHORT_EVENT_TAGS = ("{*}Message", "{*}Header", "{*}Child")
MESSAGE = ROOT.children["Message"]
CHILDREN = MESSAGE.children["Children"]
HEADER = MESSAGE.children["Header"]
CHILD = CHILDREN.children["Child"]
# libxml2 keeps the line of an element in 16 bits: from this line on, `sourceline` is
# inferred from the text node before the element or its first child, so it is the start
# tag's line only while the parser has read no further than that line. The parser is
# therefore fed one line at a time from this line on (`_Feed`), and module rows take their
# line at the element's start event. Lines of unknown elements are read when they are
# walked: past this line they are libxml2's inference from the finished tree (right for
# every unknown element of the returns compared in BENCHMARKS.md, not guaranteed).
BIG_LINE = 65535
FEED_BYTES = 1 << 16


class _Feed:
    """The decompressed stream as the parser reads it: in large pieces up to line
    BIG_LINE - 1, then one line at a time (a line longer than a piece goes in pieces)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.lines = 0  # line breaks handed to the parser so far
        self.buffer = b""
        self.position = 0

    def read(self, size: int = -1) -> bytes:
        buffer = self.buffer
        if self.position >= len(buffer):
            buffer = self.buffer = self.stream.read(FEED_BYTES)
            self.position = 0
            if not buffer:
                return b""
        start = self.position
        end = len(buffer)
        if self.lines < BIG_LINE - 1:
            wanted = BIG_LINE - 1 - self.lines  # line breaks before line BIG_LINE
            count = buffer.count(b"\n", start)
            if count >= wanted:
                end = start
                for _ in range(wanted):
                    end = buffer.index(b"\n", end) + 1
                count = wanted
            self.lines += count
        else:
            found = buffer.find(b"\n", start)
            if found >= 0:
                end = found + 1
                self.lines += 1
        self.position = end
        return buffer[start:end]


def _is_child_row(elem: Any, root: Any) -> bool:
    """Only Message/Children/Child is a Child row; a Child elsewhere is unknown and is
    walked with the element it is in."""
    parent = elem.getparent()
    return (
        parent is not None
        and parent.getparent() is root
        and _local_name_or_none(parent) == "Children"
    )


def _stream(stream: Any, override: str | None, landing: _Landing, tags: tuple[str, ...]) -> None:
    """Land the return read from `stream`, with events for the elements `tags` (the root,
    Header and Child, and the nested modules if their start lines are needed)."""
    parser = _parser(stream, override, events=("start", "end"), tag=tags)
    root: Any = None
    top_row: list[Any] = [None]  # the rows of Message/Children/Child (and Header) have no parent
    top_counts: dict[str, int] = {}
    for event, elem in parser:
        if event == "start":
            if root is None:
                root = elem  # the first event is the root's (_check_root saw it is Message)
                continue
            line = elem.sourceline
            if line >= BIG_LINE:
                landing.start_lines[elem] = line
            child = landing.header is None and _local_name(elem.tag) == "Child"
            if child and _is_child_row(elem, root):
                raise LoadError(
                    landing.path,
                    "Child before any Header/Source/LEA: cannot tell which LA's return this is",
                    where=f"line {line}",
                )
            continue
        tag = _local_name(elem.tag)
        if tag == "Child":
            if not _is_child_row(elem, root):
                continue
            landing.add_module(elem, CHILD, top_row, top_counts)
            if landing.buffered >= FLUSH_ROWS:
                landing.flush()
            # Done with this Child: free it and its earlier siblings, after walking those
            # that are not Child rows (elements of Children the loader does not know).
            elem.clear()
            parent = elem.getparent()
            while elem.getprevious() is not None:
                first = parent[0]
                if _local_name_or_none(first) != "Child":
                    landing.walk((first,), CHILDREN, top_row, None, top_counts)
                del parent[0]
        elif tag == "Header":
            if elem.getparent() is not root:
                continue
            row = landing.add_module(elem, HEADER, top_row, top_counts)
            landing.finish_header(row, row[0])
            elem.clear()
        elif elem is root:
            # The end of the return: what is left outside Header and Child rows.
            for element in root:
                name = _local_name_or_none(element)
                if name == "Header":
                    continue
                if name == "Children":
                    rest = [e for e in element if _local_name_or_none(e) != "Child"]
                    landing.walk(rest, CHILDREN, top_row, None, top_counts)
                else:
                    landing.walk((element,), MESSAGE, top_row, None, top_counts)


def _local_name_or_none(elem: Any) -> str | None:
    tag = elem.tag
    return _local_name(tag) if isinstance(tag, str) else None


def _local_name(tag: str) -> str:
    return tag[tag.index("}") + 1 :] if tag[0] == "{" else tag


def _path(elem: Any) -> str:
    """The element's path from the root, e.g. Message/Children/Child/Foo (its ancestors
    are still in the tree: only finished Child and Header subtrees are cleared)."""
    names = [_local_name(elem.tag)]
    names.extend(_local_name(a.tag) for a in elem.iterancestors())
    return "/".join(reversed(names))
