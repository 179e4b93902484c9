"""`marts.fct_la_year_reconstructed` (DfE's measures from the rebuilt episodes and plans)
against the synthetic world's hindsight truth, beside `marts.fct_la_year` (each year's
return as delivered) against both truths.

The truths: `expected_la_year` (official basis: what DfE computes from perfect returns,
information as at each 31 March) and `expected_la_year_hindsight` (same measures, a case's
"assessed not in need" decided by its final closure, re-referrals against every earlier
referral): the basis a reconstruction across years should approach.

"Closer" is the sum over LA-years of |figure - truth|, for each source and measure, over
the LA-years where the official figure is not NULL (the reconstructed one is NULL exactly
there too). XML: census years 2017 on (the XML's years); NPD: every year.
"""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from tests.python.la_year.test_fct_la_year import FIRST_XML_YEAR, MEASURES

# The measures the cleaning touches, and why:
# - referral and episode measures: amended referral dates move referrals between years
#   (fct_episode.referral_date is the latest return's); closures known from later returns
#   decide "assessed not in need" with hindsight and end episodes the year's return left
#   open; episodes that dropped out of the returns without a closure get an inferred one;
#   phantom re-referrals of open cases (overlap_kind 'rereferral_of_open_case') are not
#   referrals, episodes or previous referrals.
# - plan spans: rebuilt plans (fct_cpp: start dates reconciled across returns, ends
#   inferred for plans that dropped out), and a plan counts only in years a return shows it.
# Not touched: referrals_nfa (the latest return's flag either way, and a phantom
# re-referral is a referral recorded as continuing an open case, not an NFA),
# cpp_second_or_later (NumberOfPreviousCPP as returned), and the assessment, section 47
# and conference counts (dated events, the same in every return that holds them).
# The referral and episode measures of MEASURES (up to children_in_need_31mar), NFA aside.
EPISODE_MEASURES = tuple(
    m for m in MEASURES[: MEASURES.index("children_in_need_31mar") + 1] if m != "referrals_nfa"
)
PLAN_MEASURES = (
    "cpp_starting",
    "children_starting_cpp",
    "cpp_any_point",
    "children_cpp_any_point",
    "cpp_ended",
    "cpp_31mar",
)
TOUCHED = set(EPISODE_MEASURES) | set(PLAN_MEASURES)
# Every touched measure is closer, both sources. XML episodes_ending was the last not
# closer (267 against the official 254 on this world: inferred closures of cases closed
# after an assessment that found no factors counted as CIN episodes, on 31 March of a
# year the LA still returned them in) until int_episodes_folded placed such a closure on
# the assessment's authorisation, read as closed after assessment (142 against 254).
SOURCES = ("xml", "npd")


def _truth(world_dir, name: str) -> dict[tuple[int, str], dict]:
    rows = pq.read_table(world_dir / "truth" / f"{name}.parquet").to_pylist()
    return {(r["census_year"], r["la_code"]): r for r in rows}


def _rows(con, model: str, source: str) -> dict[tuple[int, str], dict]:
    cursor = con.execute(f"select * from marts.{model} where source_kind = ?", [source])
    names = [d[0] for d in cursor.description]
    return {
        (r["census_year"], r["la_code"]): r
        for r in (dict(zip(names, row, strict=True)) for row in cursor.fetchall())
    }


def _years(source: str, keys) -> set[int]:
    return {y for y, _ in keys if source == "npd" or y >= FIRST_XML_YEAR}


def _distance(rows: dict, truth: dict, keys: list, measure: str) -> int:
    return sum(abs(rows[k][measure] - (truth.get(k, {}).get(measure) or 0)) for k in keys)


def _compared(official: dict, measure: str, years: set[int]) -> list:
    return sorted(k for k, row in official.items() if k[0] in years and row[measure] is not None)


@pytest.fixture(scope="module")
def quirky_figures(warehouse) -> dict[str, dict[str, tuple[int, int, int, int, int, int]]]:
    """Per source and measure: official vs the official truth, official vs hindsight,
    reconstructed vs hindsight, LA-years compared, the hindsight total, and reconstructed
    vs official (how much the cleaning moved the measure on this world)."""
    truth = _truth(warehouse.world_dir, "expected_la_year")
    hindsight = _truth(warehouse.world_dir, "expected_la_year_hindsight")
    figures: dict[str, dict[str, tuple[int, int, int, int, int, int]]] = {}
    for source in SOURCES:
        official = _rows(warehouse.con, "fct_la_year", source)
        rebuilt = _rows(warehouse.con, "fct_la_year_reconstructed", source)
        assert set(rebuilt) == set(official), "the same LA-years as fct_la_year"
        years = _years(source, official)
        figures[source] = {}
        for measure in MEASURES:
            for key, row in official.items():
                assert (row[measure] is None) == (rebuilt[key][measure] is None), (key, measure)
            keys = _compared(official, measure, years)
            if not keys:
                continue
            figures[source][measure] = (
                _distance(official, truth, keys, measure),
                _distance(official, hindsight, keys, measure),
                _distance(rebuilt, hindsight, keys, measure),
                len(keys),
                sum(hindsight.get(k, {}).get(measure) or 0 for k in keys),
                sum(abs(rebuilt[k][measure] - official[k][measure]) for k in keys),
            )
    return figures


def test_quirky_report_and_reconstructed_is_closer_to_hindsight(quirky_figures) -> None:
    lines = [
        "\nQuirky world: sum over LA-years of |figure - truth| per measure"
        " (official = fct_la_year, rebuilt = fct_la_year_reconstructed)"
    ]
    for source, figures in quirky_figures.items():
        lines.append(
            f"  {source.upper():4s} {'measure':32s} {'official-truth':>14s}"
            f" {'official-hindsight':>18s} {'rebuilt-hindsight':>17s} {'LA-years':>8s}"
            f" {'hindsight total':>15s}"
        )
        for measure, (off_t, off_h, reb_h, n, total, _) in figures.items():
            mark = "*" if measure in TOUCHED else " "
            lines.append(
                f"  {mark:4s} {measure:32s} {off_t:14,d} {off_h:18,d} {reb_h:17,d} {n:8d}"
                f" {total:15,d}"
            )
    lines.append("  (* the measures the cleaning touches)")
    print("\n".join(lines))
    not_closer = []
    for source, figures in quirky_figures.items():
        # The quirky world must damage every episode measure, or the test proves nothing.
        damaged = {m for m in EPISODE_MEASURES if figures[m][1] > 0}
        assert damaged == set(EPISODE_MEASURES), (source, set(EPISODE_MEASURES) - damaged)
        for measure, (_, off_h, reb_h, _, _, moved) in figures.items():
            touched = measure in TOUCHED and off_h > 0
            # A plan measure the cleaning left exactly as returned on this world (every
            # LA-year equal) is not judged "not closer": its whole distance is plans no
            # return shows (NPD: no plan fields for referrals of 2009/10-2011/12, cases
            # left out of the 2008/09-2011/12 returns), which no rebuild can count. Where
            # the cleaning moved it at all, it must have moved it closer; the episode
            # measures must always be closer.
            unmoved_plan_measure = measure in PLAN_MEASURES and moved == 0
            if reb_h > off_h or (touched and reb_h == off_h and not unmoved_plan_measure):
                not_closer.append((source, measure, reb_h, off_h))
    assert not not_closer, f"not closer (source, measure, rebuilt, official): {not_closer}"


def _clean_mismatches(clean_warehouse, source: str) -> list[tuple]:
    hindsight = _truth(clean_warehouse.world_dir, "expected_la_year_hindsight")
    rebuilt = _rows(clean_warehouse.con, "fct_la_year_reconstructed", source)
    years = _years(source, rebuilt)
    assert rebuilt and years
    mismatches = []
    for key in sorted(k for k in rebuilt if k[0] in years):
        for measure in MEASURES:
            got, want = rebuilt[key][measure], hindsight.get(key, {}).get(measure) or 0
            if got is not None and got != want:
                mismatches.append((*key, measure, got, want))
    return mismatches


# Where no file holds what the hindsight truth knows: the first census (2008/09) covered
# 1 October 2008 - 31 March 2009, so a referral of April-September 2008 closed before
# 1 October is in no extract, and the re-referrals it made of 2008/09 and 2009/10
# referrals cannot be seen. Measured on the clean test world: 73 re-referrals short in
# 2009, 4 in 2010 (11 LA-years).
NPD_UNKNOWABLE = {(2009, "rereferrals_12m"), (2010, "rereferrals_12m")}


def test_clean_xml_reconstructed_equals_the_hindsight_truth(clean_warehouse) -> None:
    mismatches = _clean_mismatches(clean_warehouse, "xml")
    assert not mismatches, f"{len(mismatches)} mismatches, e.g. {mismatches[:10]}"


def test_clean_npd_reconstructed_equals_the_hindsight_truth_where_data_allow(
    clean_warehouse,
) -> None:
    mismatches = _clean_mismatches(clean_warehouse, "npd")
    knowable = [m for m in mismatches if (m[0], m[2]) not in NPD_UNKNOWABLE]
    assert not knowable, f"{len(knowable)} mismatches, e.g. {knowable[:10]}"
    short = {y: sum(w - g for yy, _, m, g, w in mismatches if yy == y) for y in (2009, 2010)}
    print(f"\nNPD clean world, re-referrals short of the hindsight truth: {short}")


@pytest.mark.xfail(
    strict=True,
    reason="no extract holds the April-September 2008 referrals closed before the first census"
    " period (1 October 2008): on the clean test world 73 re-referrals short in 2009 and 4 in"
    " 2010",
)
def test_clean_npd_rereferrals_of_2009_and_2010_equal_the_hindsight_truth(
    clean_warehouse,
) -> None:
    mismatches = _clean_mismatches(clean_warehouse, "npd")
    assert not [m for m in mismatches if (m[0], m[2]) in NPD_UNKNOWABLE]
