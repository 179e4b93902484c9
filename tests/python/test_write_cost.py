"""benchmarks/write_cost.py on a small warehouse made here: every table of the three dbt
schemas copied once (views and the raw schema not), its values counted as rows x columns,
its node time found by the model's name, and the report's totals the sum of its rows. The
CPU seconds are measured, not checked (BENCHMARKS.md: no timing is asserted)."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "write_cost.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("write_cost", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["write_cost"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


# (schema, table, rows, columns) of the tables the script must find
TABLES = [
    ("staging", "stg_small", 3, 2),
    ("intermediate", "int_wide", 1000, 5),
    ("marts", "fct_empty", 0, 3),
]


@pytest.fixture()
def built(tmp_path: Path) -> tuple[Path, Path]:
    db = tmp_path / "built.duckdb"
    con = duckdb.connect(str(db))
    for schema in ("raw", "staging", "intermediate", "marts"):
        con.execute(f"create schema {schema}")
    for schema, name, rows, columns in TABLES:
        select = ", ".join(f"range + {i} as c{i}" for i in range(columns))
        con.execute(f"create table {schema}.{name} as select {select} from range({rows})")
    # neither is the build's writing: a view is not written, raw is landed by `cin load`
    con.execute("create view marts.dim_view as select * from intermediate.int_wide")
    con.execute("create table raw.npd_cin_2020 as select range as line from range(50)")
    con.close()
    run_results = tmp_path / "run_results.json"
    results = [
        {"unique_id": "model.cin_warehouse.stg_small", "execution_time": 1.5},
        {"unique_id": "model.cin_warehouse.int_wide", "execution_time": 2.25},
        {"unique_id": "test.cin_warehouse.not_null_int_wide_c0.abc", "execution_time": 9.0},
        # a node other than a model whose name is a table's: not that table's model
        {"unique_id": "seed.cin_warehouse.fct_empty", "execution_time": 7.0},
    ]
    run_results.write_text(json.dumps({"results": results}))
    return db, run_results


def test_every_table_of_the_build_is_copied_once(built: tuple[Path, Path]) -> None:
    write_cost = _script()
    costs = write_cost.write_costs(*built)
    found = {c.relation: (c.rows, c.columns, c.values, c.node_s) for c in costs}
    assert found == {
        "staging.stg_small": (3, 2, 6, 1.5),
        "intermediate.int_wide": (1000, 5, 5000, 2.25),
        "marts.fct_empty": (0, 3, 0, None),  # no model of that name ran
    }
    assert all(c.write_cpu_s >= 0 for c in costs)


def test_the_report_totals_its_tables(built: tuple[Path, Path]) -> None:
    write_cost = _script()
    costs = write_cost.write_costs(*built)
    text = write_cost.report(costs, top=2)
    table_rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert len(table_rows) == 2  # --top
    total = re.search(r"^(\d+) tables: ([\d,]+) values written, ([\d.]+) CPU s", text, re.M)
    assert total is not None
    assert int(total[1]) == 3
    assert int(total[2].replace(",", "")) == 6 + 5000 + 0
    assert float(total[3]) == pytest.approx(sum(c.write_cpu_s for c in costs), abs=0.05)
    assert "node time 3.8 s" in text  # 1.5 + 2.25, the tests' time not counted


def test_a_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_cost = _script()
    with pytest.raises(SystemExit) as stopped:
        write_cost.main([str(tmp_path / "absent.duckdb"), str(tmp_path / "run_results.json")])
    assert stopped.value.code == 2
    assert "absent.duckdb: no such file" in capsys.readouterr().err


def test_a_file_of_the_wrong_kind_is_named(
    built: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_cost = _script()
    db, run_results = built
    not_a_database = tmp_path / "notes.duckdb"
    not_a_database.write_text("not a DuckDB file")
    not_run_results = tmp_path / "other.json"
    not_run_results.write_text('{"nodes": []}')
    # each time the one wrong file is named, first on the line
    for arguments, wrong in (
        ([not_a_database, run_results], not_a_database),
        ([db, not_run_results], not_run_results),
    ):
        with pytest.raises(SystemExit) as stopped:
            write_cost.main([str(a) for a in arguments])
        assert stopped.value.code == 1
        assert capsys.readouterr().err.startswith(f"{wrong}: ")


def test_the_copies_take_the_builds_duckdb_settings() -> None:
    """The settings profiles.yml writes as values are set on each copy; those it reads from
    the environment are left to `cin_warehouse.access.apply_limits` (their one place)."""
    fixed = _script()._fixed_profile_settings()
    assert fixed.get("preserve_insertion_order") is False
    assert not {"threads", "memory_limit"} & fixed.keys()
