"""Write a census year's returns (see `returns.py`) as LA census return XML, one file per LA.

Files: ``<out_dir>/xml/<census_year>/CIN_<census_year>_<la_code>.xml`` (`xml_return_path`),
UTF-8, two-space indentation, for census years 2017 to 2026, each shaped by that year's
schema ``CIN_schema_<census_year>.xsd``: ``GenderCurrent`` to 2024 and ``Sex`` from 2025,
``CINPlanDates`` from 2022, elements in the XSD's sequence order. A value that is NULL in
the returns is an absent element; every other value is written as given (XML-escaped), so
damage the recording step put in the returns reaches the file unchanged. Only the columns
named here are read: truth columns (``person_id``, ``episode_id``, ``cpp_id``, ...) and any
other extra column never reach a file.

Empty containers (Disabilities, FactorsIdentifiedAtAssessment, Reviews) are left out, and
a row of those single-value modules whose value is NULL writes nothing. Returns the writer
cannot nest without guessing or losing rows are refused with a ValueError naming the first
case (see `_check`): rows of another year, NULL or repeated keys, rows without a parent,
CINPlanDates rows before 2022, characters XML 1.0 cannot carry, non-text values.

How it scales: the nesting is built in DuckDB, not by a Python walk over rows. Each module
becomes one XML fragment per row; fragments are gathered per parent in position order,
bottom-up (factors -> assessment -> CIN details -> child), so a query yields one text per
Child, in file order, streamed into the LA's file. LAs are taken in groups of about
`batch_rows` CINdetails, through sort indices by LA computed once, so memory beyond the
input is bounded by one group's output, not by the year. Values are XML-escaped only in
columns that hold a character needing it (one scan per column). The bytes are the same for
the same input whatever its row order or grouping. `benchmarks/bench_xml_writer.py`
measures it at national scale (~650k CINdetails, 152 LAs).

`XsdValidator` / `validate_xml_return` check a written file against its year's XSD (lxml).
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from lxml import etree

from cin_warehouse.synth import returns as returns_schema

FIRST_XML_YEAR = 2017
LAST_XML_YEAR = 2026
CIN_PLAN_DATES_FROM = 2022  # CINPlanDates enters the schema in 2021/22
SEX_FROM = 2025  # Sex (M/F/U) replaces GenderCurrent (1/2/0/9) in 2024/25

XSD_DIR_ENV = "CIN_XSD_DIR"
PACKAGE_XSD_DIR = Path(__file__).resolve().parents[1] / "data" / "xsd"
_INDENT = "  "
# Characters XML 1.0 cannot carry at all: writing them would make a file no parser reads.
_XML_INVALID = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}]"
_TO_ESCAPE = r"[&<>\r]"
_SPECIAL = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x{fffe}\x{ffff}&<>\r]"  # either of the above


# --- naming and locations ------------------------------------------------------------------


def xml_return_path(out_dir: Path, census_year: int, la_code: str) -> Path:
    """Where an LA's return for a census year is written under the world's output folder."""
    return Path(out_dir) / "xml" / str(census_year) / f"CIN_{census_year}_{la_code}.xml"


def default_xsd_dir() -> Path:
    """The folder of ``CIN_schema_<year>.xsd``: $CIN_XSD_DIR, else the package's copy of
    DfE's schemas (``cin_warehouse/data/xsd``, sources in ``cin_warehouse/data/README.md``)."""
    configured = os.environ.get(XSD_DIR_ENV)
    if configured:
        return Path(configured)
    return PACKAGE_XSD_DIR


def xsd_path(census_year: int, xsd_dir: Path | None = None) -> Path:
    return Path(xsd_dir or default_xsd_dir()) / f"CIN_schema_{census_year}.xsd"


def gender_element(census_year: int) -> str:
    """The element that carries the returns' `Gender` column in a census year."""
    return "Sex" if census_year >= SEX_FROM else "GenderCurrent"


# --- the shape of a return: modules, keys, leaves in XSD order -----------------------------


@dataclass(frozen=True)
class _Module:
    """One returns table: its key columns (parent key + own position) and leaf elements."""

    name: str
    keys: tuple[str, ...]
    leaves: tuple[tuple[str, str], ...]  # (XML element, returns column), in XSD order

    @property
    def parent_keys(self) -> tuple[str, ...]:
        return self.keys[:-1]

    @property
    def columns(self) -> list[str]:
        return ["census_year", *self.keys, *(column for _, column in self.leaves)]


_CHILD_KEY = ("la_code", "child_pos")  # LA in every key: one query can cover many LAs
_CIN_KEY = (*_CHILD_KEY, "cin_details_pos")
_ASSESSMENT_KEY = (*_CIN_KEY, "assessment_pos")
_CPP_KEY = (*_CIN_KEY, "cpp_pos")


def _modules(census_year: int) -> dict[str, _Module]:
    """The modules as the year's schema has them (only the gender element varies by year;
    CINPlanDates' presence is decided where it is nested)."""
    modules = [
        _Module(
            "child",
            _CHILD_KEY,
            (
                ("LAchildID", "LAchildID"),
                ("UPN", "UPN"),
                ("FormerUPN", "FormerUPN"),
                ("UPNunknown", "UPNunknown"),
                ("PersonBirthDate", "PersonBirthDate"),
                ("ExpectedPersonBirthDate", "ExpectedPersonBirthDate"),
                (gender_element(census_year), "Gender"),
                ("PersonDeathDate", "PersonDeathDate"),
                ("Ethnicity", "Ethnicity"),  # in ChildCharacteristics, written apart
            ),
        ),
        _Module("disability", (*_CHILD_KEY, "disability_pos"), (("Disability", "Disability"),)),
        _Module(
            "cin_details",
            _CIN_KEY,
            (
                ("CINreferralDate", "CINreferralDate"),
                ("ReferralSource", "ReferralSource"),
                ("PrimaryNeedCode", "PrimaryNeedCode"),
                ("CINclosureDate", "CINclosureDate"),
                ("ReasonForClosure", "ReasonForClosure"),
                ("DateOfInitialCPC", "DateOfInitialCPC"),
                ("ReferralNFA", "ReferralNFA"),  # after Section47, written apart
            ),
        ),
        _Module(
            "assessment",
            _ASSESSMENT_KEY,
            (
                ("AssessmentActualStartDate", "AssessmentActualStartDate"),
                ("AssessmentInternalReviewDate", "AssessmentInternalReviewDate"),
                ("AssessmentAuthorisationDate", "AssessmentAuthorisationDate"),
            ),
        ),
        _Module(
            "assessment_factor",
            (*_ASSESSMENT_KEY, "factor_pos"),
            (("AssessmentFactors", "AssessmentFactors"),),
        ),
        _Module(
            "cin_plan_dates",
            (*_CIN_KEY, "cin_plan_pos"),
            (("CINPlanStartDate", "CINPlanStartDate"), ("CINPlanEndDate", "CINPlanEndDate")),
        ),
        _Module(
            "section47",
            (*_CIN_KEY, "s47_pos"),
            (
                ("S47ActualStartDate", "S47ActualStartDate"),
                ("InitialCPCtarget", "InitialCPCtarget"),
                ("DateOfInitialCPC", "DateOfInitialCPC"),
                ("ICPCnotRequired", "ICPCnotRequired"),
            ),
        ),
        _Module(
            "cpp",
            _CPP_KEY,
            (
                ("CPPstartDate", "CPPstartDate"),
                ("CPPendDate", "CPPendDate"),
                ("InitialCategoryOfAbuse", "InitialCategoryOfAbuse"),
                ("LatestCategoryOfAbuse", "LatestCategoryOfAbuse"),
                ("NumberOfPreviousCPP", "NumberOfPreviousCPP"),
            ),
        ),
        _Module("cpp_review", (*_CPP_KEY, "review_pos"), (("CPPreviewDate", "CPPreviewDate"),)),
    ]
    return {module.name: module for module in modules}


_PARENT = {
    "disability": "child",
    "cin_details": "child",
    "assessment": "cin_details",
    "assessment_factor": "assessment",
    "cin_plan_dates": "cin_details",
    "section47": "cin_details",
    "cpp": "cin_details",
    "cpp_review": "cpp",
}
_HEADER_COLUMNS = ("ReferenceDate", "SoftwareCode", "Release", "SerialNo", "DateTime")


# --- SQL that builds the fragments -----------------------------------------------------------


def _pad(depth: int) -> str:
    return _INDENT * depth


def _escaped(column: str) -> str:
    """SQL for a column's text escaped as XML character data. CR is kept as a reference
    because a parser would otherwise normalise it to LF and the round trip would differ."""
    sql = f'"{column}"'
    for raw, reference in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        sql = f"replace({sql}, '{raw}', '{reference}')"
    return f"replace({sql}, chr(13), '&#13;')"


def _leaf(element: str, column: str, depth: int, escape: Collection[str]) -> str:
    """SQL for one leaf element; '' when the value is NULL (`||` propagates NULL). Only the
    columns in `escape` are escaped: the replaces are half the query's time, and codes and
    dates never need them."""
    value = _escaped(column) if column in escape else f'"{column}"'
    return f"coalesce('{_pad(depth)}<{element}>' || {value} || '</{element}>\n', '')"


def _leaves(pairs: Sequence[tuple[str, str]], depth: int, escape: Collection[str]) -> str:
    return " || ".join(_leaf(element, column, depth, escape) for element, column in pairs)


def _open(element: str, depth: int) -> str:
    return f"'{_pad(depth)}<{element}>\n'"


def _close(element: str, depth: int) -> str:
    return f"'{_pad(depth)}</{element}>\n'"


def _wrapped(element: str, depth: int, inner: str) -> str:
    """SQL for a container around `inner`, or '' when `inner` is NULL (no children)."""
    return f"coalesce({_open(element, depth)} || {inner} || {_close(element, depth)}, '')"


def _list_cte(name: str, module: _Module, fragment: str, source: str, group: Sequence[str]) -> str:
    """A CTE with one row per parent: the module's fragments in position order.

    Not `string_agg(... order by pos)`: DuckDB's ordered aggregate costs ~20 us a group and
    was three quarters of the writer's time. An unordered list of (position, fragment)
    sorted per group gives the same text (positions are unique, `_check`) for ~40% less."""
    group_sql = ", ".join(f"{source}.{key}" for key in group)
    pairs = f"list(struct_pack(p := {source}.{module.keys[-1]}, x := {fragment}))"
    return (
        f"{name} as (select {group_sql}, "
        f"array_to_string(list_transform(list_sort({pairs}), lambda s: s.x), '') as xml"
        f" from {source}"
    )


def _children_sql(census_year: int, escape: Collection[str]) -> str:
    """One query over the registered tables: a row per Child (LA code, its whole XML), in
    file order. `escape`: the columns holding characters XML must escape."""
    m = _modules(census_year)

    def joined(cte: str, keys: Sequence[str]) -> str:
        return f"left join {cte} using ({', '.join(keys)})"

    def single_value_list(cte: str, module: _Module, depth: int) -> str:
        ((element, column),) = module.leaves
        return (
            _list_cte(
                cte, module, _leaf(element, column, depth, escape), module.name, module.parent_keys
            )
            + f' where "{column}" is not null group by all)'
        )

    factor_lists = single_value_list("factor_lists", m["assessment_factor"], 6)
    assessment_xml = (
        f"{_open('Assessments', 4)} || {_leaves(m['assessment'].leaves, 5, escape)} || "
        f"{_wrapped('FactorsIdentifiedAtAssessment', 5, 'factor_lists.xml')} || "
        f"{_close('Assessments', 4)}"
    )
    assessment_lists = (
        _list_cte("assessment_lists", m["assessment"], assessment_xml, "assessment", _CIN_KEY)
        + f" {joined('factor_lists', _ASSESSMENT_KEY)} group by all)"
    )
    plan_xml = (
        f"{_open('CINPlanDates', 4)} || {_leaves(m['cin_plan_dates'].leaves, 5, escape)} || "
        f"{_close('CINPlanDates', 4)}"
    )
    plan_lists = (
        _list_cte("plan_lists", m["cin_plan_dates"], plan_xml, "cin_plan_dates", _CIN_KEY)
        + " group by all)"
    )
    s47_xml = (
        f"{_open('Section47', 4)} || {_leaves(m['section47'].leaves, 5, escape)} || "
        f"{_close('Section47', 4)}"
    )
    s47_lists = (
        _list_cte("s47_lists", m["section47"], s47_xml, "section47", _CIN_KEY) + " group by all)"
    )
    review_lists = single_value_list("review_lists", m["cpp_review"], 6)
    cpp_xml = (
        f"{_open('ChildProtectionPlans', 4)} || {_leaves(m['cpp'].leaves, 5, escape)} || "
        f"{_wrapped('Reviews', 5, 'review_lists.xml')} || {_close('ChildProtectionPlans', 4)}"
    )
    cpp_lists = (
        _list_cte("cpp_lists", m["cpp"], cpp_xml, "cpp", _CIN_KEY)
        + f" {joined('review_lists', _CPP_KEY)} group by all)"
    )
    with_plans = census_year >= CIN_PLAN_DATES_FROM
    *episode_leaves, nfa_leaf = m["cin_details"].leaves
    cin_xml = " || ".join(
        [
            _open("CINdetails", 3),
            _leaves(episode_leaves, 4, escape),
            "coalesce(assessment_lists.xml, '')",
            *(["coalesce(plan_lists.xml, '')"] if with_plans else []),
            "coalesce(s47_lists.xml, '')",
            _leaf(*nfa_leaf, 4, escape),
            "coalesce(cpp_lists.xml, '')",
            _close("CINdetails", 3),
        ]
    )
    cin_joins = " ".join(
        joined(cte, _CIN_KEY)
        for cte in ("assessment_lists", *(["plan_lists"] if with_plans else []))
        + (
            "s47_lists",
            "cpp_lists",
        )
    )
    cin_lists = (
        _list_cte("cin_lists", m["cin_details"], cin_xml, "cin_details", _CHILD_KEY)
        + f" {cin_joins} group by all)"
    )
    disability_lists = single_value_list("disability_lists", m["disability"], 5)
    *identifier_leaves, ethnicity_leaf = m["child"].leaves
    child_xml = " || ".join(
        [
            _open("Child", 2),
            _open("ChildIdentifiers", 3),
            _leaves(identifier_leaves, 4, escape),
            _close("ChildIdentifiers", 3),
            _open("ChildCharacteristics", 3),
            _leaf(*ethnicity_leaf, 4, escape),
            _wrapped("Disabilities", 4, "disability_lists.xml"),
            _close("ChildCharacteristics", 3),
            "coalesce(cin_lists.xml, '')",
            _close("Child", 2),
        ]
    )
    ctes = [factor_lists, assessment_lists, *([plan_lists] if with_plans else [])]
    ctes += [s47_lists, review_lists, cpp_lists, cin_lists, disability_lists]
    return (
        "with "
        + ",\n".join(ctes)
        + f"\nselect child.la_code, {child_xml} as xml from child "
        + f"{joined('disability_lists', _CHILD_KEY)} {joined('cin_lists', _CHILD_KEY)} "
        + "order by child.la_code, child.child_pos"
    )


# --- header ----------------------------------------------------------------------------------


def _text(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _header_xml(census_year: int, la_code: str, header: Mapping[str, str | None]) -> str:
    def leaf(element: str, value: str | None, depth: int) -> str:
        return "" if value is None else f"{_pad(depth)}<{element}>{_text(value)}</{element}>\n"

    return "".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n',
            f"{_pad(1)}<Header>\n{_pad(2)}<CollectionDetails>\n",
            leaf("Collection", "CIN", 3),
            leaf("Year", str(census_year), 3),
            leaf("ReferenceDate", header["ReferenceDate"], 3),
            f"{_pad(2)}</CollectionDetails>\n{_pad(2)}<Source>\n",
            leaf("SourceLevel", "L", 3),
            leaf("LEA", la_code, 3),
            *(leaf(column, header[column], 3) for column in _HEADER_COLUMNS[1:]),
            f"{_pad(2)}</Source>\n{_pad(1)}</Header>\n{_pad(1)}<Children>\n",
        ]
    )


_FOOTER = f"{_INDENT}</Children>\n</Message>\n"


# --- input checks ----------------------------------------------------------------------------


def _selected(
    returns: Mapping[str, pa.Table], census_year: int
) -> tuple[pa.Table, dict[str, pa.Table]]:
    """The header and the module tables, cut down to the columns the writer writes, so truth
    columns cannot reach a file. A module absent from `returns` counts as empty."""
    known = set(returns_schema.MODULES)
    unknown = set(returns) - known
    if unknown:
        raise ValueError(f"returns: unknown modules {sorted(unknown)}; known: {sorted(known)}")
    tables: dict[str, pa.Table] = {}
    for name, module in _modules(census_year).items():
        table = returns.get(name, returns_schema.MODULES[name].empty_table())
        missing = [column for column in module.columns if column not in table.column_names]
        if missing:
            raise ValueError(f"returns[{name!r}] lacks columns {missing}")
        not_text = [
            column for _, column in module.leaves if not _is_text(table.schema.field(column).type)
        ]
        if not_text:
            raise ValueError(f"returns[{name!r}]: {not_text} must be text, as written")
        tables[name] = table.select(module.columns)
    header = returns.get("header", returns_schema.HEADER.empty_table())
    header_columns = ["census_year", "la_code", *_HEADER_COLUMNS]
    missing = [column for column in header_columns if column not in header.column_names]
    if missing:
        raise ValueError(f"returns['header'] lacks columns {missing}")
    return header.select(header_columns), tables


def _first_violation(con: duckdb.DuckDBPyConnection, sql: str) -> tuple | None:
    # fetchall, not fetchone: DuckDB 2.0 streams results, and a result left unfinished by
    # fetchone refuses the next register() on this connection (ResourceInUseException).
    rows = con.execute(sql + " limit 1").fetchall()
    return rows[0] if rows else None


def _check(con: duckdb.DuckDBPyConnection, census_year: int, names: Sequence[str]) -> None:
    """Refuse returns whose nesting is ambiguous or would lose rows, naming the first case:
    another year's rows, NULL or duplicate keys, rows without a parent (an LA's children
    without a header row), CIN plan dates in a year whose schema has none. Characters are
    checked in `_scan_characters`, column types in `_selected`."""
    modules = _modules(census_year)
    for name in ["header", *names]:
        row = _first_violation(
            con, f"select la_code, census_year from {name} where census_year <> {census_year}"
        )
        if row:
            raise ValueError(f"returns[{name!r}] has census_year {row[1]} (LA {row[0]})")
    row = _first_violation(
        con, "select la_code from header group by la_code having count(*) > 1 or la_code is null"
    )
    if row:
        raise ValueError(f"returns['header'] has no single row for LA {row[0]!r}")
    for name in names:
        keys = list(modules[name].keys)
        key_sql = ", ".join(keys)
        row = _first_violation(
            con,
            f"select {key_sql} from {name} where " + " or ".join(f"{key} is null" for key in keys),
        )
        if row:
            raise ValueError(
                f"returns[{name!r}] has a NULL key: {dict(zip(keys, row, strict=True))}"
            )
        row = _first_violation(
            con, f"select {key_sql} from {name} group by all having count(*) > 1"
        )
        if row:
            raise ValueError(
                f"returns[{name!r}] repeats the key {dict(zip(keys, row, strict=True))}"
            )
        parent = _PARENT.get(name, "header")
        parent_keys = list(modules[name].parent_keys)
        row = _first_violation(
            con,
            f"select {', '.join(parent_keys)} from {name} anti join {parent} "
            f"using ({', '.join(parent_keys)})",
        )
        if row:
            where = dict(zip(parent_keys, row, strict=True))
            raise ValueError(f"returns[{name!r}] has rows with no {parent} row: {where}")
    row = _first_violation(con, "select la_code from cin_plan_dates")
    if census_year < CIN_PLAN_DATES_FROM and row:
        raise ValueError(
            f"returns['cin_plan_dates'] has rows (LA {row[0]}) but the {census_year} schema "
            f"has no CINPlanDates (from {CIN_PLAN_DATES_FROM}); leave them out of the returns"
        )


def _is_text(type_: pa.DataType) -> bool:
    return pa.types.is_string(type_) or pa.types.is_large_string(type_)


def _scan_characters(header: pa.Table, tables: Mapping[str, pa.Table]) -> set[str]:
    """The columns with characters to escape; refuse characters XML cannot carry at all."""
    escape = set()
    for name, table in {"header": header, **tables}.items():
        for column in table.column_names:
            if not _is_text(table.schema.field(column).type):
                continue
            values = table[column]
            # One scan in the usual case: nothing to escape and nothing invalid.
            if not pc.any(pc.match_substring_regex(values, _SPECIAL)).as_py():
                continue
            bad = pc.match_substring_regex(values, _XML_INVALID)
            if pc.any(bad).as_py():
                row = table.filter(bad).slice(0, 1).to_pylist()[0]
                raise ValueError(
                    f"returns[{name!r}].{column} holds a character XML cannot carry "
                    f"(LA {row['la_code']}): {row[column]!r}"
                )
            if pc.any(pc.match_substring_regex(values, _TO_ESCAPE)).as_py():
                escape.add(column)
    return escape


# --- writing ---------------------------------------------------------------------------------


def _la_ranges(table: pa.Table) -> dict[str, tuple[int, int]]:
    """Row range (start, stop) of each LA in `table` once sorted by LA."""
    counts = table.group_by("la_code").aggregate([([], "count_all")]).sort_by("la_code")
    ranges = {}
    start = 0
    for la_code, count in zip(
        counts["la_code"].to_pylist(), counts["count_all"].to_pylist(), strict=True
    ):
        ranges[la_code] = (start, start + count)
        start += count
    return ranges


def _la_batches(
    cin_ranges: Mapping[str, tuple[int, int]], la_codes: list[str], rows: int
) -> Iterator[list[str]]:
    """Consecutive LAs grouped until about `rows` CINdetails: one query per group amortises
    DuckDB's per-query cost over small LAs, and bounds memory by the group's output."""
    batch: list[str] = []
    size = 0
    for la_code in la_codes:
        start, stop = cin_ranges.get(la_code, (0, 0))
        if batch and size + stop - start > rows:
            yield batch
            batch, size = [], 0
        batch.append(la_code)
        size += stop - start
    if batch:
        yield batch


@dataclass(frozen=True)
class _ByLa:
    """A module table with its row order by LA (indices, not a sorted copy: a copy would
    double the memory the input already takes) and each LA's range in that order."""

    table: pa.Table
    order: pa.Array
    ranges: dict[str, tuple[int, int]]

    @classmethod
    def of(cls, table: pa.Table) -> _ByLa:
        order = pc.sort_indices(table, [("la_code", "ascending")])
        return cls(table, order, _la_ranges(table))

    def rows_of(self, las: list[str]) -> pa.Table:
        """The rows of LAs `las`, consecutive in LA order."""
        present = [self.ranges[la] for la in las if la in self.ranges]
        if not present:
            return self.table.slice(0, 0)
        start, stop = present[0][0], present[-1][1]
        return self.table.take(self.order.slice(start, stop - start))


class _ReturnFiles:
    """Writes the streamed Child fragments into one file per LA, each through a temporary
    name so an interrupted run leaves no half file."""

    def __init__(self, out_dir: Path, census_year: int, headers: Mapping[str, Mapping]) -> None:
        self.out_dir = out_dir
        self.census_year = census_year
        self.headers = headers
        self.written: list[Path] = []
        self._la: str | None = None
        self._handle: BinaryIO | None = None

    def write(self, la_code: str, text: bytes | memoryview) -> None:
        """Append UTF-8 `text` (Child fragments) to the LA's file."""
        if la_code != self._la:
            self.close()
            self._open(la_code)
        assert self._handle is not None  # _open set it
        self._handle.write(text)

    def _open(self, la_code: str) -> None:
        path = xml_return_path(self.out_dir, self.census_year, la_code)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(path.with_name(path.name + ".part"), "wb")  # noqa: SIM115
        self._handle.write(_header_xml(self.census_year, la_code, self.headers[la_code]).encode())
        self._la = la_code

    def close(self) -> None:
        if self._handle is None or self._la is None:  # both are set together, by _open
            return
        self._handle.write(_FOOTER.encode("utf-8"))
        self._handle.close()
        path = xml_return_path(self.out_dir, self.census_year, self._la)
        os.replace(path.with_name(path.name + ".part"), path)
        self.written.append(path)
        self._handle = self._la = None

    def abandon(self) -> None:
        if self._handle is not None and self._la is not None:
            self._handle.close()
            path = xml_return_path(self.out_dir, self.census_year, self._la)
            path.with_name(path.name + ".part").unlink(missing_ok=True)
            self._handle = self._la = None


def _stream(reader: pa.RecordBatchReader, files: _ReturnFiles) -> None:
    """Rows come ordered by LA then position: hand each LA's run of fragments on. A run of
    an Arrow text column is one contiguous span of its UTF-8 data buffer, so it is written
    as is, without a Python string per fragment."""
    for batch in reader:
        if not batch.num_rows:
            continue
        las = batch.column(0).to_numpy(zero_copy_only=False)
        fragments = batch.column(1).cast(pa.large_string())
        if fragments.null_count:
            raise ValueError("an XML fragment is NULL (a module row the query could not nest)")
        _, offset_buffer, data = fragments.buffers()
        offsets = np.frombuffer(offset_buffer, dtype=np.int64)[
            fragments.offset : fragments.offset + len(fragments) + 1
        ]
        data_view = memoryview(data) if data is not None else memoryview(b"")
        starts = [0, *(np.flatnonzero(las[1:] != las[:-1]) + 1).tolist(), len(las)]
        for start, stop in itertools.pairwise(starts):
            files.write(las[start], data_view[offsets[start] : offsets[stop]])


def write_xml_returns(
    returns: Mapping[str, pa.Table],
    out_dir: Path,
    census_year: int,
    *,
    threads: int | None = None,
    batch_rows: int = 20_000,
) -> list[Path]:
    """Write one census year's returns as one XML file per LA; return the paths, by LA code.

    `returns` holds the tables of `returns.MODULES` for `census_year` (a missing module is
    empty; extra columns are ignored). Files go to `xml_return_path(out_dir, census_year,
    la_code)`. An LA with a header row but no Child gets no file: the schema requires at
    least one Child. LAs are written in groups of about `batch_rows` CINdetails (memory
    grows with it); `threads` caps DuckDB's threads. Raises ValueError for a year without
    an XSD and for returns whose nesting is ambiguous or would lose rows (see `_check`).
    """
    if not FIRST_XML_YEAR <= census_year <= LAST_XML_YEAR:
        raise ValueError(
            f"census year {census_year}: LA returns are written for "
            f"{FIRST_XML_YEAR}-{LAST_XML_YEAR} only"
        )
    header, tables = _selected(returns, census_year)
    escape = _scan_characters(header, tables)
    with duckdb.connect() as con:
        if threads:
            con.execute(f"set threads = {int(threads)}")
        con.register("header", header)
        for name, table in tables.items():
            con.register(name, table)
        _check(con, census_year, list(tables))
        sql = _children_sql(census_year, escape)
        by_la = {name: _ByLa.of(table) for name, table in tables.items()}
        files = _ReturnFiles(
            Path(out_dir), census_year, {row["la_code"]: row for row in header.to_pylist()}
        )
        try:
            child_las = sorted(by_la["child"].ranges)
            for las in _la_batches(by_la["cin_details"].ranges, child_las, batch_rows):
                for name, module in by_la.items():
                    con.register(name, module.rows_of(las))
                _stream(con.sql(sql).to_arrow_reader(20_000), files)
            files.close()
        except BaseException:
            files.abandon()
            raise
    return files.written


# --- validation ------------------------------------------------------------------------------


class XsdValidator:
    """Validates return files against the XSD of their census year (schemas loaded once)."""

    def __init__(self, xsd_dir: Path | None = None) -> None:
        self.xsd_dir = Path(xsd_dir or default_xsd_dir())
        self._schemas: dict[int, etree.XMLSchema] = {}

    def schema(self, census_year: int) -> etree.XMLSchema:
        if census_year not in self._schemas:
            path = xsd_path(census_year, self.xsd_dir)
            if not path.exists():
                raise FileNotFoundError(f"no schema for census year {census_year}: {path}")
            self._schemas[census_year] = etree.XMLSchema(etree.parse(str(path)))
        return self._schemas[census_year]

    def errors(self, path: Path, census_year: int | None = None) -> list[str]:
        """The schema errors of the file as 'file:line: message'; [] when it is valid. The
        year is the file's Header Year unless given."""
        try:
            document = etree.parse(str(path))
        except etree.XMLSyntaxError as error:
            return [f"{path}: not well-formed XML: {error}"]
        year = census_year if census_year is not None else _header_year(document, path)
        schema = self.schema(year)
        if schema.validate(document):
            return []
        return [f"{path}:{error.line}: {error.message}" for error in schema.error_log]


def _header_year(document: etree._ElementTree, path: Path) -> int:
    year = document.findtext("Header/CollectionDetails/Year")
    if year is None or not re.fullmatch(r"\d{4}", year.strip()):
        raise ValueError(f"{path}: no Header/CollectionDetails/Year to choose a schema by")
    return int(year)


def validate_xml_return(
    path: Path, census_year: int | None = None, xsd_dir: Path | None = None
) -> list[str]:
    """Schema errors of one return file (see `XsdValidator.errors`); [] when valid."""
    return XsdValidator(xsd_dir).errors(path, census_year)
