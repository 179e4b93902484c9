"""The DuckDB limits of profiles.yml survive a spill.

dbt-duckdb opens the database once and a cursor per node, and re-runs the profile's
`settings` with SET on every new cursor; DuckDB refuses to set `temp_directory` again once
it has spilled there. A national-scale build spills, and with `temp_directory` among the
settings every node after the first spill failed. So the profile sets only threads, the
memory limit and whether rows keep their insertion order, and the temp directory is
DuckDB's default or is set once by the on-run-start hook. This test opens the database
the way dbt-duckdb does, with the committed profile, forces a spill under a small memory
limit and opens the next node's cursor (with `temp_directory` among the settings it fails
with "Cannot switch temporary directory").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import yaml
from dbt.adapters.duckdb import environments
from dbt.adapters.duckdb.credentials import DuckDBCredentials

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _rendered_output(env: dict[str, str]) -> dict[str, Any]:
    """The profile's dev output with env_var() read from `env` (dbt renders it the same)."""
    renderer = jinja2.Environment()
    renderer.globals["env_var"] = lambda name, default=None: env.get(name, default)

    def render(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: render(v) for k, v in value.items()}
        return renderer.from_string(value).render() if isinstance(value, str) else value

    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    output = render(profile["cin_warehouse"]["outputs"]["dev"])
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
    assert temp_directory == f"{db}.tmp"  # DuckDB's default: beside the database file
    # A sort of ~100 MB of strings under a 40 MB limit must spill to the temp directory.
    cursor.execute(
        "create table sorted as select md5(range::varchar) as v from range(3000000) order by v"
    )
    assert Path(temp_directory).exists(), "no spill: the test would prove nothing"
    next_cursor = environment.handle().cursor()  # dbt-duckdb opens one per node
    assert next_cursor.execute("select count(*) from sorted").fetchone()[0] == 3_000_000


def test_temp_directory_is_not_a_per_cursor_setting() -> None:
    settings = _rendered_output({})["settings"]
    assert set(settings) == {"threads", "memory_limit", "preserve_insertion_order"}


def test_the_run_start_hook_sets_the_temp_directory_only_when_asked() -> None:
    macro = (PROJECT_DIR / "macros" / "duckdb_temp_directory.sql").read_text()
    renderer = jinja2.Environment(extensions=["jinja2.ext.do"])
    for env, expected in (
        (
            {"CIN_DUCKDB_TEMP_DIRECTORY": "/big disk/o'spill"},
            "set temp_directory = '/big disk/o''spill'",
        ),
        ({}, "select 'temp_directory: DuckDB default' as duckdb_temp_directory"),
    ):
        renderer.globals["env_var"] = lambda name, default=None, env=env: env.get(name, default)
        module = renderer.from_string(macro).module
        assert module.duckdb_temp_directory().strip() == expected  # type: ignore[attr-defined]
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())
    assert project["on-run-start"] == ["{{ duckdb_temp_directory() }}"]
