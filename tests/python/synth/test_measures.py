"""The official measures the generator computes from the truth (`expected_la_year`, and the
hindsight basis `expected_la_year_hindsight`), and the calibration report built on them,
checked against an independent computation.

`measures.py` computes the DfE measures of both bases in one DuckDB query; here the same
definitions (docs/cin_census.md §7, DfE methodology 2016-17) are applied record by record in
plain Python to the truth Parquet files of the test world, and the two must agree exactly
for every LA and year, on each basis:
- official: what each year's perfect return shows, information as at its 31 March (a
  closure after 31 March is not in it), census year 2009 = 1 October 2008 - 31 March 2009,
  re-referrals against last year's return;
- hindsight: "assessed not in need" from the final closure, re-referrals against every
  earlier referral of the child.
"""

from __future__ import annotations

import tomllib
from collections import Counter, defaultdict
from datetime import date

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cin_warehouse.synth import calibration, geography, measures
from cin_warehouse.synth import world as synth_world
from cin_warehouse.synth.config import CONFIG_PATH, GeneratorSettings

FIRST_CENSUS_YEAR = 2009
FIRST_PERIOD_START = date(2008, 10, 1)
CHECKED = (
    "referrals",
    "rereferrals_12m",
    "referrals_nfa",
    "referrals_assessed_not_in_need",
    "children_referred",
    "episodes_starting",
    "children_starting_episode",
    "episodes_any_point",
    "children_in_need_any_point",
    "episodes_ending",
    "children_in_need_31mar",
    "s47_enquiries",
    "icpcs",
    "cpp_starting",
    "cpp_31mar",
)
TABLES = {"official": "expected_la_year", "hindsight": "expected_la_year_hindsight"}


def _rows(truth_dir, name: str) -> list[dict]:
    return pq.read_table(truth_dir / f"{name}.parquet").to_pylist()


def period(year: int) -> tuple[date, date]:
    """The collection period of a census year (2008/09 began on 1 October 2008)."""
    start = FIRST_PERIOD_START if year == FIRST_CENSUS_YEAR else date(year - 1, 4, 1)
    return start, date(year, 3, 31)


def _census_year(day: date) -> int | None:
    """The census year whose collection period holds `day` (None before October 2008)."""
    year = day.year + 1 if day.month >= 4 else day.year
    return year if day >= period(year)[0] else None


def independent_measures(
    truth_dir, census_years: list[int], basis: str
) -> dict[tuple[int, str], Counter]:
    """Each measure per (census year, LA code), one record at a time, on one basis."""
    areas = {a.index: a for a in geography.areas()}
    identities = {i["identity_id"]: i for i in _rows(truth_dir, "identities")}
    episodes = {e["episode_id"]: e for e in _rows(truth_dir, "episodes")}
    s47_rows, cpp_rows = _rows(truth_dir, "s47"), _rows(truth_dir, "cpps")
    first_protection: dict[int, date] = {}
    for row in (*s47_rows, *cpp_rows):
        known = first_protection.get(row["episode_id"])
        if known is None or row["start_date"] < known:
            first_protection[row["episode_id"]] = row["start_date"]

    def la_code(identity_id: int, year: int) -> str:
        identity = identities[identity_id]
        branch = areas[identity["area_index"]].branches[identity["branch_index"]]
        return geography.code_at(branch, date(year, 3, 31)).old_code

    def known_by(year: int) -> date:
        # Official: the return of the year knows what happened by its 31 March.
        return period(year)[1] if basis == "official" else date.max

    def assessed_not_in_need(e: dict, as_at: date) -> bool:
        # Closed RC8/RC9 with no s47 enquiry or plan: only an assessment (methodology B1).
        closure, protection = e["closure_date"], first_protection.get(e["episode_id"])
        return (
            not e["is_referral_nfa"]
            and e["closure_reason"] in ("RC8", "RC9")
            and closure is not None
            and closure <= as_at
            and (protection is None or protection > as_at)
        )

    def is_cin_episode(e: dict, as_at: date) -> bool:
        return not e["is_referral_nfa"] and not assessed_not_in_need(e, as_at)

    def in_return(e: dict, year: int) -> bool:
        start, end = period(year)
        closure = e["closure_date"]
        return e["referral_date"] <= end and (closure is None or closure >= start)

    by_child: dict[int, list[dict]] = defaultdict(list)
    for e in episodes.values():
        by_child[e["identity_id"]].append(e)
    for child_episodes in by_child.values():
        child_episodes.sort(key=lambda e: (e["referral_date"], e["episode_id"]))

    def previous_referral(e: dict, year: int) -> date | None:
        """The child's referral just before `e` among those the basis compares with."""
        earlier = []
        for other in by_child[e["identity_id"]]:
            if (other["referral_date"], other["episode_id"]) >= (
                e["referral_date"],
                e["episode_id"],
            ):
                break
            if basis == "hindsight":
                earlier.append(other["referral_date"])
                continue
            start, end = period(year)
            this_year = start <= other["referral_date"] <= end
            # Last year's return: its year's referrals (from 1 April), those referred
            # before its collection period only if open when it began.
            last_year = (
                year > FIRST_CENSUS_YEAR
                and date(year - 2, 4, 1) <= other["referral_date"] <= date(year - 1, 3, 31)
                and (other["closure_date"] is None or other["closure_date"] >= period(year - 1)[0])
            )
            if this_year or last_year:
                earlier.append(other["referral_date"])
        return earlier[-1] if earlier else None

    out: dict[tuple[int, str], Counter] = defaultdict(Counter)
    children: dict[tuple[int, str, str], set] = defaultdict(set)
    for year in census_years:
        start, end = period(year)
        as_at = known_by(year)
        for e in episodes.values():
            if not in_return(e, year):
                continue
            key = (year, la_code(e["identity_id"], year))
            child, m = e["identity_id"], out[key]
            referred = e["referral_date"] >= start
            closure = e["closure_date"]
            cin = is_cin_episode(e, as_at)
            if referred:
                m["referrals"] += 1
                children[(*key, "children_referred")].add(child)
                previous = previous_referral(e, year)
                m["rereferrals_12m"] += (
                    previous is not None and (e["referral_date"] - previous).days <= 365
                )
                m["referrals_nfa"] += e["is_referral_nfa"]
                m["referrals_assessed_not_in_need"] += assessed_not_in_need(e, as_at)
            if not cin:
                continue
            m["episodes_any_point"] += 1
            children[(*key, "children_in_need_any_point")].add(child)
            if referred:
                m["episodes_starting"] += 1
                children[(*key, "children_starting_episode")].add(child)
            if closure is not None and start <= closure <= end:
                m["episodes_ending"] += 1
            if closure is None or closure > end:
                children[(*key, "children_in_need_31mar")].add(child)
    for (year, la, measure), seen in children.items():
        out[(year, la)][measure] = len(seen)
    enquiries, conferences = defaultdict(set), defaultdict(set)
    for s in s47_rows:
        identity = episodes[s["episode_id"]]["identity_id"]
        for day, seen in ((s["start_date"], enquiries), (s["icpc_date"], conferences)):
            year = None if day is None else _census_year(day)
            if year in census_years:
                seen[(year, la_code(identity, year))].add((identity, day))
    # Conferences are also recorded on CINdetails: transfer-ins from another LA.
    for e in episodes.values():
        day = e["transfer_in_icpc_date"]
        year = None if day is None else _census_year(day)
        if year in census_years:
            conferences[(year, la_code(e["identity_id"], year))].add((e["identity_id"], day))
    for key, distinct in enquiries.items():
        out[key]["s47_enquiries"] = len(distinct)
    for key, distinct in conferences.items():
        out[key]["icpcs"] = len(distinct)
    for c in cpp_rows:
        identity = episodes[c["episode_id"]]["identity_id"]
        start, end = c["start_date"], c["end_date"]
        for year in census_years:
            year_start, year_end = period(year)
            key = (year, la_code(identity, year))
            out[key]["cpp_starting"] += year_start <= start <= year_end
            out[key]["cpp_31mar"] += start <= year_end and (end is None or end > year_end)
    return out


@pytest.mark.parametrize("basis", ["official", "hindsight"])
def test_expected_la_year_equals_an_independent_computation(world, basis: str) -> None:
    expected = pq.read_table(world.truth_dir / f"{TABLES[basis]}.parquet").to_pylist()
    years = sorted({row["census_year"] for row in expected})
    independent = independent_measures(world.truth_dir, years, basis)
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


def test_the_two_bases_differ_by_the_closures_after_31_march(world) -> None:
    """Children in need at 31 March: the official figure counts, beyond the hindsight one,
    exactly the cases open at 31 March that a later closure RC8/RC9 (after an assessment
    alone) removes with hindsight; counted here straight from the episodes."""
    tables = {b: _rows(world.truth_dir, t) for b, t in TABLES.items()}
    cin_31mar = {
        b: {(r["census_year"], r["la_code"]): r["children_in_need_31mar"] or 0 for r in rows}
        for b, rows in tables.items()
    }
    episodes = _rows(world.truth_dir, "episodes")
    protected = {r["episode_id"] for r in _rows(world.truth_dir, "s47")} | {
        r["episode_id"] for r in _rows(world.truth_dir, "cpps")
    }
    areas = {a.index: a for a in geography.areas()}
    identities = {i["identity_id"]: i for i in _rows(world.truth_dir, "identities")}
    open_then_closed: dict[tuple[int, str], set] = defaultdict(set)
    for year in sorted({k[0] for k in cin_31mar["official"]}):
        end = date(year, 3, 31)
        for e in episodes:
            closure = e["closure_date"]
            if (
                e["referral_date"] <= end
                and closure is not None
                and closure > end
                and e["closure_reason"] in ("RC8", "RC9")
                and not e["is_referral_nfa"]
                and e["episode_id"] not in protected
            ):
                identity = identities[e["identity_id"]]
                branch = areas[identity["area_index"]].branches[identity["branch_index"]]
                la = geography.code_at(branch, end).old_code
                open_then_closed[(year, la)].add(e["identity_id"])
    # A child is counted once: only children with no other CIN episode open at 31 March
    # move, so the difference is at most the count, and equal where no child has two.
    for key, official in cin_31mar["official"].items():
        moved = official - cin_31mar["hindsight"].get(key, 0)
        assert 0 <= moved <= len(open_then_closed.get(key, ())), (key, moved)
    total_moved = sum(cin_31mar["official"].values()) - sum(cin_31mar["hindsight"].values())
    total_cases = sum(len(v) for v in open_then_closed.values())
    assert total_moved > 0
    assert total_moved >= 0.9 * total_cases, (total_moved, total_cases)
    # The world's last year has no later closure: there the two bases agree.
    last = max(k[0] for k in cin_31mar["official"])
    assert all(
        cin_31mar["official"][k] == cin_31mar["hindsight"].get(k, 0)
        for k in cin_31mar["official"]
        if k[0] == last
    )


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
    # Scored on the truth itself, as for a clean world (no quirk effect applied).
    results = {
        (c.census_year, c.measure): c
        for c in calibration.compare(expected, counts, scale, quirks=False)
    }
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
    assert "5 of 7 comparisons within tolerance" in calibration.render(
        list(results.values()), quirks=False
    )


def test_a_world_with_quirks_is_scored_on_the_truth_times_the_measured_quirk_effect() -> None:
    """A world with quirks: each measure as DfE would compute it from the returns as
    delivered, the truth times config.toml's `[as_delivered]` factor (counts) or plus its
    shift (percentages), read here from the file itself at a year it names."""
    effects = tomllib.loads(CONFIG_PATH.read_text(encoding="utf-8"))["as_delivered"]
    factor = effects["children_in_need_31mar"]["2017"]
    shift = effects["assessed_not_in_need_pct"]["2017"]
    # the refit moved these measures: a test that cannot fail otherwise
    assert factor > 1.02 and shift < -0.5
    published = calibration.published_national()[2017]
    scale = 0.5
    # The truth sits exactly where the refit puts it: the published figure undone by the
    # effect; referrals carry their own (smaller) factor.
    referrals = round(published["referrals"] * scale)
    cin = round(published["children_in_need_31mar"] / factor * scale)
    ainn = round(referrals * (published["assessed_not_in_need_pct"] - shift) / 100)
    expected = pa.table(
        {
            "census_year": [2017],
            "la_code": ["901"],
            "referrals": [referrals],
            "children_in_need_31mar": [cin],
            "referrals_assessed_not_in_need": [ainn],
            "rereferrals_12m": [0],
            "referrals_nfa": [0],
        }
    )
    counts = pa.table(
        {"census_year": [2017], "la_code": ["901"], "children": [0], "cin_details_records": [0]}
    )
    quirky = {c.measure: c for c in calibration.compare(expected, counts, scale)}
    clean = {c.measure: c for c in calibration.compare(expected, counts, scale, quirks=False)}
    assert quirky["children_in_need_31mar"].difference == pytest.approx(0.0, abs=0.01)
    assert quirky["children_in_need_31mar"].truth == pytest.approx(cin / scale)
    assert clean["children_in_need_31mar"].difference == pytest.approx(
        100 * (1 / factor - 1), abs=0.01
    )
    assert clean["children_in_need_31mar"].truth is None
    assert quirky["assessed_not_in_need_pct"].difference == pytest.approx(0.0, abs=0.01)
    assert clean["assessed_not_in_need_pct"].difference == pytest.approx(-shift, abs=0.01)
    assert quirky["referrals"].synthetic == pytest.approx(
        referrals / scale * effects["referrals"]["2017"]
    )
    text = calibration.render(list(quirky.values()))
    assert "as DfE would compute them from this world's returns as delivered" in text
    assert f"| 2017 | children_in_need_31mar | {cin / scale:,.0f} |" in text


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


def _handmade_world(episodes: list[tuple]) -> synth_world.World:
    """A world of the given episodes (id, identity, referral, closure), every child in
    the first area's first branch, with no assessment, s47 enquiry or plan."""

    def table(schema: dict[str, pa.DataType], rows: list[dict]) -> pa.Table:
        return pa.table({c: pa.array([r[c] for r in rows], t) for c, t in schema.items()})

    area = geography.areas()[0].index
    identities = sorted({identity for _, identity, _, _ in episodes})
    return synth_world.World(
        persons=table(synth_world.PERSONS, []),
        identities=table(
            synth_world.IDENTITIES,
            [
                {
                    "identity_id": i,
                    "person_id": i,
                    "area_index": area,
                    "branch_index": 0,
                    "start_date": date(2000, 1, 1),
                    "reason": "birth",
                }
                for i in identities
            ],
        ),
        episodes=table(
            synth_world.EPISODES,
            [
                {
                    "episode_id": episode,
                    "person_id": identity,
                    "identity_id": identity,
                    "area_index": area,
                    "referral_date": referral,
                    "closure_date": closure,
                    "closure_reason": "RC1" if closure else None,
                    "outcome": 0,
                    "is_referral_nfa": False,
                    "primary_need": "N1",
                    "referral_source": "1A",
                    "transfer_in_icpc_date": None,
                }
                for episode, identity, referral, closure in episodes
            ],
        ),
        **{
            name: table(schema, [])
            for name, schema in (
                ("assessments", synth_world.ASSESSMENTS),
                ("factors", synth_world.FACTORS),
                ("s47", synth_world.S47),
                ("cpps", synth_world.CPPS),
                ("reviews", synth_world.REVIEWS),
                ("cin_plans", synth_world.CIN_PLANS),
            )
        },
        services=pa.table({}),  # (not read by the measures)
    )


def test_rereferrals_compare_with_last_years_return_in_its_edge_cases(tmp_path) -> None:
    """Re-referrals on both bases for handmade cases, by hand and by the independent
    computation above: child 1's referral of June 2009 follows one of July 2008 closed in
    August 2008 (before the 2008/09 period, so not in the 2008/09 return) and one of May
    2008 still open on 1 October 2008 (in it, but 410 days earlier); child 2's referral
    of April 2011 follows one of May 2010 in last year's return (354 days); child 3 was
    referred twice on one day."""
    handmade = _handmade_world(
        [
            (1, 1, date(2008, 5, 1), date(2009, 1, 10)),
            (2, 1, date(2008, 7, 1), date(2008, 8, 1)),
            (3, 1, date(2009, 6, 15), date(2009, 7, 1)),
            (4, 2, date(2010, 5, 1), date(2010, 6, 1)),
            (5, 2, date(2011, 4, 20), None),
            (6, 3, date(2015, 6, 1), date(2015, 7, 1)),
            (7, 3, date(2015, 6, 1), None),
        ]
    )
    settings = GeneratorSettings()
    years = list(settings.census_years)
    tables = measures.expected_la_year(handmade, years, settings)
    for name in ("episodes", "identities", "s47", "cpps"):
        pq.write_table(getattr(handmade, name), tmp_path / f"{name}.parquet")
    by_hand = {  # census year: (referrals, re-referrals official, re-referrals hindsight)
        2009: (0, 0, 0),
        2010: (1, 0, 1),
        2011: (1, 0, 0),
        2012: (1, 1, 1),
        2016: (2, 1, 1),
    }
    for basis, table in tables.items():
        rows = {row["census_year"]: row for row in table.to_pylist()}
        for year, (referrals, official, hindsight) in by_hand.items():
            rereferrals = official if basis == "official" else hindsight
            assert (rows[year]["referrals"], rows[year]["rereferrals_12m"]) == (
                referrals,
                rereferrals,
            ), (basis, year)
        independent = independent_measures(tmp_path, years, basis)
        for year, row in rows.items():
            mine = independent[(year, row["la_code"])]
            for measure in CHECKED:
                assert (row[measure] or 0) == mine[measure], (basis, year, measure)


def test_the_measures_counted_in_parts_of_the_identities_equal_one_pass(world, monkeypatch) -> None:
    """A national world is counted in parts of its identities (`identity_parts`), each
    with its episodes and their events, and the parts' counts added up: the same tables,
    both bases, as one pass over the whole world (the test world is one part at the
    default size, so here it is cut into seven)."""
    truth = synth_world.simulate(world.settings)
    years = list(world.settings.census_years)
    one_pass = measures.expected_la_year(truth, years, world.settings)
    assert len(list(measures.identity_parts({"episodes": truth.episodes}))) == 1

    monkeypatch.setattr(measures, "EPISODES_PER_PART", truth.episodes.num_rows // 7 + 1)
    tables = {
        name: getattr(truth, name)
        for name in ("episodes", "identities", "assessments", "s47", "cpps")
    }
    parts = list(measures.identity_parts(tables))
    assert len(parts) == 7
    # a partition: every row in one part, each event with its episode, each episode with
    # its identity, and every part holding some of each
    for name, table in tables.items():
        assert sum(part[name].num_rows for part in parts) == table.num_rows, name
    for part in parts:
        identities = set(part["identities"]["identity_id"].to_pylist())
        episodes = set(part["episodes"]["episode_id"].to_pylist())
        assert set(part["episodes"]["identity_id"].to_pylist()) <= identities
        for events in ("assessments", "s47", "cpps"):
            assert set(part[events]["episode_id"].to_pylist()) <= episodes, events
        assert all(part[name].num_rows for name in tables), part

    in_parts = measures.expected_la_year(truth, years, world.settings)
    for basis in measures.BASES:
        assert in_parts[basis].schema == one_pass[basis].schema, basis
        assert in_parts[basis].equals(one_pass[basis]), basis
