"""The DfE rule tests (tests/dfe_rules) and staging checks (tests/data_quality) on fixtures.

A throwaway dbt project gets the repository's rule tests, dq_* macros and reference seeds;
the staging models they test are replaced by fixture seeds of the same names and columns,
holding records that break known rules. Every test's failure count is compared with the
count worked out by hand from the fixtures (comments name the failing records). XML
fixtures: census year 2023 (1 April 2022 to 31 March 2023), LA 202, children c1-c8, plus c9
in 2025. NPD fixtures: census year 2016 (1 April 2015 to 31 March 2016), children K1-K15
(K15: a plan without start date, referred in the 2009-2012 gap, which 8720 must not flag;
K16: 2008/09, LA 820, ethnicity recoded from the old codes, which nothing must flag).
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner

PROJECT_DIR = Path(__file__).resolve().parents[3]
RULES_DIR = PROJECT_DIR / "tests" / "dfe_rules"
REFERENCE_SEEDS = [
    "ref_codes",
    "ref_census_years",
    "ref_bank_holidays",
    "ref_la_harmonisation",
    "ref_local_authorities",
    "ref_dfe_upn_la_codes",
]

# Column types of the fixtures.
DATE, BOOL, INT = "date", "boolean", "integer"
X = {"census_year": INT, "child_pos": INT, "cin_details_pos": INT}

# Valid UPN by hand: digits 2-13 "202123456789" weighted 2..13 sum to 477 = 20 * 23 + 17,
# letter 17 of ABCDEFGHJKLMNPQRTUVWXYZ is U. "999123456789" sums to 546 = 23 * 23 + 17: U.
FIXTURES: dict[str, tuple[dict[str, str], str]] = {
    "stg_xml__header": (
        {"census_year": INT, "reference_date": DATE, "collection_year": INT},
        """\
        census_year,la_code,reference_date,collection_year
        2023,202,2023-03-31,2023
        2023,942,2023-03-30,2023
        """,
    ),
    "stg_xml__child": (
        {
            "census_year": INT,
            "child_pos": INT,
            "birth_date": DATE,
            "expected_birth_date": DATE,
            "death_date": DATE,
        },
        """\
        census_year,la_code,child_pos,la_child_id,upn,former_upn,upn_unknown_code,birth_date,expected_birth_date,sex,gender_current_raw,sex_raw,death_date,ethnicity_code
        2023,202,1,C1,U202123456789,,,2015-05-01,,M,1,,,WBRI
        2023,202,2,C2,A202123456789,BAD,,2010-01-01,,F,2,,,XXXX
        2023,202,3,C2,U202123456789,,,,,,,,,WBRI
        2023,202,4,C4,,,UN7,,2023-06-01,M,1,,,WBRI
        2023,202,5,C5,,,,1995-01-01,,F,2,,2022-06-01,WBRI
        2023,202,6,C6,U999123456789,,UN9,2012-03-01,2024-06-01,U,0,,,WBRI
        2023,202,7,,U2021234X6789,,,2023-05-01,,M,1,,,WBRI
        2023,202,8,C8,U20212345678I,,,2011-01-01,,F,2,,2010-12-01,WBRI
        2025,202,1,THIS_ID_IS_FAR_TOO_LONG,,,,2010-01-01,,M,,M,,WBRI
        """,
    ),
    "stg_xml__disability": (
        {"census_year": INT, "child_pos": INT, "disability_pos": INT},
        """\
        census_year,la_code,child_pos,disability_pos,disability_code
        2023,202,1,1,NONE
        2023,202,1,2,ZZZ
        2023,202,2,1,NONE
        2023,202,2,2,MOB
        2023,202,2,3,MOB
        """,
    ),
    "stg_xml__cin_details": (
        {
            **X,
            "referral_date": DATE,
            "closure_date": DATE,
            "initial_cpc_date": DATE,
            "is_referral_nfa": BOOL,
        },
        """\
        census_year,la_code,child_pos,cin_details_pos,referral_date,referral_source_code,primary_need_code,closure_date,closure_reason_code,initial_cpc_date,is_referral_nfa
        2023,202,1,1,2022-05-02,1A,N1,2022-09-30,RC7,,false
        2023,202,1,2,2022-10-03,2A,N2,,,,false
        2023,202,2,1,2022-06-01,3A,ZZ,2022-05-01,RC2,,false
        2023,202,2,2,2022-06-15,,N4,,rc3,,false
        2023,202,2,3,2022-08-01,9,,,,,false
        2023,202,4,1,2022-08-01,1A,N1,,,,false
        2023,202,4,2,2021-03-01,1A,N1,2021-03-15,,,false
        2023,202,5,1,2022-07-01,6,N3,,,,false
        2023,202,5,2,2021-01-10,8,N5,2022-04-20,RC2,,true
        2023,202,5,3,2022-11-01,1A,N1,2022-12-01,RC8,2022-11-20,
        2023,202,8,1,,1A,N1,,,,false
        2025,202,1,1,2024-05-01,1A,N1,2024-07-01,RC7,,false
        """,
    ),
    "stg_xml__assessment": (
        {
            **X,
            "assessment_pos": INT,
            "assessment_start_date": DATE,
            "assessment_internal_review_date": DATE,
            "assessment_authorisation_date": DATE,
        },
        """\
        census_year,la_code,child_pos,cin_details_pos,assessment_pos,assessment_start_date,assessment_internal_review_date,assessment_authorisation_date
        2023,202,1,1,1,2022-05-03,,2022-06-01
        2023,202,1,1,2,2022-03-20,,2022-03-25
        2023,202,1,1,3,2022-09-01,,
        2023,202,1,1,4,2022-07-01,,2022-07-10
        2023,202,1,2,1,2022-10-04,,
        2023,202,1,2,2,2022-10-05,,
        2023,202,2,1,1,2022-06-02,,2022-06-01
        2023,202,2,3,1,2021-12-01,,
        2025,202,1,1,1,2024-05-02,,2024-06-01
        """,
    ),
    "stg_xml__assessment_factor": (
        {**X, "assessment_pos": INT, "factor_pos": INT},
        """\
        census_year,la_code,child_pos,cin_details_pos,assessment_pos,factor_pos,assessment_factor_code
        2023,202,1,1,1,1,1A
        2023,202,1,1,1,2,21
        2023,202,1,2,1,1,3A
        2023,202,1,2,1,2,99Z
        2023,202,2,1,1,1,18B
        2023,202,2,1,1,2,18B
        2025,202,1,1,1,1,18A
        2025,202,1,1,1,2,19A
        2025,202,1,1,1,3,21
        """,
    ),
    "stg_xml__cin_plan_dates": (
        {**X, "cin_plan_pos": INT, "cin_plan_start_date": DATE, "cin_plan_end_date": DATE},
        """\
        census_year,la_code,child_pos,cin_details_pos,cin_plan_pos,cin_plan_start_date,cin_plan_end_date
        2023,202,1,1,1,2022-06-01,2022-06-01
        2023,202,1,1,2,2022-06-10,2022-06-05
        2023,202,1,2,1,2022-10-10,
        2023,202,1,2,2,2022-10-20,
        2023,202,1,2,3,,
        2023,202,2,2,1,2022-06-10,2022-07-01
        2023,202,5,2,1,2022-04-10,2022-04-15
        2023,202,5,1,1,2022-07-05,2023-05-01
        """,
    ),
    "stg_xml__section47": (
        {
            **X,
            "s47_pos": INT,
            "s47_start_date": DATE,
            "initial_cpc_target_date": DATE,
            "initial_cpc_date": DATE,
            "is_icpc_not_required": BOOL,
        },
        """\
        census_year,la_code,child_pos,cin_details_pos,s47_pos,s47_start_date,initial_cpc_target_date,initial_cpc_date,is_icpc_not_required
        2023,202,1,1,1,2022-05-10,2022-05-28,2022-05-27,false
        2023,202,1,1,2,2022-04-25,,,false
        2023,202,1,1,3,2022-06-01,,2022-05-20,false
        2023,202,5,3,1,2022-11-02,,2022-11-20,false
        2023,202,2,2,1,2022-03-01,,,false
        2023,202,2,2,2,2022-07-01,,,false
        2023,202,2,1,1,2022-06-02,,2022-05-15,false
        2023,202,2,3,1,2022-08-02,,2023-04-03,false
        2023,202,5,2,1,2022-04-11,,,true
        """,
    ),
    "stg_xml__cpp": (
        {
            **X,
            "cpp_pos": INT,
            "cpp_start_date": DATE,
            "cpp_end_date": DATE,
            "previous_cpp_count": INT,
        },
        """\
        census_year,la_code,child_pos,cin_details_pos,cpp_pos,cpp_start_date,cpp_end_date,initial_abuse_category_code,latest_abuse_category_code,previous_cpp_count
        2023,202,1,1,1,2022-05-27,2022-09-01,NEG,NEG,0
        2023,202,1,1,2,2022-05-01,2022-05-01,XXX,,
        2023,202,1,2,1,2022-11-01,,PHY,PHY,1
        2023,202,1,2,2,2022-12-01,,EMO,EMO,1
        2023,202,5,2,1,2022-04-10,2022-04-12,NEG,NEG,0
        2023,202,5,1,1,2022-08-01,2022-07-15,NEG,NEG,0
        2023,202,2,3,1,,,NEG,NEG,0
        2023,202,2,2,1,2022-07-01,2023-04-10,NEG,NEG,0
        """,
    ),
    "stg_xml__cpp_review": (
        {**X, "cpp_pos": INT, "review_pos": INT, "cpp_review_date": DATE},
        """\
        census_year,la_code,child_pos,cin_details_pos,cpp_pos,review_pos,cpp_review_date
        2023,202,1,1,1,1,2022-05-27
        2023,202,1,1,1,2,
        2023,202,1,2,1,1,2022-11-15
        2023,202,1,1,1,3,2022-06-01
        """,
    ),
    "stg_npd__cin": (
        {
            "census_year": INT,
            "source_line_number": INT,
            "referral_date": DATE,
            "closure_date": DATE,
            "is_referral_nfa": BOOL,
            "initial_cpc_date": DATE,
            "cpp_start_date": DATE,
            "cpp_end_date": DATE,
            "previous_cpp_count": INT,
        },
        """\
        census_year,la_code,la_code_post_2009,la_child_id,source_file,source_line_number,referral_date,closure_date,closure_reason_code,is_referral_nfa,primary_need_code,referral_source_code,initial_cpc_date,cpp_start_date,cpp_end_date,previous_cpp_count,initial_abuse_category_code,latest_abuse_category_code,gender_code,ethnicity_code,ethnicity_major_code
        2016,202,,K1,f,2,2015-05-01,2015-09-01,RC7,false,N1,1A,,2015-06-01,2015-08-01,0,NEG,NEG,1,WBRI,WHIT
        2016,202,,K1,f,3,2015-05-01,2015-09-01,RC7,false,N1,1A,,2015-07-15,2015-08-20,1,NEG,NEG,1,WBRI,WHIT
        2016,202,,K2,f,4,2015-06-01,2015-05-01,RC8,false,N2,3A,,2015-06-02,2015-06-02,0,NEG,NEG,3,A1,WHIT
        2016,202,,K3,f,5,2015-07-01,,RC3,true,,,2015-07-10,2015-07-10,2016-05-01,,XXX,,1,WBRI,BLAC
        2016,202,,K4,f,6,2015-08-01,2015-09-01,,,N9,5D,,,,,,,2,WBRI,WHIT
        2016,202,,K5,f,7,2014-01-01,,,true,ZZ,1A,,,,,,,2,WBRI,WHIT
        2016,202,,K6,f,8,2015-10-01,,,false,N1,1A,,,,,,,1,WBRI,WHIT
        2016,202,,K6,f,9,2015-11-01,,,false,N1,1A,,,,,,,1,WBRI,WHIT
        2016,202,,K7,f,10,,,,false,N1,,,,,,,,1,WBRI,WHIT
        2016,202,,,f,11,2015-05-01,,,false,N1,1A,,,,,,,1,WBRI,WHIT
        2016,202,,K8,f,12,2015-05-01,2015-06-01,RC8,false,N1,1A,2015-07-01,,,,,,1,WBRI,WHIT
        2016,202,,K9,f,13,2015-05-01,2016-04-30,RC7,false,N1,1A,,2015-04-20,2015-04-10,0,NEG,NEG,1,WBRI,WHIT
        2016,202,,K10,f,14,2015-05-01,,,false,N1,1A,,,,,NEG,NEG,1,WBRI,WHIT
        2016,202,,K11,f,15,2015-04-15,,,false,N1,1A,,2015-05-01,,0,NEG,NEG,1,WBRI,WHIT
        2016,202,,K11,f,16,2015-04-15,,,false,N1,1A,,2015-06-01,,1,NEG,NEG,1,WBRI,WHIT
        2016,202,,K12,f,17,2015-05-01,,,false,,1A,,,,,,,1,WBRI,WHIT
        2016,202,,K13,f,18,2015-05-01,2015-06-01,RC9,false,N1,1A,,,,,,,1,WBRI,WHIT
        2016,820,,K14,f,19,2015-05-01,,,false,N1,1A,,,,,,,1,WBRI,WHIT
        2016,202,,K15,f,20,2010-06-01,,,false,N1,1A,,,,,NEG,NEG,1,WBRI,WHIT
        2009,820,,K16,f,21,2008-11-01,,,,N1,,,,,,,,1,WBRI,WHIT
        """,
    ),
    "stg_npd__disabilities": (
        {"census_year": INT},
        """\
        census_year,la_code,la_code_post_2009,la_child_id,disability_code
        2016,202,,K1,NONE
        2016,202,,K1,MOB
        2016,202,,K2,VIS
        2016,202,,K2,VIS
        2016,202,,K3,XYZ
        """,
    ),
}

# Failures worked out by hand from FIXTURES: one record each unless a comment says otherwise.
EXPECTED: dict[str, int] = {
    "dfe_100_xml__reference_date_not_31_march": 1,
    "dfe_1103_xml__assessment_start_before_referral": 2,  # c1 episode 1 assessment 2, c2 episode 3
    "dfe_1104_xml__s47_icpc_before_referral": 1,
    "dfe_1105_npd__cpp_start_before_referral": 1,
    "dfe_1105_xml__cpp_start_before_referral": 1,
    "dfe_1510_xml__upn_check_letter": 1,
    "dfe_1520_xml__upn_not_unique": 1,
    "dfe_1530_xml__upn_la_code_not_recognised": 1,
    "dfe_1540_xml__upn_characters_5_12_not_numeric": 1,
    "dfe_1550_xml__upn_character_13_invalid": 1,
    "dfe_1560q_xml__former_upn_format": 1,
    "dfe_1570_xml__la_child_id_too_long": 1,
    "dfe_1580_xml__la_child_id_not_alphanumeric": 1,
    "dfe_2883_xml__more_cpp_starts_than_icpcs": 1,
    "dfe_2884_xml__icpc_at_both_levels": 1,
    "dfe_2885_xml__cpp_start_not_an_icpc_date": 6,  # all plans starting in the year but one
    "dfe_2886q_xml__over_2pct_children_no_sex": 1,
    "dfe_2887q_npd__fewer_than_8_disability_codes": 1,
    "dfe_2887q_xml__fewer_than_8_disability_codes": 1,
    "dfe_2888q_npd__one_disability_per_child_only": 1,
    "dfe_2888q_xml__one_disability_per_child_only": 1,
    "dfe_2889_xml__s47_start_before_referral": 2,  # c1 episode 1 s47 2, c2 episode 2 s47 1
    "dfe_2990_npd__activity_on_rc8_rc9_case": 2,  # K2 (CPP), K8 (initial CPC)
    "dfe_2990_xml__activity_on_rc8_rc9_case": 1,
    "dfe_2991q_xml__s47_without_assessment": 3,  # c2 episode 2, c5 episodes 2 and 3
    "dfe_4000_xml__cin_plan_on_nfa_referral": 1,
    "dfe_4001_xml__open_cin_plan_and_open_cpp": 2,  # c1 episode 2's two open plans
    "dfe_4003_xml__cpp_review_during_cin_plan": 2,  # reviews 2022-11-15 and 2022-06-01
    "dfe_4004_xml__more_than_one_open_cin_plan": 1,
    "dfe_4008_xml__cin_plan_start_after_death": 1,
    "dfe_4009q_xml__cin_plan_end_after_death": 1,
    "dfe_4010_xml__cin_plan_start_missing_or_late": 1,
    "dfe_4011_xml__cin_plan_end_before_start": 1,
    "dfe_4012q_xml__cin_plan_starts_and_ends_same_day": 1,
    "dfe_4013_xml__cin_plan_end_outside_year": 1,
    "dfe_4014_xml__cin_plans_overlap": 1,
    "dfe_4015_xml__cin_plan_start_before_referral": 1,
    "dfe_4016_xml__cin_plan_starts_during_cpp": 3,  # c1 2022-06-01, 06-10; c5 04-10
    "dfe_4017_xml__cpp_starts_during_cin_plan": 4,  # c1 11-01, 12-01; c5 04-10, 08-01
    "dfe_4180_npd__gender_missing_or_invalid": 1,
    "dfe_4180_xml__sex_missing_or_invalid": 1,
    "dfe_4220_npd__ethnicity_missing_or_invalid": 1,
    "dfe_4220_xml__ethnicity_missing_or_invalid": 1,
    "dfe_8500_npd__la_child_id_missing": 1,
    "dfe_8500_xml__la_child_id_missing": 1,
    "dfe_8510_xml__la_child_id_not_unique": 1,
    "dfe_8520_xml__birth_after_reference_date": 1,
    "dfe_8525q_xml__birth_and_expected_birth_both_or_neither": 2,  # c3 neither, c6 both
    "dfe_8530q_xml__expected_birth_out_of_range": 1,
    "dfe_8535q_xml__death_before_birth": 1,
    "dfe_8540_xml__disability_missing_or_invalid": 4,  # c1 (ZZZ), c5, c8, c9 (none recorded)
    "dfe_8545q_xml__death_outside_year": 1,
    "dfe_8555q_xml__referral_after_death": 2,  # c5 episodes 1 and 3
    "dfe_8565_npd__activity_after_closure": 2,  # K2 (CPP end), K8 (initial CPC)
    "dfe_8565_xml__activity_after_closure": 1,
    "dfe_8568_npd__referral_nfa_missing": 1,
    "dfe_8568_xml__referral_nfa_missing": 1,
    "dfe_8569q_npd__old_referral_flagged_nfa": 1,
    "dfe_8569q_xml__old_referral_flagged_nfa": 1,
    "dfe_8585q_xml__rc2_without_death_date": 1,
    "dfe_8590_xml__child_without_episode": 3,  # c3, c6, c7
    "dfe_8600_npd__referral_missing_or_after_year": 1,
    "dfe_8600_xml__referral_missing_or_after_year": 1,
    "dfe_8606_xml__referral_over_280_days_before_birth": 2,  # c4 episodes 1 and 2
    "dfe_8608_xml__assessment_authorised_before_start": 1,
    "dfe_8610_npd__primary_need_missing": 1,
    "dfe_8610_xml__primary_need_missing": 1,
    "dfe_8614_xml__factors_on_unauthorised_assessment": 1,
    "dfe_8615_xml__s47_start_missing_or_after_icpc": 2,  # c1 s47 3, c2 episode 1
    "dfe_8620_npd__closure_outside_year": 1,
    "dfe_8620_xml__closure_outside_year": 1,
    "dfe_8630_npd__closure_before_referral": 1,
    "dfe_8630_xml__closure_before_referral": 1,
    "dfe_8640_npd__closure_reason_invalid": 1,
    "dfe_8640_xml__closure_reason_invalid": 1,
    "dfe_8650_npd__primary_need_invalid": 1,
    "dfe_8650_xml__primary_need_invalid": 1,
    "dfe_8670q_xml__open_assessment_over_45_working_days": 4,  # four open ones
    "dfe_8675q_xml__open_s47_over_15_working_days": 3,  # open s47s of 2022-04-25, 03-01, 07-01
    "dfe_8696_xml__assessment_authorised_outside_year": 1,
    "dfe_8715_xml__s47_icpc_outside_year": 1,
    "dfe_8720_npd__cpp_start_missing_or_after_year": 1,
    "dfe_8720_xml__cpp_start_missing_or_after_year": 1,
    "dfe_8730_npd__previous_cpp_count_missing": 1,
    "dfe_8730_xml__previous_cpp_count_missing": 1,
    "dfe_8736_xml__open_assessment_start_outside_year": 1,
    "dfe_8740_xml__open_s47_start_outside_year": 1,
    "dfe_8750_xml__unborn_sex_not_u": 1,
    "dfe_8770q_xml__school_age_child_without_upn": 2,  # c5, c9
    "dfe_8772_xml__un7_but_referral_not_nfa": 1,
    "dfe_8775q_xml__child_over_25": 3,  # c5's three episodes
    "dfe_8790_npd__disability_none_with_others": 1,
    "dfe_8790_xml__disability_none_with_others": 2,  # c1 (NONE, ZZZ), c2 (NONE, MOB)
    "dfe_8794_npd__disability_code_repeated": 1,
    "dfe_8794_xml__disability_code_repeated": 1,
    "dfe_8805_npd__closure_date_without_reason": 1,
    "dfe_8805_xml__closure_date_without_reason": 1,
    "dfe_8810_npd__reason_without_closure_date": 1,
    "dfe_8810_xml__reason_without_closure_date": 1,
    "dfe_8815_npd__more_than_one_open_episode": 1,
    "dfe_8815_xml__more_than_one_open_episode": 1,
    "dfe_8816_npd__open_episode_not_latest": 1,
    "dfe_8816_xml__open_episode_not_latest": 2,  # c2 episode 2, c5 episode 1
    "dfe_8820_npd__episodes_overlap": 1,
    "dfe_8820_xml__episodes_overlap": 2,  # c2 episode 3, c5 episode 3
    "dfe_8825q_xml__rc8_rc9_without_assessment": 1,
    "dfe_8831_npd__activity_on_nfa_referral": 1,
    "dfe_8831_xml__activity_on_nfa_referral": 1,
    "dfe_8832_npd__cpp_on_nfa_referral": 1,
    "dfe_8832_xml__cpp_on_nfa_referral": 1,
    "dfe_8839_xml__more_than_one_open_s47": 1,
    "dfe_8840_npd__cpp_starts_and_ends_same_day": 1,
    "dfe_8840_xml__cpp_starts_and_ends_same_day": 1,
    "dfe_8841_xml__review_not_after_cpp_start": 1,
    "dfe_8842q_xml__review_date_missing": 1,
    "dfe_8863q_xml__assessment_starts_during_another": 1,
    "dfe_8866_npd__referral_source_missing_or_invalid": 2,  # K3 missing, K4 5D before 2023
    "dfe_8866_xml__referral_source_missing_or_invalid": 1,
    "dfe_8867_xml__closed_episode_open_assessment": 1,
    "dfe_8868_xml__closed_episode_open_s47": 1,
    "dfe_8869_xml__factor_21_with_others": 2,  # c1 episode 1 assessment 1, c9
    "dfe_8870q_xml__icpc_target_on_weekend": 1,
    "dfe_8873q_xml__only_assessment_factor_21_not_rc8_rc9": 1,
    "dfe_8875_xml__icpc_on_weekend": 2,  # 2022-11-20 and 2022-05-15, Sundays
    "dfe_8890_xml__s47_starts_during_another": 3,  # c1 s47s 1 and 3, c2 episode 2 s47 2
    "dfe_8896_xml__more_than_one_open_assessment": 1,
    "dfe_8897q_xml__authorised_assessment_without_factors": 1,
    "dfe_8898_xml__factor_repeated": 1,
    "dfe_8905_npd__initial_abuse_category_invalid": 1,
    "dfe_8905_xml__initial_abuse_category_invalid": 1,
    "dfe_8910_npd__latest_abuse_category_invalid": 1,
    "dfe_8910_xml__latest_abuse_category_invalid": 1,
    "dfe_8915_xml__cpp_start_after_death": 1,
    "dfe_8920_xml__cpp_end_after_death": 1,
    "dfe_8925_npd__cpp_end_before_start": 1,
    "dfe_8925_xml__cpp_end_before_start": 1,
    "dfe_8930_npd__cpp_end_outside_year": 1,
    "dfe_8930_xml__cpp_end_outside_year": 1,
    "dfe_8935_npd__more_than_one_open_cpp": 1,
    "dfe_8935_xml__more_than_one_open_cpp": 1,
    "dfe_8940_npd__cpps_overlap": 2,  # K1 second plan, K11 second plan
    "dfe_8940_xml__cpps_overlap": 1,
    "dfe_8945q_xml__factor_18a_used": 1,
    "dfe_8950q_xml__factor_19a_used": 1,
    "dq_npd__disability_code_valid_for_census_year": 1,
    "dq_npd__ethnicity_major_matches_minor": 1,
    "dq_npd__la_code_valid_for_census_year": 1,
    "dq_npd__referral_date_not_null_by_la_year": 1,
    "dq_npd__referral_source_valid_for_census_year": 1,
    "dq_xml__assessment_factor_valid_for_census_year": 1,
    "dq_xml__disability_code_valid_for_census_year": 1,
    "dq_xml__la_code_valid_for_census_year": 1,
    "dq_xml__upn_unknown_valid_for_census_year": 1,
}

REFERENCE_TYPES = {
    "ref_codes": {"first_census_year": INT, "last_census_year": INT, "is_legacy": BOOL},
    "ref_census_years": {
        "census_year": INT,
        "period_start": DATE,
        "period_end": DATE,
        "is_half_year": BOOL,
    },
    "ref_bank_holidays": {"holiday_date": DATE, "calendar_year": INT, "census_year": INT},
    "ref_la_harmonisation": {"first_census_year": INT, "last_census_year": INT},
    "ref_local_authorities": {"first_census_year": INT, "last_census_year": INT},
    "ref_dfe_upn_la_codes": {"allowed_from_census_year": INT, "is_pseudo_la": BOOL},
}


def _seed_yaml(name: str, header: str, types: dict[str, str]) -> str:
    columns = {column: types.get(column, "varchar") for column in header.split(",")}
    listed = ", ".join(f"{column}: {kind}" for column, kind in columns.items())
    return f"  - name: {name}\n    config:\n      column_types: {{{listed}}}\n"


def run_rule_tests(
    root: Path, fixtures: dict[str, tuple[dict[str, str], str]] = FIXTURES
) -> dict[str, int]:
    """Build the throwaway project in `root` on `fixtures`, run its tests, return failures by
    test name."""
    return {name: failures for name, (failures, _) in rule_test_results(root, fixtures).items()}


def rule_test_results(
    root: Path, fixtures: dict[str, tuple[dict[str, str], str]] = FIXTURES
) -> dict[str, tuple[int, str]]:
    """As run_rule_tests, with each test's status (pass, warn or fail) beside its failures."""
    shutil.copytree(RULES_DIR, root / "tests" / "dfe_rules")
    shutil.copytree(PROJECT_DIR / "tests" / "data_quality", root / "tests" / "data_quality")
    shutil.copytree(PROJECT_DIR / "tests" / "generic", root / "tests" / "generic")
    (root / "macros").mkdir()
    # The rule macros, and the working-day calendar they share with the models.
    for macro in [
        *(PROJECT_DIR / "macros").glob("dq_*.sql"),
        PROJECT_DIR / "macros" / "working_days.sql",
    ]:
        shutil.copy(macro, root / "macros" / macro.name)
    # The quality model that computes 8815, 8816 and 8820 on the NPD for their rule tests,
    # read from the fixture seeds as from the staging models.
    (root / "models").mkdir()
    quality = PROJECT_DIR / "models" / "marts" / "quality" / "dq_npd_episode_order.sql"
    shutil.copy(quality, root / "models" / quality.name)
    seeds = root / "seeds"
    seeds.mkdir()
    yaml = "version: 2\nseeds:\n"
    for name in REFERENCE_SEEDS:
        shutil.copy(PROJECT_DIR / "seeds" / f"{name}.csv", seeds / f"{name}.csv")
        header = (seeds / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        yaml += _seed_yaml(name, header, REFERENCE_TYPES[name])
    # The rule seed's properties (and the rule tests hung on it) are in tests/dfe_rules.
    shutil.copy(PROJECT_DIR / "seeds" / "ref_dfe_rules.csv", seeds / "ref_dfe_rules.csv")
    for name, (types, text) in fixtures.items():
        csv_text = textwrap.dedent(text)
        (seeds / f"{name}.csv").write_text(csv_text, encoding="utf-8")
        yaml += _seed_yaml(name, csv_text.splitlines()[0], types)
    (seeds / "_fixtures.yml").write_text(yaml, encoding="utf-8")
    (root / "dbt_project.yml").write_text(
        'name: dq_rules_probe\nversion: "1.0"\nconfig-version: 2\nprofile: dq_rules_probe\n',
        encoding="utf-8",
    )
    (root / "profiles.yml").write_text(
        "dq_rules_probe:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {root / 'probe.duckdb'}\n",
        encoding="utf-8",
    )
    common = ["--project-dir", str(root), "--profiles-dir", str(root), "--quiet"]
    seeded = dbtRunner().invoke(["seed", *common])
    assert seeded.success, seeded.exception
    built = dbtRunner().invoke(["run", *common])
    assert built.success, built.exception
    tested = dbtRunner().invoke(["test", *common])
    assert tested.result is not None, tested.exception
    errored = [r.node.name for r in tested.result.results if r.failures is None]
    assert not errored, f"tests that did not run: {errored}"
    return {r.node.name: (int(r.failures), str(r.status)) for r in tested.result.results}


@pytest.fixture(scope="module")
def failures(dfe_rule_results: dict[str, tuple[int, str]]) -> dict[str, int]:
    # The project built once for this module and test_dfe_rules_seed.py (conftest.py).
    return {name: failures for name, (failures, _) in dfe_rule_results.items()}


def test_every_rule_and_check_is_expected(failures: dict[str, int]) -> None:
    ran = {name for name in failures if name.startswith(("dfe_", "dq_"))}
    assert ran == set(EXPECTED)


@pytest.mark.parametrize("test_name", sorted(EXPECTED))
def test_rule_finds_the_known_failures(failures: dict[str, int], test_name: str) -> None:
    assert failures[test_name] == EXPECTED[test_name]
