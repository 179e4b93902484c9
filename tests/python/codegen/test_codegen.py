"""Generated files are what the committed generator writes (`python -m cin_warehouse.codegen`),
and a new census year needs only the README's steps: seed rows, then the generator."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cin_warehouse import codegen, npd_spec
from cin_warehouse.codegen import npd_staging

REPO_DIR = codegen.REPO_DIR
BIN = Path(sys.executable).parent
# What a fresh clone does not have (or that would make the copy slow): never part of the repo.
NOT_COPIED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "target",
    "logs",
    "data",
    "warehouse",
    "dbt_packages",
    "__pycache__",
    ".*_cache",
    "*.egg-info",
)


def _relative(path: Path) -> str:
    return str(path.relative_to(REPO_DIR))


@pytest.mark.parametrize("path", sorted(codegen.generated_files()), ids=_relative)
def test_committed_file_is_what_the_generator_writes(path: Path) -> None:
    assert path.exists(), f"missing: run {npd_staging.COMMAND}"
    assert path.read_text(encoding="utf-8") == codegen.generated_files()[path], (
        f"out of date: run {npd_staging.COMMAND}"
    )


def test_every_year_model_is_generated() -> None:
    """Both per-year models of every census year, and no year model the generator does not own."""
    on_disk = {
        path
        for prefix in npd_staging.MODEL_PREFIX.values()
        for path in npd_staging.NPD_MODELS_DIR.glob(f"{prefix}*.sql")
        if path.stem.removeprefix(prefix).isdigit()
    }
    assert on_disk == {
        p
        for p in codegen.generated_files()
        if p.suffix == ".sql" and p.parent == npd_staging.NPD_MODELS_DIR
    }
    assert len(on_disk) == 2 * len(npd_spec.CENSUS_YEARS)
    assert npd_staging.stale_files() == []


def _codegen(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # `python -m` from the copy's root imports the copy's package, which reads the copy's seeds.
    return subprocess.run(
        [sys.executable, "-m", "cin_warehouse.codegen", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(REPO_DIR, copy, ignore=NOT_COPIED)
    return copy


def test_check_names_a_hand_edited_file_and_the_generator_restores_it(repo_copy: Path) -> None:
    edited = repo_copy / "models" / "staging" / "npd" / "stg_npd__cin_2017.sql"
    original = edited.read_text(encoding="utf-8")
    edited.write_text(original.replace("'cin_referraldate'", "'cin_referral_date'"))
    check = _codegen(repo_copy, "--check")
    assert check.returncode == 1
    assert check.stdout.strip() == "out of date: models/staging/npd/stg_npd__cin_2017.sql"
    assert _codegen(repo_copy).returncode == 0
    assert edited.read_text(encoding="utf-8") == original
    assert _codegen(repo_copy, "--check").returncode == 0


def _add_census_year(repo: Path, year: int) -> None:
    """The README's "Adding census year 2027", steps 1 and 2: one row for the year, and the
    year's variables (here: the same as the year before) in the availability seed."""
    seeds = repo / "seeds"
    with open(seeds / "ref_census_years.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{year},{year - 1}/{str(year)[2:]},{year - 1}-04-01,{year}-03-31,false\n")
    with open(seeds / "ref_npd_variable_years.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    added = [{**r, "census_year": str(year)} for r in rows if r["census_year"] == str(year - 1)]
    with open(seeds / "ref_npd_variable_years.csv", "a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n").writerows(added)


def _dbt(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CIN_DUCKDB_PATH": str(repo / "parse.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    return subprocess.run(
        [str(BIN / "dbt"), *args, "--profiles-dir", str(repo), "--project-dir", str(repo)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_census_year_2027_needs_only_the_seed_rows_and_the_generator(repo_copy: Path) -> None:
    new_year = npd_spec.LAST_CENSUS_YEAR + 1
    _add_census_year(repo_copy, new_year)
    # Before the generator runs the tree is out of date: the new year's models are missing.
    check = _codegen(repo_copy, "--check")
    assert check.returncode == 1
    assert f"stg_npd__cin_{new_year}.sql" in check.stdout

    generated = _codegen(repo_copy)
    assert generated.returncode == 0, generated.stdout + generated.stderr
    assert _codegen(repo_copy, "--check").returncode == 0

    parsed = _dbt(repo_copy, "parse")
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr
    manifest = json.loads((repo_copy / "target" / "manifest.json").read_text())
    nodes = manifest["nodes"]
    for kind, prefix in npd_staging.MODEL_PREFIX.items():
        model = nodes[f"model.cin_warehouse.{prefix}{new_year}"]
        source = "npd_cin" if kind == "main" else "npd_cin_disabilities"
        assert f"source.cin_warehouse.npd.{source}_{new_year}" in model["depends_on"]["nodes"]
        assert model["config"]["meta"]["census_year"] == new_year
        assert model["columns"], "the year model shares the documented column list"
        union = nodes[f"model.cin_warehouse.{prefix.rstrip('_')}"]
        assert f"model.cin_warehouse.{prefix}{new_year}" in union["depends_on"]["nodes"]

    compiled = _dbt(repo_copy, "compile", "--select", f"stg_npd__cin_{new_year}", "stg_npd__cin")
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    sql = next((repo_copy / "target" / "compiled").rglob(f"stg_npd__cin_{new_year}.sql"))
    assert f"npd_cin_{new_year}" in sql.read_text()


def test_year_spans_join_consecutive_years_only() -> None:
    assert npd_staging._year_span([2009, 2013, 2014, 2015]) == "2009, 2013-2015"
    assert npd_staging._year_span([2014, 2015]) == "2014-2015"
    assert npd_staging._year_span([2009]) == "2009"


def test_each_year_model_stages_exactly_the_seeds_variables() -> None:
    """Read back from the committed SQL, independently of the generator: a variable is staged
    (`stage_*` on its lower-cased NPD column) in the years of ref_npd_variable_years and a
    typed NULL (`absent_*`) in every other year."""
    with open(npd_spec.SEEDS_DIR / "ref_npd_variable_years.csv", encoding="utf-8") as handle:
        populated = {
            (r["file_kind"], r["variable"], int(r["census_year"])) for r in csv.DictReader(handle)
        }
    with open(npd_spec.SEEDS_DIR / "ref_npd_variables.csv", encoding="utf-8") as handle:
        variables = list(csv.DictReader(handle))
    for kind, prefix in npd_staging.MODEL_PREFIX.items():
        for year in npd_spec.CENSUS_YEARS:
            sql = (npd_staging.NPD_MODELS_DIR / f"{prefix}{year}.sql").read_text()
            for v in (v for v in variables if v["file_kind"] == kind and v["variable"] != "LA"):
                staged = f"('{v['npd_column'].lower()}', '{v['staging_name']}'" in sql
                absent = re.search(rf"\{{\{{ absent_\w+\('{v['staging_name']}'", sql) is not None
                if (kind, v["variable"], year) in populated:
                    assert staged and not absent, (prefix, year, v["variable"])
                else:
                    assert absent and not staged, (prefix, year, v["variable"])


def test_notes_for_unknown_years_or_variables_are_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.toml"
    notes.write_text(
        '[year_notes.main]\n1999 = "before the census"\n\n'
        '[variables.referal_date]\nnotes = "a typo"\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError) as error:
        npd_staging._load_notes(notes)
    message = str(error.value)
    assert str(notes) in message
    assert "[year_notes.main] 1999: not a census year" in message
    assert "[variables.referal_date]: no such staging name" in message


def test_a_year_without_any_la_column_is_refused() -> None:
    with pytest.raises(ValueError, match="census year 2030 .main.: neither CIN_LA nor CIN_LA_09"):
        npd_staging._la_code({"ACADYR"}, 2030, "main")
