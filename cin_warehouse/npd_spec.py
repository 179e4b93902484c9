"""The NPD variables of each census year, read from the dbt seeds (one place for the rule).

`seeds/ref_npd_variables.csv` names each variable once (NPD column, warehouse name, type);
`seeds/ref_npd_variable_years.csv` says in which census years it is populated
(docs/cin_census.md §3b, DfE's "years populated" list). The census years themselves are the
rows of `seeds/ref_census_years.csv`: the only place the first and last census year are
stated. The generator, the loader, the code generator (`python -m cin_warehouse.codegen`)
and the dbt models all read these.
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


@cache
def _years() -> frozenset[tuple[str, str, int]]:
    with open(SEEDS_DIR / "ref_npd_variable_years.csv", encoding="utf-8", newline="") as handle:
        return frozenset(
            (row["file_kind"], row["variable"], int(row["census_year"]))
            for row in csv.DictReader(handle)
        )


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
