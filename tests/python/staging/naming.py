"""The staging vocabulary, written out independently of the SQL macros, for the tests.

Every raw column has one staging name (the NPD spec's `staging_name`, the XML element
names of issue 5); typed values have companions named from it (macros/staging)."""

from __future__ import annotations

from cin_warehouse import npd_spec

NPD_PROVENANCE = {
    "_census_year": "census_year",
    "_source_file": "source_file",
    "_line_number": "source_line_number",
    "_load_id": "load_id",
}
XML_PROVENANCE = {**NPD_PROVENANCE, "_la_code": "la_code"}
# CIN_CIN_LA, the LA duplicate some extracts carry (docs/cin_census.md §3b).
NPD_ALIASES = {"CIN_CIN_LA": "la_code_duplicate"}
# 2008/09 has no CIN_LA: la_code comes from CIN_LA_09 (and keeps its own column too).

XML_COLUMNS: dict[str, dict[str, str]] = {
    "header": {
        "Collection": "collection_code",
        "Year": "collection_year",
        "ReferenceDate": "reference_date",
        "SourceLevel": "source_level_code",
        "LEA": "lea_code",
        "SoftwareCode": "software_code",
        "Release": "software_release",
        "SerialNo": "serial_number",
        "DateTime": "file_created_at",
    },
    "child": {
        "child_pos": "child_pos",
        "LAchildID": "la_child_id",
        "UPN": "upn",
        "FormerUPN": "former_upn",
        "UPNunknown": "upn_unknown_code",
        "PersonBirthDate": "birth_date",
        "ExpectedPersonBirthDate": "expected_birth_date",
        "GenderCurrent": "gender_current_raw",
        "Sex": "sex_raw",
        "PersonDeathDate": "death_date",
        "Ethnicity": "ethnicity_code",
    },
    "disability": {
        "child_pos": "child_pos",
        "disability_pos": "disability_pos",
        "Disability": "disability_code",
    },
    "cin_details": {
        "child_pos": "child_pos",
        "cin_details_pos": "cin_details_pos",
        "CINreferralDate": "referral_date",
        "ReferralSource": "referral_source_code",
        "PrimaryNeedCode": "primary_need_code",
        "CINclosureDate": "closure_date",
        "ReasonForClosure": "closure_reason_code",
        "DateOfInitialCPC": "initial_cpc_date",
        "ReferralNFA": "is_referral_nfa",
    },
    "assessment": {
        "child_pos": "child_pos",
        "cin_details_pos": "cin_details_pos",
        "assessment_pos": "assessment_pos",
        "AssessmentActualStartDate": "assessment_start_date",
        "AssessmentInternalReviewDate": "assessment_internal_review_date",
        "AssessmentAuthorisationDate": "assessment_authorisation_date",
    },
    "assessment_factor": {
        "child_pos": "child_pos",
        "cin_details_pos": "cin_details_pos",
        "assessment_pos": "assessment_pos",
        "factor_pos": "factor_pos",
        "AssessmentFactors": "assessment_factor_code",
    },
    "cin_plan_dates": {
        "child_pos": "child_pos",
        "cin_details_pos": "cin_details_pos",
        "cin_plan_pos": "cin_plan_pos",
        "CINPlanStartDate": "cin_plan_start_date",
        "CINPlanEndDate": "cin_plan_end_date",
    },
    "section47": {
        "child_pos": "child_pos",
        "cin_details_pos": "cin_details_pos",
        "s47_pos": "s47_pos",
        "S47ActualStartDate": "s47_start_date",
        "InitialCPCtarget": "initial_cpc_target_date",
        "DateOfInitialCPC": "initial_cpc_date",
        "ICPCnotRequired": "is_icpc_not_required",
    },
    "cpp": {
        "child_pos": "child_pos",
        "cin_details_pos": "cin_details_pos",
        "cpp_pos": "cpp_pos",
        "CPPstartDate": "cpp_start_date",
        "CPPendDate": "cpp_end_date",
        "InitialCategoryOfAbuse": "initial_abuse_category_code",
        "LatestCategoryOfAbuse": "latest_abuse_category_code",
        "NumberOfPreviousCPP": "previous_cpp_count",
    },
    "cpp_review": {
        "child_pos": "child_pos",
        "cin_details_pos": "cin_details_pos",
        "cpp_pos": "cpp_pos",
        "review_pos": "review_pos",
        "CPPreviewDate": "cpp_review_date",
    },
}


def stem(name: str) -> str:
    """Companion columns drop a flag's `is_`/`has_` prefix: is_referral_nfa -> referral_nfa."""
    for prefix in ("is_", "has_"):
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def npd_staging_names(census_year: int, file_kind: str) -> dict[str, str]:
    """Raw NPD column -> staging column, for a year's table."""
    names = {v.npd_column: v.staging_name for v in npd_spec.variables(census_year, file_kind)}
    return {**names, **NPD_PROVENANCE, **NPD_ALIASES}


def companion(name: str) -> str:
    return f"{stem(name)}_raw"
