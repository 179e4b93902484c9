"""Small raw files written by the tests themselves, and a full dump of a DuckDB file.

Nothing here calls the loader: expected values come from the data the tests write, so a
loader bug cannot hide behind its own output.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import duckdb

from cin_warehouse import npd_spec
from cin_warehouse.synth.xml_writer import default_xsd_dir


# --- database dumps --------------------------------------------------------------------
def dump(db_path: Path) -> dict[str, tuple[tuple[str, ...], list[tuple[object, ...]]]]:
    """Every table of every schema: (column names and types, sorted rows)."""
    with duckdb.connect(str(db_path), read_only=True) as con:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables"
            " where table_type = 'BASE TABLE' order by 1, 2"
        ).fetchall()
        out = {}
        for schema, table in tables:
            name = f'"{schema}"."{table}"'
            columns = tuple(
                f"{c} {t}"
                for c, t in con.execute(
                    "select column_name, data_type from information_schema.columns"
                    " where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
            )
            rows = sorted(con.execute(f"select * from {name}").fetchall(), key=repr)
            out[f"{schema}.{table}"] = (columns, rows)
        return out


def content(db_path: Path) -> dict[str, tuple[tuple[str, ...], list[tuple[object, ...]]]]:
    """`dump`, less the manifest rows of failed loads: what a failed file must not change."""
    tables = dump(db_path)
    columns, rows = tables["raw._loads"]
    status = [c.split(" ")[0] for c in columns].index("status")
    tables["raw._loads"] = (columns, [r for r in rows if r[status] != "failed"])
    return tables


def changed_tables(before: dict, after: dict) -> set[str]:
    return {t for t in before.keys() | after.keys() if before.get(t) != after.get(t)}


def query(db_path: Path, sql: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


# --- NPD text files ----------------------------------------------------------------------
def npd_rows(census_year: int, n: int, seed: int = 1, la: str = "202") -> list[dict[str, str]]:
    """`n` plausible rows of a year's main file, keyed by the spec's column names."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        row = dict.fromkeys(npd_spec.npd_columns(census_year, "main"), "")
        referral = f"{census_year - 1}-{rng.randint(4, 12):02d}-{rng.randint(1, 28):02d}"
        row.update(
            {
                "CIN_ACADYR": f"{census_year - 1}/{census_year % 100:02d}",
                "CIN_LAchildID_Anon": f"C{seed:02d}{i:06d}",
                "CIN_ReferralDate": referral,
                "CIN_PrimaryNeedCode": rng.choice(["N1", "N2", " n4", "N5 ", "A2"]),
                "CIN_Gender": rng.choice(["1", "2", "0", "9"]),
                "CIN_YearOfBirth": str(rng.randint(census_year - 18, census_year)),
            }
        )
        if "CIN_LA" in row:
            row["CIN_LA"] = la
        if "CIN_LA_09" in row:
            row["CIN_LA_09"] = la
        rows.append(row)
    return rows


def csv_text(
    header: list[str],
    rows: list[list[str]],
    delimiter: str = ",",
    newline: str = "\n",
    trailing_newline: bool = True,
) -> str:
    """CSV the way DfE writes it: quote a value only if it needs quoting."""

    def cell(value: str) -> str:
        if any(c in value for c in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [delimiter.join(cell(v) for v in line) for line in [header, *rows]]
    return newline.join(lines) + (newline if trailing_newline else "")


def write_npd(
    folder: Path,
    census_year: int,
    rows: list[dict[str, str]],
    name: str | None = None,
    delimiter: str = ",",
    header: list[str] | None = None,
    encoding: str = "utf-8",
) -> Path:
    """Write rows (dicts keyed by spec names) under `header` (delivered names, same order)."""
    columns = list(rows[0]) if rows else npd_spec.npd_columns(census_year, "main")
    path = folder / (name or f"CIN_{census_year}.csv")
    text = csv_text(header or columns, [[r[c] for c in columns] for r in rows], delimiter)
    path.write_bytes(text.encode(encoding))
    return path


def data_lines(path: Path, encoding: str = "utf-8") -> int:
    """Non-blank physical lines after the header (for files without multi-line values)."""
    lines = path.read_bytes().decode(encoding).splitlines()
    return sum(1 for line in lines[1:] if line != "")


# --- XML returns -------------------------------------------------------------------------
@dataclass
class Cpp:
    values: dict[str, str]
    reviews: list[str] = field(default_factory=list)


@dataclass
class CinDetails:
    values: dict[str, str]  # CINreferralDate … DateOfInitialCPC (no ReferralNFA)
    referral_nfa: str
    assessments: list[tuple[dict[str, str], list[str]]] = field(default_factory=list)
    plans: list[dict[str, str]] = field(default_factory=list)
    s47: list[dict[str, str]] = field(default_factory=list)
    cpps: list[Cpp] = field(default_factory=list)


@dataclass
class Child:
    identifiers: dict[str, str]
    ethnicity: str
    disabilities: list[str]
    cin: list[CinDetails]


def make_children(
    census_year: int, n: int, seed: int = 1, loose_yes_no: bool = False
) -> list[Child]:
    """Children with every module present somewhere, valid for the year's schema.

    `loose_yes_no` spells yes/no as some case systems do (true, FALSE): not XSD-valid, but
    files carry them and they must land as delivered.
    """
    rng = random.Random(seed)
    yes_no = ["0", "1", "true", "FALSE"] if loose_yes_no else ["0", "1"]
    factor_codes = ["1A", "2B", "3A", "21"] + (["24A"] if census_year >= 2022 else [])
    gender = ("Sex", ["M", "F", "U"]) if census_year >= 2025 else ("GenderCurrent", ["1", "2"])
    start = f"{census_year - 1}-05-{rng.randint(10, 28):02d}"
    children = []
    for i in range(n):
        ids = {
            "LAchildID": f"LA{seed}-{i:05d}",
            "UPN": f"A{rng.randint(10**10, 10**11 - 1):011d}{rng.choice('0123456789')}",
            "PersonBirthDate": f"{census_year - rng.randint(1, 17)}-0{rng.randint(1, 9)}-15",
            gender[0]: rng.choice(gender[1]),
        }
        if rng.random() < 0.3:
            ids.pop("UPN")
            ids["UPNunknown"] = "UN1"
        cins = []
        for _ in range(rng.randint(1, 2)):
            values = {"CINreferralDate": start, "ReferralSource": rng.choice(["1A", "2A", "6"])}
            values["PrimaryNeedCode"] = rng.choice(["N1", "N4"])
            if rng.random() < 0.5:
                values["CINclosureDate"] = f"{census_year}-02-01"
                values["ReasonForClosure"] = "RC8"
            cin = CinDetails(values, rng.choice(yes_no))
            for _ in range(rng.randint(0, 2)):
                factors = rng.sample(factor_codes, rng.randint(1, 3))
                cin.assessments.append(
                    (
                        {
                            "AssessmentActualStartDate": start,
                            "AssessmentAuthorisationDate": f"{census_year - 1}-07-01",
                        },
                        factors,
                    )
                )
            if census_year >= 2022 and rng.random() < 0.6:
                cin.plans.append({"CINPlanStartDate": f"{census_year - 1}-08-01"})
            if rng.random() < 0.5:
                cin.s47.append(
                    {
                        "S47ActualStartDate": f"{census_year - 1}-06-01",
                        "InitialCPCtarget": f"{census_year - 1}-06-20",
                        "ICPCnotRequired": rng.choice(yes_no),
                    }
                )
            for _ in range(rng.randint(0, 2)):
                cin.cpps.append(
                    Cpp(
                        {
                            "CPPstartDate": f"{census_year - 1}-06-25",
                            "InitialCategoryOfAbuse": "NEG",
                            "LatestCategoryOfAbuse": rng.choice(["NEG", "EMO"]),
                            "NumberOfPreviousCPP": str(rng.randint(0, 3)),
                        },
                        [f"{census_year - 1}-09-{d:02d}" for d in range(1, rng.randint(1, 4))],
                    )
                )
            cins.append(cin)
        disabilities = rng.sample(["NONE", "MOB", "AUT", "LD"], rng.randint(0, 2))
        children.append(Child(ids, rng.choice(["WBRI", "AIND"]), disabilities, cins))
    return children


# The element that starts each module's rows (the module tables' names less "raw.xml_"):
# the count of each opening tag in a file is that module's row count.
MODULE_TAGS = {
    "child": "Child",
    "disability": "Disability",
    "cin_details": "CINdetails",
    "assessment": "Assessments",
    "assessment_factor": "AssessmentFactors",
    "cin_plan_dates": "CINPlanDates",
    "section47": "Section47",
    "cpp": "ChildProtectionPlans",
    "cpp_review": "CPPreviewDate",
}

IDENTIFIER_ORDER = [
    "LAchildID",
    "UPN",
    "FormerUPN",
    "UPNunknown",
    "PersonBirthDate",
    "ExpectedPersonBirthDate",
    "GenderCurrent",
    "Sex",
    "PersonDeathDate",
]
CIN_ORDER = [
    "CINreferralDate",
    "ReferralSource",
    "PrimaryNeedCode",
    "CINclosureDate",
    "ReasonForClosure",
    "DateOfInitialCPC",
]


def _leaves(values: dict[str, str], order: list[str], depth: int) -> list[str]:
    pad = "  " * depth
    return [f"{pad}<{k}>{escape(values[k])}</{k}>" for k in order if k in values]


def return_xml(
    census_year: int,
    la_code: str,
    children: list[Child],
    extra_in_cin: str = "",
    declaration: str = '<?xml version="1.0" encoding="UTF-8"?>',
) -> str:
    """An LA census return in XSD element order, one element per line."""
    out = [
        declaration,
        "<Message>",
        "  <Header>",
        "    <CollectionDetails>",
        "      <Collection>CIN</Collection>",
        f"      <Year>{census_year}</Year>",
        f"      <ReferenceDate>{census_year}-03-31</ReferenceDate>",
        "    </CollectionDetails>",
        "    <Source>",
        "      <SourceLevel>L</SourceLevel>",
        f"      <LEA>{la_code}</LEA>",
        "      <SoftwareCode>Test</SoftwareCode>",
        "      <Release>1</Release>",
        "      <SerialNo>001</SerialNo>",
        f"      <DateTime>{census_year}-05-01T10:00:00</DateTime>",
        "    </Source>",
        "  </Header>",
        "  <Children>",
    ]
    for child in children:
        out += ["    <Child>", "      <ChildIdentifiers>"]
        out += _leaves(child.identifiers, IDENTIFIER_ORDER, 4)
        out += ["      </ChildIdentifiers>", "      <ChildCharacteristics>"]
        out.append(f"        <Ethnicity>{child.ethnicity}</Ethnicity>")
        if child.disabilities:
            out.append("        <Disabilities>")
            out += [f"          <Disability>{d}</Disability>" for d in child.disabilities]
            out.append("        </Disabilities>")
        out.append("      </ChildCharacteristics>")
        for cin in child.cin:
            out.append("      <CINdetails>")
            out += _leaves(cin.values, CIN_ORDER, 4)
            for values, factors in cin.assessments:
                out.append("        <Assessments>")
                out += _leaves(
                    values,
                    [
                        "AssessmentActualStartDate",
                        "AssessmentInternalReviewDate",
                        "AssessmentAuthorisationDate",
                    ],
                    5,
                )
                out.append("          <FactorsIdentifiedAtAssessment>")
                out += [f"            <AssessmentFactors>{f}</AssessmentFactors>" for f in factors]
                out.append("          </FactorsIdentifiedAtAssessment>")
                out.append("        </Assessments>")
            for plan in cin.plans:
                out.append("        <CINPlanDates>")
                out += _leaves(plan, ["CINPlanStartDate", "CINPlanEndDate"], 5)
                out.append("        </CINPlanDates>")
            for s47 in cin.s47:
                out.append("        <Section47>")
                order = ["S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC"]
                out += _leaves(s47, [*order, "ICPCnotRequired"], 5)
                out.append("        </Section47>")
            out.append(f"        <ReferralNFA>{cin.referral_nfa}</ReferralNFA>")
            for cpp in cin.cpps:
                out.append("        <ChildProtectionPlans>")
                order = ["CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse"]
                out += _leaves(
                    cpp.values, [*order, "LatestCategoryOfAbuse", "NumberOfPreviousCPP"], 5
                )
                if cpp.reviews:
                    out.append("          <Reviews>")
                    out += [f"            <CPPreviewDate>{r}</CPPreviewDate>" for r in cpp.reviews]
                    out.append("          </Reviews>")
                out.append("        </ChildProtectionPlans>")
            if extra_in_cin:
                out.append(extra_in_cin)
            out.append("      </CINdetails>")
        out.append("    </Child>")
    out += ["  </Children>", "</Message>", ""]
    return "\n".join(out)


def xsd_dir() -> Path:
    """DfE's schemas: $CIN_XSD_DIR, else the package's copy."""
    return default_xsd_dir()
