"""`marts.fct_la_year` (DfE's official measures from each year's return as delivered)
against the truth of the synthetic world.

On the clean world every return is perfect, so each measure must equal the truth's
official basis (`truth/expected_la_year`: what DfE would compute from perfect returns,
information as at each 31 March) for every LA-year: XML 2017-2026, and the NPD wherever it
carries the measure. On the quirky world the official figures differ from the truth; the
difference per measure is printed, and only what must hold is asserted.
"""

from __future__ import annotations

from collections import defaultdict

import pyarrow.parquet as pq
import pytest

from cin_warehouse.synth import measures

# The published measures, in the truth's one list of them (the truth's columns).
MEASURES = measures.COLUMNS
# What the NPD cannot carry in any year (no assessment or section 47 module).
NPD_NEVER = {
    "assessments_completed",
    "single_assessments_completed",
    "single_assessments_within_45wd",
    "s47_enquiries",
    "children_s47",
    "icpcs",
    "children_icpc",
}
FIRST_XML_YEAR = 2017


def _truth(world_dir, name: str = "expected_la_year") -> dict[tuple[int, str], dict]:
    rows = pq.read_table(world_dir / "truth" / f"{name}.parquet").to_pylist()
    return {(r["census_year"], r["la_code"]): r for r in rows}


def _fct(con, source: str) -> dict[tuple[int, str], dict]:
    cursor = con.execute(
        "select * from marts.fct_la_year where source_kind = ? order by census_year, la_code",
        [source],
    )
    names = [d[0] for d in cursor.description]
    return {
        (r["census_year"], r["la_code"]): r
        for r in (dict(zip(names, row, strict=True)) for row in cursor.fetchall())
    }


def _compare(fct: dict, truth: dict, years: set[int]) -> tuple[list, dict[str, int]]:
    """Mismatches (year, LA, measure, fct, truth) and how many LA-years were compared per
    measure (NULLs in fct are not compared)."""
    mismatches, compared = [], defaultdict(int)
    for key in sorted(k for k in truth.keys() | fct.keys() if k[0] in years):
        expected, got = truth.get(key, {}), fct.get(key)
        for measure in MEASURES:
            want = expected.get(measure) or 0
            if got is None:
                if want:
                    mismatches.append((*key, measure, "no row", want))
                continue
            if got[measure] is None:
                continue
            compared[measure] += 1
            if got[measure] != want:
                mismatches.append((*key, measure, got[measure], want))
    return mismatches, compared


def test_clean_xml_equals_the_truth_for_every_measure_and_la_year(clean_warehouse) -> None:
    truth = _truth(clean_warehouse.world_dir)
    fct = _fct(clean_warehouse.con, "xml")
    years = {y for y, _ in truth if y >= FIRST_XML_YEAR}
    assert years == set(range(FIRST_XML_YEAR, 2027))
    mismatches, compared = _compare(fct, truth, years)
    assert not mismatches, f"{len(mismatches)} mismatches, e.g. {mismatches[:10]}"
    la_years = sum(1 for key in fct if key[0] in years)
    assert la_years == len({k for k in truth if k[0] in years}) > 0
    # Every measure of every LA-year was compared (the XML carries them all), but the
    # re-referrals of the first XML year, which need the 2015/16 return: NULL there.
    first_year = sum(1 for key in fct if key[0] == FIRST_XML_YEAR)
    assert all(fct[k]["rereferrals_12m"] is None for k in fct if k[0] == FIRST_XML_YEAR)
    assert compared["rereferrals_12m"] == la_years - first_year
    assert all(compared[m] == la_years for m in MEASURES if m != "rereferrals_12m"), compared
    assert all(row["has_return"] for row in fct.values())
    print(f"\nXML, clean world: {len(MEASURES)} measures x {la_years} LA-years exact")


def test_clean_npd_equals_the_truth_wherever_it_carries_the_measure(clean_warehouse) -> None:
    truth = _truth(clean_warehouse.world_dir)
    fct = _fct(clean_warehouse.con, "npd")
    years = {y for y, _ in truth}
    mismatches, compared = _compare(fct, truth, years)
    assert not mismatches, f"{len(mismatches)} mismatches, e.g. {mismatches[:10]}"
    # NULL exactly where the NPD lacks the variables (seed ref_npd_variable_years).
    for (year, _), row in fct.items():
        for measure in NPD_NEVER:
            assert row[measure] is None, (year, measure)
        for measure in (
            "referrals",
            "rereferrals_12m",
            "children_referred",
            "children_in_need_31mar",
        ):
            assert row[measure] is not None, (year, measure)
        assert (row["referrals_nfa"] is None) == (year == 2009)
        assert (row["episodes_ending"] is None) == (year == 2009)
        assert (row["cpp_starting"] is None) == (2010 <= year <= 2012)
        assert (row["cpp_31mar"] is None) == (year <= 2012)
    print(
        "\nNPD, clean world, LA-years compared exactly per measure: "
        + ", ".join(f"{m} {compared[m]}" for m in MEASURES if compared[m])
    )


@pytest.mark.parametrize("source", ["xml", "npd"])
def test_quirky_returns_report_their_difference_from_the_truth(warehouse, source: str) -> None:
    truth = _truth(warehouse.world_dir)
    fct = _fct(warehouse.con, source)
    years = {y for y, _ in truth if source == "npd" or y >= FIRST_XML_YEAR}
    lines = [f"\n{source.upper()}, quirky world: fct_la_year minus truth, per measure"]
    for measure in MEASURES:
        pairs = [
            (row[measure], truth.get(key, {}).get(measure) or 0)
            for key, row in fct.items()
            if key[0] in years and row[measure] is not None
        ]
        if not pairs:
            continue
        differing = sum(got != want for got, want in pairs)
        total_got, total_want = sum(g for g, _ in pairs), sum(w for _, w in pairs)
        pct = 100 * (total_got - total_want) / total_want if total_want else 0.0
        lines.append(
            f"  {measure:32s} LA-years differing {differing:4d}/{len(pairs):4d}"
            f"  total {total_got:8,d} vs {total_want:8,d} ({pct:+.1f} %)"
        )
    print("\n".join(lines))
    # What must hold whatever the damage: no LA-year without a return has a figure, no
    # figure is negative, and every LA-year of the truth has its row.
    for row in fct.values():
        values = [row[m] for m in MEASURES]
        if not row["has_return"]:
            assert all(v is None for v in values), row
        assert all(v is None or v >= 0 for v in values), row
    assert {k for k in truth if k[0] in years} <= set(fct)
