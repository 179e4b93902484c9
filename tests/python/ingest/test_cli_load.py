"""`cin load` from the command line: nothing skipped silently, `--kind`, `--summary`,
CIN_DUCKDB_PATH, failed loads in the manifest (issue 11)."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest
from rich.console import Console

from cin_warehouse import cli
from cin_warehouse.ingest import files, report
from cin_warehouse.ingest.loader import Outcome
from cin_warehouse.ingest.manifest import LoadRecord
from tests.python.ingest import fixtures
from tests.python.ingest.fixtures import query


def summary_counts(out: str) -> dict[str, int]:
    """The figures of `cin load`'s closing summary line, by name: `cin load into DB: 5 files
    (2 landed, 3 skipped); 9 rows, 0 rejected`."""
    line = next(line for line in out.splitlines() if line.startswith("cin load into "))
    files_part, rows_part = line.split(": ", 1)[1].split("; ")
    counts = {"files": int(files_part.split(" files")[0].replace(",", ""))}
    for figure in [*files_part.split("(", 1)[1].rstrip(")").split(", "), *rows_part.split(", ")]:
        value, name = figure.split(" ")
        counts[name] = int(value.replace(",", ""))
    return counts


def _misnamed_folder(files_dir: Path) -> dict[str, str]:
    """A folder as a user has it: two extracts, two misnamed extracts, a note."""
    fixtures.write_npd(files_dir, 2017, fixtures.npd_rows(2017, 4, seed=1))
    (files_dir / "xml").mkdir()
    (files_dir / "xml" / "return.xml").write_text(
        fixtures.return_xml(2018, "202", fixtures.make_children(2018, 2, seed=2))
    )
    fixtures.write_npd(files_dir, 2015, fixtures.npd_rows(2015, 3, seed=3), name="CIN_2015 (1).txt")
    fixtures.write_npd(
        files_dir, 2016, fixtures.npd_rows(2016, 5, seed=4), name="cin_2016_extract.csv"
    )
    (files_dir / "README.docx").write_bytes(b"notes")
    return {
        "CIN_2015 (1).txt": "name does not look like a CIN file",
        "cin_2016_extract.csv": "name does not look like a CIN file",
        "README.docx": "not a CIN extract",
    }


def test_every_file_of_a_folder_is_landed_or_reported_as_skipped(
    db: Path, files_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected_skips = _misnamed_folder(files_dir)
    code = cli.main(["load", str(files_dir), "--db", str(db)])
    out, _ = capsys.readouterr()
    assert code == 0
    skipped = {
        line.split(": ", 1)[0].removeprefix("skipped ").rsplit("/", 1)[1]: line.split(": ", 1)[1]
        for line in out.splitlines()
        if line.startswith("skipped ")
    }
    assert set(skipped) == set(expected_skips)
    for name, reason in expected_skips.items():
        assert skipped[name].startswith(reason)
    assert "use `--kind npd` or name it CIN_<year>.csv" in skipped["cin_2016_extract.csv"]
    # The summary line counts them: the two landed files' rows, as the manifest has them.
    counts = summary_counts(out)
    assert (counts["files"], counts["landed"], counts["skipped"]) == (5, 2, 3)
    assert query(db, "select sum(rows_landed), sum(rows_rejected) from raw._loads") == [
        (counts["rows"], counts["rejected"])
    ]
    assert query(db, "select count(*) from raw._loads") == [(2,)]


def test_kind_npd_lands_misnamed_text_files(
    db: Path, files_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixtures.write_npd(files_dir, 2015, fixtures.npd_rows(2015, 3, seed=3), name="CIN_2015 (1).txt")
    fixtures.write_npd(
        files_dir, 2016, fixtures.npd_rows(2016, 5, seed=4), name="cin_2016_extract.csv"
    )
    code = cli.main(["load", str(files_dir), "--db", str(db), "--kind", "npd"])
    assert code == 0
    assert query(db, "select census_year, rows_landed from raw._loads order by 1") == [
        (2015, 3),
        (2016, 5),
    ]
    assert not any(line.startswith("skipped ") for line in capsys.readouterr().out.splitlines())


def test_a_folder_of_only_skipped_files_is_an_error(
    db: Path, files_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixtures.write_npd(files_dir, 2016, fixtures.npd_rows(2016, 5), name="extract.csv")
    code = cli.main(["load", str(files_dir), "--db", str(db)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "skipped" in out and "extract.csv" in out
    assert "nothing to land" in err
    assert not db.exists()


def test_cin_duckdb_path_is_the_default_db(
    tmp_path: Path, files_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "elsewhere" / "mine.duckdb"
    monkeypatch.setenv("CIN_DUCKDB_PATH", str(target))
    monkeypatch.chdir(tmp_path)
    path = fixtures.write_npd(files_dir, 2017, fixtures.npd_rows(2017, 6))
    assert cli.main(["load", str(path)]) == 0
    assert query(target, "select count(*) from raw.npd_cin_2017") == [(6,)]
    assert not (tmp_path / "warehouse").exists()


def test_summary_mode_prints_one_line_per_folder(
    db: Path, files_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    npd_dir, xml_dir = files_dir / "npd", files_dir / "xml"
    npd_dir.mkdir()
    xml_dir.mkdir()
    for year in (2014, 2015, 2016):
        fixtures.write_npd(npd_dir, year, fixtures.npd_rows(year, 3, seed=year))
    for la in ("202", "330"):
        (xml_dir / f"CIN_2019_{la}.xml").write_text(
            fixtures.return_xml(2019, la, fixtures.make_children(2019, 2, seed=1))
        )
    bad = npd_dir / "CIN_2017.csv"
    bad.write_bytes(b"")
    code = cli.main(["load", str(npd_dir), str(xml_dir), "--db", str(db), "--summary"])
    out, err = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    assert sum(line.startswith(str(npd_dir) + ":") for line in lines) == 1
    npd_line = next(line for line in lines if line.startswith(str(npd_dir) + ":"))
    assert "4 files (3 landed, 1 failed); 9 rows, 0 rejected; census years 2014-2016" in npd_line
    assert sum(line.startswith(str(xml_dir) + ":") for line in lines) == 1
    assert not any(line.startswith("landed ") for line in lines)  # no per-file lines
    assert f"error: {bad}: empty file (no header, no rows)" in err  # failures still shown


def test_a_failed_load_is_in_the_manifest_with_its_error(db: Path, files_dir: Path) -> None:
    good = fixtures.write_npd(files_dir, 2017, fixtures.npd_rows(2017, 6))
    bad = files_dir / "CIN_2018.csv"
    bad.write_text("CIN_ACADYR,CIN_LA,CIN_LAchildID_Anon\n2017/18,202,A1\n")
    assert cli.main(["load", str(good), str(bad), "--db", str(db)]) == 1
    assert query(
        db, "select file_name, status, rows_landed, error from raw._loads order by file_name"
    ) == [
        ("CIN_2017.csv", "loaded", 6, None),
        (
            "CIN_2018.csv",
            "failed",
            0,
            "line 1 (header): missing required column(s): CIN_ReferralDate",
        ),
    ]
    assert query(db, "select count(*) from raw.npd_cin_2018") == [(0,)]


def test_summary_keeps_every_digit_of_a_national_landing_at_80_columns() -> None:
    """At scale 1 a landing has tens of millions of rows and 1,521 returns; rich assumes 80
    columns when the output is not a terminal (a log, a pipe), and the old summary table cut
    the row count to "10,982,1…" there. Two returns of 5,491,062 rows each (one with 7
    rejects) and a skipped file: every figure in full, as `cin load` prints it."""
    started = datetime(2026, 1, 1)

    def landed(name: str, rows: int, rejected: int) -> Outcome:
        path = Path("/data/cin/xml/2025") / name
        record = LoadRecord(
            load_id=name, source_file=str(path), file_name=name, sha256="0" * 64,
            size_bytes=1, format="xml", file_kind="la_return", census_year=2025,
            la_code=name[9:12], encoding="utf-8", delimiter=None,
            rows_per_table={"raw.xml_child": rows - 1, "raw.xml_header": 1},
            rows_rejected=rejected, lines_in_file=None, blank_lines=None, started_at=started,
        )  # fmt: skip
        return Outcome(files.RawFile(path, "xml", False), "landed", record)

    skipped = Outcome(files.Skipped(Path("/data/cin/notes.docx"), "not a CIN extract"), "skipped")
    outcomes = [landed("CIN_2025_330.xml", 5_491_062, 7), landed("CIN_2025_881.xml", 5_491_062, 0)]
    out = io.StringIO()
    console = Console(file=out, width=80, soft_wrap=True)  # as `cin load` makes it
    report.print_summary([*outcomes, skipped], Path("/work/warehouse/cin.duckdb"), console)
    counts = summary_counts(out.getvalue())
    assert counts == {"files": 3, "landed": 2, "skipped": 1, "rows": 10_982_124, "rejected": 7}
    assert "10,982,124 rows" in out.getvalue()
