"""What reads the warehouse in Python (`cin fidelity`, the England comparison, `cin query`,
`cin export`) opens it under the same DuckDB limits as `dbt build`: the same environment
variables with the same defaults as profiles.yml and the on-run-start hook, so it spills
instead of growing to DuckDB's default of 80% of the machine's memory."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from cin_warehouse import access
from tests.python.test_profile_spill import PROJECT_DIR, _rendered_output


@pytest.mark.parametrize(
    "env",
    [{}, {"CIN_DUCKDB_MEMORY_LIMIT": "750MB", "CIN_DUCKDB_THREADS": "1"}],
    ids=["defaults", "set"],
)
def test_the_limits_are_the_profiles(env: dict[str, str]) -> None:
    settings = _rendered_output(env)["settings"]
    limits = access.duckdb_limits(env)
    assert limits == {"memory_limit": settings["memory_limit"], "threads": settings["threads"]}


def test_the_temp_directory_is_the_hooks_variable() -> None:
    macro = (PROJECT_DIR / "macros" / "duckdb_temp_directory.sql").read_text()
    (variable,) = set(re.findall(r"env_var\('(\w+)'", macro))
    assert variable == access.TEMP_DIRECTORY_ENV
    assert access.duckdb_limits({variable: "/big disk/spill"})["temp_directory"] == (
        "/big disk/spill"
    )
    assert "temp_directory" not in access.duckdb_limits({})


def _warehouse(path: Path) -> Path:
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select 1 as x")
    return path


def test_connect_opens_under_the_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _warehouse(tmp_path / "cin.duckdb")
    spill = tmp_path / "o'spill"
    monkeypatch.setenv("CIN_DUCKDB_MEMORY_LIMIT", "40MB")
    monkeypatch.setenv("CIN_DUCKDB_THREADS", "1")
    monkeypatch.setenv("CIN_DUCKDB_TEMP_DIRECTORY", str(spill))
    with access.connect(db) as con:
        memory_limit, threads, temp_directory = con.execute(
            "select current_setting('memory_limit'), current_setting('threads'),"
            " current_setting('temp_directory')"
        ).fetchone()
        assert memory_limit.endswith("MiB") and float(memory_limit.split()[0]) < 40
        assert (threads, temp_directory) == (1, str(spill))
        # ~100 MB of strings sorted under 40 MB: spilled to the folder, not held
        cur = con.cursor()
        cur.execute(
            "create temp table sorted as"
            " select md5(range::varchar) as v from range(3000000) order by v"
        )
        assert spill.is_dir() and any(spill.iterdir())
        # a second opening in the same process (the same database) keeps working
        with access.connect(db) as again:
            assert again.execute("select count(*) from t").fetchone() == (1,)


def test_connect_says_which_limit_is_wrong(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _warehouse(tmp_path / "cin.duckdb")
    monkeypatch.setenv("CIN_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(access.AccessError, match="CIN_DUCKDB_MEMORY_LIMIT.*Memory must have"):
        access.connect(db)
