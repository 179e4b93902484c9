"""Each coded variable's description carries its code list exactly as seeds/ref_codes.csv has it.

The seed is read here with the csv module, independently of the generator
(cin_warehouse/codegen/code_tables.py); the tables are parsed back from the committed doc
files and from the manifest of a `dbt parse` (what the docs site shows), and compared.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from cin_warehouse.codegen import code_tables
from tests.python.conftest import project_manifest

REPO_DIR = Path(__file__).resolve().parents[3]
SEED = REPO_DIR / "seeds" / "ref_codes.csv"
DOCS_DIR = REPO_DIR / "models" / "docs"

# Which code lists each variable's description must show, written out here (not read from the
# generator): the NPD's Gender carries the GenderCurrent codes, sex shows both lists.
EXPECTED = {
    "gender_code": ["gender_current"],
    "ethnicity_code": ["ethnicity"],
    "ethnicity_major_code": ["ethnicity_major"],
    "primary_need_code": ["primary_need"],
    "closure_reason_code": ["closure_reason"],
    "abuse_category_code": ["abuse_category"],
    "initial_abuse_category_code": ["abuse_category"],
    "latest_abuse_category_code": ["abuse_category"],
    "referral_source_code": ["referral_source"],
    "disability_code": ["disability"],
    "upn_unknown_code": ["upn_unknown"],
    "assessment_factor_code": ["assessment_factor"],
    "sex": ["sex", "gender_current"],
}
# The doc blocks of the variables, and of the columns derived from them.
EXPECTED_BLOCKS = EXPECTED | {
    "rebuilt_closure_reason_code": ["closure_reason"],
    "resolved_sex": ["sex", "gender_current"],
    "resolved_ethnicity": ["ethnicity"],
}
# yes_no is not looked up: the `yes_no` staging macro parses 0/1/true/false in any case.
NOT_SHOWN = {"yes_no"}

Row = tuple[str, str, int, int | None, bool, str]
INTRO = re.compile(r"code list `(\w+)`")
BLOCK = re.compile(r"\{% docs (\w+) %\}(.*?)\{% enddocs %\}", re.S)


def _seed() -> dict[str, list[Row]]:
    lists: dict[str, list[Row]] = {}
    with SEED.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            last = row["last_census_year"]
            lists.setdefault(row["code_list"], []).append(
                (
                    row["code"],
                    row["label"],
                    int(row["first_census_year"]),
                    int(last) if last else None,
                    row["is_legacy"] == "true",
                    row["maps_to_code"],
                )
            )
    return lists


def _cells(line: str) -> list[str]:
    cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
    return [c.strip().replace("\\|", "|") for c in cells]


def _years(text: str) -> tuple[int, int | None]:
    if text.endswith(" on"):
        return int(text.removesuffix(" on")), None
    first, _, last = text.partition("-")
    return int(first), int(last or first)


def _tables(description: str) -> dict[str, list[Row]]:
    """The code tables of a description, by code list, parsed back into seed rows."""
    tables: dict[str, list[Row]] = {}
    lines = description.splitlines()
    for i, line in enumerate(lines):
        match = INTRO.search(line)
        if not match or not line.startswith("Codes ("):
            continue
        rows: list[Row] = []
        assert lines[i + 2].startswith("| code | meaning |"), f"no table after: {line}"
        for row_line in lines[i + 4 :]:
            if not row_line.startswith("|"):
                break
            code, label, years, status = _cells(row_line)
            maps_to = re.search(r"`([^`]+)`", status)
            rows.append(
                (
                    code.strip("`"),
                    label,
                    *_years(years),
                    status.startswith("legacy"),
                    maps_to.group(1) if maps_to else "",
                )
            )
        tables[match.group(1)] = rows
    return tables


def _doc_blocks() -> dict[str, str]:
    blocks: dict[str, str] = {}
    for path in DOCS_DIR.glob("*.md"):
        for name, body in BLOCK.findall(path.read_text(encoding="utf-8")):
            blocks[name] = body
    return blocks


def test_every_code_list_is_shown() -> None:
    shown = {code_list for lists in EXPECTED.values() for code_list in lists}
    assert shown | NOT_SHOWN == set(_seed())


def test_code_tables_are_in_the_expected_blocks() -> None:
    assert {name for name, body in _doc_blocks().items() if _tables(body)} == set(EXPECTED_BLOCKS)


@pytest.mark.parametrize("variable", sorted(EXPECTED_BLOCKS))
def test_doc_block_tables_are_the_seed(variable: str) -> None:
    seed = _seed()
    tables = _tables(_doc_blocks()[variable])
    assert sorted(tables) == sorted(EXPECTED_BLOCKS[variable])
    for code_list, rows in tables.items():
        assert rows == seed[code_list], f"{variable}: {code_list} differs from the seed"


def test_a_changed_seed_changes_the_table(tmp_path: Path) -> None:
    """The tables are read from the seed: a new code shows, with its years and mapping."""
    seed = tmp_path / "ref_codes.csv"
    text = SEED.read_text(encoding="utf-8")
    seed.write_text(
        text + "referral_source,ZZ,A test code,2020,,true,5A,,\n", encoding="utf-8", newline=""
    )
    table = code_tables.code_table("referral_source", code_tables.read_codes(seed))
    assert _tables(table)["referral_source"][-1] == ("ZZ", "A test code", 2020, None, True, "5A")


def test_unknown_code_list_in_a_marker_is_refused() -> None:
    text = "{% docs x %}\n{# codes: no_such_list #}\n{# end codes #}\n{% enddocs %}\n"
    with pytest.raises(ValueError, match="no_such_list"):
        code_tables.rewrite_regions(text, code_tables.read_codes(), "x.md")


def test_malformed_seed_row_names_its_line(tmp_path: Path) -> None:
    seed = tmp_path / "ref_codes.csv"
    lines = SEED.read_text(encoding="utf-8").splitlines()
    lines.insert(3, "referral_source,ZZ,Bad,2020,,maybe,,,")
    seed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 4: is_legacy"):
        code_tables.read_codes(seed)


@pytest.fixture(scope="module")
def manifest() -> dict:
    # The test process's one parse of the project (project_manifest), which most other dbt
    # tests of the process share, rather than a parse of its own (about 17 s).
    return project_manifest().writable_manifest().to_dict()


def test_site_shows_the_seed_codes(manifest: dict) -> None:
    """Every column that carries a coded variable shows its code lists as in the seed."""
    seed = _seed()
    checked: set[str] = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue  # an analysis's `sex` is a grouping label (`unknown` included), not a code
        for name, column in node.get("columns", {}).items():
            if name not in EXPECTED:
                continue
            tables = _tables(column["description"])
            where = f"{node['name']}.{name}"
            assert sorted(tables) == sorted(EXPECTED[name]), where
            for code_list, rows in tables.items():
                assert rows == seed[code_list], f"{where}: {code_list} differs from the seed"
            checked.add(name)
    assert checked == set(EXPECTED)


def test_referral_source_answers_the_question(manifest: dict) -> None:
    """The docs-site question "what are referral source's codes": 5D from 2023, PR legacy."""
    column = manifest["nodes"]["model.cin_warehouse.fct_episode"]["columns"]["referral_source_code"]
    description = column["description"]
    assert "| `5D` | LA services: early help | 2023-2026 |" in description
    assert re.search(r"\| `PR` \|[^\n]*\| legacy", description)
    assert "dq_variable_year" in description
