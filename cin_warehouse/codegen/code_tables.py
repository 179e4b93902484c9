"""Code tables on the docs site, written from `seeds/ref_codes.csv` (the one place codes live).

Every coded variable's doc block carries the table of its code list: each code, its meaning,
the census years it is valid in, and whether it is a legacy value (and the current code it is
recoded to). dbt renders `{{ doc() }}` in descriptions but not inside a docs block, so the
table is written into each block rather than referenced:

- the generated NPD variable blocks (`npd_staging.variable_docs`) append it for the variables
  of `NPD_CODE_LISTS`;
- hand-written blocks (models/docs/*.md) hold it between the marker lines
  `{# codes: <code_list> #}` and `{# end codes #}`; `rewrite_regions` rewrites what lies
  between them (Jinja comments: dbt drops them, so the description shows only the table).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from cin_warehouse import npd_spec

SEED = npd_spec.SEEDS_DIR / "ref_codes.csv"

# The code list of each coded NPD variable (staging name). A name ending in `_code` whose stem
# is a code list is listed too, so the mapping is read in one place; the NPD's `CIN_Gender`
# carries the GenderCurrent codes and the three abuse-category variables share one list.
NPD_CODE_LISTS = {
    "gender_code": "gender_current",
    "ethnicity_code": "ethnicity",
    "ethnicity_major_code": "ethnicity_major",
    "primary_need_code": "primary_need",
    "closure_reason_code": "closure_reason",
    "abuse_category_code": "abuse_category",
    "initial_abuse_category_code": "abuse_category",
    "latest_abuse_category_code": "abuse_category",
    "referral_source_code": "referral_source",
    "disability_code": "disability",
}

REGION = re.compile(
    r"^\{# codes: (?P<code_list>\w+) #\}\n(?P<body>.*?)^\{# end codes #\}$", re.M | re.S
)
HEADER = "| code | meaning | census years valid | legacy → maps to |\n|---|---|---|---|"


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    first_year: int
    last_year: int | None
    is_legacy: bool
    maps_to: str


def read_codes(seed: Path = SEED) -> dict[str, list[Code]]:
    """The seed's codes by code list, in the seed's order; a malformed row is refused."""
    lists: dict[str, list[Code]] = {}
    with seed.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if row["is_legacy"] not in ("true", "false") or not row["first_census_year"].isdigit():
                raise ValueError(
                    f"{seed}, line {line}: is_legacy must be true/false and "
                    "first_census_year a year"
                )
            last = row["last_census_year"]
            lists.setdefault(row["code_list"], []).append(
                Code(
                    code=row["code"],
                    label=row["label"],
                    first_year=int(row["first_census_year"]),
                    last_year=int(last) if last else None,
                    is_legacy=row["is_legacy"] == "true",
                    maps_to=row["maps_to_code"],
                )
            )
    return lists


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _years(code: Code) -> str:
    if code.last_year is None:
        return f"{code.first_year} on"
    if code.last_year == code.first_year:
        return str(code.first_year)
    return f"{code.first_year}-{code.last_year}"


def _status(code: Code) -> str:
    if code.is_legacy:
        if code.maps_to:
            return f"legacy → `{code.maps_to}`"
        return "legacy, no current code: staged as NULL, raw value kept"
    if code.maps_to:
        # A current code with a counterpart in another list (GenderCurrent -> Sex).
        return f"current; conformed as `{code.maps_to}`"
    return ""


def code_table(code_list: str, codes: dict[str, list[Code]]) -> str:
    """The markdown table of one code list, with the line that names its source."""
    if code_list not in codes:
        raise ValueError(f"{SEED}: no code list {code_list!r}")
    rows = [
        f"| `{_cell(c.code)}` | {_cell(c.label)} | {_years(c)} | {_cell(_status(c))} |"
        for c in codes[code_list]
    ]
    intro = (
        f"Codes (seed `ref_codes`, code list `{code_list}`; census year 2015 is 2014/15; "
        "the seed's notes give each code's source):"
    )
    return "\n".join([intro, "", HEADER, *rows])


def rewrite_regions(text: str, codes: dict[str, list[Code]], name: str = "") -> str:
    """`text` with every marked region holding the current table of its code list."""

    def render(match: re.Match[str]) -> str:
        code_list = match.group("code_list")
        if code_list not in codes:
            raise ValueError(f"{name}: marker names no code list of {SEED.name}: {code_list!r}")
        return f"{{# codes: {code_list} #}}\n{code_table(code_list, codes)}\n{{# end codes #}}"

    return REGION.sub(render, text)


def hand_written_docs(docs_dir: Path, generated: set[Path]) -> list[Path]:
    """The doc files under `docs_dir` not written by the generator that hold a code region."""
    return sorted(
        path
        for path in docs_dir.glob("*.md")
        if path not in generated and REGION.search(path.read_text(encoding="utf-8"))
    )
