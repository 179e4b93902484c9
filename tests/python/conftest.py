"""Shared fixtures: one small synthetic world, landed and built once per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

from cin_warehouse.ingest import npd
from cin_warehouse.synth import minimal

PROJECT_DIR = Path(__file__).resolve().parents[2]
TEST_SEED = 7


@dataclass(frozen=True)
class BuiltWarehouse:
    """A synthetic world on disk, the DuckDB file built from it, and a read-only connection."""

    world_dir: Path
    db_path: Path
    con: duckdb.DuckDBPyConnection

    @property
    def truth_dir(self) -> Path:
        return self.world_dir / "truth"


def run_dbt(args: list[str], db_path: Path, target_path: Path) -> None:
    """Run dbt in-process against `db_path`; fail the test session if dbt fails."""
    os.environ["CIN_DUCKDB_PATH"] = str(db_path)
    result = dbtRunner().invoke(
        [
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path / "logs"),
            "--quiet",
        ]
    )
    if not result.success:
        raise RuntimeError(f"dbt {' '.join(args)} failed: {result.exception or result.result}")


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    root = tmp_path_factory.mktemp("warehouse")
    world_dir = root / "world"
    db_path = root / "cin.duckdb"
    minimal.generate(world_dir, seed=TEST_SEED)
    npd.land([world_dir / "npd"], db_path)
    run_dbt(["build"], db_path, root / "target")
    # dbt-duckdb may still hold the file in this process: same configuration, not read-only.
    con = duckdb.connect(str(db_path))
    yield BuiltWarehouse(world_dir=world_dir, db_path=db_path, con=con)
    con.close()
