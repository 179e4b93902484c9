"""The NPD variables of each census year, read from the dbt seeds (one place for the rule).

`seeds/ref_npd_variables.csv` names each variable once (NPD column, warehouse name, type);
`seeds/ref_npd_variable_years.csv` says in which census years it is populated
(docs/cin_census.md §3b, DfE's "years populated" list) as spans: `first_year` to
`last_year`, an empty `last_year` meaning "still collected", so a new census year extends
every such variable without a row of its own (a variable DfE stops is one edit). The census
years themselves are the rows of `seeds/ref_census_years.csv`: the only place the first and
last census year are stated. The generator, the loader, the code generator
(`python -m cin_warehouse.codegen`) and the dbt models all read these.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"
FILE_KINDS = ("main", "disabilities")


def _census_years() -> tuple[int, ...]:
    with open(SEEDS_DIR / "ref_census_years.csv", encoding="utf-8", newline="") as handle:
        years = sorted(int(row["census_year"]) for row in csv.DictReader(handle))
    if not years or years != list(range(years[0], years[-1] + 1)):
        raise ValueError(f"{SEEDS_DIR / 'ref_census_years.csv'}: census years must be consecutive")
    return tuple(years)


CENSUS_YEARS = _census_years()
FIRST_CENSUS_YEAR = CENSUS_YEARS[0]
LAST_CENSUS_YEAR = CENSUS_YEARS[-1]


@dataclass(frozen=True)
class NpdVariable:
    file_kind: str
    variable: str
    npd_column: str
    column_order: int
    staging_name: str
    data_type: str
    description: str


@cache
def _variables() -> tuple[NpdVariable, ...]:
    with open(SEEDS_DIR / "ref_npd_variables.csv", encoding="utf-8", newline="") as handle:
        return tuple(
            NpdVariable(
                file_kind=row["file_kind"],
                variable=row["variable"],
                npd_column=row["npd_column"],
                column_order=int(row["column_order"]),
                staging_name=row["staging_name"],
                data_type=row["data_type"],
                description=row["description"],
            )
            for row in csv.DictReader(handle)
        )


AVAILABILITY_SEED = SEEDS_DIR / "ref_npd_variable_years.csv"


def _span_years(row: dict[str, str], line: int, known: set[tuple[str, str]], path: Path) -> range:
    """The census years of one availability span; a malformed span names its file and line."""
    where = f"{path}, line {line}"
    if (row["file_kind"], row["variable"]) not in known:
        raise ValueError(
            f"{where}: {row['file_kind']} variable {row['variable']!r} is not in "
            "ref_npd_variables.csv"
        )
    try:
        first = int(row["first_year"])
        last = int(row["last_year"]) if row["last_year"] else LAST_CENSUS_YEAR
    except ValueError:
        raise ValueError(
            f"{where}: first_year {row['first_year']!r} and last_year {row['last_year']!r} "
            "must be census years (last_year empty: still collected)"
        ) from None
    if not FIRST_CENSUS_YEAR <= first <= last <= LAST_CENSUS_YEAR:
        raise ValueError(
            f"{where}: span {first}-{last} is not within the census years "
            f"{FIRST_CENSUS_YEAR}-{LAST_CENSUS_YEAR} (first_year <= last_year)"
        )
    return range(first, last + 1)


def read_availability(path: Path = AVAILABILITY_SEED) -> frozenset[tuple[str, str, int]]:
    """(file kind, variable, census year) for every year a variable is populated.

    Spans of one variable must not overlap (a year stated twice would hide a typo), and every
    variable of ref_npd_variables.csv has at least one span.
    """
    known = {(v.file_kind, v.variable) for v in _variables()}
    populated: set[tuple[str, str, int]] = set()
    with open(path, encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            for year in _span_years(row, line, known, path):
                key = (row["file_kind"], row["variable"], year)
                if key in populated:
                    raise ValueError(
                        f"{path}, line {line}: {row['variable']} ({row['file_kind']}) "
                        f"{year} is already in an earlier span"
                    )
                populated.add(key)
    missing = sorted(known - {(kind, variable) for kind, variable, _ in populated})
    if missing:
        raise ValueError(f"{path}: variables without any span: {missing}")
    return frozenset(populated)


@cache
def _years() -> frozenset[tuple[str, str, int]]:
    return read_availability()


def variables(census_year: int, file_kind: str = "main") -> list[NpdVariable]:
    """The variables of a census year's file, in file column order."""
    if file_kind not in FILE_KINDS:
        raise ValueError(f"file_kind must be one of {FILE_KINDS}, not {file_kind!r}")
    if not FIRST_CENSUS_YEAR <= census_year <= LAST_CENSUS_YEAR:
        raise ValueError(
            f"census year {census_year} is outside {FIRST_CENSUS_YEAR}-{LAST_CENSUS_YEAR}"
        )
    populated = _years()
    return sorted(
        (
            v
            for v in _variables()
            if v.file_kind == file_kind and (file_kind, v.variable, census_year) in populated
        ),
        key=lambda v: v.column_order,
    )


def npd_columns(census_year: int, file_kind: str = "main") -> list[str]:
    """The NPD column names (with the `CIN_` prefix) of a census year's file, in order."""
    return [v.npd_column for v in variables(census_year, file_kind)]
