"""The LA census return XML writer: schema-valid files for 2017-2026 that carry the returns
exactly (values, absences, nesting, order) and nothing else.

The returns are built by hand here, rows deliberately out of position order and positions
with gaps, so the writer has to sort. Files are read back with plain lxml and checked with
`xmlschema`, neither of which the writer uses for writing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
import xmlschema
from lxml import etree

from cin_warehouse.synth import returns as rs
from cin_warehouse.synth import xml_writer

YEARS = range(2017, 2027)
XSD_DIR = xml_writer.default_xsd_dir()
TRUTH_IDS = {"person_id", "episode_id", "cpp_id"}
# Truth ids chosen so that any leak is visible as text in the file.
PERSON_IDS = [7_770_001_001, 7_770_001_002, 7_770_001_003, 7_770_001_004]
EPISODE_IDS = [7_770_002_001, 7_770_002_002, 7_770_002_003, 7_770_002_004, 7_770_002_005]
CPP_IDS = [7_770_003_001, 7_770_003_002]

Row = dict[str, Any]


def gender(census_year: int, old: str) -> str:
    """The same person's gender as each year writes it (GenderCurrent 1/2/0/9, Sex M/F/U)."""
    return old if census_year < 2025 else {"1": "M", "2": "F", "0": "U", "9": "U"}[old]


def sample_rows(census_year: int) -> dict[str, list[Row]]:
    """Two LAs with children; a third LA with a header but no children."""
    y = census_year

    def key(la: str, child: int, **more: int) -> Row:
        return {"census_year": y, "la_code": la, "child_pos": child, **more}

    header = [
        {
            "census_year": y,
            "la_code": la,
            "ReferenceDate": f"{y}-03-31",
            "SoftwareCode": "Synth CIN & <Co>\r",
            "Release": release,
            "SerialNo": serial,
            "DateTime": f"{y}-05-01T09:30:00",
        }
        for la, release, serial in [("938", "2.1", "0042"), ("202", "", "001"), ("330", None, None)]
    ]
    child = [
        {
            **key("202", 5),
            "person_id": PERSON_IDS[0],
            "LAchildID": "C&<1>",
            "UPN": "A12345678901B",
            "FormerUPN": "B12345678901C",
            "UPNunknown": None,
            "PersonBirthDate": "2010-05-04",
            "ExpectedPersonBirthDate": None,
            "Gender": gender(y, "1"),
            "PersonDeathDate": f"{y}-01-02",
            "Ethnicity": "WBRI",
        },
        {
            **key("202", 2),
            "person_id": PERSON_IDS[1],
            "LAchildID": "Zoë-2\r",  # a parser would turn a raw CR into LF
            "UPN": None,
            "FormerUPN": None,
            "UPNunknown": "UN1",
            "PersonBirthDate": None,
            "ExpectedPersonBirthDate": f"{y}-06-01",
            "Gender": gender(y, "0"),
            "PersonDeathDate": None,
            "Ethnicity": "NOBT",
        },
        {
            **key("938", 1),
            "person_id": PERSON_IDS[2],
            "LAchildID": "C&<1>",  # the same ID in another LA is another child
            "UPN": "A99999999999Z",
            "FormerUPN": None,
            "UPNunknown": None,
            "PersonBirthDate": "2005-12-31",
            "ExpectedPersonBirthDate": None,
            "Gender": gender(y, "2"),
            "PersonDeathDate": None,
            "Ethnicity": "AIND",
        },
        {
            **key("202", 9),
            "person_id": PERSON_IDS[3],
            "LAchildID": "",  # present but empty: not the same as absent
            "UPN": None,
            "FormerUPN": None,
            "UPNunknown": "UN5",
            "PersonBirthDate": "2012-02-29",
            "ExpectedPersonBirthDate": None,
            "Gender": gender(y, "9"),
            "PersonDeathDate": None,
            "Ethnicity": "MOTH",
        },
    ]
    disability = [
        {**key("202", 5, disability_pos=7), "Disability": "HAND"},
        {**key("202", 5, disability_pos=2), "Disability": "MOB"},
        {**key("938", 1, disability_pos=1), "Disability": "NONE"},
        {**key("202", 9, disability_pos=1), "Disability": "AUT"},
    ]
    cin = {
        "ReferralSource": "1A",
        "PrimaryNeedCode": "N1",
        "CINclosureDate": None,
        "ReasonForClosure": None,
        "DateOfInitialCPC": None,
        "ReferralNFA": "0",
    }
    cin_details = [
        {
            **key("202", 5, cin_details_pos=3),
            **cin,
            "episode_id": EPISODE_IDS[0],
            "CINreferralDate": f"{y - 1}-05-10",
            "ReferralSource": "5A",
            "CINclosureDate": f"{y - 1}-12-01",
            "ReasonForClosure": "RC7",
            "DateOfInitialCPC": f"{y - 1}-06-20",
        },
        {
            **key("202", 5, cin_details_pos=1),
            **cin,
            "episode_id": EPISODE_IDS[1],
            "CINreferralDate": f"{y - 2}-01-15",
            "PrimaryNeedCode": None,
            "CINclosureDate": f"{y - 2}-01-16",
            "ReasonForClosure": "RC8",
            "ReferralNFA": "1",
        },
        {
            **key("202", 2, cin_details_pos=1),
            **cin,
            "episode_id": EPISODE_IDS[2],
            "CINreferralDate": f"{y - 1}-11-11",
            "ReferralSource": "3B",
            "PrimaryNeedCode": "N2",
        },
        {
            **key("938", 1, cin_details_pos=1),
            **cin,
            "episode_id": EPISODE_IDS[3],
            "CINreferralDate": f"{y - 1}-04-01",
            "ReferralSource": "6",
            "PrimaryNeedCode": "N5",
        },
        {
            **key("202", 9, cin_details_pos=2),
            **cin,
            "episode_id": EPISODE_IDS[4],
            "CINreferralDate": f"{y - 1}-09-09",
            "ReferralSource": "10",
            "PrimaryNeedCode": "N0",
        },
    ]
    episode = {"cin_details_pos": 3}
    assessment = [
        {
            **key("202", 5, **episode, assessment_pos=4),
            "AssessmentActualStartDate": f"{y - 1}-07-01",
            "AssessmentInternalReviewDate": None,
            "AssessmentAuthorisationDate": None,
        },
        {
            **key("202", 5, **episode, assessment_pos=1),
            "AssessmentActualStartDate": f"{y - 1}-05-11",
            "AssessmentInternalReviewDate": f"{y - 1}-05-30",
            "AssessmentAuthorisationDate": f"{y - 1}-06-10",
        },
        {
            **key("938", 1, cin_details_pos=1, assessment_pos=1),
            "AssessmentActualStartDate": f"{y - 1}-04-02",
            "AssessmentInternalReviewDate": None,
            "AssessmentAuthorisationDate": f"{y - 1}-05-02",
        },
    ]
    assessment_factor = [
        {**key("202", 5, **episode, assessment_pos=1, factor_pos=9), "AssessmentFactors": "16A"},
        {**key("202", 5, **episode, assessment_pos=1, factor_pos=2), "AssessmentFactors": "3B"},
        {**key("202", 5, **episode, assessment_pos=1, factor_pos=5), "AssessmentFactors": "4B"},
        {
            **key("938", 1, cin_details_pos=1, assessment_pos=1, factor_pos=1),
            "AssessmentFactors": "21",
        },
    ]
    cin_plan_dates = []
    if census_year >= 2022:
        cin_plan_dates = [
            {
                **key("202", 5, **episode, cin_plan_pos=2),
                "CINPlanStartDate": f"{y - 1}-11-01",
                "CINPlanEndDate": None,
            },
            {
                **key("202", 5, **episode, cin_plan_pos=1),
                "CINPlanStartDate": f"{y - 1}-06-11",
                "CINPlanEndDate": f"{y - 1}-06-19",
            },
            {
                **key("202", 2, cin_details_pos=1, cin_plan_pos=1),
                "CINPlanStartDate": f"{y - 1}-12-01",
                "CINPlanEndDate": None,
            },
        ]
    section47 = [
        {
            **key("202", 5, **episode, s47_pos=8),
            "S47ActualStartDate": f"{y - 1}-10-01",
            "InitialCPCtarget": None,
            "DateOfInitialCPC": None,
            "ICPCnotRequired": "1",
        },
        {
            **key("202", 5, **episode, s47_pos=3),
            "S47ActualStartDate": f"{y - 1}-06-05",
            "InitialCPCtarget": f"{y - 1}-06-19",
            "DateOfInitialCPC": f"{y - 1}-06-20",
            "ICPCnotRequired": "0",
        },
    ]
    cpp = [
        {
            **key("202", 5, **episode, cpp_pos=2),
            "cpp_id": CPP_IDS[0],
            "CPPstartDate": f"{y - 1}-11-20",
            "CPPendDate": None,
            "InitialCategoryOfAbuse": "EMO",
            "LatestCategoryOfAbuse": "EMO",
            "NumberOfPreviousCPP": "1",
        },
        {
            **key("202", 5, **episode, cpp_pos=1),
            "cpp_id": CPP_IDS[1],
            "CPPstartDate": f"{y - 1}-06-20",
            "CPPendDate": f"{y - 1}-10-30",
            "InitialCategoryOfAbuse": "NEG",
            "LatestCategoryOfAbuse": "PHY",
            "NumberOfPreviousCPP": "0",
        },
    ]
    cpp_review = [
        {**key("202", 5, **episode, cpp_pos=1, review_pos=6), "CPPreviewDate": f"{y - 1}-10-20"},
        {**key("202", 5, **episode, cpp_pos=1, review_pos=2), "CPPreviewDate": f"{y - 1}-09-19"},
    ]
    return {
        "header": header,
        "child": child,
        "disability": disability,
        "cin_details": cin_details,
        "assessment": assessment,
        "assessment_factor": assessment_factor,
        "cin_plan_dates": cin_plan_dates,
        "section47": section47,
        "cpp": cpp,
        "cpp_review": cpp_review,
        # NPD-only (2008/09): every column but the keys is a leak marker, never written.
        "service_provision": [key("202", 5, **episode, service_pos=1)],
    }


def leak_marker(field: pa.Field, n: int) -> Any:
    """A recognisable value for a truth column the sample does not fill (returns.py may grow
    more of them): any of these in a file is a leak."""
    if pa.types.is_integer(field.type):
        return 7_770_900_000 + n
    if pa.types.is_boolean(field.type):
        return True
    return f"TRUTH-LEAK-{n}"


def to_tables(rows: dict[str, list[Row]], shuffle_seed: int | None = None) -> dict[str, pa.Table]:
    """Tables in the returns schema; optionally rows shuffled and split into several chunks.
    Columns the sample leaves out (truth only) get `leak_marker` values."""
    tables = {}
    n = 0
    for name, schema in rs.MODULES.items():
        module_rows = [dict(row) for row in rows[name]]
        for row in module_rows:
            for field in schema:
                if field.name not in row:
                    n += 1
                    row[field.name] = leak_marker(field, n)
        if shuffle_seed is not None:
            random.Random(shuffle_seed).shuffle(module_rows)
        table = pa.Table.from_pylist(module_rows, schema=schema)
        if shuffle_seed is not None and table.num_rows > 1:
            half = table.num_rows // 2
            table = pa.concat_tables([table.slice(0, half), table.slice(half)])
        tables[name] = table
    return tables


@pytest.fixture(scope="module")
def schemas() -> dict[int, xmlschema.XMLSchema]:
    return {year: xmlschema.XMLSchema(str(XSD_DIR / f"CIN_schema_{year}.xsd")) for year in YEARS}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[int, list[Path]]:
    out = tmp_path_factory.mktemp("world")
    return {
        year: xml_writer.write_xml_returns(to_tables(sample_rows(year)), out, year)
        for year in YEARS
    }


# --- reading back, independently of the writer --------------------------------------------


def text(element: etree._Element) -> str:
    return element.text or ""


def leaves(element: etree._Element, names: list[str]) -> Row:
    """Leaf values by element name; None for an absent element."""
    found = {child.tag: text(child) for child in element if len(child) == 0}
    return {name: found.get(name) for name in names}


def read_back(path: Path) -> dict[str, dict[tuple, Row]]:
    """Every value in a file, per module, keyed by LA and 0-based positions in the file."""
    root = etree.parse(str(path)).getroot()
    la = root.findtext("Header/Source/LEA")
    out: dict[str, dict[tuple, Row]] = defaultdict(dict)
    out["header"][(la,)] = {
        **leaves(root.find("Header/CollectionDetails"), ["Collection", "Year", "ReferenceDate"]),
        **leaves(
            root.find("Header/Source"),
            ["SourceLevel", "SoftwareCode", "Release", "SerialNo", "DateTime"],
        ),
    }
    for c, child in enumerate(root.iterfind("Children/Child")):
        ids = child.find("ChildIdentifiers")
        gender_tags = [e.tag for e in ids if e.tag in ("GenderCurrent", "Sex")]
        row = leaves(ids, [*CHILD_IDENTIFIERS, *gender_tags])
        row["Gender"] = row.pop(gender_tags[0]) if gender_tags else None
        row["Ethnicity"] = child.findtext("ChildCharacteristics/Ethnicity")
        out["child"][(la, c)] = row
        for d, e in enumerate(child.iterfind("ChildCharacteristics/Disabilities/Disability")):
            out["disability"][(la, c, d)] = {"Disability": text(e)}
        for e, cin in enumerate(child.iterfind("CINdetails")):
            out["cin_details"][(la, c, e)] = leaves(cin, CIN_LEAVES)
            read_episode(out, cin, (la, c, e))
    return out


def read_episode(out: dict[str, dict[tuple, Row]], cin: etree._Element, k: tuple) -> None:
    for a, ass in enumerate(cin.iterfind("Assessments")):
        out["assessment"][(*k, a)] = leaves(ass, ASSESSMENT_LEAVES)
        for f, e in enumerate(ass.iterfind("FactorsIdentifiedAtAssessment/AssessmentFactors")):
            out["assessment_factor"][(*k, a, f)] = {"AssessmentFactors": text(e)}
    for p, plan in enumerate(cin.iterfind("CINPlanDates")):
        out["cin_plan_dates"][(*k, p)] = leaves(plan, ["CINPlanStartDate", "CINPlanEndDate"])
    for s, s47 in enumerate(cin.iterfind("Section47")):
        out["section47"][(*k, s)] = leaves(s47, S47_LEAVES)
    for p, plan in enumerate(cin.iterfind("ChildProtectionPlans")):
        out["cpp"][(*k, p)] = leaves(plan, CPP_LEAVES)
        for r, e in enumerate(plan.iterfind("Reviews/CPPreviewDate")):
            out["cpp_review"][(*k, p, r)] = {"CPPreviewDate": text(e)}


CHILD_IDENTIFIERS = [
    "LAchildID",
    "UPN",
    "FormerUPN",
    "UPNunknown",
    "PersonBirthDate",
    "ExpectedPersonBirthDate",
    "PersonDeathDate",
]
CIN_LEAVES = [
    "CINreferralDate",
    "ReferralSource",
    "PrimaryNeedCode",
    "CINclosureDate",
    "ReasonForClosure",
    "DateOfInitialCPC",
    "ReferralNFA",
]
ASSESSMENT_LEAVES = [
    "AssessmentActualStartDate",
    "AssessmentInternalReviewDate",
    "AssessmentAuthorisationDate",
]
S47_LEAVES = ["S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"]
CPP_LEAVES = [
    "CPPstartDate",
    "CPPendDate",
    "InitialCategoryOfAbuse",
    "LatestCategoryOfAbuse",
    "NumberOfPreviousCPP",
]
PARENT = {
    "disability": "child",
    "cin_details": "child",
    "assessment": "cin_details",
    "assessment_factor": "assessment",
    "cin_plan_dates": "cin_details",
    "section47": "cin_details",
    "cpp": "cin_details",
    "cpp_review": "cpp",
}
POSITIONS = {
    "child": ["child_pos"],
    "disability": ["child_pos", "disability_pos"],
    "cin_details": ["child_pos", "cin_details_pos"],
    "assessment": ["child_pos", "cin_details_pos", "assessment_pos"],
    "assessment_factor": ["child_pos", "cin_details_pos", "assessment_pos", "factor_pos"],
    "cin_plan_dates": ["child_pos", "cin_details_pos", "cin_plan_pos"],
    "section47": ["child_pos", "cin_details_pos", "s47_pos"],
    "cpp": ["child_pos", "cin_details_pos", "cpp_pos"],
    "cpp_review": ["child_pos", "cin_details_pos", "cpp_pos", "review_pos"],
}


def expected(rows: dict[str, list[Row]], la_codes: set[str]) -> dict[str, dict[tuple, Row]]:
    """The input rows keyed like `read_back`: positions replaced by 0-based ranks among
    siblings, truth and key columns dropped."""
    out: dict[str, dict[tuple, Row]] = defaultdict(dict)
    ranks: dict[str, dict[tuple, tuple]] = {}  # module -> (la, *positions) -> (la, *ranks)
    for name, positions in POSITIONS.items():  # parents come before their children
        siblings: dict[tuple, list[int]] = defaultdict(list)
        for row in rows[name]:
            siblings[(row["la_code"], *(row[p] for p in positions[:-1]))].append(row[positions[-1]])
        ranks[name] = {}
        for row in rows[name]:
            parent = (row["la_code"], *(row[p] for p in positions[:-1]))
            parent_rank = ranks[PARENT[name]][parent] if name in PARENT else parent
            rank = (*parent_rank, sorted(siblings[parent]).index(row[positions[-1]]))
            ranks[name][(*parent, row[positions[-1]])] = rank
            if row["la_code"] in la_codes:
                out[name][rank] = {
                    k: v
                    for k, v in row.items()
                    if k not in {"census_year", "la_code", *positions, *TRUTH_IDS}
                }
    for row in rows["header"]:
        if row["la_code"] in la_codes:
            out["header"][(row["la_code"],)] = {
                "Collection": "CIN",
                "Year": str(row["census_year"]),
                "ReferenceDate": row["ReferenceDate"],
                "SourceLevel": "L",
                "SoftwareCode": row["SoftwareCode"],
                "Release": row["Release"],
                "SerialNo": row["SerialNo"],
                "DateTime": row["DateTime"],
            }
    return out


# --- tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("year", YEARS)
def test_files_named_by_year_and_la(written: dict[int, list[Path]], year: int) -> None:
    # LA 330 has a header and no children: a return needs at least one Child, so no file.
    assert [p.name for p in written[year]] == [f"CIN_{year}_202.xml", f"CIN_{year}_938.xml"]
    assert all(p.parent.parts[-2:] == ("xml", str(year)) for p in written[year])


@pytest.mark.parametrize("year", YEARS)
def test_every_file_validates_against_its_years_xsd(
    written: dict[int, list[Path]], schemas: dict[int, xmlschema.XMLSchema], year: int
) -> None:
    for path in written[year]:
        errors = list(schemas[year].iter_errors(str(path)))
        assert not errors, f"{path}: {errors[0]}"
        assert xml_writer.validate_xml_return(path, xsd_dir=XSD_DIR) == []


@pytest.mark.parametrize("year", YEARS)
def test_round_trip_recovers_values_absences_and_nesting(
    written: dict[int, list[Path]], year: int
) -> None:
    got: dict[str, dict[tuple, Row]] = defaultdict(dict)
    for path in written[year]:
        for name, rows in read_back(path).items():
            got[name].update(rows)
    want = expected(sample_rows(year), {"202", "938"})
    # The sample exercises every module (CIN plan dates only where the year has them).
    assert all(want[name] for name in ["header", *POSITIONS] if name != "cin_plan_dates")
    assert bool(want["cin_plan_dates"]) == (year >= 2022)
    for name in ["header", *POSITIONS]:
        assert got[name] == want[name], name


@pytest.mark.parametrize("year", YEARS)
def test_gender_element_by_year(written: dict[int, list[Path]], year: int) -> None:
    root = etree.parse(str(written[year][0])).getroot()
    ids = root.findall("Children/Child/ChildIdentifiers")
    tags = {e.tag for i in ids for e in i if e.tag in ("GenderCurrent", "Sex")}
    assert tags == ({"GenderCurrent"} if year <= 2024 else {"Sex"})
    assert all(i.find("GenderCurrent" if year <= 2024 else "Sex") is not None for i in ids)


@pytest.mark.parametrize("year", YEARS)
def test_cin_plan_dates_only_from_2022(written: dict[int, list[Path]], year: int) -> None:
    plans = etree.parse(str(written[year][0])).getroot().findall(".//CINPlanDates")
    assert len(plans) == (3 if year >= 2022 else 0)


def test_cin_plan_dates_refused_before_2022(tmp_path: Path) -> None:
    rows = sample_rows(2021)
    rows["cin_plan_dates"] = sample_rows(2022)["cin_plan_dates"]
    for row in rows["cin_plan_dates"]:
        row["census_year"] = 2021
    with pytest.raises(ValueError, match="CINPlanDates"):
        xml_writer.write_xml_returns(to_tables(rows), tmp_path, 2021)


@pytest.mark.parametrize("year", [2021, 2022, 2025])
def test_element_order_is_the_xsds(written: dict[int, list[Path]], year: int) -> None:
    root = etree.parse(str(written[year][0])).getroot()  # LA 202
    tags = [[e.tag for e in el] for el in (root, root.find("Header"))]
    assert tags == [["Header", "Children"], ["CollectionDetails", "Source"]]
    assert [e.tag for e in root.find("Header/CollectionDetails")] == [
        "Collection",
        "Year",
        "ReferenceDate",
    ]
    assert [e.tag for e in root.find("Header/Source")] == [
        "SourceLevel",
        "LEA",
        "SoftwareCode",
        "Release",
        "SerialNo",
        "DateTime",
    ]
    first = root.findall("Children/Child")[1]  # child_pos 5 (children at positions 2, 5, 9)
    assert [e.tag for e in first] == ["ChildIdentifiers", "ChildCharacteristics"] + [
        "CINdetails"
    ] * 2
    gender_tag = "GenderCurrent" if year <= 2024 else "Sex"
    assert [e.tag for e in first.find("ChildIdentifiers")] == [
        "LAchildID",
        "UPN",
        "FormerUPN",
        "PersonBirthDate",
        gender_tag,
        "PersonDeathDate",
    ]
    assert [e.tag for e in first.find("ChildCharacteristics")] == ["Ethnicity", "Disabilities"]
    full = first.findall("CINdetails")[1]  # position 3: the episode with every module
    plans = ["CINPlanDates"] * 2 if year >= 2022 else []
    assert [e.tag for e in full] == [
        "CINreferralDate",
        "ReferralSource",
        "PrimaryNeedCode",
        "CINclosureDate",
        "ReasonForClosure",
        "DateOfInitialCPC",
        "Assessments",
        "Assessments",
        *plans,
        "Section47",
        "Section47",
        "ReferralNFA",
        "ChildProtectionPlans",
        "ChildProtectionPlans",
    ]
    assessment = full.find("Assessments")
    assert [e.tag for e in assessment] == [*ASSESSMENT_LEAVES, "FactorsIdentifiedAtAssessment"]
    assert [e.tag for e in full.find("Section47")] == S47_LEAVES
    assert [e.tag for e in full.find("ChildProtectionPlans")] == [*CPP_LEAVES, "Reviews"]
    # Siblings come in position order, not row order: positions 2, 5, 9 -> 3B, 4B, 16A.
    factors = [e.text for e in assessment.iterfind("FactorsIdentifiedAtAssessment/*")]
    assert factors == ["3B", "4B", "16A"]


def test_empty_containers_are_left_out(written: dict[int, list[Path]]) -> None:
    root = etree.parse(str(written[2022][0])).getroot()
    for container in ("Disabilities", "FactorsIdentifiedAtAssessment", "Reviews"):
        assert all(len(e) > 0 for e in root.iter(container)), container
    unborn = root.findall("Children/Child")[0]  # child_pos 2
    assert unborn.find("ChildCharacteristics/Disabilities") is None


def test_truth_columns_never_written(written: dict[int, list[Path]]) -> None:
    for paths in written.values():
        for path in paths:
            data = path.read_bytes()
            for value in PERSON_IDS + EPISODE_IDS + CPP_IDS:
                assert str(value).encode() not in data
            assert b"TRUTH-LEAK" not in data and b"77709" not in data
            tags = {e.tag for e in etree.parse(str(path)).iter()}
            assert not tags & (TRUTH_IDS | {"Gender", "child_pos", "la_code", "census_year"})


def test_same_input_same_bytes_whatever_the_row_order(tmp_path: Path) -> None:
    rows = sample_rows(2023)
    first = xml_writer.write_xml_returns(to_tables(rows), tmp_path / "a", 2023)
    second = xml_writer.write_xml_returns(to_tables(rows, shuffle_seed=3), tmp_path / "b", 2023)
    # One LA per query instead of all LAs in one: the same files.
    third = xml_writer.write_xml_returns(to_tables(rows), tmp_path / "c", 2023, batch_rows=1)
    assert [p.name for p in first] == [p.name for p in second] == [p.name for p in third]
    for a, b, c in zip(first, second, third, strict=True):
        assert a.read_bytes() == b.read_bytes() == c.read_bytes()
    assert not list(tmp_path.rglob("*.part"))


def test_special_characters_survive(written: dict[int, list[Path]]) -> None:
    data = written[2020][0].read_bytes()
    assert b"<LAchildID>C&amp;&lt;1&gt;</LAchildID>" in data
    assert "<LAchildID>Zoë-2&#13;</LAchildID>".encode() in data
    assert b"<LAchildID></LAchildID>" in data
    assert b"<SoftwareCode>Synth CIN &amp; &lt;Co&gt;&#13;</SoftwareCode>" in data
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n  <Header>\n')


def test_validator_reports_schema_errors(written: dict[int, list[Path]], tmp_path: Path) -> None:
    bad = tmp_path / "CIN_2025_202.xml"
    bad.write_bytes(
        written[2025][0].read_bytes().replace(b"<Sex>M</Sex>", b"<GenderCurrent>1</GenderCurrent>")
    )
    errors = xml_writer.validate_xml_return(bad, xsd_dir=XSD_DIR)
    assert errors and "GenderCurrent" in errors[0] and f"{bad}:" in errors[0]
    # A 2024 file is not a 2025 file: the year chosen decides the schema.
    assert xml_writer.validate_xml_return(written[2024][0], 2025, XSD_DIR)
    assert xml_writer.XsdValidator(XSD_DIR).errors(written[2024][0]) == []


def break_rows(year: int, change: str) -> dict[str, list[Row]]:
    rows = sample_rows(year)
    if change == "orphan":
        rows["assessment"][0]["cin_details_pos"] = 99
    elif change == "duplicate":
        rows["disability"][0]["disability_pos"] = 2
    elif change == "year":
        rows["cpp"][0]["census_year"] = year - 1
    elif change == "no header":
        rows["header"] = [h for h in rows["header"] if h["la_code"] != "938"]
    elif change == "control character":
        rows["child"][0]["LAchildID"] = "C\x07"
    elif change == "null key":
        rows["section47"][0]["s47_pos"] = None
    return rows


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("orphan", "no cin_details row"),
        ("duplicate", "repeats the key"),
        ("year", "census_year 2022"),
        ("no header", "no header row"),
        ("control character", "character XML cannot carry"),
        ("null key", "NULL key"),
    ],
)
def test_ambiguous_or_lossy_returns_are_refused(tmp_path: Path, change: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        xml_writer.write_xml_returns(to_tables(break_rows(2023, change)), tmp_path, 2023)
    assert not list(tmp_path.rglob("*.xml"))


def test_years_without_a_schema_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="2017-2026"):
        xml_writer.write_xml_returns(to_tables(sample_rows(2016)), tmp_path, 2016)


def test_missing_modules_count_as_empty(tmp_path: Path) -> None:
    rows = sample_rows(2019)
    tables = {k: v for k, v in to_tables(rows).items() if k in ("header", "child", "cin_details")}
    paths = xml_writer.write_xml_returns(tables, tmp_path, 2019)
    assert [xml_writer.validate_xml_return(p, xsd_dir=XSD_DIR) for p in paths] == [[], []]
    root = etree.parse(str(paths[0])).getroot()
    assert root.find(".//Assessments") is None and root.find(".//Disabilities") is None


def with_column(table: pa.Table, column: str, type_: pa.DataType) -> pa.Table:
    index = table.schema.get_field_index(column)
    return table.set_column(index, column, table[column].cast(type_))


def test_values_must_be_text_and_large_strings_are_escaped(tmp_path: Path) -> None:
    tables = to_tables(sample_rows(2023))
    large = {**tables, "child": with_column(tables["child"], "LAchildID", pa.large_string())}
    paths = xml_writer.write_xml_returns(large, tmp_path / "large", 2023)
    assert b"<LAchildID>C&amp;&lt;1&gt;</LAchildID>" in paths[0].read_bytes()
    numbers = {**tables, "cpp": with_column(tables["cpp"], "NumberOfPreviousCPP", pa.int64())}
    with pytest.raises(ValueError, match="must be text"):
        xml_writer.write_xml_returns(numbers, tmp_path / "numbers", 2023)


def test_null_single_values_write_nothing(tmp_path: Path) -> None:
    rows = sample_rows(2023)
    base = {"census_year": 2023, "la_code": "202", "child_pos": 2}
    rows["disability"].append({**base, "disability_pos": 1, "Disability": None})
    factor = {**base, "la_code": "938", "child_pos": 1, "cin_details_pos": 1, "assessment_pos": 1}
    rows["assessment_factor"].append({**factor, "factor_pos": 0, "AssessmentFactors": None})
    paths = xml_writer.write_xml_returns(to_tables(rows), tmp_path, 2023)
    assert [xml_writer.validate_xml_return(p, xsd_dir=XSD_DIR) for p in paths] == [[], []]
    unborn = etree.parse(str(paths[0])).getroot().find("Children/Child")
    assert unborn.find("ChildCharacteristics/Disabilities") is None
    factors = etree.parse(str(paths[1])).getroot().findall(".//AssessmentFactors")
    assert [e.text for e in factors] == ["21"]
