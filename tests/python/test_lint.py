"""Linters are part of the suite: sqlfluff (dbt templater) on the SQL, ruff and the mypy type
checker on the Python."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from sqlfluff.core import FluffConfig, Linter

from cin_warehouse import npd_spec
from cin_warehouse.codegen import npd_staging

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PYTHON_PATHS = ["cin_warehouse", "tests", "benchmarks"]


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False, env=env
    )


# The generated per-year NPD staging models (cin_warehouse/codegen/npd_staging.py; the drift
# test proves each is the generator's output), 18 census years of two kinds, are most of
# sqlfluff's time here: about 8 s of CPU for each year of the main table (14-16 kB once
# rendered). Years of one shape are the same text but for the census year once their leading
# comments are set aside, and so are their renderings under the lint: the year only names
# the source table and picks the legacy codes of a `case` that is rendered from the ref_codes
# seed, which the lint's empty warehouse does not hold (macros/staging/legacy_codes.sql). So
# the suite lints the first year of each shape whole and the leading comments of the others
# (test_year_models_left_out_differ_only_in_clean_comments); `make lint` lints every file.
def _leading_comments(path: Path) -> tuple[str, str]:
    """A file's text as its leading comment lines and the rest."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    end = next((i for i, line in enumerate(lines) if not line.startswith("--")), len(lines))
    return "".join(lines[:end]), "".join(lines[end:])


def year_model_shapes() -> list[list[Path]]:
    """The generated per-year models grouped by their text after the leading comments, the
    census year masked; each group in year order."""
    shapes: dict[str, list[Path]] = {}
    for prefix in npd_staging.MODEL_PREFIX.values():
        for path in sorted(npd_staging.NPD_MODELS_DIR.glob(f"{prefix}*.sql")):
            year = path.stem.removeprefix(prefix)
            if year.isdigit():
                _, body = _leading_comments(path)
                shapes.setdefault(prefix + body.replace(year, "YYYY"), []).append(path)
    return list(shapes.values())


def sql_paths() -> list[str]:
    """What the suite's sqlfluff lints: the SQL folders, but for the generated years left out."""
    left_out = {path for shape in year_model_shapes() for path in shape[1:]}
    models = sorted(p for p in (PROJECT_DIR / "models").rglob("*.sql") if p not in left_out)
    return [*(str(p.relative_to(PROJECT_DIR)) for p in models), "macros", "analyses", "tests"]


def test_sqlfluff_lint_is_clean(tmp_path: Path) -> None:
    # The dbt templater opens the profile's DuckDB file: give it one of its own, so that a
    # warehouse held open elsewhere (a test fixture, an analyst's session) cannot lock it.
    env = {**os.environ, "CIN_DUCKDB_PATH": str(tmp_path / "lint.duckdb")}
    # One process: the other test worker keeps the second core busy, and each process of
    # sqlfluff's would parse the dbt project for itself (about 25 s of CPU).
    command = ["lint", *sql_paths(), "--processes", "1"]
    result = run([str(BIN / "sqlfluff"), *command], env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_year_models_left_out_differ_only_in_clean_comments() -> None:
    shapes = year_model_shapes()
    years = sum(len(shape) for shape in shapes)
    assert years == len(npd_spec.FILE_KINDS) * len(npd_spec.CENSUS_YEARS), "each year model"
    for shape in shapes:
        for path in shape[1:]:
            comments, _ = _leading_comments(path)
            assert sqlfluff_findings(comments) == set(), path.name


# A model with five faults planted (line: rule), and the same model without them.
LONG_COMMENT = "-- a comment line over the limit of 100 characters: " + "x" * 60
PLANTED = f"""\
with unused as (
    select 1 as one
),

kept as (
    SELECT
        children.child_id,
        children.la_code code
    from raw_children children
)

{LONG_COMMENT}
select child_id
from kept
"""
PLANTED_FAULTS = {(1, "ST03"), (6, "CP01"), (8, "AL02"), (9, "AL01"), (12, "LT05")}
UNPLANTED = """\
with kept as (
    select
        children.child_id,
        children.la_code as code
    from raw_children as children
)

-- a comment line under the limit
select child_id
from kept
"""


def sqlfluff_findings(sql: str) -> set[tuple[int, str]]:
    """(line, rule) of each finding of sqlfluff on `sql` with the project's .sqlfluff (the
    raw templater: the text is the SQL, so the finding's line is the planted one)."""
    config = FluffConfig.from_path(str(PROJECT_DIR), overrides={"templater": "raw"})
    linted = Linter(config=config).lint_string(sql)
    return {(v.line_no, v.rule_code()) for v in linted.get_violations()}


def test_sqlfluff_finds_each_planted_fault() -> None:
    assert sqlfluff_findings(PLANTED) >= PLANTED_FAULTS
    assert sqlfluff_findings(UNPLANTED) == set()


def test_ruff_is_clean() -> None:
    result = run([str(BIN / "ruff"), "check", *PYTHON_PATHS])
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = run([str(BIN / "ruff"), "format", "--check", *PYTHON_PATHS])
    assert result.returncode == 0, result.stdout + result.stderr


# The dbt project's YAML: every list is a block list (`- item`, one a line). Two exceptions,
# where block style cannot say it or reads worse: `[]` for an empty list, and a unit test's
# `rows`, one flow mapping a row (`- {column: value, ...}`), which reads like a CSV line.
YAML_FOLDERS = ["models", "seeds", "tests", "analyses", "macros"]


def yaml_files() -> list[Path]:
    found = [PROJECT_DIR / "dbt_project.yml"]
    for folder in YAML_FOLDERS:
        found += sorted((PROJECT_DIR / folder).rglob("*.yml"))
        found += sorted((PROJECT_DIR / folder).rglob("*.yaml"))
    return [p for p in found if not {"python", "__pycache__"} & set(p.parts)]


def flow_collections(text: str) -> list[str]:
    """`line N: ...` for each flow-style list or mapping the rule above does not allow, and
    each lone `-` (a list item whose content starts on the next line)."""
    problems: list[str] = []

    def walk(node: yaml.Node, key: str | None, parent_key: str | None) -> None:
        if isinstance(node, yaml.SequenceNode):
            if node.flow_style and node.value:
                problems.append(f"line {node.start_mark.line + 1}: flow list under {key!r}")
            for item in node.value:
                walk(item, None, key)
        elif isinstance(node, yaml.MappingNode):
            if node.flow_style and parent_key != "rows":
                problems.append(f"line {node.start_mark.line + 1}: flow mapping under {key!r}")
            for name, value in node.value:
                walk(value, str(name.value), key)

    for document in yaml.compose_all(text, Loader=yaml.SafeLoader):
        if document is not None:
            walk(document, None, None)
    problems += [
        f"line {number}: a lone `-` (write `- name: ...`)"
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() == "-"
    ]
    return problems


def test_yaml_lists_are_block_lists() -> None:
    files = yaml_files()
    assert len(files) > 10, "the dbt project's YAML files are found"
    problems = [
        f"{path.relative_to(PROJECT_DIR)}, {problem}"
        for path in files
        for problem in flow_collections(path.read_text(encoding="utf-8"))
    ]
    assert problems == [], "\n".join(problems)


def test_the_yaml_list_check_finds_flow_lists() -> None:
    text = (
        "models:\n"
        "  - name: m\n"
        "    data_tests: [unique, not_null]\n"
        "    config: {meta: {grain: x}}\n"
        "    tags: []\n"
        "unit_tests:\n"
        "  - given:\n"
        "      - rows:\n"
        "          - {a: 1, b: 2}\n"
        "columns:\n"
        "  -\n"
        "    name: c\n"
    )
    assert flow_collections(text) == [
        "line 3: flow list under 'data_tests'",
        "line 4: flow mapping under 'config'",
        "line 4: flow mapping under 'meta'",
        "line 11: a lone `-` (write `- name: ...`)",
    ]


def test_mypy_is_clean() -> None:
    # Files and per-module settings: [tool.mypy] in pyproject.toml.
    result = run([str(BIN / "mypy")])
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_checks_every_module_of_the_package() -> None:
    """No module of the package is exempt: a type fault is fixed, or silenced on its line
    with the error code and the reason (`# type: ignore[code]`), never for a whole module."""
    with open(PROJECT_DIR / "pyproject.toml", "rb") as handle:
        mypy = tomllib.load(handle)["tool"]["mypy"]
    exempt = {
        str(override["module"]): sorted(set(override) & {"ignore_errors", "disable_error_code"})
        for override in mypy.get("overrides", [])
        if set(override) & {"ignore_errors", "disable_error_code"}
    }
    assert exempt == {}
    assert mypy.get("warn_unused_ignores") is True, "a line's ignore must still be needed"
