"""`cin generate` as a user runs it: files written, clear errors, no silent overwrite."""

from __future__ import annotations

import json
import time
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


def test_generate_writes_each_steps_time_when_asked(tmp_path: Path) -> None:
    """`--timings FILE`: every progress step in order, each with its wall and CPU seconds,
    together the whole run (`make bench` reports them)."""
    timings = tmp_path / "steps" / "timings.json"
    args = ["generate", "--out", str(tmp_path / "w"), "--las", "202", "--years", "2017-2018"]
    started = time.perf_counter()
    assert cli.main([*args, "--format", "npd", "--timings", str(timings)]) == 0
    elapsed = time.perf_counter() - started
    steps = json.loads(timings.read_text())
    assert [s["step"] for s in steps] == [
        "simulating the world",
        "computing the official measures from the truth",
        "preparing the returns (the world's tables written beside)",
        "writing the truth",
        "census year 2017",
        "census year 2018",
        "finishing the last year's files and the returns' truth",
    ]
    assert all(s["wall_s"] >= 0 and s["cpu_s"] >= 0 for s in steps), steps
    assert 0 < sum(s["wall_s"] for s in steps) <= elapsed
    assert sum(s["cpu_s"] for s in steps) > 0
    # without the option no timings are written
    timings.unlink()
    assert cli.main([*args, "--overwrite", "--format", "npd"]) == 0
    assert not timings.exists()


def test_generate_refuses_timings_it_cannot_write_before_generating(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    not_a_folder = tmp_path / "a_file"
    not_a_folder.write_text("")
    timings = not_a_folder / "timings.json"
    args = ["generate", "--out", str(tmp_path / "w"), "--las", "202", "--years", "2017"]
    assert cli.main([*args, "--timings", str(timings)]) == 2
    # (rich wraps the message at the console's width)
    assert f"cannot write --timings {timings}" in capsys.readouterr().err.replace("\n", "")
    assert not (tmp_path / "w").exists()
    # a folder is no file either; and a refused or failed run leaves no file behind
    assert cli.main([*args, "--timings", str(tmp_path)]) == 2
    assert ": a folder" in " ".join(capsys.readouterr().err.split())
    unknown_la = tmp_path / "t" / "timings.json"
    assert cli.main([*args[:4], "999", "--timings", str(unknown_la)]) == 2
    assert not unknown_la.exists()
