"""Land an LA census return (XML) into one raw table per module, streaming.

lxml's iterparse reads the file once; each finished Child is cleared (with its earlier
siblings), so memory stays flat however large the return. Values land as delivered (an
element present but empty lands as '', an absent one as NULL), with position keys to
rebuild the nesting and the line of each module element. Elements the loader does not
know land in `raw.xml_unknown_elements` with their path and text, and are reported.
"""

from __future__ import annotations

import gzip
import re
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


@dataclass
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
    """State of one file's streaming landing (one instance per file: no global state)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, record: LoadRecord) -> None:
        self.con = con
        self.path = path
        self.record = record
        self.buffers: dict[str, list[list[Any]]] = {m.name: [] for m in MODULES}
        self.unknown: list[dict[str, Any]] = []
        self.buffered = 0
        self.header: dict[str, str | None] | None = None
        self.census_year: int | None = None
        self.la_code: str | None = None
        self.counts: dict[str, int] = {m.table: 0 for m in MODULES} | {UNKNOWN_TABLE: 0}
        self.repeated = 0

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
            self.record.messages.append(
                f"line {line}: Header Year {values['Year']} but ReferenceDate"
                f" {values['ReferenceDate']}; census year taken from Year"
            )
        # The LA code as delivered identifies the return; surrounding spaces are not part
        # of a 3-digit code, so they are ignored for matching re-deliveries only.
        self.la_code = lea.strip()
        self._check_file_name(line)
        self.header = values
        self.record.census_year = self.census_year
        self.record.la_code = self.la_code
        # A re-delivery (same year and LA, other bytes) replaces the earlier return's rows.
        self.record.replaces = manifest.current_loads(
            self.con, "xml", "la_return", self.census_year, self.la_code
        )
        if self.record.replaces:
            for table in [m.table for m in MODULES] + [UNKNOWN_TABLE]:
                self.con.execute(
                    f"delete from {table} where list_contains(?, _load_id)",
                    [self.record.replaces],
                )
            manifest.supersede(self.con, self.record.replaces, self.record.load_id)
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
        # One Arrow table per module and batch, with the file's provenance as constant
        # columns: DuckDB reads it in one insert with no statement parameters (which cost
        # more per insert than the constant columns).
        count = batch.num_rows
        for name, value, data_type in (
            ("_load_id", self.record.load_id, pa.string()),
            ("_source_file", str(self.path), pa.string()),
            ("_census_year", self.census_year, pa.int32()),
            ("_la_code", self.la_code, pa.string()),
        ):
            batch = batch.append_column(name, pa.array([value] * count, type=data_type))
        # DuckDB finds the local `_xml_batch` by name (a replacement scan): cheaper per
        # insert than registering and unregistering a view.
        _xml_batch = batch  # noqa: F841 (read by DuckDB, not by Python)
        self.con.execute(f"insert into {table} by name select * from _xml_batch")
        self.counts[table] += count


def _declared_encoding(raw_file: files.RawFile) -> str | None:
    with files.open_binary(raw_file) as handle:
        match = DECLARED_ENCODING.search(handle.read(512))
    return match[1].decode("ascii").lower() if match else None


def land_xml_file(
    con: duckdb.DuckDBPyConnection,
    raw_file: files.RawFile,
    scan: files.Scan,
    record: LoadRecord,
    progress: files.Progress | None = None,
) -> None:
    """Stream one return into the raw XML tables inside the caller's transaction."""
    path = raw_file.path
    if scan.empty:
        raise LoadError(path, "empty file (no XML at all)")
    override = None
    declared = _declared_encoding(raw_file)
    record.encoding = declared or "utf-8"
    if scan.encoding != "utf-8" and declared in (None, "utf-8", "utf8"):
        # Declared (or defaulted) UTF-8 but it is not: Windows-1252 exports are common.
        override = "windows-1252"
        record.encoding = override
        record.messages.append(
            f"not UTF-8 (first at line {scan.first_non_utf8_line}): decoded as Windows-1252"
        )
    landing = _Landing(con, path, record)
    with open(path, "rb") as handle:
        counted = files.CountingReader(handle, progress)
        stream: Any = gzip.GzipFile(fileobj=counted, mode="rb") if raw_file.is_gzip else counted
        try:
            _stream(stream, override, landing)
        except etree.XMLSyntaxError as error:
            message = error.msg or str(error)
            raise LoadError(
                path, f"malformed XML: {message}", where=f"line {error.lineno}"
            ) from error
        except EOFError as error:
            raise LoadError(path, "truncated gzip file (compressed stream ends early)") from error
    if landing.header is None:
        raise LoadError(path, "no Header/Source/LEA: cannot tell which LA's return this is")
    landing.flush()
    record.rows_per_table = {t: n for t, n in landing.counts.items() if n}
    unknown = landing.counts[UNKNOWN_TABLE]
    if unknown:
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
    if landing.repeated:
        record.messages.append(
            f"{landing.repeated} repeated single-valued element(s) kept in {UNKNOWN_TABLE}"
        )
    if not landing.counts["raw.xml_child"]:
        record.messages.append("the return has no Child elements")


def _stream(stream: Any, override: str | None, landing: _Landing) -> None:
    parser = etree.iterparse(
        stream,
        events=("start", "end"),
        encoding=override,
        remove_comments=True,
        remove_pis=True,
        huge_tree=True,
        resolve_entities=False,
        no_network=True,
    )
    nodes: list[_Node] = [ROOT]
    # Open module rows, innermost last, with their module and the counts of the modules
    # nested in them so far (which give the nested rows their positions).
    rows: list[list[Any]] = [[None]]
    row_modules: list[Module | None] = [None]
    row_counts: list[dict[str, int]] = [{}]
    for event, elem in parser:
        tag = elem.tag
        if tag[0] == "{":  # a namespace: CIN returns have none, but the name is what counts
            tag = tag[tag.index("}") + 1 :]
        if event == "start":
            node = nodes[-1].children.get(tag, _UNKNOWN)
            if node is _UNKNOWN and len(nodes) == 1:  # the root's only known name is Message
                raise LoadError(
                    landing.path,
                    f"root element is {tag}, not Message: not a CIN census return",
                    where=f"line {elem.sourceline}",
                )
            nodes.append(node)
            module = node.module
            if node.kind == MODULE and module is not None:
                if module.name == "child" and landing.header is None:
                    raise LoadError(
                        landing.path,
                        "Child before any Header/Source/LEA: cannot tell which LA's return this is",
                        where=f"line {elem.sourceline}",
                    )
                row: list[Any] = [None] * len(COLUMNS[module.name])
                row[0] = elem.sourceline
                if module.position:
                    # The enclosing row's keys come first in the same order: copy them.
                    own = len(KEYS[module.name])
                    row[1:own] = rows[-1][1:own]
                    counts = row_counts[-1]
                    count = counts.get(module.name, 0) + 1
                    counts[module.name] = count
                    row[own] = count
                rows.append(row)
                row_modules.append(module)
                row_counts.append({})
            continue

        # Most elements are values, then module rows; structural ones need nothing.
        node = nodes.pop()
        if node.kind == FIELD:
            row = rows[-1]
            if row[node.index] is not None:
                landing.repeated += 1
                landing.add_unknown(_path(elem), elem.text, elem.sourceline, row, row_modules[-1])
            else:
                row[node.index] = elem.text or ""
        elif node.kind == MODULE:
            module = row_modules.pop()
            row = rows.pop()
            row_counts.pop()
            assert module is not None
            for index in OWN_TEXT[module.name]:
                row[index] = elem.text or ""
            if module.name == "header":
                landing.finish_header(row, elem.sourceline)
            else:
                landing.buffers[module.name].append(row)
                landing.buffered += 1
                if landing.buffered >= FLUSH_ROWS and landing.header is not None:
                    landing.flush()
            if module.name in ("child", "header"):
                # Done with this subtree: free it and the already-processed siblings.
                elem.clear()
                while elem.getprevious() is not None:
                    del elem.getparent()[0]
        elif node.kind == UNKNOWN:
            text = elem.text if len(elem) == 0 else None
            landing.add_unknown(_path(elem), text, elem.sourceline, rows[-1], row_modules[-1])


def _local_name(tag: str) -> str:
    return tag[tag.index("}") + 1 :] if tag[0] == "{" else tag


def _path(elem: Any) -> str:
    """The element's path from the root, e.g. Message/Children/Child/Foo (its ancestors
    are still in the tree: only finished Child and Header subtrees are cleared)."""
    names = [_local_name(elem.tag)]
    names.extend(_local_name(a.tag) for a in elem.iterancestors())
    return "/".join(reversed(names))
