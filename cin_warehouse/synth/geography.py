"""English LAs for the synthetic world: areas, their population shares, and the code an
area reports under at a date (the reorganisations of docs/cin_census.md §5).

The world simulates children in *areas*, today's LAs. Before a reorganisation an area's
children were served, and reported, by its predecessor: Bedford and Central Bedfordshire
by Bedfordshire (820) until 31 March 2009, BCP by Bournemouth, Poole or Dorset until
31 March 2019, and so on. `cin_warehouse/data/calibration/local_authorities.csv` (DfE's LA
list, see cin_warehouse/data/README.md) gives the codes,
dates and successions; the mid-2024 child population gives each area's share of volume.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import numpy as np

CALIBRATION_DIR = Path(__file__).resolve().parents[1] / "data" / "calibration"
# Before 1 April 2009 the LA codes of LAs created that day did not exist yet; the file
# gives 2009-01-01 (when GSS codes came in) as their start, which is not a founding date.
GSS_INTRODUCED = date(2009, 1, 1)
POPULATION_MID_YEAR = "2024"


@dataclass(frozen=True)
class LaCode:
    old_code: str
    new_code: str
    name: str
    region: str
    start: date | None  # None: existed before the census began
    end: date | None
    predecessors: tuple[str, ...]  # new (GSS) codes


@dataclass(frozen=True)
class Area:
    """A live LA as the unit of simulation."""

    index: int
    old_code: str
    new_code: str
    name: str
    region: str
    population_share: float
    # Lineage: for each predecessor branch, the chain of LA codes from oldest to self.
    branches: tuple[tuple[LaCode, ...], ...]


def calibration_dir() -> Path:
    if not CALIBRATION_DIR.is_dir():
        raise FileNotFoundError(
            f"{CALIBRATION_DIR}: calibration data not found; the generator reads the LA list"
            " and populations from the package data; reinstall the package"
        )
    return CALIBRATION_DIR


def _date_or_none(text: str) -> date | None:
    return date.fromisoformat(text) if text else None


@cache
def la_codes() -> dict[str, LaCode]:
    """Every LA code row, keyed by GSS code."""
    rows: dict[str, LaCode] = {}
    with open(calibration_dir() / "local_authorities.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            start = _date_or_none(row["date_of_operation"])
            rows[row["new_la_code"]] = LaCode(
                old_code=row["old_la_code"],
                new_code=row["new_la_code"],
                name=row["la_name"],
                region=row["region_name"],
                start=None if start == GSS_INTRODUCED else start,
                end=_date_or_none(row["date_of_termination"]),
                predecessors=tuple(p for p in row["predecessor_new_codes"].split(";") if p),
            )
    return rows


def _branches(code: LaCode) -> tuple[tuple[LaCode, ...], ...]:
    codes = la_codes()
    if not code.predecessors:
        return ((code,),)
    return tuple((*branch, code) for p in code.predecessors for branch in _branches(codes[p]))


@cache
def areas() -> tuple[Area, ...]:
    """The live LAs, with their share of England's child population (mid-2024)."""
    population: dict[str, int] = {}
    with open(calibration_dir() / "population_0_17_by_la.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if (
                row["mid_year"] == POPULATION_MID_YEAR
                and row["geographic_level"] == "Local authority"
            ):
                population[row["old_la_code"]] = int(row["population_0_17"])
    live = sorted((c for c in la_codes().values() if c.end is None), key=lambda c: c.old_code)
    missing = [c.old_code for c in live if c.old_code not in population]
    if missing:
        raise ValueError(f"population_0_17_by_la.csv has no mid-2024 row for LAs {missing}")
    total = sum(population[c.old_code] for c in live)
    return tuple(
        Area(
            index=i,
            old_code=c.old_code,
            new_code=c.new_code,
            name=c.name,
            region=c.region,
            population_share=population[c.old_code] / total,
            branches=_branches(c),
        )
        for i, c in enumerate(live)
    )


def code_at(branch: tuple[LaCode, ...], when: date) -> LaCode:
    """The LA of a lineage branch that served the area on a date."""
    for code in branch:
        if (code.start is None or code.start <= when) and (code.end is None or when <= code.end):
            return code
    # Before the oldest code's start (or after a gap): the oldest code served.
    return branch[0] if branch[0].start and when < branch[0].start else branch[-1]


def code_change_dates() -> np.ndarray:
    """Every day on which some LA code starts or replaces an ended one, in order: between
    two of them, every (area, branch) keeps its code."""
    days = set()
    for area in areas():
        for branch in area.branches:
            for code in branch:
                if code.start:
                    days.add(code.start)
                if code.end:
                    days.add(code.end + timedelta(days=1))
    return np.array(sorted(days), dtype="datetime64[D]")


def reporting_code_keys(
    area_index: np.ndarray, branch_index: np.ndarray, when: date
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Old (3-digit) and new (GSS) codes under which every (area, branch) reports on a
    date, as two object arrays by key, and each row's key into them."""
    all_areas = areas()
    width = max(len(a.branches) for a in all_areas)
    old = np.full(len(all_areas) * width, None, dtype=object)
    new = np.full(len(all_areas) * width, None, dtype=object)
    for area in all_areas:
        for b, branch in enumerate(area.branches):
            code = code_at(branch, when)
            old[area.index * width + b] = code.old_code
            new[area.index * width + b] = code.new_code
    key = area_index.astype(np.int64) * width + branch_index
    return old, new, key


def reporting_codes(
    area_index: np.ndarray, branch_index: np.ndarray, when: date
) -> tuple[np.ndarray, np.ndarray]:
    """Old (3-digit) and new (GSS) codes under which each (area, branch) reports on a date."""
    old, new, key = reporting_code_keys(area_index, branch_index, when)
    return old[key], new[key]
