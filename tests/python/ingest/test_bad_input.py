"""Bad input: one test per case of issue 4. Each asserts the one-line message (file, line or
element, problem) and compares a full dump of the database before and after."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from cin_warehouse import cli
from cin_warehouse.ingest import loader
from tests.python.ingest import fixtures
from tests.python.ingest.fixtures import changed_tables, dump, query

LANDING_TABLES = {"raw._loads", "raw._load_columns"}


def fail_without_change(db: Path, path: Path) -> str:
    """Land `path` into a seeded warehouse; it must fail and leave every table as it was,
    but for its own manifest row (status failed, with the error)."""
    before = dump(db)
    outcomes = loader.land([path], db)
    assert [o.status for o in outcomes] == ["failed"]
    after = dump(db)
    assert changed_tables(before, after) == {"raw._loads"}
    new_rows = [r for r in after["raw._loads"][1] if r not in before["raw._loads"][1]]
    assert len(new_rows) == 1
    assert query(
        db, "select source_file, status, error from raw._loads where status = 'failed'"
    ) == [(str(path), "failed", str(outcomes[0].error).removeprefix(f"{path}: "))]
    message = str(outcomes[0].error)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


def small_npd(folder: Path, year: int = 2017, n: int = 5, **kwargs: object) -> Path:
    return fixtures.write_npd(folder, year, fixtures.npd_rows(year, n), **kwargs)


# --- files that cannot be landed -------------------------------------------------------
def test_empty_file(seeded_db: Path, files_dir: Path) -> None:
    path = files_dir / "CIN_2017.csv"
    path.write_bytes(b"")
    assert "empty file" in fail_without_change(seeded_db, path)


def test_header_only_file(seeded_db: Path, files_dir: Path) -> None:
    path = files_dir / "CIN_2017.csv"
    path.write_text("CIN_ACADYR,CIN_LA,CIN_LAchildID_Anon,CIN_ReferralDate\n")
    assert "empty file (a header but no data rows)" in fail_without_change(seeded_db, path)


def test_empty_xml_file(seeded_db: Path, files_dir: Path) -> None:
    path = files_dir / "CIN_2018_202.xml"
    path.write_text("  \n")
    assert "empty file" in fail_without_change(seeded_db, path)


def test_unreadable_gzip(seeded_db: Path, files_dir: Path) -> None:
    path = files_dir / "CIN_2017.csv.gz"
    path.write_bytes(b"this is not gzip at all")
    assert "unreadable gzip file" in fail_without_change(seeded_db, path)


def test_truncated_gzip(seeded_db: Path, files_dir: Path) -> None:
    data = gzip.compress(small_npd(files_dir, n=400).read_bytes())
    path = files_dir / "CIN_2017.csv.gz"
    path.write_bytes(data[: len(data) // 2])
    assert "truncated gzip file" in fail_without_change(seeded_db, path)


def test_truncated_text_file(seeded_db: Path, files_dir: Path) -> None:
    path = small_npd(files_dir, n=5)
    text = path.read_text()
    path.write_text(text[: text.rindex(",") - 3])  # cut inside the last row, no line end
    message = fail_without_change(seeded_db, path)
    assert ": line 6: file appears truncated" in message


def test_wrong_delimiter(seeded_db: Path, files_dir: Path) -> None:
    path = small_npd(files_dir, delimiter=";")
    message = fail_without_change(seeded_db, path)
    assert ": line 1: header is not comma- or tab-delimited NPD column names" in message
    assert "';'" in message and "wrong delimiter?" in message


def test_missing_required_column(seeded_db: Path, files_dir: Path) -> None:
    rows = fixtures.npd_rows(2017, 4)
    for row in rows:
        del row["CIN_ReferralDate"]
    path = fixtures.write_npd(files_dir, 2017, rows)
    message = fail_without_change(seeded_db, path)
    assert ": line 1 (header): missing required column(s): CIN_ReferralDate" in message


def test_missing_la_column(seeded_db: Path, files_dir: Path) -> None:
    rows = fixtures.npd_rows(2017, 4)
    for row in rows:
        del row["CIN_LA"]
    path = fixtures.write_npd(files_dir, 2017, rows)
    assert "missing required column(s): CIN_LA" in fail_without_change(seeded_db, path)


def test_census_year_mismatch(seeded_db: Path, files_dir: Path) -> None:
    rows = fixtures.npd_rows(2017, 6)
    rows[3]["CIN_ACADYR"] = "2017/18"
    path = fixtures.write_npd(files_dir, 2017, rows)
    message = fail_without_change(seeded_db, path)
    assert ": line 5: census-year mismatch: CIN_ACADYR '2017/18' is census year 2018" in message
    assert "file name says 2017" in message


def test_census_year_mismatch_in_the_disabilities_file(seeded_db: Path, files_dir: Path) -> None:
    path = files_dir / "CIN_2016_Disabilities.csv"
    path.write_text(
        "CIN_ACADYR,CIN_LA,CIN_LAchildID_Anon,CIN_DisabilityType\n2016/2017,202,A1,MOB\n"
    )
    assert "line 2: census-year mismatch" in fail_without_change(seeded_db, path)


def test_duplicate_columns(seeded_db: Path, files_dir: Path) -> None:
    path = files_dir / "CIN_2017.csv"
    path.write_text(
        "CIN_LA,CIN_LAchildID_Anon,CIN_ReferralDate,cin_la_SPR17\n202,A1,2016-05-01,202\n"
    )
    assert ": line 1: columns 1 and 4 are both CIN_LA" in fail_without_change(seeded_db, path)


def test_malformed_xml(seeded_db: Path, files_dir: Path) -> None:
    text = fixtures.return_xml(2019, "330", fixtures.make_children(2019, 5))
    lines = text.split("\n")
    bad = next(i for i, line in enumerate(lines) if "<Ethnicity>" in line and i > 30)
    lines[bad] = lines[bad].replace("</Ethnicity>", "</Ethnicty>")
    path = files_dir / "CIN_2019_330.xml"
    path.write_text("\n".join(lines))
    message = fail_without_change(seeded_db, path)
    assert f": line {bad + 1}: malformed XML:" in message


def test_truncated_xml(seeded_db: Path, files_dir: Path) -> None:
    text = fixtures.return_xml(2019, "330", fixtures.make_children(2019, 30))
    path = files_dir / "CIN_2019_330.xml"
    path.write_text(text[: len(text) * 2 // 3])
    assert "malformed XML" in fail_without_change(seeded_db, path)


def test_xml_that_is_not_a_return(seeded_db: Path, files_dir: Path) -> None:
    path = files_dir / "other.xml"
    path.write_text("<?xml version='1.0'?>\n<Invoice><Total>3</Total></Invoice>\n")
    message = fail_without_change(seeded_db, path)
    assert ": line 2: root element is Invoice, not Message" in message


def test_xml_without_lea(seeded_db: Path, files_dir: Path) -> None:
    text = fixtures.return_xml(2019, "330", fixtures.make_children(2019, 2))
    path = files_dir / "r.xml"
    path.write_text(text.replace("      <LEA>330</LEA>\n", ""))
    assert "Header/Source/LEA is missing" in fail_without_change(seeded_db, path)


def test_not_a_cin_extract(seeded_db: Path, files_dir: Path) -> None:
    path = files_dir / "notes.docx"
    path.write_bytes(b"x")
    with pytest.raises(loader.LoadError, match="not a CIN extract"):
        loader.land([path], seeded_db)


# --- files that land, with rows rejected or columns reported ---------------------------
def land_with_change(db: Path, path: Path, allowed: set[str]) -> loader.Outcome:
    before = dump(db)
    outcome = loader.land([path], db)[0]
    assert outcome.status == "landed", outcome.error
    assert changed_tables(before, dump(db)) <= LANDING_TABLES | allowed
    return outcome


def test_ragged_rows_are_rejected_with_line_and_text(seeded_db: Path, files_dir: Path) -> None:
    path = small_npd(files_dir, n=6)
    lines = path.read_text().split("\n")
    short, long = lines[2].rsplit(",", 3)[0], lines[5] + ",surplus"
    lines[2], lines[5] = short, long
    path.write_text("\n".join(lines))
    outcome = land_with_change(seeded_db, path, {"raw.npd_cin_2017", "raw._rejects"})
    rejects = query(
        seeded_db,
        "select line_number, error_type, original_text, source_file, load_id from raw._rejects",
    )
    load_id = outcome.record.load_id
    assert sorted(rejects) == [
        (3, "MISSING COLUMNS", short, str(path), load_id),
        (6, "TOO MANY COLUMNS", long, str(path), load_id),
    ]
    assert query(seeded_db, "select count(*) from raw.npd_cin_2017")[0][0] == 4
    # One message per kind of problem, each with its first line.
    problems = [m for m in outcome.record.messages if "rejected to raw._rejects" in m]
    assert len(problems) == 2
    first = "1 row rejected to raw._rejects, missing columns: line 3: 24 columns where"
    assert first in problems[0]
    assert "too many columns: line 6: 28 columns where the header has 27" in problems[1]


def test_a_byte_of_neither_utf8_nor_windows_1252_costs_its_line(
    seeded_db: Path, files_dir: Path
) -> None:
    path = small_npd(files_dir, n=5)
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b"2016/17", b"2016\x8117")  # 0x81: undefined in both
    path.write_bytes(b"\n".join(lines))
    land_with_change(seeded_db, path, {"raw.npd_cin_2017", "raw._rejects"})
    assert query(seeded_db, "select line_number, error_type, message from raw._rejects") == [
        (4, "ENCODING", "byte 0x81 in column 1 is neither UTF-8 nor Windows-1252")
    ]


def test_mixed_delimiter_rows_are_rejected_as_such(seeded_db: Path, files_dir: Path) -> None:
    path = small_npd(files_dir, n=6, delimiter="\t")
    lines = path.read_text().split("\n")
    lines[4] = lines[4].replace("\t", ",")
    path.write_text("\n".join(lines))
    land_with_change(seeded_db, path, {"raw.npd_cin_2017", "raw._rejects"})
    assert query(seeded_db, "select line_number, error_type, message from raw._rejects") == [
        (5, "MIXED DELIMITER", "mixed delimiter: this line splits on comma, the header on tab")
    ]


def test_unknown_extra_columns_are_landed_and_reported(seeded_db: Path, files_dir: Path) -> None:
    rows = fixtures.npd_rows(2017, 3)
    for row in rows:
        row["CIN_NewThing"] = "1"
    path = fixtures.write_npd(files_dir, 2017, rows)
    outcome = land_with_change(seeded_db, path, {"raw.npd_cin_2017"})
    assert query(seeded_db, "select distinct CIN_NewThing from raw.npd_cin_2017") == [("1",)]
    assert "line 1: unknown extra column(s) landed as delivered: CIN_NewThing" in (
        outcome.record.messages
    )


def test_windows_1252_is_not_an_error(seeded_db: Path, files_dir: Path) -> None:
    rows = fixtures.npd_rows(2017, 3)
    rows[0]["CIN_LAchildID_Anon"] = "Åsa"
    path = fixtures.write_npd(files_dir, 2017, rows, encoding="cp1252")
    land_with_change(seeded_db, path, {"raw.npd_cin_2017"})


# --- the command line --------------------------------------------------------------------
def test_cli_exit_code_and_one_line_error(
    seeded_db: Path, files_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = fixtures.write_npd(files_dir, 2018, fixtures.npd_rows(2018, 7))
    bad = files_dir / "CIN_2019.csv"
    bad.write_bytes(b"")
    code = cli.main(["load", str(good), str(bad), "--db", str(seeded_db)])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"error: {bad}: empty file (no header, no rows)" in err.splitlines()
    assert query(seeded_db, "select count(*) from raw.npd_cin_2018")[0][0] == 7
    # The closing line counts the failed file and the 7 rows of the good one.
    assert f"cin load into {seeded_db}: 2 files (1 landed, 1 failed); 7 rows, 0 rejected" in out


def test_cli_missing_path(seeded_db: Path, tmp_path: Path, capsys) -> None:
    code = cli.main(["load", str(tmp_path / "nowhere"), "--db", str(seeded_db)])
    assert code == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_warehouse_held_by_another_connection(seeded_db: Path, files_dir: Path) -> None:
    import duckdb

    path = small_npd(files_dir)
    # A read-only holder: DuckDB refuses a second, writing connection to the file.
    with (
        duckdb.connect(str(seeded_db), read_only=True),
        pytest.raises(loader.LoadError, match="cannot open the warehouse"),
    ):
        loader.land([path], seeded_db)


def test_repeated_single_valued_element_is_kept_not_lost(seeded_db: Path, files_dir: Path) -> None:
    children = fixtures.make_children(2021, 2, seed=3)
    text = fixtures.return_xml(2021, "330", children)
    text = text.replace("</LAchildID>", "</LAchildID>\n        <LAchildID>SECOND</LAchildID>", 1)
    path = files_dir / "CIN_2021_330.xml"
    path.write_text(text)
    outcome = land_with_change(seeded_db, path, {f"raw.xml_{t}" for t in XML_TABLES})
    first_id = children[0].identifiers["LAchildID"]
    assert query(
        seeded_db, "select LAchildID from raw.xml_child where _la_code = '330' and child_pos = 1"
    ) == [(first_id,)]
    assert query(
        seeded_db, "select path, text from raw.xml_unknown_elements where _la_code = '330'"
    ) == [("Message/Children/Child/ChildIdentifiers/LAchildID", "SECOND")]
    assert any("repeated" in m for m in outcome.record.messages)


XML_TABLES = (
    "header",
    "child",
    "disability",
    "cin_details",
    "assessment",
    "assessment_factor",
    "cin_plan_dates",
    "section47",
    "cpp",
    "cpp_review",
    "unknown_elements",
)


def test_a_file_of_which_no_row_parses(seeded_db: Path, files_dir: Path) -> None:
    path = small_npd(files_dir, n=4)
    lines = path.read_text().split("\n")
    path.write_text("\n".join([lines[0], *(line.replace(",", "\t") for line in lines[1:])]))
    message = fail_without_change(seeded_db, path)
    assert ": line 2: none of the 4 data rows can be parsed: mixed delimiter" in message


def test_xml_census_year_mismatch_with_the_file_name(seeded_db: Path, files_dir: Path) -> None:
    path = files_dir / "CIN_2020_330.xml"
    path.write_text(fixtures.return_xml(2021, "330", fixtures.make_children(2021, 2)))
    message = fail_without_change(seeded_db, path)
    assert ": line 3: census-year mismatch: the header says 2021 but the file name says 2020" in (
        message
    )


def test_xml_la_mismatch_with_the_file_name(seeded_db: Path, files_dir: Path) -> None:
    path = files_dir / "CIN_2021_202.xml"
    path.write_text(fixtures.return_xml(2021, "330", fixtures.make_children(2021, 2)))
    assert "LA mismatch: the header's LEA is 330 but the file name says 202" in (
        fail_without_change(seeded_db, path)
    )


def test_a_control_character_in_the_header(seeded_db: Path, files_dir: Path) -> None:
    """Found by the fuzz test: a NUL in a column name reached DuckDB's SQL parser."""
    path = small_npd(files_dir, n=3)
    path.write_bytes(b"\x00" + path.read_bytes())
    message = fail_without_change(seeded_db, path)
    assert ": line 1: header column 1 holds the control character '\\x00'" in message
