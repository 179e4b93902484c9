"""The generic dbt tests of tests/generic, run on a small fixture whose failures are known.

A throwaway dbt project gets the repository's generic tests, dq_* macros (among them
macros/dq_duplicate_keys.sql, which also replaces dbt's built-in `unique`) and the
ref_codes seed, plus a fixture seed written here; each test's failure count is compared with
the count worked out by hand below, and the stored failing rows of the uniqueness tests with
a count done here in Python.
"""

from __future__ import annotations

import csv
import io
import shutil
import textwrap
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner

PROJECT_DIR = Path(__file__).resolve().parents[3]

FIXTURE = """\
row_id,census_year,closure_reason_code,referral_date,closure_date,amount
1,2022,RC8,2021-05-01,2021-06-01,5
2,2022,RC9,2021-05-01,2021-04-01,50
3,2023,RC9,2021-05-01,,
4,2023,rc1,2021-05-01,2022-01-01,-1
5,2023,ZZ,2021-05-01,2022-01-01,
6,2024,,2021-05-01,2022-01-01,
"""

# The failing rows of the code-validity macro, whole: a pair (year, code) met twice, a code
# valid only in later years, a legacy value without a mapping, a code not in the list and a
# row without a census year fail; a valid code and a missing code pass.
CODE_ROWS = """\
row_id,census_year,referral_source_code
1,2020,5D
2,2020,5D
3,2023,5D
4,2023,ZZ
5,2023,
6,,5D
7,2013,1A
8,2020,PR
"""

SCHEMA = """\
version: 2
seeds:
  - name: probe
    config:
      column_types: {referral_date: date, closure_date: date, amount: integer}
    data_tests:
      - expression_is_true:
          name: probe_expression
          arguments: {expression: "closure_date >= referral_date"}
      - unique_combination_of_columns:
          name: probe_unique
          arguments: {combination_of_columns: [census_year, referral_date]}
      - unique_combination_of_columns:
          name: probe_unique_with_nulls
          arguments: {combination_of_columns: [census_year, amount]}
          config: {store_failures: true}
      - unique_combination_of_columns:
          name: probe_unique_passes
          arguments: {combination_of_columns: [census_year, row_id]}
    columns:
      - name: row_id
        data_tests:
          - unique:
              name: probe_unique_row_id
      - name: referral_date
        data_tests:
          - unique:
              name: probe_unique_referral_date
              config: {store_failures: true}
      - name: amount
        data_tests:
          - accepted_range:
              name: probe_range
              arguments: {min_value: 0, max_value: 10}
          - accepted_range:
              name: probe_range_exclusive
              arguments: {min_value: 5, inclusive: false}
          - not_null_proportion:
              name: probe_not_null_by_year
              arguments: {min_proportion: 0.5, group_by: [census_year]}
          - not_null_proportion:
              name: probe_not_null_overall
              arguments: {min_proportion: 0.5}
      - name: closure_reason_code
        data_tests:
          - unique:
              name: probe_unique_closure_reason
              config: {store_failures: true}
          - values_valid_for_census_year:
              name: probe_codes
              arguments: {code_list: closure_reason}
          - values_valid_for_census_year:
              name: probe_codes_legacy_allowed
              arguments: {code_list: closure_reason, allow_legacy: true}
      - name: closure_date
        data_tests:
          - expression_is_true:
              name: probe_column_expression
              arguments: {expression: ">= referral_date"}
              config: {severity: warn}
  - name: probe_code_rows
    config:
      column_types: {census_year: integer, referral_source_code: varchar}
    columns:
      - name: referral_source_code
        data_tests:
          - values_valid_for_census_year:
              name: probe_code_rows_valid
              arguments: {code_list: referral_source}
              config: {store_failures: true}
"""

# Failures worked out by hand from FIXTURE.
EXPECTED = {
    "probe_expression": 1,  # row 2 (row 3 has no closure date: NULL is not a failure)
    "probe_unique": 2,  # (2022, 2021-05-01) twice and (2023, 2021-05-01) three times
    "probe_unique_with_nulls": 1,  # (2023, NULL) twice: NULLs group together, as GROUP BY
    "probe_unique_passes": 0,
    "probe_unique_row_id": 0,
    "probe_unique_referral_date": 1,  # 2021-05-01 six times
    "probe_unique_closure_reason": 1,  # RC9 twice; the NULL of row 6 is not checked
    "probe_range": 2,  # rows 2 (50) and 4 (-1)
    "probe_range_exclusive": 2,  # 5 is not > 5; -1 either
    "probe_not_null_by_year": 2,  # 2023 has 1 of 3, 2024 has 0 of 1
    "probe_not_null_overall": 0,  # 3 of 6
    "probe_codes": 3,  # RC9 in 2022 (valid from 2023), rc1 (legacy), ZZ
    "probe_codes_legacy_allowed": 2,  # RC9 in 2022, ZZ
    "probe_column_expression": 1,  # row 2
    "probe_code_rows_valid": 6,  # CODE_ROWS 1, 2, 4, 6, 7, 8
}

# The failing rows of probe_code_rows_valid, worked out by hand from CODE_ROWS and the
# referral_source rows of seeds/ref_codes.csv: (row_id, census_year, code, rows_checked,
# failure_reason). Without a census year the reason is NULL (text joined to NULL).
EXPECTED_CODE_ROWS = [
    (
        1,
        2020,
        "5D",
        8,
        "referral_source_code 5D is not a valid referral_source code"
        " in census year 2020 (valid 2023-2026)",
    ),
    (
        2,
        2020,
        "5D",
        8,
        "referral_source_code 5D is not a valid referral_source code"
        " in census year 2020 (valid 2023-2026)",
    ),
    (
        4,
        2023,
        "ZZ",
        8,
        "referral_source_code ZZ is not a valid referral_source code"
        " in census year 2023 (not in the code list)",
    ),
    (6, None, "5D", 8, None),
    (
        7,
        2013,
        "1A",
        8,
        "referral_source_code 1A is not a valid referral_source code"
        " in census year 2013 (valid 2014-2026)",
    ),
    (
        8,
        2020,
        "PR",
        8,
        "referral_source_code PR is not a valid referral_source code"
        " in census year 2020 (not in the code list)",
    ),
]


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """The probe project seeded and tested: its DuckDB file and each test's failure count."""
    root = tmp_path_factory.mktemp("dq_probe")
    shutil.copytree(PROJECT_DIR / "tests" / "generic", root / "tests" / "generic")
    (root / "macros").mkdir()
    for macro in (PROJECT_DIR / "macros").glob("dq_*.sql"):
        shutil.copy(macro, root / "macros" / macro.name)
    (root / "seeds").mkdir()
    shutil.copy(PROJECT_DIR / "seeds" / "ref_codes.csv", root / "seeds" / "ref_codes.csv")
    (root / "seeds" / "probe.csv").write_text(FIXTURE, encoding="utf-8")
    (root / "seeds" / "probe_code_rows.csv").write_text(CODE_ROWS, encoding="utf-8")
    (root / "seeds" / "_probe.yml").write_text(SCHEMA, encoding="utf-8")
    (root / "dbt_project.yml").write_text(
        textwrap.dedent(
            """\
            name: dq_probe
            version: "1.0"
            config-version: 2
            profile: dq_probe
            seeds:
              dq_probe:
                ref_codes:
                  +column_types: {first_census_year: integer, last_census_year: integer,
                                  is_legacy: boolean}
            """
        ),
        encoding="utf-8",
    )
    (root / "profiles.yml").write_text(
        f"dq_probe:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {root / 'probe.duckdb'}\n",
        encoding="utf-8",
    )
    common = ["--project-dir", str(root), "--profiles-dir", str(root), "--quiet"]
    seeded = dbtRunner().invoke(["seed", *common])
    assert seeded.success, seeded.exception
    tested = dbtRunner().invoke(["test", *common])
    assert tested.result is not None, tested.exception
    return root / "probe.duckdb", {r.node.name: int(r.failures or 0) for r in tested.result.results}


@pytest.fixture(scope="module")
def results(probe: tuple[Path, dict[str, int]]) -> dict[str, int]:
    return probe[1]


@pytest.mark.parametrize("test_name", sorted(EXPECTED))
def test_generic_test_finds_the_known_failures(results: dict[str, int], test_name: str) -> None:
    assert results[test_name] == EXPECTED[test_name]


def test_code_validity_keeps_every_failing_row_whole(probe: tuple[Path, dict[str, int]]) -> None:
    """Each failing row once (a pair met twice: both rows), with its columns in order."""
    con = duckdb.connect(str(probe[0]))
    try:
        failures = con.execute(
            "select * from main_dbt_test__audit.probe_code_rows_valid order by row_id"
        )
        columns = [column[0] for column in failures.description]
        rows = failures.fetchall()
    finally:
        con.close()
    assert columns == [
        "row_id",
        "census_year",
        "referral_source_code",
        "rows_checked",
        "failure_reason",
    ]
    assert rows == EXPECTED_CODE_ROWS


def stored_failures(database: Path, test_name: str) -> tuple[list[str], list[tuple]]:
    """The columns and the rows (sorted) that a test with store_failures kept."""
    con = duckdb.connect(str(database))
    try:
        failures = con.execute(f"select * from main_dbt_test__audit.{test_name}")
        columns = [column[0] for column in failures.description]
        rows = failures.fetchall()
    finally:
        con.close()
    return columns, sorted(rows, key=repr)


def repeated(key: tuple[str, ...], skip_null: bool) -> list[tuple]:
    """Each key of FIXTURE met more than once, with its count, counted here in Python (CSV
    text values; an empty field is NULL)."""
    counts = Counter(
        tuple(row[column] or None for column in key)
        for row in csv.DictReader(io.StringIO(FIXTURE))
        if not (skip_null and any(row[column] == "" for column in key))
    )
    return sorted(((*values, n) for values, n in counts.items() if n > 1), key=repr)


UNIQUE_COLUMNS = ["unique_field", "n_records"]


@pytest.mark.parametrize(
    ("test_name", "key", "skip_null", "columns"),
    [
        ("probe_unique_referral_date", ("referral_date",), True, UNIQUE_COLUMNS),
        ("probe_unique_closure_reason", ("closure_reason_code",), True, UNIQUE_COLUMNS),
        (
            "probe_unique_with_nulls",
            ("census_year", "amount"),
            False,
            ["census_year", "amount", "occurrences"],
        ),
    ],
)
def test_uniqueness_tests_keep_each_duplicated_key_and_its_count(
    probe: tuple[Path, dict[str, int]],
    test_name: str,
    key: tuple[str, ...],
    skip_null: bool,
    columns: list[str],
) -> None:
    """The two-pass duplicate search reports what grouping on the key reports: dbt's
    built-in `unique` columns (NULLs not checked), or the key and `occurrences`."""
    stored_columns, rows = stored_failures(probe[0], test_name)
    assert stored_columns == columns
    as_text = sorted(
        ((*(None if value is None else str(value) for value in row[:-1]), row[-1]) for row in rows),
        key=repr,
    )
    assert as_text == repeated(key, skip_null)
