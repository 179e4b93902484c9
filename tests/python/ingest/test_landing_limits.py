"""`cin load` lands under the build's DuckDB limits (issue 16): the memory limit and threads
profiles.yml gives dbt (CIN_DUCKDB_MEMORY_LIMIT, CIN_DUCKDB_THREADS, with the profile's
defaults) and CIN_DUCKDB_TEMP_DIRECTORY, not DuckDB's own defaults (a buffer pool of 80% of
the machine's memory, a thread per core)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from cin_warehouse import cli
from cin_warehouse.ingest import loader
from tests.python.ingest import fixtures
from tests.python.test_profile_spill import _rendered_output


def _settings(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    memory_limit, threads, temp_directory = con.execute(
        "select current_setting('memory_limit'), current_setting('threads'),"
        " current_setting('temp_directory')"
    ).fetchone() or (None, None, None)
    return {"memory_limit": memory_limit, "threads": threads, "temp_directory": temp_directory}


def _as_duckdb_shows(memory_limit: str) -> str:
    """How DuckDB shows a memory limit once set (e.g. '4GB' is '3.7 GiB')."""
    with duckdb.connect(":memory:") as con:
        con.execute(f"set memory_limit = '{memory_limit}'")
        (shown,) = con.execute("select current_setting('memory_limit')").fetchone() or ("",)
    return str(shown)


def _files(folder: Path) -> list[Path]:
    """An NPD extract and two XML returns (one transaction of XML, one NPD file alone)."""
    folder.mkdir()
    npd = fixtures.write_npd(folder, 2019, fixtures.npd_rows(2019, 5, seed=1))
    returns = []
    for year, seed in ((2020, 2), (2021, 3)):
        path = folder / f"CIN_{year}_202.xml"
        path.write_text(fixtures.return_xml(year, "202", fixtures.make_children(year, 3, seed)))
        returns.append(path)
    return [npd, *returns]


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The landing connection's settings as each landing starts and ends."""
    seen: list[dict[str, Any]] = []
    land_files = loader.land_files

    def watched(con: duckdb.DuckDBPyConnection, *args: Any, **kwargs: Any) -> Any:
        seen.append(_settings(con))
        outcomes = land_files(con, *args, **kwargs)
        seen.append(_settings(con))
        return outcomes

    monkeypatch.setattr(loader, "land_files", watched)
    return seen


@pytest.mark.parametrize(
    "env",
    [{}, {"CIN_DUCKDB_MEMORY_LIMIT": "300MB", "CIN_DUCKDB_THREADS": "3"}],
    ids=["profile defaults", "set"],
)
def test_landing_takes_the_builds_limits(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    seen: list[dict[str, Any]],
    env: dict[str, str],
) -> None:
    for name in ("CIN_DUCKDB_MEMORY_LIMIT", "CIN_DUCKDB_THREADS", "CIN_DUCKDB_TEMP_DIRECTORY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(loader.WORKERS_ENV, "0")
    outcomes = loader.land(_files(tmp_path / "files"), tmp_path / "cin.duckdb")
    assert [o.status for o in outcomes] == ["landed"] * 3
    # What dbt's profile gives the build under the same environment.
    profile = _rendered_output(env)["settings"]
    wanted = {
        "memory_limit": _as_duckdb_shows(profile["memory_limit"]),
        "threads": int(profile["threads"]),
    }
    assert len(seen) == 2
    for settings in seen:  # as the landing starts, and after it (XML on one thread, put back)
        assert {k: v for k, v in settings.items() if k != "temp_directory"} == wanted


def test_landing_spills_where_the_build_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seen: list[dict[str, Any]]
) -> None:
    spill = tmp_path / "o'spill"
    monkeypatch.setenv("CIN_DUCKDB_TEMP_DIRECTORY", str(spill))
    loader.land(_files(tmp_path / "files"), tmp_path / "cin.duckdb")
    assert seen[1]["temp_directory"] == str(spill)


@pytest.mark.parametrize(
    ("name", "value"),
    [("CIN_DUCKDB_MEMORY_LIMIT", "lots"), ("CIN_DUCKDB_THREADS", "-")],
)
def test_a_wrong_limit_changes_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
) -> None:
    # Said before the warehouse is opened, naming the variables: no database file is made.
    monkeypatch.setenv(name, value)
    files = _files(tmp_path / "files")
    db = tmp_path / "warehouse" / "cin.duckdb"
    with pytest.raises(loader.LoadError, match=f"DuckDB limits \\(.*{name}"):
        loader.land(files, db)
    assert not db.exists()
    assert cli.main(["load", "--db", str(db), *map(str, files)]) == 2
    err = capsys.readouterr().err
    assert "error" in err and name in err and not db.exists()
