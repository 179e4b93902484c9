"""The data-quality marts against independent computations on the test world.

- Per return (XML): children, episode records and overlapping records of every LA-year
  equal the truth's `return_counts` (computed by the generator from the returns it wrote,
  as BMJ Open 2019 Table 1 counts them); NPD children and episode records too.
- Per NPD variable and year: recoded codes and failed dates equal a count over the raw
  CSV files as delivered, against the code lists of the repository's seed file.
- The figures from the rebuilt episodes add up to the episode fact itself.
- An LA whose return is taken out of a copy of the warehouse shows as not submitting.
- The BMJ Table 1 analysis, compiled and run, gives the truth's yearly totals.
- The measured doc blocks: the committed placeholder is what the generator writes, and
  both files define the same blocks.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

from cin_warehouse import measured_docs
from tests.python.conftest import PROJECT_DIR, BuiltWarehouse, run_dbt

SEEDS = PROJECT_DIR / "seeds"
# NPD column -> (staged variable, code list of seeds/ref_codes.csv)
CODED = {
    "CIN_ReferralSource": ("referral_source_code", "referral_source"),
    "CIN_PrimaryNeedCode": ("primary_need_code", "primary_need"),
    "CIN_ReasonForClosure": ("closure_reason_code", "closure_reason"),
    "CIN_EthnicGroupMinor": ("ethnicity_code", "ethnicity"),
}
DATES = {"CIN_CINClosureDate": "closure_date", "CIN_CPPendDate": "cpp_end_date"}
PLACEHOLDERS = {"1800-01-01", "1900-01-01"}


def _current_codes(code_list: str) -> set[str]:
    with open(SEEDS / "ref_codes.csv", encoding="utf-8", newline="") as handle:
        return {
            row["code"]
            for row in csv.DictReader(handle)
            if row["code_list"] == code_list and row["is_legacy"] == "false"
        }


def _raw_rows(world_dir: Path) -> dict[int, list[dict[str, str]]]:
    rows = {}
    for path in sorted((world_dir / "npd").glob("CIN_[0-9][0-9][0-9][0-9].csv")):
        with open(path, encoding="utf-8", newline="") as handle:
            rows[int(path.stem[4:])] = list(csv.DictReader(handle))
    return rows


def _failed_date(text: str) -> bool:
    text = text.strip()
    if not text:
        return False
    if text in PLACEHOLDERS:
        return True
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return True
    return False


def _variable_years(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, int], tuple]:
    return {
        (variable, year): (records, missing, recoded, failed)
        for variable, year, records, missing, recoded, failed in con.execute(
            "select variable_name, census_year, records, records_missing, records_recoded,"
            " records_failed from marts.dq_variable_year"
            " where source_kind = 'npd' and staging_model = 'stg_npd__cin'"
        ).fetchall()
    }


def test_npd_recoded_and_failed_values_equal_a_count_over_the_raw_files(
    warehouse: BuiltWarehouse,
) -> None:
    measured = _variable_years(warehouse.con)
    raw = _raw_rows(warehouse.world_dir)
    compared = 0
    for year, rows in raw.items():
        for column, (variable, code_list) in CODED.items():
            if column not in rows[0]:
                continue
            current = _current_codes(code_list)
            recoded = sum(1 for r in rows if r[column].strip() and r[column] not in current)
            assert measured[(variable, year)][0] == len(rows), (variable, year)
            assert measured[(variable, year)][2] == recoded, (variable, year)
            compared += recoded
        for column, variable in DATES.items():
            if column not in rows[0]:
                continue
            failed = sum(1 for r in rows if _failed_date(r[column]))
            blank = sum(1 for r in rows if not r[column].strip())
            assert measured[(variable, year)][3] == failed, (variable, year)
            assert measured[(variable, year)][1] == failed + blank, (variable, year)
            compared += failed
    assert compared > 0, "the test world has no legacy codes or placeholder dates to compare"


def test_referral_source_missing_per_year_equals_the_raw_files(warehouse: BuiltWarehouse) -> None:
    measured = _variable_years(warehouse.con)
    current = _current_codes("referral_source")
    for year, rows in _raw_rows(warehouse.world_dir).items():
        if "CIN_ReferralSource" not in rows[0]:
            # not in that year's extract: every record missing, and flagged as such
            assert measured[("referral_source_code", year)][1] == len(rows)
            continue
        # blank, or a value no current code maps to (PR): NULL once staged
        missing = sum(1 for r in rows if r["CIN_ReferralSource"].strip().upper() not in current)
        assert measured[("referral_source_code", year)][1] == missing, year
    in_extract = dict(
        warehouse.con.execute(
            "select census_year, is_in_extract from marts.dq_variable_year"
            " where staging_model = 'stg_npd__cin' and variable_name = 'referral_source_code'"
        ).fetchall()
    )
    assert {y for y, inside in in_extract.items() if inside} == {
        y for y, rows in _raw_rows(warehouse.world_dir).items() if "CIN_ReferralSource" in rows[0]
    }


def _return_counts(world_dir: Path) -> dict[tuple[int, str], tuple[int, int, int]]:
    return {
        (year, la): (children, records, overlapping)
        for year, la, children, records, overlapping in duckdb.sql(
            "select census_year, la_code, children, cin_details_records, overlapping_records"
            f" from '{world_dir / 'truth' / 'return_counts.parquet'}'"
        ).fetchall()
    }


def _dq_la_year(con: duckdb.DuckDBPyConnection, source: str) -> dict[tuple[int, str], tuple]:
    return {
        (year, la): (children, records, overlapping)
        for year, la, children, records, overlapping in con.execute(
            "select census_year, la_code, children, episode_records, overlapping_episode_records"
            " from marts.dq_la_year where has_return and source_kind = ?",
            [source],
        ).fetchall()
    }


def test_xml_returns_equal_the_truth_return_counts(warehouse: BuiltWarehouse) -> None:
    truth = _return_counts(warehouse.world_dir)
    xml = _dq_la_year(warehouse.con, "xml")
    assert xml, "no XML returns in the test world"
    assert xml == {key: truth[key] for key in xml}
    assert sum(figures[2] for figures in xml.values()) > 0, "no overlaps to compare"


def test_npd_children_and_episode_records_equal_the_truth(warehouse: BuiltWarehouse) -> None:
    truth = _return_counts(warehouse.world_dir)
    npd = _dq_la_year(warehouse.con, "npd")
    assert set(npd) == set(truth)
    assert {key: figures[:2] for key, figures in npd.items()} == {
        key: figures[:2] for key, figures in truth.items()
    }


def test_every_expected_la_returned_in_the_test_world(warehouse: BuiltWarehouse) -> None:
    # The test world drops no return (its LAs are not those that missed years): every LA
    # the seed lists as existing in a census year of the source has a return.
    missing = warehouse.con.execute(
        "select source_kind, census_year, la_code from marts.dq_la_year"
        " where is_la_expected and not has_return"
    ).fetchall()
    dropped = duckdb.sql(
        "select count(*) from"
        f" '{warehouse.world_dir / 'truth' / 'quirks.parquet'}' where quirk = 'missing_returns'"
    ).fetchall()
    assert dropped == [(0,)]
    assert missing == []


def test_rebuilt_episode_figures_add_up_to_the_episode_fact(warehouse: BuiltWarehouse) -> None:
    from_marts = warehouse.con.execute(
        "select source_kind, sum(episodes_first_returned), sum(episodes_closed),"
        " sum(episodes_closed_without_closure_date), sum(episodes_referral_date_amended)"
        " from marts.dq_la_year group by source_kind order by source_kind"
    ).fetchall()
    from_fact = warehouse.con.execute(
        "select source_kind, count(*), count(closure_date),"
        " count(*) filter (where closure_date_is_inferred),"
        " count(*) filter (where referral_date_as_first_reported <> referral_date)"
        " from marts.fct_episode group by source_kind order by source_kind"
    ).fetchall()
    assert from_marts == from_fact


@pytest.fixture(scope="module")
def bmj_table_1(warehouse: BuiltWarehouse) -> list[tuple]:
    target = warehouse.db_path.parent / "analyses_target"
    run_dbt(["compile", "--select", "bmj_table_1"], warehouse.db_path, target)
    (path,) = target.glob("compiled/*/analyses/bmj_table_1.sql")
    return warehouse.con.execute(path.read_text(encoding="utf-8")).fetchall()


def test_bmj_table_1_gives_the_truth_yearly_totals(
    bmj_table_1: list[tuple], warehouse: BuiltWarehouse
) -> None:
    truth = _return_counts(warehouse.world_dir)
    years = {year for year, _ in truth}
    for source in ("npd", "xml"):
        rows = {row[1]: row for row in bmj_table_1 if row[0] == source}
        for year in years:
            if str(year) not in rows:
                assert source == "xml" and year < 2017, (source, year)
                continue
            las = {la for y, la in truth if y == year}
            row = rows[str(year)]
            assert row[2] == len(las), (source, year)
            assert row[5] == sum(truth[(year, la)][0] for la in las), (source, year)
            assert row[6] == sum(truth[(year, la)][1] for la in las), (source, year)
        episodes = warehouse.con.execute(
            "select count(*) from marts.fct_episode where source_kind = ?", [source]
        ).fetchone()
        assert rows["all years"][6] == episodes[0]


def test_committed_placeholder_is_what_the_generator_writes() -> None:
    committed = PROJECT_DIR / measured_docs.PLACEHOLDER_DIR / measured_docs.FILE_NAME
    assert committed.read_text(encoding="utf-8") == measured_docs.placeholder(), (
        "run `python -m cin_warehouse.measured_docs --placeholder`"
    )


def test_measured_blocks_are_the_placeholder_blocks(warehouse: BuiltWarehouse) -> None:
    def blocks(text: str) -> list[str]:
        return re.findall(r"{%\s*docs\s+(\w+)\s*%}", text)

    measured = measured_docs.render(warehouse.con, warehouse.db_path.name)
    assert blocks(measured) == blocks(measured_docs.placeholder()) == list(measured_docs.BLOCKS)
    assert "referral_source_code" in measured and "How often is" in measured


def test_an_la_whose_return_is_taken_out_shows_as_not_submitting(
    warehouse: BuiltWarehouse, tmp_path: Path
) -> None:
    # The test world drops no return, so one is dropped here: a copy of the warehouse
    # without LA 330's 2015 NPD rows (main and disabilities), dq_la_year rebuilt on it
    # (the rebuilt episodes stay as built: only the figures of the return are checked).
    warehouse.con.execute("checkpoint")
    # same file name: the warehouse's views name their database (the file's stem)
    (tmp_path / "copy").mkdir()
    copy = tmp_path / "copy" / warehouse.db_path.name
    shutil.copyfile(warehouse.db_path, copy)
    with duckdb.connect(str(copy)) as con:
        for table in ("raw.npd_cin_2015", "raw.npd_cin_disabilities_2015"):
            con.execute(f"delete from {table} where trim(cin_la) = '330'")
    previous = os.environ.get("CIN_DUCKDB_PATH")
    try:
        # the staging tables typed from the edited raw tables (2015's main table, read by
        # the view stg_npd__cin, and the disabilities union) and the conformed record
        # tables dq_la_year reads are rebuilt
        rebuilt = [
            "stg_npd__cin_2015",
            "stg_npd__disabilities",
            "int_records_conformed__child_year",
            "int_records_conformed__episode_year",
        ]
        run_dbt(["run", "--select", *rebuilt, "dq_la_year"], copy, tmp_path / "target")
    finally:
        os.environ["CIN_DUCKDB_PATH"] = previous or str(warehouse.db_path)
    # dbt-duckdb may still hold the copy in this process: same configuration, not read-only
    with duckdb.connect(str(copy)) as con:
        not_submitting = con.execute(
            "select source_kind, census_year, la_code from marts.dq_la_year"
            " where is_la_expected and not has_return"
        ).fetchall()
        row = con.execute(
            "select children, episode_records, staged_records from marts.dq_la_year"
            " where source_kind = 'npd' and census_year = 2015 and la_code = '330'"
        ).fetchone()
    assert not_submitting == [("npd", 2015, "330")]
    assert row == (0, 0, 0)
