"""The generic dbt tests of tests/generic, run on a small fixture whose failures are known.

A throwaway dbt project gets the repository's generic tests, dq_* macros and the ref_codes
seed, plus a fixture seed written here; each test's failure count is compared with the
count worked out by hand below.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

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
    columns:
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
"""

# Failures worked out by hand from FIXTURE.
EXPECTED = {
    "probe_expression": 1,  # row 2 (row 3 has no closure date: NULL is not a failure)
    "probe_unique": 2,  # (2022, 2021-05-01) twice and (2023, 2021-05-01) three times
    "probe_range": 2,  # rows 2 (50) and 4 (-1)
    "probe_range_exclusive": 2,  # 5 is not > 5; -1 either
    "probe_not_null_by_year": 2,  # 2023 has 1 of 3, 2024 has 0 of 1
    "probe_not_null_overall": 0,  # 3 of 6
    "probe_codes": 3,  # RC9 in 2022 (valid from 2023), rc1 (legacy), ZZ
    "probe_codes_legacy_allowed": 2,  # RC9 in 2022, ZZ
    "probe_column_expression": 1,  # row 2
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    root = tmp_path_factory.mktemp("dq_probe")
    shutil.copytree(PROJECT_DIR / "tests" / "generic", root / "tests" / "generic")
    (root / "macros").mkdir()
    for macro in (PROJECT_DIR / "macros").glob("dq_*.sql"):
        shutil.copy(macro, root / "macros" / macro.name)
    (root / "seeds").mkdir()
    shutil.copy(PROJECT_DIR / "seeds" / "ref_codes.csv", root / "seeds" / "ref_codes.csv")
    (root / "seeds" / "probe.csv").write_text(FIXTURE, encoding="utf-8")
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
    return {r.node.name: int(r.failures or 0) for r in tested.result.results}


@pytest.mark.parametrize("test_name", sorted(EXPECTED))
def test_generic_test_finds_the_known_failures(results: dict[str, int], test_name: str) -> None:
    assert results[test_name] == EXPECTED[test_name]
