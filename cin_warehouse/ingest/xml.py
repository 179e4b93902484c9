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
MODULE, FIELD, STRUCTURAL, UNKNOWN = range(4)


@dataclass
class _Node:
    """One element path the loader knows, as a trie over tag names (cheap per element)."""

    kind: int
    module: Module | None = None
    column: str | None = None
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
                leaf.kind, leaf.module, leaf.column = FIELD, module, column
    return root


ROOT = _trie()


class _Landing:
    """State of one file's streaming landing (one instance per file: no global state)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, path: Path, record: LoadRecord) -> None:
        self.con = con
        self.path = path
        self.record = record
        self.buffers: dict[str, list[dict[str, Any]]] = {m.name: [] for m in MODULES}
        self.unknown: list[dict[str, Any]] = []
        self.buffered = 0
        self.header: dict[str, str | None] | None = None
        self.census_year: int | None = None
        self.la_code: str | None = None
        self.counts: dict[str, int] = {m.table: 0 for m in MODULES} | {UNKNOWN_TABLE: 0}
        self.repeated = 0

    # -- header ---------------------------------------------------------------------
    def finish_header(self, row: dict[str, Any], line: int) -> None:
        values = {c: row.get(c) for c in MODULES[0].values}
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
        self.buffers["header"].append({**values, "_line_number": row["_line_number"]})
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
    def add(self, module: Module, row: dict[str, Any]) -> None:
        self.buffers[module.name].append(row)
        self.buffered += 1
        if self.buffered >= FLUSH_ROWS and self.header is not None:
            self.flush()

    def add_unknown(
        self, path: str, text: str | None, line: int, row: dict[str, Any], module: Module | None
    ) -> None:
        self.unknown.append(
            {
                "path": path,
                "text": text,
                "_line_number": line,
                "parent_module": module.name if module else None,
                **{k: row.get(k) for k in UNKNOWN_KEYS},
            }
        )
        self.buffered += 1

    def flush(self) -> None:
        constants = [self.record.load_id, str(self.path), self.census_year, self.la_code]
        for module in MODULES:
            rows = self.buffers[module.name]
            if rows:
                columns = {
                    "_line_number": pa.int64(),
                    **dict.fromkeys(KEYS[module.name], pa.int32()),
                    **dict.fromkeys(module.values, pa.string()),
                }
                self._insert(module.table, rows, columns, constants)
                self.buffers[module.name] = []
        if self.unknown:
            columns = {
                "_line_number": pa.int64(),
                **dict.fromkeys(UNKNOWN_KEYS, pa.int32()),
                "parent_module": pa.string(),
                "path": pa.string(),
                "text": pa.string(),
            }
            self._insert(UNKNOWN_TABLE, self.unknown, columns, constants)
            self.unknown = []
        self.buffered = 0

    def _insert(
        self,
        table: str,
        rows: list[dict[str, Any]],
        columns: dict[str, pa.DataType],
        constants: list[Any],
    ) -> None:
        batch = pa.table(
            {name: pa.array([r.get(name) for r in rows], type=t) for name, t in columns.items()}
        )
        self.con.register("_xml_batch", batch)
        try:
            self.con.execute(
                f"insert into {table} by name select *, ? as _load_id, ? as _source_file,"
                " ? as _census_year, ? as _la_code from _xml_batch",
                constants,
            )
        finally:
            self.con.unregister("_xml_batch")
        self.counts[table] += len(rows)


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
    names: list[str] = []
    # Open module rows, innermost last, with their module and the counts of the modules
    # nested in them so far (which give the nested rows their positions).
    rows: list[dict[str, Any]] = [{}]
    row_modules: list[Module | None] = [None]
    row_counts: list[dict[str, int]] = [{}]
    for event, elem in parser:
        tag = elem.tag
        if tag[0] == "{":  # a namespace: CIN returns have none, but the name is what counts
            tag = tag[tag.index("}") + 1 :]
        if event == "start":
            node = nodes[-1].children.get(tag, _UNKNOWN)
            nodes.append(node)
            names.append(tag)
            if len(nodes) == 2 and tag != "Message":
                raise LoadError(
                    landing.path,
                    f"root element is {tag}, not Message: not a CIN census return",
                    where=f"line {elem.sourceline}",
                )
            module = node.module
            if node.kind == MODULE and module is not None:
                if module.name == "child" and landing.header is None:
                    raise LoadError(
                        landing.path,
                        "Child before any Header/Source/LEA: cannot tell which LA's return this is",
                        where=f"line {elem.sourceline}",
                    )
                parent = rows[-1]
                row: dict[str, Any] = {"_line_number": elem.sourceline}
                if module.position:
                    for key in KEYS[module.name][:-1]:
                        row[key] = parent.get(key)
                    counts = row_counts[-1]
                    count = counts.get(module.name, 0) + 1
                    counts[module.name] = count
                    row[module.position] = count
                rows.append(row)
                row_modules.append(module)
                row_counts.append({})
            continue

        node = nodes.pop()
        if node.kind == MODULE:
            module = row_modules.pop()
            row = rows.pop()
            row_counts.pop()
            assert module is not None
            for column, relative in module.values.items():
                if not relative:
                    row[column] = elem.text or ""
            if module.name == "header":
                landing.finish_header(row, elem.sourceline)
            else:
                landing.add(module, row)
            if module.name in ("child", "header"):
                # Done with this subtree: free it and the already-processed siblings.
                elem.clear()
                while elem.getprevious() is not None:
                    del elem.getparent()[0]
        elif node.kind == FIELD:
            row = rows[-1]
            if node.column in row:
                landing.repeated += 1
                path = "/".join(names)
                landing.add_unknown(path, elem.text, elem.sourceline, row, row_modules[-1])
            else:
                row[node.column] = elem.text or ""  # type: ignore[index]
        elif node.kind == UNKNOWN:
            text = elem.text if len(elem) == 0 else None
            path = "/".join(names)
            landing.add_unknown(path, text, elem.sourceline, rows[-1], row_modules[-1])
        names.pop()
