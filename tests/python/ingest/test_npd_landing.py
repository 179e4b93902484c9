"""NPD landing: values as delivered, header canonicalisation, line numbers, conservation."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest

from cin_warehouse import npd_spec
from cin_warehouse.ingest import loader
from tests.python.ingest import fixtures
from tests.python.ingest.fixtures import query


def land_ok(paths: list[Path], db: Path) -> list[loader.Outcome]:
    outcomes = loader.land(paths, db)
    assert all(o.status in ("landed", "replaced") for o in outcomes), [o.error for o in outcomes]
    return outcomes


def test_values_land_exactly_as_delivered(db: Path, files_dir: Path) -> None:
    rows = fixtures.npd_rows(2017, 6)
    rows[0]["CIN_PrimaryNeedCode"] = "  n1 "  # spaces and case kept
    rows[1]["CIN_LAchildID_Anon"] = "0012,3"  # a delimiter inside a quoted value
    rows[2]["CIN_LAchildID_Anon"] = 'say "hi"'  # quotes inside a value
    rows[3]["CIN_ReferralDate"] = "1900-01-01"
    rows[4]["CIN_YearOfBirth"] = "NULL"  # text NULL is text, not a null
    path = fixtures.write_npd(files_dir, 2017, rows)
    land_ok([path], db)

    columns = npd_spec.npd_columns(2017)
    landed = query(
        db,
        f"select {', '.join(columns)} from raw.npd_cin_2017 order by _line_number",
    )
    with open(path, encoding="utf-8", newline="") as handle:
        expected = [tuple(r) for r in list(csv.reader(handle))[1:]]
    # An empty field is NULL (absent), everything else the delivered text.
    expected = [tuple(None if v == "" else v for v in r) for r in expected]
    assert landed == expected


def test_quoted_empty_value_is_an_empty_string_and_unquoted_is_null(
    db: Path, files_dir: Path
) -> None:
    path = files_dir / "CIN_2017.csv"
    path.write_text(
        "CIN_ACADYR,CIN_LA,CIN_LAchildID_Anon,CIN_ReferralDate,CIN_PrimaryNeedCode\n"
        '2016/17,202,A1,2016-05-01,""\n'
        "2016/17,202,A2,2016-05-01,\n"
    )
    land_ok([path], db)
    assert query(db, "select CIN_PrimaryNeedCode from raw.npd_cin_2017 order by 1") == [
        ("",),
        (None,),
    ]


def test_provenance_columns(db: Path, files_dir: Path) -> None:
    path = fixtures.write_npd(files_dir, 2019, fixtures.npd_rows(2019, 30))
    outcome = land_ok([path], db)[0]
    rows = query(
        db,
        "select distinct _load_id, _source_file, _census_year from raw.npd_cin_2019",
    )
    assert rows == [(outcome.record.load_id, str(path), 2019)]
    lines = [r[0] for r in query(db, "select _line_number from raw.npd_cin_2019 order by 1")]
    assert lines == list(range(2, 32))


def _assert_line_numbers_point_at_rows(db: Path, table: str, path: Path, encoding: str) -> None:
    physical = path.read_bytes().decode(encoding).split("\n")
    for line_number, child_id in query(db, f"select _line_number, CIN_LAchildID_Anon from {table}"):
        assert child_id.split("\n")[0] in physical[line_number - 1], (line_number, child_id)


def test_line_numbers_survive_blank_lines_rejects_and_multiline_values(
    db: Path, files_dir: Path
) -> None:
    header = "CIN_ACADYR,CIN_LA,CIN_LAchildID_Anon,CIN_ReferralDate,CIN_PrimaryNeedCode"
    text = "\n".join(
        [
            header,
            "2016/17,202,A1,2016-05-01,N1",
            "",
            "2016/17,202,A2,2016-05-01,N1",
            "2016/17,202,BROKEN,2016-05-01",  # ragged: rejected
            '2016/17,202,"A3 first',  # a value spanning two lines
            'second",2016-05-01,N2',
            "",
            "",
            "2016/17,202,A4,2016-05-01,N1,extra",  # ragged: rejected
            "2016/17,202,A5,2016-05-01,N1",
            "",
        ]
    )
    path = files_dir / "CIN_2017.csv"
    path.write_text(text)
    land_ok([path], db)
    landed = dict(query(db, "select CIN_LAchildID_Anon, _line_number from raw.npd_cin_2017"))
    assert landed == {"A1": 2, "A2": 4, "A3 first\nsecond": 6, "A5": 11}
    rejected = query(db, "select line_number, original_text from raw._rejects order by 1")
    assert rejected == [
        (5, "2016/17,202,BROKEN,2016-05-01"),
        (10, "2016/17,202,A4,2016-05-01,N1,extra"),
    ]


def test_line_numbers_with_rejects_and_no_multiline_values(db: Path, files_dir: Path) -> None:
    rows = fixtures.npd_rows(2018, 200, seed=5)
    path = fixtures.write_npd(files_dir, 2018, rows)
    lines = path.read_text().split("\n")
    for index in (7, 50, 51, 199):  # break some rows: drop their last field
        lines[index] = lines[index].rsplit(",", 1)[0]
    lines.insert(120, "")
    path.write_text("\n".join(lines))
    land_ok([path], db)
    _assert_line_numbers_point_at_rows(db, "raw.npd_cin_2018", path, "utf-8")
    rejected = [r[0] for r in query(db, "select line_number from raw._rejects order by 1")]
    assert rejected == [8, 51, 52, 201]


@pytest.mark.parametrize(
    ("delimiter", "newline", "gz", "encoding"),
    [
        (",", "\n", False, "utf-8"),
        ("\t", "\n", False, "utf-8"),
        (",", "\r\n", False, "utf-8"),
        ("\t", "\r\n", True, "utf-8"),
        (",", "\n", True, "cp1252"),
    ],
)
def test_row_conservation(
    db: Path, files_dir: Path, delimiter: str, newline: str, gz: bool, encoding: str
) -> None:
    """Landed rows + rejected rows = data lines of the file (blank lines aside)."""
    rows = fixtures.npd_rows(2020, 300, seed=9)
    rows[10]["CIN_PrimaryNeedCode"] = "Zoë"  # a non-ASCII character in any encoding
    columns = list(rows[0])
    body = [[r[c] for c in columns] for r in rows]
    body[20] = body[20][:-2]  # ragged
    body[40] = [*body[40], "x"]  # ragged
    text = fixtures.csv_text(columns, body, delimiter, newline)
    data = text.encode(encoding)
    name = "CIN_2020.txt" if delimiter == "\t" else "CIN_2020.csv"
    path = files_dir / (name + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(data) if gz else data)

    outcome = land_ok([path], db)[0]
    landed = query(db, "select count(*) from raw.npd_cin_2020")[0][0]
    rejected = query(db, "select count(*) from raw._rejects")[0][0]
    expected_lines = sum(1 for line in text.split(newline)[1:] if line)
    assert landed + rejected == expected_lines
    assert rejected == 2
    assert outcome.record.rows_landed == landed
    assert outcome.record.encoding == ("windows-1252" if encoding == "cp1252" else "utf-8")
    assert (
        query(db, "select count(*) from raw.npd_cin_2020 where CIN_PrimaryNeedCode = 'Zoë'")[0][0]
        == 1
    )


def test_header_canonicalised_and_recorded(db: Path, files_dir: Path) -> None:
    rows = fixtures.npd_rows(2012, 4)
    columns = list(rows[0])
    # Lower case, school-census suffixes, no CIN_ prefix: all spellings met in extracts.
    delivered = [c.lower() + "_SPR12" if i % 3 == 0 else c.upper() for i, c in enumerate(columns)]
    delivered[1] = columns[1].removeprefix("CIN_")
    path = fixtures.write_npd(files_dir, 2012, rows, header=delivered)
    outcome = land_ok([path], db)[0]
    mapping = query(
        db,
        "select position, delivered_header, landed_column, status from raw._load_columns"
        " where load_id = ? and position is not null order by position",
        [outcome.record.load_id],
    )
    assert mapping == [
        (i, d, c, "spec") for i, (d, c) in enumerate(zip(delivered, columns, strict=True), 1)
    ]
    landed = query(db, "select CIN_LAchildID_Anon from raw.npd_cin_2012 order by 1")
    assert landed == sorted((r["CIN_LAchildID_Anon"],) for r in rows)


def test_cin_cin_la_lands_as_its_own_column(db: Path, files_dir: Path) -> None:
    path = files_dir / "CIN_2015.csv"
    path.write_text(
        "CIN_ACADYR,CIN_LA,CIN_CIN_LA,CIN_LAchildID_Anon,CIN_ReferralDate\n"
        "2014/15,202,202,A1,2014-05-01\n"
        "2014/15,,330,A2,2014-05-01\n"
    )
    outcome = land_ok([path], db)[0]
    assert query(db, "select CIN_LA, CIN_CIN_LA from raw.npd_cin_2015 order by 2") == [
        ("202", "202"),
        (None, "330"),
    ]
    assert not any("unknown" in m for m in outcome.record.messages)


def test_only_cin_cin_la_is_enough(db: Path, files_dir: Path) -> None:
    path = files_dir / "CIN_2015.csv"
    path.write_text("CIN_CIN_LA,CIN_LAchildID_Anon,CIN_ReferralDate\n330,A2,2014-05-01\n")
    land_ok([path], db)
    assert query(db, "select CIN_LA, CIN_CIN_LA from raw.npd_cin_2015") == [(None, "330")]


def test_every_year_table_exists_with_spec_columns(db: Path, files_dir: Path) -> None:
    path = fixtures.write_npd(files_dir, 2017, fixtures.npd_rows(2017, 2))
    land_ok([path], db)
    provenance = ["_load_id", "_source_file", "_line_number", "_census_year"]
    for year in range(2009, 2027):
        for kind, table in (
            ("main", f"npd_cin_{year}"),
            ("disabilities", f"npd_cin_disabilities_{year}"),
        ):
            columns = [
                r[0]
                for r in query(
                    db,
                    "select column_name from information_schema.columns where table_schema ="
                    " 'raw' and table_name = ? order by ordinal_position",
                    [table],
                )
            ]
            spec = npd_spec.npd_columns(year, kind)
            assert [c for c in columns if c not in provenance and c != "CIN_CIN_LA"] == spec
            assert columns[-4:] == provenance
            assert ("CIN_CIN_LA" in columns) == ("CIN_LA" in spec)


def test_disabilities_file(db: Path, files_dir: Path) -> None:
    columns = npd_spec.npd_columns(2014, "disabilities")
    body = [
        [
            "2013/14" if c == "CIN_ACADYR" else "202" if c == "CIN_LA" else f"{c}-{i}"
            for c in columns
        ]
        for i in range(5)
    ]
    path = files_dir / "CIN_2014_Disabilities.csv"
    path.write_text(fixtures.csv_text(columns, body))
    land_ok([path], db)
    assert query(db, "select count(*) from raw.npd_cin_disabilities_2014")[0][0] == 5
    assert query(db, "select count(*) from raw.npd_cin_2014")[0][0] == 0


def test_census_year_from_acadyr_when_the_name_has_none(db: Path, files_dir: Path) -> None:
    path = fixtures.write_npd(files_dir, 2021, fixtures.npd_rows(2021, 3), name="extract.csv")
    outcome = land_ok([path], db)[0]
    assert outcome.record.census_year == 2021
    assert query(db, "select count(*) from raw.npd_cin_2021")[0][0] == 3


def test_folders_are_searched_recursively(db: Path, files_dir: Path) -> None:
    (files_dir / "a" / "b").mkdir(parents=True)
    fixtures.write_npd(files_dir / "a", 2013, fixtures.npd_rows(2013, 2))
    fixtures.write_npd(files_dir / "a" / "b", 2014, fixtures.npd_rows(2014, 3))
    (files_dir / "a" / "notes.csv").write_text("not,an,extract\n")  # not a CIN_ name: skipped
    outcomes = loader.land([files_dir], db)
    assert [(o.path.name, o.status) for o in outcomes if o.record is None] == [
        ("notes.csv", "skipped")
    ]
    landed = [o for o in outcomes if o.record is not None]
    assert sorted(o.record.census_year for o in landed) == [2013, 2014]


def test_unknown_extra_column_is_landed_and_reported(db: Path, files_dir: Path) -> None:
    rows = fixtures.npd_rows(2016, 3)
    for i, row in enumerate(rows):
        row["Local Flag"] = f"x{i}"
    path = fixtures.write_npd(files_dir, 2016, rows)
    outcome = land_ok([path], db)[0]
    assert query(db, 'select "Local Flag" from raw.npd_cin_2016 order by 1') == [
        ("x0",),
        ("x1",),
        ("x2",),
    ]
    assert any("unknown extra column" in m and "Local Flag" in m for m in outcome.record.messages)
    status = query(db, "select status from raw._load_columns where delivered_header = 'Local Flag'")
    assert status == [("unknown",)]


def test_windows_1252_is_decoded_and_recorded(db: Path, files_dir: Path) -> None:
    rows = fixtures.npd_rows(2011, 3)
    rows[1]["CIN_LAchildID_Anon"] = "Ñame–1"  # en dash: 0x96 in Windows-1252
    path = fixtures.write_npd(files_dir, 2011, rows, encoding="cp1252")
    outcome = land_ok([path], db)[0]
    assert query(db, "select encoding from raw._loads") == [("windows-1252",)]
    assert any("Windows-1252" in m and "line 3" in m for m in outcome.record.messages)
    landed = {r[0] for r in query(db, "select CIN_LAchildID_Anon from raw.npd_cin_2011")}
    assert "Ñame–1" in landed


def test_manifest_row(db: Path, files_dir: Path) -> None:
    import hashlib

    path = fixtures.write_npd(files_dir, 2017, fixtures.npd_rows(2017, 12), delimiter="\t")
    land_ok([path], db)
    row = query(
        db,
        "select file_name, sha256, size_bytes, format, file_kind, census_year, delimiter,"
        " rows_landed, rows_rejected, rows_per_table, status, lines_in_file,"
        " finished_at >= started_at from raw._loads",
    )
    data = path.read_bytes()
    assert row == [
        (
            "CIN_2017.csv",
            hashlib.sha256(data).hexdigest(),
            len(data),
            "npd",
            "main",
            2017,
            "tab",
            12,
            0,
            '{"raw.npd_cin_2017": 12}',
            "loaded",
            13,
            True,
        )
    ]


def test_csv_module_agrees_on_a_larger_file(db: Path, files_dir: Path) -> None:
    """Compare every landed value with Python's csv module on a few thousand rows."""
    rows = fixtures.npd_rows(2023, 3000, seed=11)
    path = fixtures.write_npd(files_dir, 2023, rows)
    land_ok([path], db)
    columns = npd_spec.npd_columns(2023)
    landed = query(
        db, f"select _line_number, {', '.join(columns)} from raw.npd_cin_2023 order by 1"
    )
    parsed = list(csv.reader(io.StringIO(path.read_text())))[1:]
    assert landed == [
        (i, *(None if v == "" else v for v in r)) for i, r in enumerate(parsed, start=2)
    ]
