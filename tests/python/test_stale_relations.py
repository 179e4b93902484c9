"""The on-run-end hook drop_stale_relations (macros/drop_stale_relations.sql): a table or
view in one of the project's schemas that no model, seed, snapshot or test owns (e.g. the
table of a model since removed) is dropped at the end of a dbt run, with a log line naming
it; the landing schema (raw), other schemas, and the relations of nodes the run did not
select are kept."""

from __future__ import annotations

from pathlib import Path

import duckdb
from dbt_common.events.base_types import EventMsg

from tests.python.conftest import invoke_dbt

SEED = "ref_census_years"


def _relations(db_path: Path) -> set[str]:
    with duckdb.connect(str(db_path)) as con:
        rows = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables"
            " where table_catalog = current_database()"
        ).fetchall()
    return {name for (name,) in rows}


def test_relations_no_node_owns_are_dropped_and_nothing_else(tmp_path: Path) -> None:
    db_path = tmp_path / "cin.duckdb"
    with duckdb.connect(str(db_path)) as con:
        for schema in ("raw", "intermediate", "marts", "dq_failures", "analyst"):
            con.execute(f"create schema {schema}")
        # stale: a model removed in session 10, a view and a test's failures no node owns
        con.execute("create table intermediate.int_episode_overlaps_classified as select 1 as x")
        con.execute("create view marts.fct_removed as select 1 as x")
        con.execute("create table dq_failures.dfe_0000_removed_rule as select 1 as x")
        # kept: a model this run does not select, the landing, a schema of the analyst's
        con.execute("create table intermediate.int_episodes_folded as select 1 as x")
        con.execute("create table raw.npd_cin_2099 as select 1 as x")
        con.execute("create table raw.int_episode_overlaps_classified as select 1 as x")
        con.execute("create table analyst.int_episode_overlaps_classified as select 1 as x")

    events: list[EventMsg] = []
    result = invoke_dbt(
        ["seed", "--select", SEED], db_path, tmp_path / "target", callbacks=[events.append]
    )
    assert result.success, result.exception

    relations = _relations(db_path)
    dropped = {
        "intermediate.int_episode_overlaps_classified",
        "marts.fct_removed",
        "dq_failures.dfe_0000_removed_rule",
    }
    assert not dropped & relations
    assert {
        f"reference.{SEED}",
        "intermediate.int_episodes_folded",
        "raw.npd_cin_2099",
        "raw.int_episode_overlaps_classified",
        "analyst.int_episode_overlaps_classified",
    } <= relations

    # the macro's log lines (dbt's JinjaLogInfo events), whatever dbt prints
    logged = [e.info.msg for e in events if e.info.name == "JinjaLogInfo"]
    for name in dropped:
        kind = "view" if name == "marts.fct_removed" else "table"
        assert any(f"dropped {kind} {name}:" in line for line in logged), logged
    assert len(logged) == len(dropped), logged
