"""Property-based fuzzing of the landing (issue 11): valid files, randomly damaged.

NPD text: a valid file (random census year, rows, column order, delimiter, line endings)
gets random damage (stray and unbalanced quotes, cut lines, a cut file, stray CRs, NUL
bytes, bytes of another encoding, extra and missing delimiters, byte-order marks, very
long fields, blank lines, a repeated header, a quote, NUL or odd byte in the header).
Whatever happens:
- no exception escapes the loader;
- the file is landed or refused. Landed: every physical line after the header is covered
  by exactly one landed row (a row covers its line plus the line breaks inside its
  values) or one rejected row, or else is blank; each rejected row holds its line's full
  text; each landed row of a line without quotes is that line's text, field by field.
  Refused: one line `<file>: [where: ]<problem>`, the problem one of those documented
  (README, `cin load`), and the database is unchanged in content but for the failed
  load's manifest row.
XML returns: truncation, bad nesting, unknown elements, bad dates, entities: landed with
every Child (and every unknown element kept) or refused as above.

The expected outcome is computed here from the bytes, independently of the loader.
`make test` runs the bounded profile (a few hundred damaged files in all); `make fuzz`
runs the `landing-fuzz` profile (CIN_FUZZ_PROFILE=landing-fuzz), many more.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import re
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cin_warehouse import cli, npd_spec
from cin_warehouse.ingest import files, loader, schema
from tests.python.ingest import fixtures

pytestmark = pytest.mark.fuzz

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
# The bounded run of `make test`: the same 150 examples every run (derandomised; 300 took
# 100 s of the suite's 15-minute budget); `make fuzz` draws 1,000 new ones.
settings.register_profile(
    "landing-bounded",
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_SLOW_OK,
)
settings.register_profile(
    "landing-fuzz", max_examples=1000, deadline=None, suppress_health_check=_SLOW_OK
)
PROFILE = settings.get_profile(os.environ.get("CIN_FUZZ_PROFILE", "landing-bounded"))
# Through the command line (a new DuckDB connection each time: slower), fewer examples.
CLI_PROFILE = settings(PROFILE, max_examples=max(10, PROFILE.max_examples // 10))

# Why a file may be refused whole (README, `cin load`; cin_warehouse/ingest): anything else
# is a failure of this test.
REFUSALS = re.compile(
    "|".join(
        [
            r"empty file",
            r"header is not comma- or tab-delimited NPD column names",
            r"header: byte 0x",
            r"header column \d+ holds the control character",
            r"columns \d+ and \d+ are both ",
            r"missing required column\(s\)",
            r"none of the [\d,]+ data rows can be parsed",
            r"file appears truncated",
            r"census-year mismatch",
            r"cannot tell the census year",
            r"census year \d+ is outside",
            r"malformed XML",
            r"root element is ",
            r"Header/Source/LEA is missing",
            r"no Header/Source/LEA",
            r"LA mismatch",
            r"not UTF-8 nor Windows-1252",
            r"text is neither UTF-8 nor Windows-1252",
        ]
    )
)

_counter = itertools.count()


# --- the database: one per module, content fingerprints -----------------------------------
@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("fuzz_db") / "cin.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("set enable_progress_bar = false")
        # The raw schema exists before the first file (a refused first file creates it).
        schema.ensure_raw_schema(connection)
        yield connection


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz_files")


def fingerprint(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Rows of every table, and a sum of row hashes of each non-empty one (failed loads'
    manifest rows aside): equal fingerprints, equal content."""
    sizes = con.execute(
        "select schema_name || '.' || table_name, estimated_size from duckdb_tables()"
        " where not temporary order by 1"
    ).fetchall()
    parts = [
        f"select '{t}', count(*), sum(hash(x)::hugeint) from {t} as x"
        + (" where status <> 'failed'" if t == "raw._loads" else "")
        for t, size in sizes
        if size or t == "raw._loads"
    ]
    hashes = con.execute(" union all ".join(parts) + " order by 1").fetchall() if parts else []
    return [*(s for s in sizes if s[0] != "raw._loads"), *hashes]


def _new_folder(base: Path) -> Path:
    folder = base / f"case{next(_counter)}"
    folder.mkdir()
    return folder


def _land(con: duckdb.DuckDBPyConnection, path: Path) -> loader.Outcome:
    before = fingerprint(con)
    (outcome,) = loader.land_files(con, [files.classify(path)])
    assert outcome.status in ("landed", "replaced", "failed", "unchanged"), outcome.status
    if outcome.status in ("failed", "unchanged"):
        assert fingerprint(con) == before
    if outcome.status == "failed":
        message = str(outcome.error)
        assert "\n" not in message and message.startswith(f"{path}: ")
        assert REFUSALS.search(message), message
        assert "Traceback" not in message and "duckdb" not in message.lower()
        error = con.execute(
            "select error from raw._loads where source_file = ? and status = 'failed'"
            " order by finished_at desc limit 1",
            [str(path)],
        ).fetchone()
        assert error is not None and message.endswith(error[0])
    if outcome.record is not None:
        assert all("\n" not in m for m in outcome.record.messages)
    return outcome


# --- NPD: valid files and damage --------------------------------------------------------
DAMAGES = (
    "quote",
    "quote_at_field_start",
    "cut_line",
    "cut_file",
    "cr",
    "nul",
    "byte",
    "extra_delimiter",
    "drop_delimiter",
    "bom",
    "long_field",
    "blank_line",
    "header_again",
    "quote_in_header",
    "nul_in_header",
    "byte_in_header",
)


@st.composite
def npd_file(draw: st.DrawFn) -> tuple[int, bytes, str, list[tuple]]:
    """(census year, damaged bytes, delimiter, damage applied)."""
    year = draw(st.integers(npd_spec.FIRST_CENSUS_YEAR, npd_spec.LAST_CENSUS_YEAR))
    rows = fixtures.npd_rows(year, draw(st.integers(1, 25)), seed=draw(st.integers(0, 999)))
    columns = draw(st.permutations(list(rows[0])))  # any column order
    delimiter = draw(st.sampled_from([",", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = fixtures.csv_text(columns, [[r[c] for c in columns] for r in rows], delimiter, newline)
    data = text.encode("utf-8")
    damage = draw(
        st.lists(
            st.tuples(
                st.sampled_from(DAMAGES),
                st.integers(0, 10**6),
                st.integers(0, 10**6),
                st.integers(0x80, 0xFF),
            ),
            min_size=1,
            max_size=4,
        )
    )
    for kind, where, position, byte in damage:
        data = _damage(data, delimiter.encode(), kind, where, position, byte)
    return year, data, delimiter, damage


def _damage(data: bytes, delimiter: bytes, kind: str, where: int, pos: int, byte: int) -> bytes:
    lines = data.split(b"\n")
    if kind == "cut_file":
        start = len(lines[0]) + 1
        return data[: start + pos % max(len(data) - start, 1)]
    index = 1 + where % max(len(lines) - 1, 1)  # a line after the header (or a new one)
    if kind.endswith("_in_header"):
        index, kind = 0, kind.removesuffix("_in_header")
    if index >= len(lines):
        lines.append(b"")
    line = lines[index]
    at = pos % (len(line) + 1)
    insert = {
        "quote": b'"',
        "cr": b"\r",
        "nul": b"\x00",
        "byte": bytes([byte]),
        "extra_delimiter": delimiter,
        "bom": b"\xef\xbb\xbf",
        "long_field": b"x" * 100_000,
    }
    if kind in insert:
        lines[index] = line[:at] + insert[kind] + line[at:]
    elif kind == "quote_at_field_start":
        starts = [0] + [m.end() for m in re.finditer(re.escape(delimiter), line)]
        at = starts[pos % len(starts)]
        lines[index] = line[:at] + b'"' + line[at:]
    elif kind == "cut_line":
        lines[index] = line[:at]
    elif kind == "drop_delimiter":
        found = [m.start() for m in re.finditer(re.escape(delimiter), line)]
        if found:
            cut = found[pos % len(found)]
            lines[index] = line[:cut] + line[cut + 1 :]
    elif kind == "blank_line":
        lines.insert(index, b"")
    elif kind == "header_again":
        lines.insert(index, lines[0])
    return b"\n".join(lines)


def _physical(data: bytes) -> list[bytes]:
    """Physical lines (split on LF, a CR before the LF removed), the header first."""
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def _check_npd_landed(
    con: duckdb.DuckDBPyConnection, outcome: loader.Outcome, data: bytes, delimiter: str
) -> None:
    record = outcome.record
    assert record is not None
    table = next(iter(record.rows_per_table))
    names = [
        r[0]
        for r in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw'"
            " and table_name = ? and column_name not like '\\_%' escape '\\'"
            " order by ordinal_position",
            [table.split(".")[1]],
        ).fetchall()
    ]
    header_columns = [
        r[0]
        for r in con.execute(
            "select landed_column from raw._load_columns where load_id = ? and position is"
            " not null order by position",
            [record.load_id],
        ).fetchall()
    ]
    assert set(header_columns) <= set(names)
    select = ", ".join(schema.quote(c) for c in header_columns)
    landed = con.execute(
        f"select _line_number, {select} from {table} where _load_id = ?", [record.load_id]
    ).fetchall()
    rejected = con.execute(
        "select line_number, error_type, original_text from raw._rejects where load_id = ?",
        [record.load_id],
    ).fetchall()
    assert (record.rows_landed, record.rows_rejected) == (len(landed), len(rejected))

    physical = _physical(data)
    encoding = "cp1252" if record.encoding == "windows-1252" else "utf-8"
    covered: dict[int, str] = {}
    for line, error_type, text in rejected:
        assert line not in covered
        covered[line] = "rejected"
        raw = physical[line - 1]
        expected = (
            raw.decode("utf-8", "backslashreplace")
            if error_type == "ENCODING"
            else raw.decode(encoding)
        )
        assert text == expected, (line, error_type)
    for line, *values in landed:
        span = sum(v.count("\n") for v in values if v is not None)
        for covered_line in range(line, line + span + 1):
            assert covered_line not in covered, covered_line
            covered[covered_line] = "landed"
        source = physical[line - 1].decode(encoding)
        if span == 0 and '"' not in source:
            assert delimiter.join(v or "" for v in values) == source, line
    for number in range(2, len(physical) + 1):
        if number not in covered:
            assert not physical[number - 1].strip(b"\r"), f"line {number} lost"
    assert max(covered) <= len(physical)


@given(case=npd_file())
@settings(PROFILE)
def test_npd_damage_is_landed_rejected_or_refused_never_lost(
    con: duckdb.DuckDBPyConnection, fuzz_dir: Path, case: tuple
) -> None:
    year, data, delimiter, damage = case
    path = _new_folder(fuzz_dir) / f"CIN_{year}.csv"
    path.write_bytes(data)
    outcome = _land(con, path)
    event(f"outcome: {outcome.status}")
    for kind, *_ in damage:
        event(f"damage: {kind}")
    if outcome.status in ("landed", "replaced"):
        event(f"rows rejected: {min(outcome.record.rows_rejected, 3)}")
        _check_npd_landed(con, outcome, data, delimiter)


# --- XML returns ------------------------------------------------------------------------
XML_DAMAGES = ("truncate", "bad_nesting", "unknown_element", "bad_date", "entity", "dtd_entity")


@st.composite
def xml_file(draw: st.DrawFn) -> tuple[bytes, int]:
    """(damaged bytes, unknown elements added)."""
    year = draw(st.integers(2009, 2026))
    children = fixtures.make_children(year, draw(st.integers(1, 6)), seed=draw(st.integers(0, 99)))
    text = fixtures.return_xml(year, draw(st.sampled_from(["202", "330", "873"])), children)
    unknown = 0
    for kind, where in draw(
        st.lists(
            st.tuples(st.sampled_from(XML_DAMAGES), st.integers(0, 10**6)), min_size=1, max_size=3
        )
    ):
        lines = text.split("\n")
        index = where % len(lines)
        line = lines[index]
        if kind == "truncate":
            text = text[: where % max(len(text), 1)]
        elif kind == "bad_nesting" and line.strip().startswith("</"):
            lines[index] = line.replace("</", "</X", 1)
            text = "\n".join(lines)
        elif kind == "unknown_element" and "<Child>" in text:
            text = text.replace("<Child>", "<Child>\n      <LocalNote>n</LocalNote>", 1)
            unknown += 1
        elif kind == "bad_date":
            text = re.sub(r">\d{4}-\d{2}-\d{2}<", ">2017-13-45<", text, count=1 + where % 3)
        elif kind == "entity":
            text = text.replace("<Ethnicity>", "<Ethnicity>&amp;&lt;&#233;&undefined;", 1)
        elif kind == "dtd_entity" and text.startswith("<?xml"):
            head, _, rest = text.partition("\n")
            text = f'{head}\n<!DOCTYPE Message [<!ENTITY e "expanded">]>\n{rest}'
            text = text.replace("<Ethnicity>", "<Ethnicity>&e;", 1)
    return text.encode("utf-8"), unknown


@given(case=xml_file())
@settings(PROFILE)
def test_xml_damage_is_landed_or_refused_never_half_landed(
    con: duckdb.DuckDBPyConnection, fuzz_dir: Path, case: tuple[bytes, int]
) -> None:
    data, unknown = case
    path = _new_folder(fuzz_dir) / "return.xml"
    path.write_bytes(data)
    outcome = _land(con, path)
    event(f"outcome: {outcome.status}")
    if outcome.status in ("landed", "replaced"):
        load_id = outcome.record.load_id
        children = con.execute(
            "select count(*) from raw.xml_child where _load_id = ?", [load_id]
        ).fetchone()[0]
        assert children == data.count(b"<Child>")
        kept = con.execute(
            "select count(*) from raw.xml_unknown_elements where _load_id = ? and path like"
            " '%LocalNote'",
            [load_id],
        ).fetchone()[0]
        assert kept == unknown


# --- the command line: exit status and messages -----------------------------------------
@given(case=npd_file())
@settings(CLI_PROFILE)
def test_cli_exit_status_and_messages(fuzz_dir: Path, case: tuple) -> None:
    year, data, _, _ = case
    folder = _new_folder(fuzz_dir)
    path = folder / f"CIN_{year}.csv"
    path.write_bytes(data)
    db = folder / "cin.duckdb"
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["load", str(path), "--db", str(db)])
    assert code in (0, 1)
    errors = [line for line in err.getvalue().splitlines() if line.startswith("error: ")]
    assert "Traceback" not in err.getvalue()
    if code == 1:
        assert len(errors) == 1 and errors[0].startswith(f"error: {path}: ")
        assert REFUSALS.search(errors[0]), errors[0]
    else:
        assert not errors
        assert any(line.startswith(f"landed {path} ") for line in out.getvalue().splitlines())
        # Every warning is one line naming the file; every reject message names its line.
        for line in err.getvalue().splitlines():
            assert line.startswith(f"  warning: {path}: "), line
            if "rejected to raw._rejects" in line:
                assert re.search(r"lines? \d", line), line
