"""Linters are part of the suite: sqlfluff (dbt templater) on the SQL, ruff on the Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=PROJECT_DIR, capture_output=True, text=True, check=False)


def test_sqlfluff_lint_is_clean() -> None:
    result = run([str(BIN / "sqlfluff"), "lint", "models", "macros", "analyses", "tests"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean() -> None:
    result = run([str(BIN / "ruff"), "check", "cin_warehouse", "tests"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = run([str(BIN / "ruff"), "format", "--check", "cin_warehouse", "tests"])
    assert result.returncode == 0, result.stdout + result.stderr
