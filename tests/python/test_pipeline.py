"""End to end: a generated world, landed with `cin load`'s loader and built with dbt,
keeps every record the truth says each raw file holds."""

from __future__ import annotations

import pyarrow.parquet as pq

from tests.python.conftest import BuiltWarehouse


def test_every_raw_row_reaches_staging(warehouse: BuiltWarehouse) -> None:
    raw_rows = warehouse.con.execute("select count(*) from raw.npd_cin_2017").fetchone()[0]
    staged = warehouse.con.execute("select count(*) from staging.stg_npd__cin_2017").fetchone()[0]
    assert raw_rows > 0
    assert staged == raw_rows


def test_npd_2017_keys_match_truth(warehouse: BuiltWarehouse) -> None:
    """The (LA, anonymised child, referral date) of each 2017 record, as the truth says it
    was written, is in staging, and staging has nothing else."""
    truth = pq.read_table(warehouse.truth_dir / "record_keys.parquet").to_pylist()
    expected = {
        (t["la_code"], t["la_child_id_anon"], t["referral_date_written"])
        for t in truth
        if t["census_year"] == 2017
    }
    built = {
        (la, child, referral.isoformat())
        for la, child, referral in warehouse.con.execute(
            "select la_code, la_child_id, referral_date from staging.stg_npd__cin_2017"
        ).fetchall()
    }
    assert len(expected) > 100
    assert built == expected


def test_line_numbers_point_at_the_source_line(warehouse: BuiltWarehouse) -> None:
    rows = warehouse.con.execute(
        "select source_file, source_line_number, la_child_id from staging.stg_npd__cin_2017"
        " using sample 20 rows (reservoir, 1)"
    ).fetchall()
    assert rows
    for source_file, line_number, child_id in rows:
        with open(source_file, encoding="utf-8") as handle:
            line = handle.readlines()[line_number - 1]
        assert child_id in line.split(",")
