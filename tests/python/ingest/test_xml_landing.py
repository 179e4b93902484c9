"""XML landing: every module's rows, keys and values against the data the test wrote."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import duckdb
import pytest

from cin_warehouse.ingest import files, loader, xml
from tests.python.ingest import fixtures
from tests.python.ingest.fixtures import MODULE_TAGS, Child, query


def expected_rows(children: list[Child]) -> dict[str, set[tuple]]:
    """Rows per module, built from the fixture data (keys, then values)."""
    out: dict[str, set[tuple]] = {
        m: set()
        for m in (
            "child",
            "disability",
            "cin_details",
            "assessment",
            "assessment_factor",
            "cin_plan_dates",
            "section47",
            "cpp",
            "cpp_review",
        )
    }
    for c, child in enumerate(children, 1):
        ids = child.identifiers
        out["child"].add(
            (
                c,
                ids["LAchildID"],
                ids.get("UPN"),
                ids.get("UPNunknown"),
                ids["PersonBirthDate"],
                ids.get("GenderCurrent"),
                ids.get("Sex"),
                child.ethnicity,
            )
        )
        out["disability"] |= {(c, d, v) for d, v in enumerate(child.disabilities, 1)}
        for e, cin in enumerate(child.cin, 1):
            v = cin.values
            out["cin_details"].add(
                (
                    c,
                    e,
                    v["CINreferralDate"],
                    v["ReferralSource"],
                    v.get("PrimaryNeedCode"),
                    v.get("CINclosureDate"),
                    v.get("ReasonForClosure"),
                    cin.referral_nfa,
                )
            )
            for a, (values, factors) in enumerate(cin.assessments, 1):
                out["assessment"].add(
                    (
                        c,
                        e,
                        a,
                        values["AssessmentActualStartDate"],
                        values.get("AssessmentAuthorisationDate"),
                    )
                )
                out["assessment_factor"] |= {(c, e, a, f, x) for f, x in enumerate(factors, 1)}
            out["cin_plan_dates"] |= {
                (c, e, p, plan["CINPlanStartDate"], plan.get("CINPlanEndDate"))
                for p, plan in enumerate(cin.plans, 1)
            }
            out["section47"] |= {
                (
                    c,
                    e,
                    s,
                    s47["S47ActualStartDate"],
                    s47["InitialCPCtarget"],
                    s47["ICPCnotRequired"],
                )
                for s, s47 in enumerate(cin.s47, 1)
            }
            for p, cpp in enumerate(cin.cpps, 1):
                out["cpp"].add(
                    (
                        c,
                        e,
                        p,
                        cpp.values["CPPstartDate"],
                        cpp.values["LatestCategoryOfAbuse"],
                        cpp.values["NumberOfPreviousCPP"],
                    )
                )
                out["cpp_review"] |= {(c, e, p, r, d) for r, d in enumerate(cpp.reviews, 1)}
    return out


LANDED_SQL = {
    "child": "child_pos, LAchildID, UPN, UPNunknown, PersonBirthDate, GenderCurrent, Sex,"
    " Ethnicity",
    "disability": "child_pos, disability_pos, Disability",
    "cin_details": "child_pos, cin_details_pos, CINreferralDate, ReferralSource,"
    " PrimaryNeedCode, CINclosureDate, ReasonForClosure, ReferralNFA",
    "assessment": "child_pos, cin_details_pos, assessment_pos, AssessmentActualStartDate,"
    " AssessmentAuthorisationDate",
    "assessment_factor": "child_pos, cin_details_pos, assessment_pos, factor_pos,"
    " AssessmentFactors",
    "cin_plan_dates": "child_pos, cin_details_pos, cin_plan_pos, CINPlanStartDate, CINPlanEndDate",
    "section47": "child_pos, cin_details_pos, s47_pos, S47ActualStartDate, InitialCPCtarget,"
    " ICPCnotRequired",
    "cpp": "child_pos, cin_details_pos, cpp_pos, CPPstartDate, LatestCategoryOfAbuse,"
    " NumberOfPreviousCPP",
    "cpp_review": "child_pos, cin_details_pos, cpp_pos, review_pos, CPPreviewDate",
}


@pytest.mark.parametrize("census_year", [2017, 2021, 2022, 2024, 2025, 2026])
def test_every_module_lands_with_keys_and_values(
    db: Path, files_dir: Path, census_year: int
) -> None:
    children = fixtures.make_children(census_year, 40, seed=census_year, loose_yes_no=True)
    path = files_dir / f"CIN_{census_year}_330.xml"
    path.write_text(fixtures.return_xml(census_year, "330", children))
    outcomes = loader.land([path], db)
    assert outcomes[0].status == "landed", outcomes[0].error
    expected = expected_rows(children)
    for module, columns in LANDED_SQL.items():
        landed = set(query(db, f"select {columns} from raw.xml_{module}"))
        assert landed == expected[module], module
    assert query(db, "select distinct _census_year, _la_code, _source_file from raw.xml_child") == [
        (census_year, "330", str(path))
    ]
    header = query(db, "select Collection, Year, ReferenceDate, LEA, SerialNo from raw.xml_header")
    assert header == [("CIN", str(census_year), f"{census_year}-03-31", "330", "001")]


@pytest.mark.parametrize("flush_rows", [97, 50_000])
def test_row_conservation_counts_elements(
    db: Path, files_dir: Path, monkeypatch: pytest.MonkeyPatch, flush_rows: int
) -> None:
    """Rows per table = elements of that module in the file (counted here with a regex),
    whether the rows are written in one batch or many."""
    monkeypatch.setattr(xml, "FLUSH_ROWS", flush_rows)
    children = fixtures.make_children(2023, 150, seed=2)
    text = fixtures.return_xml(2023, "202", children)
    path = files_dir / "return.xml.gz"
    path.write_bytes(gzip.compress(text.encode()))
    outcome = loader.land([path], db)[0]
    assert outcome.status == "landed", outcome.error
    for module, tag in MODULE_TAGS.items():
        in_file = len(re.findall(rf"<{tag}>", text))
        landed = query(db, f"select count(*) from raw.xml_{module}")[0][0]
        assert landed == in_file, module
        assert outcome.record.rows_per_table.get(f"raw.xml_{module}", 0) == in_file
    assert query(db, "select count(*) from raw.xml_header")[0][0] == 1


def test_line_numbers_point_at_the_element(db: Path, files_dir: Path) -> None:
    children = fixtures.make_children(2019, 20, seed=8)
    text = fixtures.return_xml(2019, "202", children)
    path = files_dir / "CIN_2019_202.xml"
    path.write_text(text)
    loader.land([path], db)
    lines = text.split("\n")
    for module, tag in MODULE_TAGS.items():
        for (line,) in query(db, f"select _line_number from raw.xml_{module}"):
            assert f"<{tag}>" in lines[line - 1], (module, line)


def test_unknown_elements_are_kept_and_reported(db: Path, files_dir: Path) -> None:
    extra = (
        "        <PreProceedingsandFGDM>\n"
        "          <PreProceedingsStartDate>2022-01-05</PreProceedingsStartDate>\n"
        "        </PreProceedingsandFGDM>"
    )
    children = fixtures.make_children(2026, 3, seed=1)
    text = fixtures.return_xml(2026, "202", children, extra_in_cin=extra)
    path = files_dir / "CIN_2026_202.xml"
    path.write_text(text)
    outcome = loader.land([path], db)[0]
    assert outcome.status == "landed"
    unknown = query(
        db,
        "select path, text, child_pos, cin_details_pos from raw.xml_unknown_elements"
        " order by _line_number",
    )
    base = "Message/Children/Child/CINdetails/PreProceedingsandFGDM"
    expected = []
    for c, child in enumerate(children, 1):
        for e, _ in enumerate(child.cin, 1):
            expected += [
                (base, None, c, e),
                (f"{base}/PreProceedingsStartDate", "2022-01-05", c, e),
            ]
    assert unknown == expected
    assert any(
        "unknown element" in m and "PreProceedingsandFGDM" in m for m in outcome.record.messages
    )
    lines = text.split("\n")
    for (line,) in query(db, "select _line_number from raw.xml_unknown_elements"):
        assert "PreProceedings" in lines[line - 1]


def test_empty_and_absent_elements(db: Path, files_dir: Path) -> None:
    children = fixtures.make_children(2018, 1, seed=1)
    text = fixtures.return_xml(2018, "202", children)
    text = text.replace("<Ethnicity>", "<Ethnicity>  ").replace("</Ethnicity>", " </Ethnicity>")
    text = text.replace(
        "      </ChildIdentifiers>", "        <FormerUPN/>\n      </ChildIdentifiers>"
    )
    path = files_dir / "r.xml"
    path.write_text(text)
    assert loader.land([path], db)[0].status == "landed"
    ethnicity, former, death = query(
        db, "select Ethnicity, FormerUPN, PersonDeathDate from raw.xml_child"
    )[0]
    assert ethnicity == f"  {children[0].ethnicity} "  # no trimming
    assert former == ""  # present but empty
    assert death is None  # absent


def test_windows_1252_xml_is_decoded(db: Path, files_dir: Path) -> None:
    children = fixtures.make_children(2020, 2, seed=1)
    children[0].identifiers["LAchildID"] = "Renée–7"
    path = files_dir / "r.xml"
    path.write_bytes(fixtures.return_xml(2020, "202", children).encode("cp1252"))
    outcome = loader.land([path], db)[0]
    assert outcome.status == "landed", outcome.error
    assert ("Renée–7",) in query(db, "select LAchildID from raw.xml_child")
    assert query(db, "select encoding from raw._loads") == [("windows-1252",)]


@pytest.mark.parametrize("census_year", [2017, 2022, 2025])
def test_fixtures_are_valid_returns(census_year: int) -> None:
    """The fixture writer writes what the DfE schema accepts (when the schemas are here)."""
    xmlschema = pytest.importorskip("xmlschema")
    xsd = fixtures.xsd_dir() / f"CIN_schema_{census_year}.xsd"
    if not xsd.exists():
        pytest.skip(f"{xsd} not available")
    text = fixtures.return_xml(
        census_year, "202", fixtures.make_children(census_year, 30, seed=census_year)
    )
    xmlschema.XMLSchema(str(xsd)).validate(text)


@pytest.mark.parametrize("broken", [False, True])
def test_duckdb_threads_are_put_back_after_an_xml_file(
    db: Path, files_dir: Path, broken: bool
) -> None:
    """XML files land with DuckDB on one thread; the connection's own setting (here 3) is
    back afterwards, whether the file landed or failed, so NPD files keep their threads."""
    text = fixtures.return_xml(2023, "202", fixtures.make_children(2023, 5, seed=3))
    path = files_dir / "CIN_2023_202.xml"
    path.write_text(text[: len(text) // 2] if broken else text)
    db.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(db)) as con:
        con.execute("set threads = 3")
        (outcome,) = loader.land_files(con, [files.classify(path)])
        assert outcome.status == ("failed" if broken else "landed")
        assert con.execute("select current_setting('threads')").fetchone() == (3,)
