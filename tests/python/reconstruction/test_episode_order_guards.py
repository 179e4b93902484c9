"""The guards of int_episodes_folded's packed return order stop the build with a clear
message (dbt unit tests cannot expect an error, so these run dbt on a small warehouse and
alter its input so that each guard's condition holds):

* two loads of raw._loads share the hash by which records find their load (made to happen
  by narrowing the hash with the dbt variable `load_hash_bits`, macros/episode_key.sql:
  with 1 bit and at least three loads, two must share one);
* a record's load is missing from raw._loads (the landing's manifest);
* a record lies beyond the widths of the packed order (return_order_fields).

Each altered warehouse is a copy of one built once; the unaltered copy builds, so each
failure is the alteration's. Removing a guard lets its build succeed, failing its test.
A run without variables reuses the project as parsed once (dbt's manifest); a run with
variables parses it again, as a user's `dbt run --vars` does."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt.contracts.graph.manifest import Manifest

from cin_warehouse.ingest import loader
from tests.python.conftest import invoke_dbt, make_world, project_manifest, run_dbt

MODEL = "int_episodes_folded"


@dataclass(frozen=True)
class Built:
    db_path: Path
    manifest: Manifest


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A small warehouse (one LA, three census years, both sources) built up to the model's
    inputs and the model itself, and the project as dbt parsed it (once for the session)."""
    root = tmp_path_factory.mktemp("order_guards")
    world = make_world(
        root / "world", clean=True, la_codes=("330",), census_years=(2019, 2020, 2021)
    )
    db_path = root / "cin.duckdb"
    outcomes = loader.land([world.path / "npd", world.path / "xml"], db_path)
    assert not [o for o in outcomes if o.status == "failed"]
    run_dbt(["seed"], db_path, root / "target")
    run_dbt(["run", "--select", f"+{MODEL}"], db_path, root / "target")
    # dbt-duckdb may still hold the file in this process, its last writes in the WAL: written
    # into the file, which the tests copy
    with duckdb.connect(str(db_path)) as con:
        con.execute("checkpoint")
    return Built(db_path=db_path, manifest=project_manifest())


def _build_copy(
    built: Built,
    tmp_path: Path,
    alter: Callable[[duckdb.DuckDBPyConnection], None] | None,
    variables: dict[str, object] | None = None,
) -> tuple[bool, str]:
    """Copy the warehouse, alter the copy, build the model on it: (success, dbt's messages)."""
    # the same file name: the parsed project names its database (the file's stem)
    copy = tmp_path / built.db_path.name
    shutil.copyfile(built.db_path, copy)
    if alter is not None:
        with duckdb.connect(str(copy)) as con:
            alter(con)
    args = ["run", "--select", MODEL]
    manifest: Manifest | None = built.manifest
    if variables:
        args += ["--vars", json.dumps(variables)]
        manifest = None
    result = invoke_dbt(args, copy, tmp_path / "target", manifest=manifest)
    if result.result is None:
        return result.success, str(result.exception)
    return result.success, "\n".join(str(r.message) for r in result.result.results)


def test_the_unaltered_warehouse_builds(built: Built, tmp_path: Path) -> None:
    succeeded, messages = _build_copy(built, tmp_path, None)
    assert succeeded, messages


def test_loads_sharing_a_hash_stop_the_build(built: Built, tmp_path: Path) -> None:
    with duckdb.connect(str(built.db_path)) as con:
        (loads,) = con.execute("select count(distinct load_id) from raw._loads").fetchone()
    # two of three or more loads must share a 1-bit hash (the pigeonhole principle)
    assert loads >= 3
    succeeded, messages = _build_copy(built, tmp_path, None, {"load_hash_bits": 1})
    assert not succeeded
    assert "int_episodes_folded: loads in raw._loads share a 64-bit hash" in messages


def test_a_load_missing_from_the_manifest_stops_the_build(built: Built, tmp_path: Path) -> None:
    with duckdb.connect(str(built.db_path)) as con:
        (load_id,) = con.execute(
            "select min(load_id) from intermediate.int_episode_records_linked"
            " where episode_id is not null and load_id is not null"
        ).fetchone()

    def drop_the_load(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("delete from raw._loads where load_id = ?", [load_id])

    succeeded, messages = _build_copy(built, tmp_path, drop_the_load)
    assert not succeeded
    assert f"int_episodes_folded: load {load_id} of record" in messages
    assert "is not in raw._loads" in messages


def test_a_record_beyond_the_packed_widths_stops_the_build(built: Built, tmp_path: Path) -> None:
    # a CINdetails position of 2^24 - 1 is the greatest a 24-bit field holds, which the
    # packed order keeps for NULL (a row value puts NULL last): a written one is beyond it
    with duckdb.connect(str(built.db_path)) as con:
        (record_id,) = con.execute(
            "select min(episode_record_id) from intermediate.int_episode_records_linked"
            " where episode_id is not null and cin_details_pos is not null"
        ).fetchone()

    def widen(con: duckdb.DuckDBPyConnection) -> None:
        con.execute(
            "update intermediate.int_episode_records_linked set cin_details_pos = 16777215"
            " where episode_record_id = ?",
            [record_id],
        )

    succeeded, messages = _build_copy(built, tmp_path, widen)
    assert not succeeded
    assert f"int_episodes_folded: record {record_id} lies beyond the widths" in messages


@pytest.mark.parametrize("bits", [0, 65])
def test_a_load_hash_width_out_of_range_stops_compilation(
    built: Built, tmp_path: Path, bits: int
) -> None:
    # only 1-64 high bits of the 64-bit hash exist: any other width is refused by name
    result = invoke_dbt(
        ["compile", "--select", MODEL, "--vars", json.dumps({"load_hash_bits": bits})],
        built.db_path,
        tmp_path / "target",
    )
    assert not result.success
    assert f"load_hash_bits must be a whole number from 1 to 64, not {bits}" in str(
        result.exception
    )
