"""Damage stays on its line: each kind of broken line of an NPD file is rejected alone, with
its line number, full text and reason, and every other line lands (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cin_warehouse.ingest import loader
from tests.python.ingest import fixtures
from tests.python.ingest.fixtures import query


def land_one(path: Path, db: Path) -> loader.Outcome:
    outcome = loader.land([path], db)[0]
    assert outcome.status == "landed", outcome.error
    return outcome


def rejects(db: Path) -> list[tuple[int, str, str]]:
    return query(db, "select line_number, error_type, original_text from raw._rejects order by 1")


def test_a_stray_quote_on_line_4_of_1000_costs_one_row(db: Path, files_dir: Path) -> None:
    """The issue's example: 1,000 lines (header + 999 rows), a `"` opening a field on line 4."""
    path = fixtures.write_npd(files_dir, 2017, fixtures.npd_rows(2017, 999, seed=2))
    lines = path.read_text().split("\n")
    fields = lines[3].split(",")
    fields[5] = '"' + fields[5]
    lines[3] = ",".join(fields)
    path.write_text("\n".join(lines))
    assert len(path.read_text().splitlines()) == 1000

    outcome = land_one(path, db)
    assert outcome.record.rows_landed == 998
    assert outcome.record.rows_rejected == 1
    assert rejects(db) == [(4, "UNCLOSED QUOTE", lines[3])]
    landed = [r[0] for r in query(db, "select _line_number from raw.npd_cin_2017 order by 1")]
    assert landed == [n for n in range(2, 1001) if n != 4]
    assert query(db, "select rows_landed, rows_rejected, lines_in_file from raw._loads") == [
        (998, 1, 1000)
    ]


def test_a_stray_quote_on_line_4_of_1000_data_lines(db: Path, files_dir: Path) -> None:
    """Read as 1,000 data lines: 999 land, 1 is rejected."""
    path = fixtures.write_npd(files_dir, 2017, fixtures.npd_rows(2017, 1000, seed=2))
    lines = path.read_text().split("\n")
    fields = lines[4].split(",")
    fields[2] = '"' + fields[2]
    lines[4] = ",".join(fields)
    path.write_text("\n".join(lines))
    outcome = land_one(path, db)
    assert (outcome.record.rows_landed, outcome.record.rows_rejected) == (999, 1)
    assert rejects(db) == [(5, "UNCLOSED QUOTE", lines[4])]


def _one_line(files_dir: Path, index: int, change) -> tuple[Path, bytes]:  # noqa: ANN001
    path = fixtures.write_npd(files_dir, 2018, fixtures.npd_rows(2018, 40, seed=4))
    lines = path.read_bytes().split(b"\n")
    lines[index] = change(lines[index])
    path.write_bytes(b"\n".join(lines))
    return path, lines[index]


@pytest.mark.parametrize(
    ("change", "error_type", "shown"),
    [
        (lambda b: b.replace(b",", b',"', 1), "UNCLOSED QUOTE", None),
        (lambda b: b.replace(b",", b',x"y', 1), "QUOTE", None),
        (lambda b: b.replace(b",", b',"x"y', 1), "QUOTE", None),
        (lambda b: b.replace(b",", b",\r", 1), "STRAY CR", None),
        (lambda b: b.replace(b",", b",\x00", 1), "NUL BYTE", None),
        (lambda b: b.replace(b",", b",\xef\xbb\xbf", 1), "BYTE ORDER MARK", None),
        (lambda b: b + b",extra", "TOO MANY COLUMNS", None),
        (lambda b: b.rsplit(b",", 2)[0], "MISSING COLUMNS", None),
        (lambda b: b.replace(b",", b"\t"), "MIXED DELIMITER", None),
    ],
)
def test_each_kind_of_damaged_line_is_rejected_alone(
    db: Path,
    files_dir: Path,
    change,
    error_type: str,
    shown: str | None,  # noqa: ANN001
) -> None:
    path, damaged = _one_line(files_dir, 7, change)
    outcome = land_one(path, db)
    assert rejects(db) == [(8, error_type, damaged.decode("utf-8"))]
    assert outcome.record.rows_landed == 39
    # One message per kind of problem, with the line: no parser internals.
    problems = [m for m in outcome.record.messages if "rejected" in m]
    assert len(problems) == 1 and "line 8" in problems[0]


def test_a_byte_that_is_not_utf8_in_a_utf8_file_costs_its_line(db: Path, files_dir: Path) -> None:
    rows = fixtures.npd_rows(2018, 40, seed=4)
    rows[0]["CIN_LAchildID_Anon"] = "Zoë"  # the file is UTF-8 (a valid non-ASCII line)
    path = fixtures.write_npd(files_dir, 2018, rows)
    lines = path.read_bytes().split(b"\n")
    lines[9] = lines[9].replace(b",", b",\xe9x", 1)  # a lone Windows-1252 e-acute
    path.write_bytes(b"\n".join(lines))
    outcome = land_one(path, db)
    assert outcome.record.encoding == "utf-8"
    assert rejects(db) == [(10, "ENCODING", lines[9].decode("utf-8", "backslashreplace"))]
    assert query(db, "select count(*) from raw.npd_cin_2018 where CIN_LAchildID_Anon = 'Zoë'") == [
        (1,)
    ]


def test_a_byte_of_neither_encoding_costs_its_line(db: Path, files_dir: Path) -> None:
    path, damaged = _one_line(files_dir, 3, lambda b: b.replace(b"/", b"\x81", 1))
    outcome = land_one(path, db)
    (reject,) = query(db, "select line_number, error_type, message from raw._rejects")
    assert reject[:2] == (4, "ENCODING")
    assert "0x81" in reject[2] and "neither UTF-8 nor Windows-1252" in reject[2]
    assert outcome.record.rows_landed == 39


def test_a_very_long_field_lands_or_is_kept_whole(db: Path, files_dir: Path) -> None:
    long_value = "x" * 300_000
    rows = fixtures.npd_rows(2018, 5, seed=4)
    rows[1]["CIN_LAchildID_Anon"] = long_value
    path = fixtures.write_npd(files_dir, 2018, rows)
    lines = path.read_text().split("\n")
    lines[3] = lines[3] + "," + long_value  # and a long ragged line: rejected, text whole
    path.write_text("\n".join(lines))
    land_one(path, db)
    assert query(
        db, "select count(*) from raw.npd_cin_2018 where length(CIN_LAchildID_Anon) = 300000"
    ) == [(1,)]
    assert rejects(db) == [(4, "TOO MANY COLUMNS", lines[3])]


def test_a_bom_at_the_start_is_not_data_and_a_repeated_header_is_rejected(
    db: Path, files_dir: Path
) -> None:
    path = fixtures.write_npd(files_dir, 2018, fixtures.npd_rows(2018, 6, seed=4))
    text = path.read_text()
    header = text.split("\n")[0]
    path.write_text("\ufeff" + text + header + "\n" + text.split("\n")[1] + "\n")
    land_one(path, db)
    assert rejects(db) == [(8, "REPEATED HEADER", header)]
    assert query(db, "select count(*) from raw.npd_cin_2018") == [(7,)]


def test_crlf_file_with_a_multiline_value_keeps_its_line_break(db: Path, files_dir: Path) -> None:
    path = files_dir / "CIN_2017.csv"
    path.write_bytes(
        b"CIN_ACADYR,CIN_LA,CIN_LAchildID_Anon,CIN_ReferralDate\r\n"
        b'2016/17,202,"A1\r\nsecond",2016-05-01\r\n'
        b"2016/17,202,A2,2016-05-01\r\n"
    )
    land_one(path, db)
    assert query(
        db, "select CIN_LAchildID_Anon, _line_number from raw.npd_cin_2017 order by 2"
    ) == [("A1\r\nsecond", 2), ("A2", 4)]


def test_a_quote_that_never_closes_does_not_swallow_later_quoted_values(
    db: Path, files_dir: Path
) -> None:
    rows = fixtures.npd_rows(2018, 30, seed=4)
    for row in rows[5:]:
        row["CIN_LAchildID_Anon"] += ",q"  # quoted values after the damage
    path = fixtures.write_npd(files_dir, 2018, rows)
    lines = path.read_text().split("\n")
    lines[2] = lines[2].replace(",", ',"', 1)
    path.write_text("\n".join(lines))
    outcome = land_one(path, db)
    assert [r[0] for r in rejects(db)] == [3]
    assert outcome.record.rows_landed == 29


def test_many_rejects_make_one_message_with_the_first_lines(db: Path, files_dir: Path) -> None:
    path = fixtures.write_npd(files_dir, 2018, fixtures.npd_rows(2018, 40, seed=4))
    lines = path.read_text().split("\n")
    for index in (5, 9, 12, 20, 30):
        lines[index] += ",surplus"
    path.write_text("\n".join(lines))
    outcome = land_one(path, db)
    problems = [m for m in outcome.record.messages if "rejected" in m]
    n = len(lines[5].split(","))
    assert problems == [
        "5 rows rejected to raw._rejects, too many columns: lines 6, 10, 13 and 2 more"
        f" (first, line 6: {n} columns where the header has {n - 1})"
    ]
