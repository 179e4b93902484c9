"""The DuckDB limits of profiles.yml survive a spill.

dbt-duckdb opens the database once and a cursor per node; `settings` are re-run with SET on
every new cursor, and DuckDB refuses to set `temp_directory` again once it has spilled
there. A national-scale build spills, and every node after the first spill failed. The
limits are therefore given when the database is opened (`config_options`). This test
opens the database the way dbt-duckdb does, with the committed profile, forces a spill
under a small memory limit and opens the next cursor (with the limits as `settings` it
fails with "Cannot switch temporary directory").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from dbt.adapters.duckdb import environments
from dbt.adapters.duckdb.credentials import DuckDBCredentials

PROFILE = Path(__file__).resolve().parents[2] / "profiles.yml"


def _rendered_output(env: dict[str, str]) -> dict[str, Any]:
    """The profile's dev output with env_var() read from `env` (dbt renders it the same)."""
    renderer = jinja2.Environment()
    renderer.globals["env_var"] = lambda name, default=None: env.get(name, default)

    def render(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: render(v) for k, v in value.items()}
        return renderer.from_string(value).render() if isinstance(value, str) else value

    output = render(yaml.safe_load(PROFILE.read_text())["cin_warehouse"]["outputs"]["dev"])
    output.pop("type")
    output["threads"] = int(output["threads"])
    return output


def test_the_next_cursor_opens_after_duckdb_spilled(tmp_path: Path) -> None:
    db = tmp_path / "cin.duckdb"
    output = _rendered_output(
        {"CIN_DUCKDB_PATH": str(db), "CIN_DUCKDB_MEMORY_LIMIT": "40MB", "CIN_DUCKDB_THREADS": "1"}
    )
    credentials = DuckDBCredentials.from_dict({**output, "database": "cin", "schema": "main"})
    environment = environments.create(credentials)
    cursor = environment.handle().cursor()
    cursor.execute("select current_setting('memory_limit'), current_setting('temp_directory')")
    memory_limit, temp_directory = cursor.fetchone()
    assert memory_limit.endswith("MiB") and float(memory_limit.split()[0]) < 40
    assert temp_directory == f"{db}.tmp"
    # A sort of ~100 MB of strings under a 40 MB limit must spill to the temp directory.
    cursor.execute(
        "create table sorted as select md5(range::varchar) as v from range(3000000) order by v"
    )
    spilled = cursor.execute("select count(*) from duckdb_temporary_files()").fetchone()[0]
    assert spilled or Path(temp_directory).exists(), "no spill: the test proves nothing"
    next_cursor = environment.handle().cursor()  # dbt-duckdb opens one per node
    assert next_cursor.execute("select count(*) from sorted").fetchone()[0] == 3_000_000


@pytest.mark.parametrize("name", ["threads", "memory_limit", "temp_directory"])
def test_duckdb_limits_are_set_when_the_database_opens(name: str) -> None:
    output = _rendered_output({})
    assert name in output["config_options"] and name not in output.get("settings", {})
