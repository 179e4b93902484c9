"""The bulk reader of NPD lines (`npd._read_records_fast`, Arrow) sorts every line exactly
as the line-by-line reader (`npd._read_records`) does: the same rows landed (values and line
numbers), the same rejects (line, reason, full text), the same blank and joined lines.

The files are the fuzz tests' valid NPD files with their random damage (stray quotes, CRs,
NULs, BOMs, cut lines, repeated headers...) and quoted values over three lines, longer
than there (up to 120 rows, so that lines far from any quote take the bulk path), read in
blocks of a few hundred bytes so that block boundaries fall everywhere. The line-by-line
reader is the reference: it is the one the landing's guarantees were first tested on.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cin_warehouse import npd_spec
from cin_warehouse.ingest import files, npd
from tests.python.ingest import fixtures
from tests.python.ingest.test_fuzz_landing import DAMAGES, PROFILE, _damage

pytestmark = pytest.mark.fuzz


@st.composite
def damaged_npd(draw: st.DrawFn) -> tuple[bytes, str, int]:
    """(damaged UTF-8 bytes, delimiter, block size of the bulk reader)."""
    year = draw(st.integers(npd_spec.FIRST_CENSUS_YEAR, npd_spec.LAST_CENSUS_YEAR))
    rows = fixtures.npd_rows(year, draw(st.integers(1, 120)), seed=draw(st.integers(0, 999)))
    columns = list(rows[0])
    delimiter = draw(st.sampled_from([",", "\t"]))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    text = fixtures.csv_text(columns, [[r[c] for c in columns] for r in rows], delimiter, newline)
    data = text.encode("utf-8")
    damages = [d for d in DAMAGES if d not in ("byte", "byte_in_header")]  # stay UTF-8
    for kind, where, position in draw(
        st.lists(
            st.tuples(st.sampled_from(damages), st.integers(0, 10**6), st.integers(0, 10**6)),
            max_size=4,
        )
    ):
        data = _damage(data, delimiter.encode(), kind, where, position, 0x80)
    for where in draw(st.lists(st.integers(0, 10**6), max_size=2)):
        data = _spread_value(data, delimiter.encode(), where)
    return data, delimiter, draw(st.sampled_from([64, 300, 1000, 1 << 20]))


def _spread_value(data: bytes, delimiter: bytes, where: int) -> bytes:
    """A quoted last value over three lines: `…,"<value>` / a whole row / `tail"`. The
    middle line alone looks like a good row (the header's number of fields, no quote), but
    it is part of the value: the bulk reader must leave it to the line-by-line reader."""
    lines = data.split(b"\n")
    if len(lines) < 5:
        return data
    first = 1 + where % (len(lines) - 4)
    cut = lines[first].rfind(delimiter) + 1
    lines[first] = lines[first][:cut] + b'"' + lines[first][cut:]
    lines[first + 2] = b'tail"' + (b"\r" if lines[first + 2].endswith(b"\r") else b"")
    return b"\n".join(lines)


def _sorted_rows(reading: npd._Reading) -> list[dict]:
    table = reading.rows.table()
    return table.sort_by("_line_number").to_pylist() if table.num_rows else []


@given(case=damaged_npd())
@settings(PROFILE, max_examples=min(PROFILE.max_examples, 100))
def test_bulk_reader_sorts_lines_as_the_line_by_line_reader(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[bytes, str, int]
) -> None:
    data, delimiter, block = case
    path = tmp_path_factory.mktemp("bulk") / "CIN_2017.csv"
    path.write_bytes(data)
    raw_file = files.classify(path)
    scan = files.scan(raw_file, text=True)
    if scan.empty or scan.encoding != "utf-8":
        return
    decoder = npd._Decoder(raw_file, scan)
    lines = npd._physical_lines(raw_file)
    header = decoder.decode(next(lines)[1]).lstrip("\ufeff").rstrip("\r")
    n_columns = len(header.split(delimiter))
    careful = npd._read_records(lines, decoder, delimiter, header, n_columns)

    original = npd.FAST_BLOCK_BYTES
    npd.FAST_BLOCK_BYTES = block
    try:
        bulk = npd._read_records_fast(raw_file, decoder, delimiter, header, n_columns)
    finally:
        npd.FAST_BLOCK_BYTES = original

    assert _sorted_rows(bulk) == _sorted_rows(careful)
    assert bulk.rows.rows == careful.rows.rows
    assert sorted(bulk.rejects, key=lambda r: r.line) == careful.rejects
    assert (bulk.blank, bulk.continuation) == (careful.blank, careful.continuation)
    assert bulk.rows.table().schema == careful.rows.table().schema == _schema(n_columns)


def _schema(n_columns: int) -> pa.Schema:
    names = [f"c{i}" for i in range(1, n_columns + 1)]
    return pa.schema([(n, pa.string()) for n in names] + [("_line_number", pa.int64())])


def test_bulk_reader_takes_simple_lines_and_hands_on_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file of 50 rows with one stray quote in row 10: the rows 2 to 9 and from 30 on are
    split in bulk; row 10 and the 19 rows after it (which its quote could join) go line by
    line; all 50 are landed or rejected, none twice."""
    rows = fixtures.npd_rows(2017, 50, seed=1)
    columns = list(rows[0])
    lines = fixtures.csv_text(columns, [[r[c] for c in columns] for r in rows], ",", "\n")
    parts = lines.split("\n")
    parts[10] = parts[10].replace(",", ',"', 1)  # line 11 (row 10): a stray quote
    path = tmp_path / "CIN_2017.csv"
    path.write_text("\n".join(parts), encoding="utf-8")
    raw_file = files.classify(path)
    scan = files.scan(raw_file, text=True)
    decoder = npd._Decoder(raw_file, scan)
    handed: list[int] = []
    original = npd._read_records

    def spy(lines: Iterator[npd.Line], *args: Any) -> npd._Reading:
        taken = list(lines)
        handed.extend(number for number, _, _ in taken)
        return original(iter(taken), *args)

    monkeypatch.setattr(npd, "_read_records", spy)
    reading = npd._read_records_fast(raw_file, decoder, ",", parts[0], len(columns))
    assert handed == list(range(11, 31))
    assert reading.rows.rows + len(reading.rejects) == 50
    assert [r.line for r in reading.rejects] == [11]
    assert sorted(reading.rows.table().column("_line_number").to_pylist()) == [
        n for n in range(2, 52) if n != 11
    ]
