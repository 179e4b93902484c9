"""The official measures the generator computes from the truth (`expected_la_year`), and the
calibration report built on them, checked against an independent computation.

`measures.py` computes the DfE measures in one DuckDB query; here the same definitions
(docs/cin_census.md §7, DfE methodology) are applied row by row in plain Python to the truth
Parquet files of the test world, and the two must agree exactly for every LA and year.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cin_warehouse.synth import calibration, geography

OUTCOME_NFA, OUTCOME_ASSESSED_NOT_IN_NEED, OUTCOME_CIN = 0, 1, 2
CHECKED = (
    "referrals",
    "rereferrals_12m",
    "referrals_nfa",
    "referrals_assessed_not_in_need",
    "episodes_starting",
    "children_in_need_31mar",
    "s47_enquiries",
    "icpcs",
    "cpp_starting",
    "cpp_31mar",
)


def _rows(truth_dir, name: str) -> list[dict]:
    return pq.read_table(truth_dir / f"{name}.parquet").to_pylist()


def _census_year(day: date) -> int:
    return day.year + 1 if day.month >= 4 else day.year


def independent_measures(truth_dir, census_years: list[int]) -> dict[tuple[int, str], Counter]:
    """Each measure per (census year, LA code), one record at a time."""
    areas = {a.index: a for a in geography.areas()}
    identities = {i["identity_id"]: i for i in _rows(truth_dir, "identities")}
    episodes = {e["episode_id"]: e for e in _rows(truth_dir, "episodes")}

    def la_code(identity_id: int, year: int) -> str:
        identity = identities[identity_id]
        branch = areas[identity["area_index"]].branches[identity["branch_index"]]
        return geography.code_at(branch, date(year, 3, 31)).old_code

    def is_cin_episode(e: dict) -> bool:
        # A referral that is neither NFA nor closed after an assessment alone (RC8/RC9).
        return e["outcome"] == OUTCOME_CIN or (
            e["outcome"] == OUTCOME_ASSESSED_NOT_IN_NEED
            and e["closure_reason"] not in ("RC8", "RC9")
        )

    out: dict[tuple[int, str], Counter] = defaultdict(Counter)
    # Re-referral within 12 months: the child's previous referral (in date order, ties
    # in episode order) was at most 365 days before.
    by_child: dict[int, list[dict]] = defaultdict(list)
    for e in episodes.values():
        by_child[e["identity_id"]].append(e)
    previous_referral: dict[int, date] = {}
    for child_episodes in by_child.values():
        child_episodes.sort(key=lambda e: (e["referral_date"], e["episode_id"]))
        for before, after in zip(child_episodes, child_episodes[1:], strict=False):
            previous_referral[after["episode_id"]] = before["referral_date"]
    for e in episodes.values():
        referral = e["referral_date"]
        year = _census_year(referral)
        if year not in census_years:
            continue
        m = out[(year, la_code(e["identity_id"], year))]
        m["referrals"] += 1
        previous = previous_referral.get(e["episode_id"])
        m["rereferrals_12m"] += previous is not None and (referral - previous).days <= 365
        m["referrals_nfa"] += e["outcome"] == OUTCOME_NFA
        m["referrals_assessed_not_in_need"] += e["outcome"] == OUTCOME_ASSESSED_NOT_IN_NEED and e[
            "closure_reason"
        ] in ("RC8", "RC9")
        m["episodes_starting"] += is_cin_episode(e)
    children_31mar: dict[tuple[int, str], set] = defaultdict(set)
    for year in census_years:
        year_end = date(year, 3, 31)
        for e in episodes.values():
            closure = e["closure_date"]
            if (
                is_cin_episode(e)
                and e["referral_date"] <= year_end
                and (closure is None or closure > year_end)
            ):
                children_31mar[(year, la_code(e["identity_id"], year))].add(e["identity_id"])
    for key, children in children_31mar.items():
        out[key]["children_in_need_31mar"] = len(children)
    enquiries, conferences = defaultdict(set), defaultdict(set)
    for s in _rows(truth_dir, "s47"):
        identity = episodes[s["episode_id"]]["identity_id"]
        for day, seen in ((s["start_date"], enquiries), (s["icpc_date"], conferences)):
            if day is not None and _census_year(day) in census_years:
                year = _census_year(day)
                seen[(year, la_code(identity, year))].add((identity, day))
    # Conferences are also recorded on CINdetails: transfer-ins from another LA.
    for e in episodes.values():
        day = e["transfer_in_icpc_date"]
        if day is not None and _census_year(day) in census_years:
            year = _census_year(day)
            conferences[(year, la_code(e["identity_id"], year))].add((e["identity_id"], day))
    for key, distinct in enquiries.items():
        out[key]["s47_enquiries"] = len(distinct)
    for key, distinct in conferences.items():
        out[key]["icpcs"] = len(distinct)
    for c in _rows(truth_dir, "cpps"):
        identity = episodes[c["episode_id"]]["identity_id"]
        start, end = c["start_date"], c["end_date"]
        for year in census_years:
            year_start, year_end = date(year - 1, 4, 1), date(year, 3, 31)
            key = (year, la_code(identity, year))
            out[key]["cpp_starting"] += year_start <= start <= year_end
            out[key]["cpp_31mar"] += start <= year_end and (end is None or end > year_end)
    return out


def test_expected_la_year_equals_an_independent_computation(world) -> None:
    expected = pq.read_table(world.truth_dir / "expected_la_year.parquet").to_pylist()
    years = sorted({row["census_year"] for row in expected})
    independent = independent_measures(world.truth_dir, years)
    mismatches = []
    for row in expected:
        mine = independent.get((row["census_year"], row["la_code"]), Counter())
        for measure in CHECKED:
            if (row[measure] or 0) != mine[measure]:
                mismatches.append(
                    (row["census_year"], row["la_code"], measure, row[measure], mine[measure])
                )
    assert not mismatches, mismatches[:10]
    # Not vacuous: every measure is non-zero somewhere, and every LA-year found here is
    # in the generator's table.
    for measure in CHECKED:
        assert sum(row[measure] or 0 for row in expected) > 0, measure
    keys = {(row["census_year"], row["la_code"]) for row in expected}
    assert {k for k, m in independent.items() if any(m.values())} <= keys


def test_calibration_compares_scaled_england_totals_with_the_published_figures() -> None:
    published = calibration.published_national()[2015]
    scale = 0.5
    # Two LAs whose sum, scaled up, is 4% above the published referrals; re-referrals 3
    # points above the published rate; NFA and assessed-not-in-need exactly on it.
    total = published["referrals"] * 1.04 * scale

    def of_total(pct: float) -> list[int]:
        return [0, round(total * pct / 100)]

    expected = pa.table(
        {
            "census_year": [2015, 2015, 2012],
            "la_code": ["901", "902", "901"],
            "referrals": [round(total / 2), round(total / 2), 1],
            "rereferrals_12m": [*of_total(published["rereferrals_12m_pct"] + 3), 0],
            "referrals_nfa": [*of_total(published["referrals_nfa_pct"]), 0],
            "referrals_assessed_not_in_need": [*of_total(published["assessed_not_in_need_pct"]), 0],
        }
    )
    counts = pa.table(
        {
            "census_year": [2015, 2012],
            "la_code": ["901", "901"],
            "children": [round(892_747 * 0.85 * scale), 10],
            "cin_details_records": [round(1_018_474 * scale), round(939_095 * scale)],
        }
    )
    results = {(c.census_year, c.measure): c for c in calibration.compare(expected, counts, scale)}
    assert results[(2015, "referrals")].difference == pytest.approx(4.0, abs=0.01)
    assert results[(2015, "rereferrals_12m_pct")].difference == pytest.approx(3.0, abs=0.01)
    assert results[(2015, "referrals_nfa_pct")].difference == pytest.approx(0.0, abs=0.01)
    assert results[(2015, "bmj_children")].difference == pytest.approx(-15.0, abs=0.01)
    assert results[(2015, "bmj_episodes")].difference == pytest.approx(0.0, abs=0.01)
    outside = {key for key, c in results.items() if not c.within}
    assert outside == {(2015, "rereferrals_12m_pct"), (2015, "bmj_children")}
    # The 2011/12 Table 1 count of children is a transcription slip: not compared.
    assert (2012, "bmj_children") not in results
    assert (2012, "bmj_episodes") in results
    assert "5 of 7 comparisons within tolerance" in calibration.render(list(results.values()))


def test_overlapping_records_equal_an_independent_count(world) -> None:
    keys = _rows(world.truth_dir, "record_keys")
    spans: dict[tuple, list[tuple[date, date]]] = defaultdict(list)
    for k in keys:
        referral = date.fromisoformat(k["referral_date_written"])
        written = k["closure_date_written"]
        closure = date.fromisoformat(written) if written else date.max
        spans[(k["census_year"], k["la_code"], k["la_child_id"])].append((referral, closure))
    overlapping: Counter = Counter()
    for (year, la, _), child_spans in spans.items():
        for i, (referral, closure) in enumerate(child_spans):
            others = child_spans[:i] + child_spans[i + 1 :]
            overlapping[(year, la)] += any(r <= closure and referral <= c for r, c in others)
    counts = _rows(world.truth_dir, "return_counts")
    assert {(c["census_year"], c["la_code"]): c["overlapping_records"] for c in counts} == {
        (c["census_year"], c["la_code"]): overlapping[(c["census_year"], c["la_code"])]
        for c in counts
    }
    # The quirky test world has overlaps (missing closures, phantom re-referrals).
    assert sum(overlapping.values()) > 0
    report = calibration.render_overlaps(pq.read_table(world.truth_dir / "return_counts.parquet"))
    assert "| 2016 |" in report and "| 2009-2016 |" in report


def test_shown_counts_are_scaled_and_compared_with_the_published_ones() -> None:
    published = calibration.published_national()
    s47_2013, icpcs_2013 = published[2013]["s47_enquiries"], published[2013]["icpcs"]
    scale = 0.01
    # Two LAs in 2013: s47 10% above the published count, ICPCs exactly on it; 2016 has
    # no published count and must not be shown.
    expected = pa.table(
        {
            "census_year": [2013, 2013, 2016],
            "la_code": ["901", "902", "901"],
            "s47_enquiries": [round(s47_2013 * 1.1 * scale) - 100, 100, 5],
            "icpcs": [round(icpcs_2013 * scale) - 50, 50, 5],
        }
    )
    lines = calibration.render_shown(expected, scale).splitlines()
    rows = [line for line in lines if line.startswith("| 20")]
    assert rows == [
        f"| 2013 | s47_enquiries | {round(s47_2013 * 1.1 * scale) / scale:,.0f}"
        f" | {s47_2013:,.0f} | +10.0 % |",
        f"| 2013 | icpcs | {icpcs_2013:,.0f} | {icpcs_2013:,.0f} | +0.0 % |",
    ]
