"""`marts.fct_la_year`'s referral, children-referred and re-referral counts against an
independent computation in Python, on the quirky world.

On the quirky world the official figures differ from the truth, so test_fct_la_year.py can
only report their difference there. Here the same rules (DfE methodology 2016-17: a
referral is LA + child + referral date; children referred are distinct children; a
re-referral follows the child's previous referral, this year's or last year's return's, by
365 days or less) are applied in plain Python to the conformed records the model reads,
quirks included, and every LA-year must agree. The world's predecessor LAs (835-837 before
BCP 839, 928 before North Northamptonshire 940) exercise the successor codes. The model
counts re-referrals without sorting (fct_la_year.sql, rereferral_measures); this sorts
each child's dates and takes consecutive pairs, the methodology's own wording.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

Key = tuple[str, int, str]


def _referrals(con) -> dict[tuple[str, int, str, str | None, dt.date | None], None]:
    """One entry per source, census year, LA, child and referral date (NPD plan rows of one
    referral are one referral), in the census years of the seed."""
    rows = con.execute(
        "select distinct source_kind, census_year, la_code, la_child_id, referral_date"
        " from intermediate.int_records_conformed__episode_year"
    ).fetchall()
    return dict.fromkeys(rows)


def _expected(con) -> tuple[dict[Key, int], dict[Key, int], dict[Key, int]]:
    periods = {
        year: (start, end)
        for year, start, end in con.execute(
            "select census_year, period_start, period_end from reference.ref_census_years"
        ).fetchall()
    }
    # An LA that ended with a reorganisation: its referrals are last year's referrals of
    # each of its successors the next year.
    successors: dict[tuple[str, int], list[str]] = defaultdict(list)
    for code, last_year, codes in con.execute(
        "select distinct la_code, last_census_year, successor_la_codes"
        " from reference.ref_local_authorities where successor_la_codes is not null"
    ).fetchall():
        for successor in codes.split(";"):
            successors[(code, last_year + 1)].append(successor.strip())

    referrals: dict[Key, int] = defaultdict(int)
    children: dict[Key, set[str]] = defaultdict(set)
    this_year: dict[tuple[str, int, str, str], list[dt.date]] = defaultdict(list)
    last_year: dict[tuple[str, int, str, str], dt.date] = {}
    for source, year, la, child, date in _referrals(con):
        if year in periods and date is not None:
            start, end = periods[year]
            if start <= date <= end:
                referrals[(source, year, la)] += 1
                if child is not None:
                    children[(source, year, la)].add(child)
                    this_year[(source, year, la, child)].append(date)
        # last year's referrals of its own 1 April - 31 March year, the latest per child
        if (
            child is not None
            and date is not None
            and dt.date(year - 1, 4, 1) <= date <= dt.date(year, 3, 31)
        ):
            for next_la in successors.get((la, year + 1), [la]):
                key = (source, year + 1, next_la, child)
                last_year[key] = max(date, last_year.get(key, date))

    rereferrals: dict[Key, int] = defaultdict(int)
    for (source, year, la, child), dates in this_year.items():
        previous = last_year.get((source, year, la, child))
        for date in sorted(dates):
            if previous is not None and (date - previous).days <= 365:
                rereferrals[(source, year, la)] += 1
            previous = date
    return referrals, {k: len(v) for k, v in children.items()}, rereferrals


def test_referral_counts_equal_an_independent_computation_on_the_quirky_world(
    warehouse,
) -> None:
    referrals, children, rereferrals = _expected(warehouse.con)
    rows = warehouse.con.execute(
        "select source_kind, census_year, la_code, referrals, children_referred,"
        " rereferrals_12m from marts.fct_la_year where has_return"
    ).fetchall()
    assert rows
    mismatches, compared_rereferrals = [], 0
    for source, year, la, got_referrals, got_children, got_rereferrals in rows:
        key = (source, year, la)
        want = (referrals.get(key, 0), children.get(key, 0), rereferrals.get(key, 0))
        if (got_referrals, got_children) != want[:2]:
            mismatches.append((key, (got_referrals, got_children), want[:2]))
        if got_rereferrals is not None:
            compared_rereferrals += 1
            if got_rereferrals != want[2]:
                mismatches.append((key, "rereferrals_12m", got_rereferrals, want[2]))
    assert not mismatches, mismatches[:10]
    # the re-referrals were compared, and some were found, in both sources
    assert compared_rereferrals > len(rows) / 2
    assert {k[0] for k, n in rereferrals.items() if n} == {"npd", "xml"}
