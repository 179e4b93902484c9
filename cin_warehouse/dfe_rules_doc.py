"""DATA_QUALITY.md's table of DfE rules, written from `seeds/ref_dfe_rules.csv`.

The seed is the one place a rule is described (DfE's message, type and rulesets; the
warehouse's sources, severity and ceiling, and why a rule is not checked on the NPD); the
rule tests are found by name in `tests/dfe_rules` (the YAML entries of `_dfe_rules.yml`
and the singular tests of `xml/` and `npd/`). `python -m cin_warehouse.dfe_rules_doc`
rewrites the table between its two marker lines; `--check` exits 1 when the file differs
(the drift test in tests/python/data_quality/test_dfe_rules_seed.py does the same).
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "ref_dfe_rules.csv"
RULES_DIR = ROOT / "tests" / "dfe_rules"
DOC = ROOT / "DATA_QUALITY.md"
BEGIN = "<!-- dfe rules table: written by `python -m cin_warehouse.dfe_rules_doc` -->"
END = "<!-- end of dfe rules table -->"
HEADER = (
    "| code | DfE type | message | rulesets | XML test | NPD test, or why not | severity |\n"
    "|---|---|---|---|---|---|---|"
)
TEST_NAME = re.compile(r"^dfe_([0-9]+q?)_(xml|npd)__\w+$")


def rule_versions(seed: Path = SEED) -> dict[str, list[dict[str, str]]]:
    """The seed's rows by rule code, in the seed's order (oldest version first)."""
    versions: dict[str, list[dict[str, str]]] = defaultdict(list)
    with seed.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            versions[row["rule_code"]].append(row)
    return dict(versions)


def rule_tests(rules_dir: Path = RULES_DIR) -> dict[tuple[str, str], str]:
    """Rule test names by (rule code as DfE writes it, source), from tests/dfe_rules."""
    names = [path.stem for path in rules_dir.glob("*/dfe_*.sql")]
    for yml in rules_dir.glob("*.yml"):
        names += re.findall(r"^\s+name: (dfe_\w+)$", yml.read_text(encoding="utf-8"), re.M)
    tests: dict[tuple[str, str], str] = {}
    for name in names:
        match = TEST_NAME.match(name)
        if match is None:
            raise ValueError(f"{rules_dir}: rule test {name!r} is not named dfe_<code>_<source>__…")
        key = (match.group(1).upper(), match.group(2))
        if key in tests:
            raise ValueError(f"{rules_dir}: two tests for rule {key[0]} on {key[1]}: {name}")
        tests[key] = name
    return tests


def _ruleset(year: str) -> str:
    """Census year 2023 -> DfE's ruleset label 2022/23; empty -> current."""
    return f"{int(year) - 1}/{year[2:]}" if year else "current"


def _severity(row: dict[str, str]) -> str:
    if row["severity"] == "error":
        return "**error**"
    if row["severity"] == "warn":
        return "warn"
    return f"warn; error above {float(row['error_ceiling']):.0%} of rows checked"


def table(seed: Path = SEED, rules_dir: Path = RULES_DIR) -> str:
    """The Markdown table: one line per rule code, in the seed's order."""
    tests = rule_tests(rules_dir)
    lines = [HEADER]
    for code, versions in rule_versions(seed).items():
        latest = versions[-1]
        first = min(int(v["first_ruleset_year"]) for v in versions)
        in_force = any(not v["last_ruleset_year"] for v in versions)
        last = "" if in_force else latest["last_ruleset_year"]
        sources = latest["sources"].split()
        for source in ("xml", "npd"):
            if (source in sources) != ((code, source) in tests):
                raise ValueError(f"{seed}: rule {code} sources {sources} but tests on {source}")
        npd = (
            f"`{tests[(code, 'npd')]}`"
            if "npd" in sources
            else f"— {latest['npd_not_checked_reason']}"
        )
        cells = [
            code,
            latest["rule_type"],
            latest["message"].replace("|", "\\|"),
            f"{_ruleset(str(first))}–{_ruleset(last)}",
            f"`{tests[(code, 'xml')]}`",
            npd,
            _severity(latest),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def rewrite(text: str, seed: Path = SEED, rules_dir: Path = RULES_DIR) -> str:
    """`text` (DATA_QUALITY.md) with the table between the markers written afresh."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"{DOC.name}: the marker lines {BEGIN!r} and {END!r} are missing")
    return text[: start + len(BEGIN)] + "\n" + table(seed, rules_dir) + "\n" + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    current = DOC.read_text(encoding="utf-8")
    written = rewrite(current)
    if args.check:
        if written != current:
            print(f"{DOC.name}: the DfE rules table differs from {SEED.name}; run the module")
            return 1
        return 0
    DOC.write_text(written, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
