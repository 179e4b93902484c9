"""The four DfE rule readings mended in issue 14, each on a fixture that tells the old
reading from the new one (the throwaway project of test_dfe_rules.py, other fixtures kept).

- 1530: DfE's pseudo-LA codes (001-005, 660-681, 701-708) are recognised in a UPN; 942 and
  943 only from census year 2024 (2023/24 ruleset).
- 2886Q: to census year 2024 "no sex" is GenderCurrent missing or 0; 9 (indeterminate) is a
  sex recorded.
- 4180: a return of census year 2024 or earlier must carry GenderCurrent; a <Sex> element
  (in the XSD only from 2024/25) does not satisfy it.
- 8873Q: read on closed episodes only (the reason beside the rule).

Each expected count is worked out by hand below; the old readings give the counts in the
comments, so each test fails on the code before the mend.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.python.data_quality.test_dfe_rules import FIXTURES, run_rule_tests

CHILD_COLUMNS = (
    "census_year,la_code,child_pos,la_child_id,upn,former_upn,upn_unknown_code,birth_date,"
    "expected_birth_date,sex,gender_current_raw,sex_raw,death_date,ethnicity_code"
)
# A valid-looking UPN body; 1530 reads only characters 2-4.
UPN_BODY = "123456789"


def child_rows(
    census_year: int, la_code: str, first_pos: int, count: int, **values: str
) -> list[str]:
    """`count` born children of one return, GenderCurrent 1 (or Sex M from 2025) unless given."""
    gender = values.get("gender_current_raw", "1" if census_year <= 2024 else "")
    sex_raw = values.get("sex_raw", "" if census_year <= 2024 else "M")
    sex = values.get("sex", "M")
    upn = values.get("upn", "")
    return [
        f"{census_year},{la_code},{pos},C{pos},{upn},,,2012-01-01,,{sex},{gender},{sex_raw},,WBRI"
        for pos in range(first_pos, first_pos + count)
    ]


CHILDREN = [
    # 2023, LA 202: 60 children with GenderCurrent 1, 2 with 9 (indeterminate): 2 of 62 is
    # over 2%, but 9 is a sex recorded, so 2886Q does not fire (the old reading, 9 as U: fires).
    *child_rows(2023, "202", 1, 60),
    *child_rows(2023, "202", 61, 2, gender_current_raw="9", sex="U"),
    # 2023, LA 203: 60 with GenderCurrent 2, 2 with 0 (not recorded): 2886Q fires (both readings).
    *child_rows(2023, "203", 1, 60, gender_current_raw="2", sex="F"),
    *child_rows(2023, "203", 61, 2, gender_current_raw="0", sex="U"),
    # 2024, LA 202: 60 with GenderCurrent 1 and one child with <Sex>M</Sex> but no
    # GenderCurrent: 4180 fires on it (the old reading, staging's conformed sex M: passes);
    # 2886Q counts it as no sex, 1 of 61 is under 2%.
    *child_rows(2024, "202", 1, 60),
    *child_rows(2024, "202", 61, 1, gender_current_raw="", sex_raw="M"),
    # 1530, UPN LA parts: 670 and 001 are pseudo-LA codes (pass; old reading: fail), 999 is
    # nothing (fails), 942 in 2023 is before the 2023/24 ruleset (fails), 942 in 2024 passes.
    *child_rows(2023, "204", 1, 1, upn=f"A670{UPN_BODY}"),
    *child_rows(2023, "204", 2, 1, upn=f"A001{UPN_BODY}"),
    *child_rows(2023, "204", 3, 1, upn=f"A999{UPN_BODY}"),
    *child_rows(2023, "204", 4, 1, upn=f"A942{UPN_BODY}"),
    *child_rows(2024, "204", 1, 1, upn=f"A942{UPN_BODY}"),
]

# 8873Q, LA 202 in 2023: each episode has one assessment, whose only factor is 21.
# Child 1: closed RC7 (fails); child 2: open, no reason yet (passes: closed episodes only);
# child 3: closed RC8 (passes).
EPISODES = """\
census_year,la_code,child_pos,cin_details_pos,referral_date,referral_source_code,primary_need_code,closure_date,closure_reason_code,initial_cpc_date,is_referral_nfa
2023,202,1,1,2022-05-02,1A,N1,2022-07-01,RC7,,false
2023,202,2,1,2022-05-02,1A,N1,,,,false
2023,202,3,1,2022-05-02,1A,N1,2022-07-01,RC8,,false
"""
ASSESSMENTS = """\
census_year,la_code,child_pos,cin_details_pos,assessment_pos,assessment_start_date,assessment_internal_review_date,assessment_authorisation_date
2023,202,1,1,1,2022-05-03,,2022-06-01
2023,202,2,1,1,2022-05-03,,2022-06-01
2023,202,3,1,1,2022-05-03,,2022-06-01
"""
FACTORS = """\
census_year,la_code,child_pos,cin_details_pos,assessment_pos,factor_pos,assessment_factor_code
2023,202,1,1,1,1,21
2023,202,2,1,1,1,21
2023,202,3,1,1,1,21
"""

# The fixtures of test_dfe_rules.py, with the four modules these rules read replaced (same
# column types).
FIX_FIXTURES = {
    **FIXTURES,
    "stg_xml__child": (
        FIXTURES["stg_xml__child"][0],
        "\n".join([CHILD_COLUMNS, *CHILDREN]) + "\n",
    ),
    "stg_xml__cin_details": (FIXTURES["stg_xml__cin_details"][0], EPISODES),
    "stg_xml__assessment": (FIXTURES["stg_xml__assessment"][0], ASSESSMENTS),
    "stg_xml__assessment_factor": (FIXTURES["stg_xml__assessment_factor"][0], FACTORS),
}

EXPECTED = {
    "dfe_1530_xml__upn_la_code_not_recognised": 2,  # 999; 942 in 2023 (old reading: 4)
    "dfe_2886q_xml__over_2pct_children_no_sex": 1,  # LA 203 in 2023 (old reading: 2)
    "dfe_4180_xml__sex_missing_or_invalid": 1,  # the 2024 child with Sex only (old: 0)
    "dfe_8873q_xml__only_assessment_factor_21_not_rc8_rc9": 1,  # child 1 (open child 2 not)
}


@pytest.fixture(scope="module")
def failures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    root: Path = tmp_path_factory.mktemp("dq_rule_fixes_probe")
    return run_rule_tests(root, FIX_FIXTURES)


@pytest.mark.parametrize("test_name", sorted(EXPECTED))
def test_mended_rule_reading(failures: dict[str, int], test_name: str) -> None:
    assert failures[test_name] == EXPECTED[test_name]
