"""England and Wales bank holidays computed from the statutory rules.

The rules (Banking and Financial Dealings Act 1971, s1 and schedule 1, with the
royal proclamations that add New Year's Day, the early May bank holiday and
substitute days, and move or add days for one-off events):

- New Year's Day, 1 January; if it falls on a Saturday or Sunday, the next Monday.
- Good Friday and Easter Monday (Easter Sunday by the Gregorian computus,
  Meeus/Jones/Butcher algorithm).
- Early May bank holiday: first Monday in May.
- Spring bank holiday: last Monday in May.
- Summer bank holiday: last Monday in August.
- Christmas Day, 25 December, and Boxing Day, 26 December; a day falling on a
  weekend is substituted by the next weekday that is not already a holiday
  (Christmas on Saturday: Monday 27 and Tuesday 28; Christmas on Sunday: Boxing
  Day stays Monday 26, Christmas moves to Tuesday 27; Boxing Day on Saturday:
  Monday 28).
- One-off changes by royal proclamation (``ONE_OFF_CHANGES``).

Used by the pytest that checks the rule against the published 2011-2026 list
(gov.uk copies, see ``seeds/_seeds.yml``) and checks the 2008-2010 rows
of ``seeds/ref_bank_holidays.csv``, which were computed with it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

MONDAY, SATURDAY = 0, 5


@dataclass(frozen=True)
class BankHoliday:
    """One bank holiday: its date, a title and whether it is a substitute or one-off day."""

    holiday_date: dt.date
    title: str
    is_substitute_day: bool = False
    is_one_off: bool = False


# Royal proclamations: (year, regular title to move, new date or None to add, title).
# Each entry either moves a regular holiday (the regular date is dropped) or adds one.
MOVED: dict[tuple[int, str], tuple[dt.date, str]] = {
    (2012, "Spring bank holiday"): (dt.date(2012, 6, 4), "Spring bank holiday (moved)"),
    (2020, "Early May bank holiday"): (dt.date(2020, 5, 8), "Early May bank holiday (VE day)"),
    (2022, "Spring bank holiday"): (dt.date(2022, 6, 2), "Spring bank holiday (moved)"),
}
ADDED: tuple[tuple[dt.date, str], ...] = (
    (dt.date(2011, 4, 29), "Royal wedding"),
    (dt.date(2012, 6, 5), "Queen's Diamond Jubilee"),
    (dt.date(2022, 6, 3), "Queen's Platinum Jubilee"),
    (dt.date(2022, 9, 19), "State funeral of Queen Elizabeth II"),
    (dt.date(2023, 5, 8), "Coronation of King Charles III"),
)
ONE_OFF_CHANGES = (MOVED, ADDED)


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def first_monday(year: int, month: int) -> dt.date:
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(MONDAY - first.weekday()) % 7)


def last_monday(year: int, month: int) -> dt.date:
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    last = next_month - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - MONDAY) % 7)


def _next_weekday_not_taken(day: dt.date, taken: set[dt.date]) -> dt.date:
    while day.weekday() >= SATURDAY or day in taken:
        day += dt.timedelta(days=1)
    return day


def bank_holidays(year: int) -> list[BankHoliday]:
    """The bank holidays of England and Wales in one calendar year, in date order."""
    easter = easter_sunday(year)
    regular = [
        ("Good Friday", easter - dt.timedelta(days=2)),
        ("Easter Monday", easter + dt.timedelta(days=1)),
        ("Early May bank holiday", first_monday(year, 5)),
        ("Spring bank holiday", last_monday(year, 5)),
        ("Summer bank holiday", last_monday(year, 8)),
    ]
    days: list[BankHoliday] = []
    new_year = dt.date(year, 1, 1)
    new_year_observed = _next_weekday_not_taken(new_year, set())
    days.append(BankHoliday(new_year_observed, "New Year's Day", new_year_observed != new_year))
    for title, day in regular:
        moved = MOVED.get((year, title))
        if moved:
            days.append(BankHoliday(moved[0], moved[1], is_one_off=True))
        else:
            days.append(BankHoliday(day, title))
    taken: set[dt.date] = set()
    for title, day in (
        ("Christmas Day", dt.date(year, 12, 25)),
        ("Boxing Day", dt.date(year, 12, 26)),
    ):
        # A weekday holiday keeps its date; weekend ones take the next free weekday.
        observed = day if day.weekday() < SATURDAY else None
        if observed is not None:
            taken.add(observed)
            days.append(BankHoliday(observed, title))
    for title, day in (
        ("Christmas Day", dt.date(year, 12, 25)),
        ("Boxing Day", dt.date(year, 12, 26)),
    ):
        if day.weekday() >= SATURDAY:
            observed = _next_weekday_not_taken(day, taken)
            taken.add(observed)
            days.append(BankHoliday(observed, title, is_substitute_day=True))
    days.extend(
        BankHoliday(day, title, is_one_off=True) for day, title in ADDED if day.year == year
    )
    return sorted(days, key=lambda holiday: holiday.holiday_date)
