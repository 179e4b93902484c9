"""The docs site built once for the docs tests: `dbt docs generate --static` on the session
warehouse, as `make demo` does (into a target folder of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.python.conftest import BuiltWarehouse, run_dbt

# Screenshots of the browser test, kept after the run for a person to look at.
SCREENSHOT_DIR = Path(__file__).resolve().parents[3] / "target" / "screenshots"
# The screenshots this session wrote (printed at the end of the run).
SCREENSHOTS = pytest.StashKey[list[Path]]()


@pytest.fixture(scope="session")
def docs_target(warehouse: BuiltWarehouse) -> Path:
    """The target folder holding manifest.json, catalog.json and static_index.html: a folder
    of its own, so the build's run_results.json (read by the `cin dq` tests) stays as built."""
    target = warehouse.db_path.parent / "docs_target"
    run_dbt(["docs", "generate", "--static"], warehouse.db_path, target)
    return target


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    shots = config.stash.get(SCREENSHOTS, [])
    if shots:
        terminalreporter.write_line(f"docs site screenshots ({len(shots)}) in {SCREENSHOT_DIR}:")
        for shot in shots:
            terminalreporter.write_line(f"  {shot.name}")
