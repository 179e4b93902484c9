"""`cin generate` as a user runs it: files written, clear errors, no silent overwrite."""

from __future__ import annotations

from pathlib import Path

import pytest

from cin_warehouse import cli


def test_generate_writes_npd_xml_and_truth(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "w"
    code = cli.main(["generate", "--out", str(out), "--las", "202", "--years", "2017-2018"])
    assert code == 0
    assert sorted(p.name for p in (out / "npd").iterdir()) == [
        "CIN_2017.csv",
        "CIN_2017_Disabilities.csv",
        "CIN_2018.csv",
        "CIN_2018_Disabilities.csv",
    ]
    assert sorted(p.name for p in (out / "xml").rglob("*.xml")) == [
        "CIN_2017_202.xml",
        "CIN_2018_202.xml",
    ]
    assert (out / "truth" / "expected_la_year.parquet").exists()
    assert "wrote" in capsys.readouterr().out


def test_generate_refuses_to_overwrite_a_world(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    args = ["generate", "--out", str(tmp_path), "--las", "202", "--years", "2017"]
    assert cli.main(args) == 0
    assert cli.main(args) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert cli.main([*args, "--overwrite", "--format", "npd"]) == 0
    assert not (tmp_path / "xml").exists()


def test_generate_names_unknown_las(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert cli.main(["generate", "--out", str(tmp_path), "--las", "202,999"]) == 2
    assert "999" in capsys.readouterr().err


@pytest.mark.parametrize("years", ["2005", "2017-2030", "twenty"])
def test_generate_rejects_years_outside_the_census(years: str, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["generate", "--out", str(tmp_path), "--years", years])
    assert exit_info.value.code == 2
