"""`cin check-return` on one generated XML return with a deliberately broken field: the rule
it breaks is reported with the number of failing rows counted here, from the XML itself."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from cin_warehouse import cli
from tests.python.conftest import make_world

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


@pytest.mark.parametrize("share", [0.1, 0.4])
def test_check_return_reports_the_broken_rule_with_its_count(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], share: float
) -> None:
    world = make_world(tmp_path / "world", clean=True, la_codes=("330",), census_years=(2023,))
    (xml_file,) = (world.path / "xml").rglob("*.xml")
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
