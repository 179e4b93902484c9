"""Linters are part of the suite: sqlfluff (dbt templater) on the SQL, ruff and the mypy type
checker on the Python."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

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
    result = run(
        [
            str(BIN / "sqlfluff"),
            "lint",
            "models",
            "macros",
            "analyses",
            "tests",
            "--processes",
            "2",
        ],
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean() -> None:
    result = run([str(BIN / "ruff"), "check", *PYTHON_PATHS])
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = run([str(BIN / "ruff"), "format", "--check", *PYTHON_PATHS])
    assert result.returncode == 0, result.stdout + result.stderr


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
