"""The LA census return (XML) as the loader knows it: modules, their keys and value elements.

Element names are exact (docs/cin_census.md §3a, the DfE schemas 2017-2026). Position keys are named
as in `cin_warehouse.synth.returns`, so raw tables line up with the generator's returns.
An element at a path not listed here is unknown: it lands in `raw.xml_unknown_elements`.
"""

from __future__ import annotations

from dataclasses import dataclass

CHILD_PATH = ("Message", "Children", "Child")


@dataclass(frozen=True)
class Module:
    name: str  # table raw.xml_<name>
    path: tuple[str, ...]  # element that starts one row
    position: str | None  # its position key (None: one row per file)
    parent: str | None  # enclosing module (whose keys the row inherits)
    # value columns: column name -> path relative to the module element;
    # () means the module element's own text (leaf modules such as Disability)
    values: dict[str, tuple[str, ...]]

    @property
    def table(self) -> str:
        return f"raw.xml_{self.name}"


_CIN = (*CHILD_PATH, "CINdetails")
_CPP = (*_CIN, "ChildProtectionPlans")
_ASSESSMENT = (*_CIN, "Assessments")

MODULES: tuple[Module, ...] = (
    Module(
        "header",
        ("Message", "Header"),
        None,
        None,
        {
            "Collection": ("CollectionDetails", "Collection"),
            "Year": ("CollectionDetails", "Year"),
            "ReferenceDate": ("CollectionDetails", "ReferenceDate"),
            "SourceLevel": ("Source", "SourceLevel"),
            "LEA": ("Source", "LEA"),
            "SoftwareCode": ("Source", "SoftwareCode"),
            "Release": ("Source", "Release"),
            "SerialNo": ("Source", "SerialNo"),
            "DateTime": ("Source", "DateTime"),
        },
    ),
    Module(
        "child",
        CHILD_PATH,
        "child_pos",
        None,
        {
            **{
                name: ("ChildIdentifiers", name)
                for name in (
                    "LAchildID",
                    "UPN",
                    "FormerUPN",
                    "UPNunknown",
                    "PersonBirthDate",
                    "ExpectedPersonBirthDate",
                    # GenderCurrent to 2024, Sex from 2025: both kept, as delivered.
                    "GenderCurrent",
                    "Sex",
                    "PersonDeathDate",
                )
            },
            "Ethnicity": ("ChildCharacteristics", "Ethnicity"),
        },
    ),
    Module(
        "disability",
        (*CHILD_PATH, "ChildCharacteristics", "Disabilities", "Disability"),
        "disability_pos",
        "child",
        {"Disability": ()},
    ),
    Module(
        "cin_details",
        _CIN,
        "cin_details_pos",
        "child",
        {
            name: (name,)
            for name in (
                "CINreferralDate",
                "ReferralSource",
                "PrimaryNeedCode",
                "CINclosureDate",
                "ReasonForClosure",
                "DateOfInitialCPC",
                "ReferralNFA",
            )
        },
    ),
    Module(
        "assessment",
        _ASSESSMENT,
        "assessment_pos",
        "cin_details",
        {
            name: (name,)
            for name in (
                "AssessmentActualStartDate",
                "AssessmentInternalReviewDate",
                "AssessmentAuthorisationDate",
            )
        },
    ),
    Module(
        "assessment_factor",
        (*_ASSESSMENT, "FactorsIdentifiedAtAssessment", "AssessmentFactors"),
        "factor_pos",
        "assessment",
        {"AssessmentFactors": ()},
    ),
    Module(
        "cin_plan_dates",
        (*_CIN, "CINPlanDates"),
        "cin_plan_pos",
        "cin_details",
        {"CINPlanStartDate": ("CINPlanStartDate",), "CINPlanEndDate": ("CINPlanEndDate",)},
    ),
    Module(
        "section47",
        (*_CIN, "Section47"),
        "s47_pos",
        "cin_details",
        {
            name: (name,)
            for name in (
                "S47ActualStartDate",
                "InitialCPCtarget",
                "DateOfInitialCPC",
                "ICPCnotRequired",
            )
        },
    ),
    Module(
        "cpp",
        _CPP,
        "cpp_pos",
        "cin_details",
        {
            name: (name,)
            for name in (
                "CPPstartDate",
                "CPPendDate",
                "InitialCategoryOfAbuse",
                "LatestCategoryOfAbuse",
                "NumberOfPreviousCPP",
            )
        },
    ),
    Module(
        "cpp_review",
        (*_CPP, "Reviews", "CPPreviewDate"),
        "review_pos",
        "cpp",
        {"CPPreviewDate": ()},
    ),
)

MODULES_BY_NAME = {module.name: module for module in MODULES}

# Containers that carry no value of their own: known, but not rows.
STRUCTURAL_PATHS: frozenset[tuple[str, ...]] = frozenset(
    {
        ("Message",),
        ("Message", "Header", "CollectionDetails"),
        ("Message", "Header", "Source"),
        ("Message", "Children"),
        (*CHILD_PATH, "ChildIdentifiers"),
        (*CHILD_PATH, "ChildCharacteristics"),
        (*CHILD_PATH, "ChildCharacteristics", "Disabilities"),
        (*_ASSESSMENT, "FactorsIdentifiedAtAssessment"),
        (*_CPP, "Reviews"),
    }
)


def key_columns(module: Module) -> list[str]:
    """Position keys of a module's rows: its ancestors' keys, then its own."""
    keys: list[str] = []
    current: Module | None = module
    while current is not None:
        if current.position is not None:
            keys.insert(0, current.position)
        current = MODULES_BY_NAME[current.parent] if current.parent else None
    return keys


PROVENANCE = {
    "_load_id": "varchar",
    "_source_file": "varchar",
    "_line_number": "bigint",
    "_census_year": "integer",
    "_la_code": "varchar",
}

UNKNOWN_TABLE = "raw.xml_unknown_elements"
# Unknown elements keep the keys of the nearest known rows, so they can be attached back.
UNKNOWN_KEYS = ("child_pos", "cin_details_pos")
