"""The docs site built once for the docs tests: `dbt docs generate --static` on the session
warehouse, as `make demo` does (into a target folder of its own)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cin_warehouse import measured_docs
from tests.python.conftest import BuiltWarehouse, run_dbt

# Screenshots of the browser test, kept after the run for a person to look at.
SCREENSHOT_DIR = Path(__file__).resolve().parents[3] / "target" / "screenshots"
# The screenshots this session wrote (printed at the end of the run).
SCREENSHOTS = pytest.StashKey[list[Path]]()


@pytest.fixture(scope="session")
def docs_target(warehouse: BuiltWarehouse) -> Path:
    """The target folder holding manifest.json, catalog.json and static_index.html: a folder
    of its own, so the build's run_results.json (read by the `cin dq` tests) stays as built.
    As `make demo` does, the measured data quality of the warehouse is written first and
    dbt reads it (CIN_MEASURED_DOCS; cin_warehouse/measured_docs.py)."""
    target = warehouse.db_path.parent / "docs_target"
    # The session's connection holds the file: read the marts through it.
    measured = target / "measured_docs"
    measured.mkdir(parents=True, exist_ok=True)
    (measured / measured_docs.FILE_NAME).write_text(
        measured_docs.render(warehouse.con, warehouse.db_path.name), encoding="utf-8"
    )
    previous = os.environ.get(measured_docs.ENV)
    os.environ[measured_docs.ENV] = str(measured)
    try:
        run_dbt(["docs", "generate", "--static"], warehouse.db_path, target)
    finally:
        if previous is None:
            del os.environ[measured_docs.ENV]
        else:
            os.environ[measured_docs.ENV] = previous
    return target


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    shots = config.stash.get(SCREENSHOTS, [])
    if shots:
        terminalreporter.write_line(f"docs site screenshots ({len(shots)}) in {SCREENSHOT_DIR}:")
        for shot in shots:
            terminalreporter.write_line(f"  {shot.name}")
