"""Fixtures of the landing tests: a fresh DuckDB file per test, files in the test's tmp dir."""

from __future__ import annotations

from pathlib import Path

import pytest

from cin_warehouse.ingest import loader
from tests.python.ingest import fixtures


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "cin.duckdb"


@pytest.fixture
def files_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "files"
    folder.mkdir()
    return folder


@pytest.fixture
def seeded_db(db: Path, tmp_path: Path) -> Path:
    """A warehouse that already holds an NPD year and an LA return (so that a test can see
    that a failed load touched none of it)."""
    seed = tmp_path / "seed"
    seed.mkdir()
    fixtures.write_npd(seed, 2016, fixtures.npd_rows(2016, 25, seed=3))
    xml = seed / "CIN_2017_202.xml"
    xml.write_text(fixtures.return_xml(2017, "202", fixtures.make_children(2017, 5, seed=4)))
    outcomes = loader.land([seed], db)
    assert [o.status for o in outcomes] == ["landed", "landed"]
    return db
