"""End-to-end: the thin slice rebuilds the generator's episodes exactly."""

from __future__ import annotations

import pyarrow.parquet as pq

from tests.python.conftest import BuiltWarehouse


def test_every_raw_row_reaches_staging(warehouse: BuiltWarehouse) -> None:
    raw_rows = warehouse.con.execute("select count(*) from raw.npd_cin_2017").fetchone()[0]
    staged = warehouse.con.execute("select count(*) from staging.stg_npd__cin_2017").fetchone()[0]
    assert raw_rows > 0
    assert staged == raw_rows


def test_episodes_match_truth(warehouse: BuiltWarehouse) -> None:
    truth = pq.read_table(warehouse.truth_dir / "episodes.parquet").to_pylist()
    expected = {
        (t["la_code"], t["la_child_id"], t["referral_date"], t["closure_date"]) for t in truth
    }
    built = set(
        warehouse.con.execute(
            "select la_code, la_child_id, referral_date, closure_date from marts.fct_episode"
        ).fetchall()
    )
    assert built == expected


def test_line_numbers_point_at_the_source_line(warehouse: BuiltWarehouse) -> None:
    source_file, line_number, child_id = warehouse.con.execute(
        "select source_file, source_line_number, la_child_id from staging.stg_npd__cin_2017"
        " order by random() limit 1"
    ).fetchone()
    with open(source_file, encoding="utf-8") as handle:
        line = handle.readlines()[line_number - 1]
    assert child_id in line.split(",")
