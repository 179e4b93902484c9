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
        if p.suffix == ".sql" and p.parent == npd_staging.NPD_MODELS_DIR and p.stem[-4:].isdigit()
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
    """The README's "Adding census year 2027", step 1: the year's row in ref_census_years.
    Nothing else: the variables DfE still collects (an empty last_year in
    ref_npd_variable_years) extend to the new year by themselves."""
    with open(repo / "seeds" / "ref_census_years.csv", "a", encoding="utf-8") as handle:
        handle.write(f"{year},{year - 1}/{str(year)[2:]},{year - 1}-04-01,{year}-03-31,false\n")


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


def _changed_files(repo: Path) -> set[str]:
    """Every file of the copy whose text differs from the repository's, and every new file."""
    changed = set()
    for path in repo.rglob("*"):
        relative = path.relative_to(repo)
        if (
            not path.is_file()
            or relative.parts[0] in ("target", "logs")
            or path.suffix == ".duckdb"
        ):
            continue
        original = REPO_DIR / relative
        if not original.exists() or original.read_bytes() != path.read_bytes():
            changed.add(str(relative))
    return changed


def test_census_year_2027_needs_only_one_seed_row_and_the_generator(repo_copy: Path) -> None:
    new_year = npd_spec.LAST_CENSUS_YEAR + 1
    _add_census_year(repo_copy, new_year)
    assert _changed_files(repo_copy) == {"seeds/ref_census_years.csv"}
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
    text = (repo_copy / "models" / "staging" / "npd" / f"stg_npd__cin_{new_year}.sql").read_text()
    # The new year stages what the last year staged: open-ended variables carry on, and a
    # variable DfE stopped (LA_09, 2009 only; SeenSocialWorker, 2014-2015) is not in its model
    # and is a typed NULL in the union's select of the new year (the last one).
    assert "stage_date('cin_referraldate', 'referral_date')" in text
    assert "stage_date('cin_cppstartdate', 'cpp_start_date')" in text
    assert "seensocialworker" not in text and "seen_social_worker" not in text
    assert "'cin_la_09'" not in text
    union = (repo_copy / "models" / "staging" / "npd" / "stg_npd__cin.sql").read_text()
    filled = _union_fill(union, f"stg_npd__cin_{new_year}")
    assert "absent_flag('has_seen_social_worker')" in filled
    assert "absent_value('la_code_pre_2009')" in filled
    for kind in npd_spec.FILE_KINDS:
        assert _spec_columns(repo_copy, new_year, kind) == npd_spec.npd_columns(
            npd_spec.LAST_CENSUS_YEAR, kind
        )
    # Only the seed row and the generated files changed.
    generated = set(_generated_paths(repo_copy))
    assert _changed_files(repo_copy) <= {"seeds/ref_census_years.csv", *generated}


def _union_fill(union: str, model: str) -> str:
    """The select of the union `stg_npd__cin.sql` that fills the absent variables of `model`'s
    rows: read back from the text (a CTE per group of years names the year models; the
    `filled` CTE selects from each group's CTE once)."""
    groups = dict(re.findall(r"^(\w+) as \((.*?)^\),?$", union, flags=re.MULTILINE | re.DOTALL))
    [group] = [name for name, body in groups.items() if f"ref('{model}')" in body]
    [filled] = [
        select
        for select in groups["filled"].split("union all by name")
        if re.search(rf"from {group}\s*$", select)
    ]
    return filled


def _spec_columns(repo: Path, year: int, kind: str) -> list[str]:
    """The copy's NPD columns of a census year, read by the copy's own package."""
    code = (
        "import json, sys; from cin_warehouse import npd_spec; "
        f"json.dump(npd_spec.npd_columns({year}, {kind!r}), sys.stdout)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True
    )
    return list(json.loads(done.stdout))


def _generated_paths(repo: Path) -> list[str]:
    """The files the copy's generator owns, relative to the copy."""
    code = (
        "import json, sys; from cin_warehouse import codegen; "
        "json.dump([str(p.relative_to(codegen.REPO_DIR)) for p in codegen.generated_files()],"
        " sys.stdout)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=True
    )
    return list(json.loads(done.stdout))


def test_year_spans_join_consecutive_years_only() -> None:
    assert npd_staging._year_span([2009, 2013, 2014, 2015]) == "2009, 2013-2015"
    assert npd_staging._year_span([2014, 2015]) == "2014-2015"
    assert npd_staging._year_span([2009]) == "2009"


def _populated_from_spans() -> set[tuple[str, str, int]]:
    """ref_npd_variable_years read here, independently of npd_spec: spans to years."""
    last = max(npd_spec.CENSUS_YEARS)
    with open(npd_spec.SEEDS_DIR / "ref_npd_variable_years.csv", encoding="utf-8") as handle:
        return {
            (r["file_kind"], r["variable"], year)
            for r in csv.DictReader(handle)
            for year in range(int(r["first_year"]), int(r["last_year"] or last) + 1)
        }


def test_each_year_model_stages_exactly_the_seeds_variables() -> None:
    """Read back from the committed SQL, independently of the generator: a variable is staged
    (`stage_*` on its lower-cased NPD column) in the years of ref_npd_variable_years and a
    typed NULL (`absent_*`) in every other year: in the year model, or for the main table in
    the union's select of that year's group (its year models have no `absent_*`)."""
    populated = _populated_from_spans()
    with open(npd_spec.SEEDS_DIR / "ref_npd_variables.csv", encoding="utf-8") as handle:
        variables = list(csv.DictReader(handle))
    union = (npd_staging.NPD_MODELS_DIR / "stg_npd__cin.sql").read_text()
    for kind, prefix in npd_staging.MODEL_PREFIX.items():
        for year in npd_spec.CENSUS_YEARS:
            sql = (npd_staging.NPD_MODELS_DIR / f"{prefix}{year}.sql").read_text()
            filled = sql
            if kind == "main":
                assert "absent_" not in sql, (prefix, year)
                filled = _union_fill(union, f"{prefix}{year}")
            for v in (v for v in variables if v["file_kind"] == kind and v["variable"] != "LA"):
                staged = f"('{v['npd_column'].lower()}', '{v['staging_name']}'" in sql
                absent = re.search(rf"\{{\{{ absent_\w+\('{v['staging_name']}'", filled) is not None
                if (kind, v["variable"], year) in populated:
                    assert staged and not absent, (prefix, year, v["variable"])
                else:
                    assert absent and not staged, (prefix, year, v["variable"])


def test_the_spans_state_dfes_years_populated() -> None:
    """Spot checks from DfE's "years populated" list (docs/cin_census.md §3b): CPP start date
    in 2008/09 and again from 2012/13, the 2009-only LA_09, SeenSocialWorker 2014-2015."""
    populated = _populated_from_spans()
    assert {y for k, v, y in populated if (k, v) == ("main", "CPPstartDate")} == {
        2009,
        *range(2013, npd_spec.LAST_CENSUS_YEAR + 1),
    }
    assert {y for k, v, y in populated if v == "LA_09"} == {2009}
    assert {y for k, v, y in populated if v == "SeenSocialWorker"} == {2014, 2015}


def _availability(tmp_path: Path, *rows: str) -> Path:
    path = tmp_path / "ref_npd_variable_years.csv"
    original = (npd_spec.SEEDS_DIR / "ref_npd_variable_years.csv").read_text(encoding="utf-8")
    path.write_text(original + "".join(f"{row}\n" for row in rows), encoding="utf-8")
    return path


def test_a_variable_that_stops_is_one_edit(tmp_path: Path) -> None:
    """Setting an open-ended variable's last_year removes it from the later years only."""
    path = tmp_path / "ref_npd_variable_years.csv"
    original = (npd_spec.SEEDS_DIR / "ref_npd_variable_years.csv").read_text(encoding="utf-8")
    assert "main,ReferralSource,2014,\n" in original
    path.write_text(
        original.replace("main,ReferralSource,2014,\n", "main,ReferralSource,2014,2020\n")
    )
    before = npd_spec.read_availability()
    after = npd_spec.read_availability(path)
    assert before - after == {
        ("main", "ReferralSource", y) for y in range(2021, npd_spec.LAST_CENSUS_YEAR + 1)
    }
    assert after <= before


def test_a_variable_without_a_span_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "ref_npd_variable_years.csv"
    original = (npd_spec.SEEDS_DIR / "ref_npd_variable_years.csv").read_text(encoding="utf-8")
    path.write_text(original.replace("main,AnyPoint,2019,\n", ""), encoding="utf-8")
    with pytest.raises(ValueError, match=r"variables without any span: \[\('main', 'AnyPoint'\)\]"):
        npd_spec.read_availability(path)


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        ("main,NoSuchVariable,2010,", "'NoSuchVariable' is not in ref_npd_variables.csv"),
        ("main,SeenSocialWorker,2015,2016", "SeenSocialWorker (main) 2015 is already in"),
        ("main,LA_LGR,2008,2008", "span 2008-2008 is not within the census years"),
        ("main,LLSOA,2012,2011", "span 2012-2011 is not within the census years"),
        ("main,LLSOA,twenty,", "first_year 'twenty' and last_year '' must be census years"),
    ],
)
def test_a_bad_span_is_refused_with_its_line(tmp_path: Path, row: str, problem: str) -> None:
    path = _availability(tmp_path, row)
    line = len(path.read_text(encoding="utf-8").splitlines())
    with pytest.raises(ValueError) as error:
        npd_spec.read_availability(path)
    assert f"{path}, line {line}: " in str(error.value)
    assert problem in str(error.value)


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
