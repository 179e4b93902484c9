"""The schema of a census year's returns as recorded: what the writers turn into files.

The world simulation produces true events; the recording step damages them the way LA
systems do and extracts, per census year, every case open at any point in the year as the
LA knew it at submission. The result is this set of tables, one per XML module, in the
census vocabulary (XML element names). Both writers consume it: the XML writer one file per
LA and year, the NPD writer one flat file per year (after DfE's anonymisation).

Every value is text exactly as it will be written (damage included): dates as YYYY-MM-DD,
yes/no as "0"/"1", NULL where the element is absent. Integer `*_pos` columns give the
order of repeated elements inside their parent, so a writer can rebuild the nesting.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_KEY = [
    ("census_year", pa.int16()),
    ("la_code", pa.string()),  # 3-digit code of the submitting LA (LEA in the XML header)
    ("child_pos", pa.int32()),  # position of the Child element in the LA's return
]

CHILD = pa.schema(
    [
        *_KEY,
        ("la_code_9", pa.string()),  # GSS code of the submitting LA (the NPD has it)
        ("person_id", pa.int64()),  # truth: the person behind the record (never written)
        ("identity_id", pa.int64()),  # truth: the LA identity (LAchildID) of the person
        ("LAchildID", pa.string()),
        ("UPN", pa.string()),
        ("FormerUPN", pa.string()),
        ("UPNunknown", pa.string()),
        ("PersonBirthDate", pa.string()),
        ("ExpectedPersonBirthDate", pa.string()),
        # Gender as the year writes it: GenderCurrent 1/2/0/9 to 2024, Sex M/F/U from 2025.
        ("Gender", pa.string()),
        ("PersonDeathDate", pa.string()),
        ("Ethnicity", pa.string()),
        # Only in the NPD extract (2008/09-2009/10), never in the XML: an unaccompanied
        # asylum seeker at some point in the year, and the date that ended, if in the year.
        ("AsylumSeeking", pa.string()),
        ("DateCeasedAsylumSeeking", pa.string()),
    ]
)

DISABILITY = pa.schema([*_KEY, ("disability_pos", pa.int16()), ("Disability", pa.string())])

CIN_DETAILS = pa.schema(
    [
        *_KEY,
        ("cin_details_pos", pa.int16()),
        ("episode_id", pa.int64()),  # truth: the episode behind the record (never written)
        ("record_id", pa.int64()),  # truth: the LA's record (a phantom has its own)
        ("is_phantom", pa.bool_()),  # truth: a re-referral of an open case recorded as new
        ("CINreferralDate", pa.string()),
        ("ReferralSource", pa.string()),
        ("PrimaryNeedCode", pa.string()),
        ("CINclosureDate", pa.string()),
        ("ReasonForClosure", pa.string()),
        ("DateOfInitialCPC", pa.string()),
        ("ReferralNFA", pa.string()),
    ]
)

_EPISODE_KEY = [*_KEY, ("cin_details_pos", pa.int16())]

ASSESSMENT = pa.schema(
    [
        *_EPISODE_KEY,
        ("assessment_pos", pa.int16()),
        ("AssessmentActualStartDate", pa.string()),
        ("AssessmentInternalReviewDate", pa.string()),
        ("AssessmentAuthorisationDate", pa.string()),
    ]
)

ASSESSMENT_FACTOR = pa.schema(
    [
        *_EPISODE_KEY,
        ("assessment_pos", pa.int16()),
        ("factor_pos", pa.int16()),
        ("AssessmentFactors", pa.string()),
    ]
)

CIN_PLAN_DATES = pa.schema(
    [
        *_EPISODE_KEY,
        ("cin_plan_pos", pa.int16()),
        ("CINPlanStartDate", pa.string()),
        ("CINPlanEndDate", pa.string()),
    ]
)

SECTION47 = pa.schema(
    [
        *_EPISODE_KEY,
        ("s47_pos", pa.int16()),
        ("S47ActualStartDate", pa.string()),
        ("InitialCPCtarget", pa.string()),
        ("DateOfInitialCPC", pa.string()),
        ("ICPCnotRequired", pa.string()),
    ]
)

CPP = pa.schema(
    [
        *_EPISODE_KEY,
        ("cpp_pos", pa.int16()),
        ("cpp_id", pa.int64()),  # truth: the plan behind the record (never written)
        ("CPPstartDate", pa.string()),
        ("CPPendDate", pa.string()),
        ("InitialCategoryOfAbuse", pa.string()),
        ("LatestCategoryOfAbuse", pa.string()),
        ("NumberOfPreviousCPP", pa.string()),
    ]
)

CPP_REVIEW = pa.schema(
    [
        *_EPISODE_KEY,
        ("cpp_pos", pa.int16()),
        ("review_pos", pa.int16()),
        ("CPPreviewDate", pa.string()),
    ]
)

# The 2008/09 service provision record (module 5): only in the NPD extract of that year.
SERVICE_PROVISION = pa.schema(
    [
        *_EPISODE_KEY,
        ("service_pos", pa.int16()),
        ("ServiceType", pa.string()),
        ("ServiceProvider", pa.string()),
        ("ServiceProvisionStartDate", pa.string()),
        ("ServiceProvisionEndDate", pa.string()),
    ]
)

# Header of each LA's return (one row per LA and census year).
HEADER = pa.schema(
    [
        ("census_year", pa.int16()),
        ("la_code", pa.string()),
        ("ReferenceDate", pa.string()),
        ("SoftwareCode", pa.string()),
        ("Release", pa.string()),
        ("SerialNo", pa.string()),
        ("DateTime", pa.string()),
    ]
)

MODULES: dict[str, pa.Schema] = {
    "header": HEADER,
    "child": CHILD,
    "disability": DISABILITY,
    "cin_details": CIN_DETAILS,
    "assessment": ASSESSMENT,
    "assessment_factor": ASSESSMENT_FACTOR,
    "cin_plan_dates": CIN_PLAN_DATES,
    "section47": SECTION47,
    "cpp": CPP,
    "cpp_review": CPP_REVIEW,
    "service_provision": SERVICE_PROVISION,
}


def child_key(table: pa.Table, las: pa.Array) -> np.ndarray:
    """One int64 per row's child (la_code, child_pos): the LA's position in `las` (-1: an
    LA not in it) in the high 32 bits, child_pos in the low."""
    la = pc.fill_null(pc.index_in(table["la_code"], value_set=las), -1)
    return (la.to_numpy().astype(np.int64) << 32) + table["child_pos"].to_numpy()


def child_rows(child: pa.Table, rows: pa.Table) -> np.ndarray:
    """Each row of `rows` (a table of the returns keyed by la_code and child_pos) as its
    child's row in `child`: the truth and the disabilities file take the child's columns
    by it instead of joining in DuckDB. Every row has its child (the returns are built so);
    a row without one is refused."""

    las = pc.unique(child["la_code"])
    child_keys, wanted = child_key(child, las), child_key(rows, las)
    by_key = np.argsort(child_keys, kind="stable")
    found = np.searchsorted(child_keys[by_key], wanted)
    found = np.minimum(found, max(len(child_keys) - 1, 0))
    if len(wanted) and (
        not len(child_keys) or not np.array_equal(child_keys[by_key][found], wanted)
    ):
        raise ValueError("a row of the returns has no child record")
    return by_key[found]
