"""`cin check-return` on one generated XML return with a deliberately broken field: the rule
it breaks is reported with the number of failing rows counted here, from the XML itself.
And its dbt selection (`single_return`, selectors.yml) against the project's graph."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from dbt.cli.main import dbtRunner
from lxml import etree

from cin_warehouse import cli
from tests.python.conftest import PROJECT_DIR, make_world

# DfE rule 8805: a CINdetails with a CINclosureDate must have a ReasonForClosure. Its
# ceiling (seeds/ref_dfe_rules.csv): warn up to 25% of the rows checked, fail above.
RULE_CEILING = 0.25


def _is_date(text: str | None) -> bool:
    try:
        date.fromisoformat((text or "").strip())
    except ValueError:
        return False
    return True


def _break_closure_reasons(path: Path, share: float) -> tuple[int, int]:
    """Remove ReasonForClosure from `share` of the closed CINdetails of the return; the
    number of closed CINdetails (the rows 8805 checks) and of those without a reason, counted
    on the rewritten file."""
    tree = etree.parse(str(path))
    closed = [d for d in tree.iter("CINdetails") if _is_date(d.findtext("CINclosureDate"))]
    for details in closed[: int(len(closed) * share)]:
        for reason in details.findall("ReasonForClosure"):
            details.remove(reason)
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
    reread = etree.parse(str(path))
    checked = [d for d in reread.iter("CINdetails") if _is_date(d.findtext("CINclosureDate"))]
    missing = [d for d in checked if not (d.findtext("ReasonForClosure") or "").strip()]
    return len(checked), len(missing)


@pytest.fixture(scope="module")
def generated_return(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One LA's generated XML return (clean mode), made once: each test checks a copy."""
    world = make_world(
        tmp_path_factory.mktemp("world"), clean=True, la_codes=("330",), census_years=(2023,)
    )
    (xml_file,) = (world.path / "xml").rglob("*.xml")
    return xml_file


@pytest.mark.parametrize("share", [0.1, 0.4])
def test_check_return_reports_the_broken_rule_with_its_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], generated_return: Path, share: float
) -> None:
    xml_file = Path(shutil.copy(generated_return, tmp_path))
    checked, missing = _break_closure_reasons(xml_file, share)
    assert missing >= 5, "the return should have closures to break"

    code = cli.main(["check-return", str(xml_file), "--db", str(tmp_path / "cin.duckdb")])
    out = capsys.readouterr().out

    status = "fail" if missing > RULE_CEILING * checked else "warn"
    line = re.search(
        r"^8805\s+dfe_8805_xml__closure_date_without_reason\s+(\w+)\s+([\d,]+)$", out, re.M
    )
    assert line, out
    assert (line.group(1), int(line.group(2).replace(",", ""))) == (status, missing)
    assert re.search(r"^1 return\(s\) landed in .*; \d+ checks: ", out, re.M), out
    # Exit 1 when a rule fails (over its ceiling), 0 when rules only warn.
    fails = re.findall(r"^\S+\s+\S+\s+fail\s+[\d,]+$", out, re.M)
    assert code == (1 if fails else 0)


def test_check_return_refuses_a_file_that_is_not_a_return(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "CIN_2023_330.xml"
    bad.write_text("<Message><Header>")  # cut short: not well-formed
    code = cli.main(["check-return", str(bad), "--db", str(tmp_path / "cin.duckdb")])
    err = capsys.readouterr().err
    assert code == 2
    assert str(bad) in err and "no return checked" in err


def test_single_return_selects_every_check_of_the_xml_alone(tmp_path: Path) -> None:
    """The selector against the project's graph, worked out here: every seed and model an
    XML-tagged test reads, and every test whose parents are all XML staging modules or
    seeds (except the seeds' own tests), are selected; nothing else is."""
    common = [
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(tmp_path / "target"),
        "--log-path",
        str(tmp_path / "logs"),
        "--quiet",
    ]
    # The project as `cin check-return --db` parses it, kept from this module's checks (a
    # full parse costs 25-27 s); `dbt ls` selects on that same manifest, unparsed again.
    check_dbt_dir = cli.CHECK_DIR / "dbt_given_db"
    manifest = cli._parse_for_check(tmp_path / "cin.duckdb", check_dbt_dir).result
    listed = (
        dbtRunner(manifest=manifest)
        .invoke(
            [
                "ls",
                "--selector",
                "single_return",
                "--output",
                "json",
                "--output-keys",
                "unique_id",
                *common,
            ]
        )
        .result
    )
    selected = {json.loads(line)["unique_id"] for line in listed}
    selected = {u for u in selected if not u.startswith("source.")}

    def is_xml_module(unique_id: str) -> bool:
        return unique_id.startswith("model.") and ".stg_xml__" in unique_id

    expected = set()
    for unique_id, node in manifest.nodes.items():
        if node.resource_type != "test" or not node.depends_on.nodes:
            continue
        parents = node.depends_on.nodes
        xml_only = all(is_xml_module(p) or p.startswith("seed.") for p in parents)
        if xml_only and any(is_xml_module(p) for p in parents):
            expected.add(unique_id)
            expected.update(parents)
    assert any("dfe_8820_xml" in u for u in expected), "DfE's XML rules are among them"
    assert selected == expected


def test_check_return_names_the_files_of_a_folder_it_skips(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], generated_return: Path
) -> None:
    """A folder of returns also holds other files: each is named with why it was skipped
    (for its name: no XML return; not an extract at all), and the returns are checked.
    Not `cin load`'s advice to pass `--kind`, an option check-return does not have."""
    folder = tmp_path / "returns"
    folder.mkdir()
    shutil.copy(generated_return, folder)
    code_list = folder / "code_list.csv"  # a text file not named CIN_<year>
    code_list.write_text("code,label\nN1,Abuse or neglect\n")
    notes = folder / "notes.docx"
    notes.write_text("not an extract")

    code = cli.main(["check-return", str(folder), "--db", str(tmp_path / "cin.duckdb")])
    captured = capsys.readouterr()

    assert code in (0, 1), captured.err
    skipped = dict(re.findall(r"^skipped: (.+?): (.+)$", captured.err, re.M))
    assert skipped == {
        str(code_list): "not named like a return (*.xml); name the file itself to check it",
        str(notes): "not a CIN extract (expected .csv, .txt, .tsv or .xml, optionally .gz)",
    }
    assert "--kind" not in captured.err
    assert re.search(r"^1 return\(s\) landed in .*; \d+ checks: ", captured.out, re.M)
