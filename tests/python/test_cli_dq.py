"""`cin dq` on a built warehouse (the session fixture `warehouse`): its counts against the
stored failing rows, dbt's run results and the raw data, each counted here independently."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cin_warehouse import cli, dq
from tests.python.conftest import BuiltWarehouse


def _results(warehouse: BuiltWarehouse) -> dict[str, dict]:
    """run_results.json of the fixture's build, tests only, by unique id."""
    data = json.loads((warehouse.target_dir / "run_results.json").read_text())
    return {r["unique_id"]: r for r in data["results"] if r["unique_id"].startswith("test.")}


@pytest.fixture(scope="module")
def build(warehouse: BuiltWarehouse) -> dq.BuildResults:
    return dq.summarise(warehouse.con, warehouse.target_dir)


def test_every_test_that_did_not_pass_is_listed_with_dbt_s_count(
    warehouse: BuiltWarehouse, build: dq.BuildResults
) -> None:
    results = _results(warehouse)
    not_passing = {u: r for u, r in results.items() if r["status"] != "pass"}
    assert not_passing, "the quirky test world should fail some DfE rules"
    assert {c.unique_id for c in build.checks} == set(not_passing)
    for check in build.checks:
        assert check.failures == not_passing[check.unique_id]["failures"]
        assert (
            check.severity
            == {"warn": "warn", "fail": "error"}[not_passing[check.unique_id]["status"]]
        )
    assert sum(build.counts.values()) == len(results)


def test_failures_are_stored_in_dq_failures(warehouse: BuiltWarehouse, build) -> None:
    for check in build.checks:
        assert check.failures_table is not None
        assert check.failures_table.split(".")[1] == '"dq_failures"'
        stored = warehouse.con.execute(f"select count(*) from {check.failures_table}").fetchone()
        assert stored[0] == check.failures, check.name


def test_counts_by_census_year_and_la_match_the_failure_tables(
    warehouse: BuiltWarehouse, build: dq.BuildResults
) -> None:
    located = [c for c in build.checks if c.by_la_year and c.by_la_year[0][0] is not None]
    assert located
    for check in located:
        expected = warehouse.con.execute(
            f"select census_year, la_code, count(*) from {check.failures_table} group by all"
        ).fetchall()
        assert sorted((y, la, n) for y, la, n, _ in check.by_la_year) == sorted(
            expected, key=lambda r: (r[0], r[1] or "")
        ), check.name
        assert sum(n for _, _, n, _ in check.by_la_year) == check.failures


def test_shares_are_over_the_rows_of_the_tested_model(
    warehouse: BuiltWarehouse, build: dq.BuildResults
) -> None:
    manifest = json.loads((warehouse.target_dir / "manifest.json").read_text())
    rule = next(c for c in build.checks if c.rule == "4220" and c.source == "npd")
    model = manifest["nodes"]["model.cin_warehouse.stg_npd__cin"]["relation_name"]
    denominators = dict(
        ((y, la), n)
        for y, la, n in warehouse.con.execute(
            f"select census_year, la_code, count(*) from {model} group by all"
        ).fetchall()
    )
    for year, la, _, checked in rule.by_la_year:
        assert checked == denominators.get((year, la)), (year, la)
    # Rule 4220 checks every NPD row: its overall share is over every landed NPD main row
    # (raw._loads, written by `cin load`, not by dbt).
    landed = warehouse.con.execute(
        "select sum(rows_landed) from raw._loads where status = 'loaded' and format = 'npd'"
        " and file_kind = 'main'"
    ).fetchone()[0]
    assert rule.checked == landed
    assert rule.share == pytest.approx(rule.failures / landed)


def test_cli_prints_one_row_per_failing_test(
    warehouse: BuiltWarehouse, build: dq.BuildResults, tmp_path: Path, capsys
) -> None:
    # The fixture holds the file open in this process: the command reads a copy.
    warehouse.con.execute("checkpoint")
    copy = tmp_path / "cin.duckdb"
    shutil.copy(warehouse.db_path, copy)
    code = cli.main(["dq", "--db", str(copy), "--target", str(warehouse.target_dir)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    assert out[0].startswith("`dbt build` at ")
    header = next(i for i, line in enumerate(out) if line.startswith("rule "))
    rows = out[header + 1 : header + 1 + len(build.checks)]
    assert [r.split()[0] for r in rows] == [c.rule or c.name.split("_")[0] for c in build.checks]
    assert out[header + 1 + len(build.checks)].startswith("share: ")

    code = cli.main(
        ["dq", "--db", str(copy), "--target", str(warehouse.target_dir), "--by-la-year"]
    )
    out = capsys.readouterr().out.splitlines()
    detail = sum(len(c.by_la_year) for c in build.checks)
    assert len(out) == 2 + detail  # the build line, the header, one line per check x LA-year


def test_results_of_docs_generate_are_refused(tmp_path: Path) -> None:
    (tmp_path / "run_results.json").write_text(
        json.dumps({"args": {"which": "generate"}, "metadata": {}, "results": []})
    )
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(dq.DqError, match="not of a build: run `dbt build` again"):
        dq.read_build(tmp_path)


def test_no_build_results(tmp_path: Path, capsys) -> None:
    db = tmp_path / "cin.duckdb"
    db.touch()
    assert cli.main(["dq", "--db", str(db), "--target", str(tmp_path)]) == 2
    assert "run `dbt build` first" in capsys.readouterr().err


def test_the_tested_model_is_preferred_to_a_reference_seed() -> None:
    nodes = {
        "seed.p.ref_census_years": {"relation_name": "reference.ref_census_years"},
        "model.p.stg_xml__cin_details": {"relation_name": "staging.stg_xml__cin_details"},
    }
    rule = {"depends_on": {"nodes": list(nodes)}}
    assert dq._tested_model(rule, nodes) == "staging.stg_xml__cin_details"
    generic = {"attached_node": "seed.p.ref_census_years", "depends_on": {"nodes": list(nodes)}}
    assert dq._tested_model(generic, nodes) == "reference.ref_census_years"


def test_a_kept_build_is_read_after_docs_generate(
    warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    (tmp_path / "run_results.json").write_text(
        json.dumps({"args": {"which": "generate"}, "metadata": {}, "results": []})
    )
    (tmp_path / "manifest.json").write_text("{}")
    kept = tmp_path / "last_build"
    kept.mkdir()
    for name in ("run_results.json", "manifest.json"):
        shutil.copy(warehouse.target_dir / name, kept / name)
    assert dq.read_build(tmp_path).checks == dq.read_build(warehouse.target_dir).checks
