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

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PYTHON_PATHS = ["cin_warehouse", "tests", "benchmarks"]


def run(command: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False, env=env
    )


def test_sqlfluff_lint_is_clean(tmp_path: Path) -> None:
    # The dbt templater opens the profile's DuckDB file: give it one of its own, so that a
    # warehouse held open elsewhere (a test fixture, an analyst's session) cannot lock it.
    env = {**os.environ, "CIN_DUCKDB_PATH": str(tmp_path / "lint.duckdb")}
    # One process: the other test worker keeps the second core busy, and each process of
    # sqlfluff's would parse the dbt project for itself (about 25 s of CPU).
    command = ["lint", "models", "macros", "analyses", "tests", "--processes", "1"]
    result = run([str(BIN / "sqlfluff"), *command], env)
    assert result.returncode == 0, result.stdout + result.stderr


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
