"""seeds/ref_dfe_rules.csv, the one place a DfE rule is described, against the rule tests,
DfE's list and DATA_QUALITY.md; and the severity the seed gives, as dbt applies it.

DfE's list (rule_code, rule_type, rulesets) is checked against properties DfE states
itself: a query's code ends in Q (the frame macro dq_dfe_rule reads the type from the code).
The severity statuses are worked out by hand from the fixtures of test_dfe_rules.py: 12
episodes and 8 CPPs in the 2023 XML return, so a 25% ceiling is 3 episodes or 2 CPPs.
"""

from __future__ import annotations

import csv

import pytest

from cin_warehouse import dfe_rules_doc

SEED = dfe_rules_doc.SEED


def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_data_quality_table_is_written_from_the_seed() -> None:
    text = dfe_rules_doc.DOC.read_text(encoding="utf-8")
    assert dfe_rules_doc.rewrite(text) == text, "run python -m cin_warehouse.dfe_rules_doc"


def test_every_rule_has_its_tests_and_every_test_its_rule() -> None:
    tests = dfe_rules_doc.rule_tests()
    codes = {row["rule_code"] for row in seed_rows()}
    expected = {
        (row["rule_code"], source) for row in seed_rows() for source in row["sources"].split()
    }
    assert set(tests) == expected
    assert {code for code, _ in tests} == codes
    assert len(tests) == 144  # 109 rules on the XML, 35 of them also on the NPD


def test_a_query_is_a_code_ending_in_q() -> None:
    for row in seed_rows():
        assert (row["rule_type"] == "query") == row["rule_code"].endswith("Q"), row["rule_code"]


def test_versions_of_a_rule_follow_each_other_and_share_the_policy() -> None:
    by_code: dict[str, list[dict[str, str]]] = {}
    for row in seed_rows():
        by_code.setdefault(row["rule_code"], []).append(row)
    policy = ("sources", "npd_not_checked_reason", "severity", "error_ceiling", "severity_reason")
    for code, versions in by_code.items():
        assert len({tuple(v[c] for c in policy) for v in versions}) == 1, code
        for earlier, later in zip(versions, versions[1:], strict=False):
            assert int(earlier["last_ruleset_year"]) + 1 == int(later["first_ruleset_year"]), code
        assert versions[-1]["last_ruleset_year"] == "", f"{code}: no version in force"


def test_npd_reason_given_exactly_where_the_npd_is_not_checked() -> None:
    for row in seed_rows():
        assert ("npd" in row["sources"].split()) == (row["npd_not_checked_reason"] == ""), row


@pytest.fixture(scope="module")
def results(dfe_rule_results: dict[str, tuple[int, str]]) -> dict[str, tuple[int, str]]:
    # The project of test_dfe_rules.py's fixtures, built once for both modules (conftest.py).
    return dfe_rule_results


@pytest.mark.parametrize(
    ("test_name", "status"),
    [
        ("dfe_8500_xml__la_child_id_missing", "fail"),  # error: 1 row fails the build
        ("dfe_2886q_xml__over_2pct_children_no_sex", "warn"),  # query: never fails
        ("dfe_8630_xml__closure_before_referral", "warn"),  # 1 of 12 episodes, ceiling 3
        ("dfe_4017_xml__cpp_starts_during_cin_plan", "fail"),  # 4 of 8 CPPs, ceiling 2
        ("dfe_8820_xml__episodes_overlap", "warn"),  # 2 of 12 episodes, ceiling 50% = 6
        ("dfe_8510_xml__la_child_id_not_unique", "fail"),  # error: 1 row
        ("dfe_8815_xml__more_than_one_open_episode", "warn"),  # ceiling 50%
    ],
)
def test_severity_and_ceiling_come_from_the_seed(
    results: dict[str, tuple[int, str]], test_name: str, status: str
) -> None:
    assert results[test_name][1] == status
