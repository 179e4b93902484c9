"""Census years and working days.

Assessment and conference timescales are in working days: weekdays that are not England
bank holidays (DfE methodology, "Duration of assessments"). The bank holidays are the
dbt seed `seeds/ref_bank_holidays.csv` (one place for the list; it covers 2008-2026).
Dates before that list only occur in the burn-in, which is never written, so there they
count weekdays only.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np

SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"
NAT = np.datetime64("NaT", "D")


def census_year_start(census_year: int) -> date:
    """1 April before the 31 March that ends the census year."""
    return date(census_year - 1, 4, 1)


def census_year_end(census_year: int) -> date:
    """31 March: the reference date of the census."""
    return date(census_year, 3, 31)


# The days `census_year_of` looks up in a table (any other date is converted as before).
_TABLE_FIRST_DAY = np.datetime64("1900-01-01", "D")
_TABLE_END_DAY = np.datetime64("2200-01-01", "D")


def _census_year_by_months(dates: np.ndarray) -> np.ndarray:
    """Months since January 1970, moved on nine months, fall in the census year's calendar
    year: April 2016 (month 555) + 9 is in 2017, March 2016 (554) + 9 in 2016. (NaT, the
    smallest int64, gives a number too, which callers never use.)"""
    months = np.asarray(dates).astype("datetime64[M]").astype(np.int64)
    return (months + 9) // 12 + 1970


@cache
def _census_year_table() -> np.ndarray:
    """The census year of each day from _TABLE_FIRST_DAY to the day before _TABLE_END_DAY."""
    return _census_year_by_months(np.arange(_TABLE_FIRST_DAY, _TABLE_END_DAY))


def census_year_of(dates: np.ndarray) -> np.ndarray:
    """The census year (year in which the 1 April-31 March period ends) of each date, as
    int64.

    A day's census year is read from a table of the days 1900-2199: numpy's conversion of
    days to months works out each date's calendar (0.035 us a date against 0.005 for the
    lookup; the conversion was about a tenth of the simulation's and the recorder's time).
    Dates outside the table (and NaT) are converted as `_census_year_by_months` does, so
    every value is the same as before."""
    days = np.asarray(dates).astype("datetime64[D]", copy=False).view(np.int64)
    offset = days - _TABLE_FIRST_DAY.astype(np.int64)
    table = _census_year_table()
    years = np.take(table, offset, mode="clip")
    outside = (offset < 0) | (offset >= len(table))
    if outside.any():
        years[outside] = _census_year_by_months(days[outside].view("datetime64[D]"))
    return years


# The widest range of census years `by_census_year` spreads by offset, not by a sort.
YEAR_OFFSET_SPAN = 4096


def by_census_year(value_of: Callable[[int], float], census_years: np.ndarray) -> np.ndarray:
    """`value_of(year)` for each element of `census_years` (int), as float, computed once
    per distinct year and spread by index: a Python call per row cost a sixth of the
    simulation's time. The distinct years are found by offset from the smallest when they
    span fewer than YEAR_OFFSET_SPAN years (np.unique's sort was 6% of the simulation's
    time), else (the far-off years of NaT dates) by np.unique."""
    census_years = np.asarray(census_years)
    if census_years.size:
        first = int(census_years.min())
        offset = census_years - first
        span = int(offset.max()) + 1
        if span < YEAR_OFFSET_SPAN:
            present = np.zeros(span, dtype=bool)
            present[offset] = True
            values = np.zeros(span, dtype=float)
            for i in np.flatnonzero(present).tolist():
                values[i] = value_of(first + i)
            return values[offset]
    distinct, row = np.unique(census_years, return_inverse=True)
    values = np.array([value_of(int(y)) for y in distinct], dtype=float)
    return values[row].reshape(np.shape(census_years))


@cache
def bank_holidays() -> np.ndarray:
    path = SEEDS_DIR / "ref_bank_holidays.csv"
    with open(path, encoding="utf-8") as handle:
        return np.array(
            [row["holiday_date"] for row in csv.DictReader(handle)], dtype="datetime64[D]"
        )


def add_working_days(dates: np.ndarray, days: np.ndarray | int) -> np.ndarray:
    """The working day `days` working days after each date (a date on a non-working day
    first rolls forward to the next working day)."""
    return np.busday_offset(dates, days, roll="forward", holidays=bank_holidays())


def working_days_between(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Working days from start to end (start counted, end not), as DfE counts durations."""
    return np.busday_count(start, end, holidays=bank_holidays())


def to_datetime64(value: date) -> np.datetime64:
    return np.datetime64(value.isoformat(), "D")
