"""The floors of issue 12: the rebuilt episodes, plans, phantom flags and person links of
the test warehouse (`warehouse`, every quirk on) and of the clean one (`clean_warehouse`),
measured by `cin_warehouse.fidelity` against the truth of the world they were built from.
The definitions of each figure are in that module's docstring.

A floor the current models miss is not lowered: its single case is marked
`xfail(strict=True)` in SHORTFALLS with the measured figure and the cause, so it shows in
every run and turns into a failure the day the models meet it (NOT_STRICT names the one
shortfall the small test world can meet by chance while the national figure misses it).
"""

from __future__ import annotations

import pytest

from cin_warehouse import fidelity

FLOORS = {
    "episode_precision": 0.995,
    "episode_recall": 0.995,
    "cpp_precision": 0.995,
    "cpp_recall": 0.995,
    "phantom_precision": 0.99,
    "phantom_recall": 0.99,
    "referral_date": 0.999,
    "closure_exact_written": 0.995,
}
# The same floors over the units whose information some return carries, as the issue
# already measures closures "over the episodes whose closure is written in some return".
# Both figures are asserted: the floor over all units (a strict xfail in SHORTFALLS where
# a quirk destroys the information, with the measured figure) and this one, which the
# models must meet.
# * phantom_*_decidable: the phantoms (precision: the flags) whose case's end the returns
#   show - its closure is written in some return, or it is still open on the last census
#   day - and whose case was returned alongside the phantom; a flagged true referral is
#   judged unless an earlier case of the child has an end no return shows. Where a case's
#   end is in no return, a re-referral recorded inside it and a real referral made after
#   it closed are the same rows: in the NPD before 2013/14 (no referral source) both carry
#   the case's need and nothing of their own, and counting the need alone flags as many
#   real referrals as it catches phantoms (SHORTFALLS shows the counts).
# * referral_date_returned: the recalled episodes whose true referral date is in some
#   return (the rest were amended in the only return that carried them).
DECIDABLE_FLOORS = {
    "phantom_precision_decidable": 0.99,
    "phantom_recall_decidable": 0.99,
    "referral_date_returned": 0.999,
}
PERSON_F1_FLOOR = 0.98
# An unwritten closure can only be placed in its census year when the case left the
# returns in that year; a case left "open" for extra years, or left out early, hides it
# (BMJ Open 2019, "Data quality": closures go missing). `closure_inferred_limit` counts,
# from the truth alone, the episodes whose returns allow it; the floor: within two
# points of that limit.
INFERRED_YEAR_MARGIN = 0.02
# Clean world: plan ends no return writes (NPD plans of 2008/09) are not exact by nature:
# `cpp_end_date` over all plans is split into `cpp_end_date_written` (held exact) and
# `cpp_end_unwritten_year` (held by the floor below; see
# test_clean_world_unwritten_plan_ends).
CLEAN_NOT_EXACT = ("cpp_end_date", "cpp_end_unwritten_year")
CLEAN_UNWRITTEN_PLAN_END_YEAR_FLOOR = 0.3

# (source, measure) -> why the models miss the floor today (measured figure and cause).
# Phantom and referral-date figures measured on branch issue12b (overlap classes with the
# earlier case the LA recorded as open, amended-date match with CINAt31March) on the
# test world (seed 7, scale 0.05, LAs 202, 330, 822, 839, 940); person linkage measured
# after the generator kept a child's UPN across moves (main at 4dd86e0): every link made
# is right and every pair that shares a UPN/PMR in some return is linked (344 of 344 NPD,
# 195 of 195 XML); the other true pairs share none: a child who moved before school age
# had no UPN in the old LA, and adoption brings a new UPN by design (BMJ Open 2019), so
# the data holds no link for them.
_NO_LINK_IN_DATA = (
    "F1 over all true pairs 74.3% NPD / 72.9% XML: precision 100% (344/344, 195/195),"
    " recall 59.1% / 57.4%; the 238 NPD and 145 XML pairs missed share no UPN/PMR in any"
    " return (moved before school age, or adopted: a new UPN), so no rule can link them"
)
SHORTFALLS: dict[tuple[str, str], str] = {
    ("npd", "phantom_precision"): (
        "98.54% at scale 1 (174,425 of 177,008; 98.4% on the test world before the"
        " calibration refit): true referrals flagged rereferral_of_open_case made after an"
        " earlier case of the child whose end is in no return (its closure went missing, or"
        " was due in a year whose return has no closure field or left the case out), so that"
        " it looks open; over the decidable flags 99.74% at scale 1"
    ),
    ("npd", "phantom_recall"): (
        "83.0% (377 of 454): 27 phantoms returned only in years whose return left their case"
        " out (open_case_not_returned: nothing to overlap); 49 classified missing_closure"
        " because their case's end is in no return (26 closures lost to missing_closure, 11"
        " cases closed in 2008/09, whose extract has no closure field, 12 closed in a year"
        " whose return left the case out), all in NPD returns before 2013/14, which carry no"
        " referral source: the phantom and a real referral after the case closed are the"
        " same rows; 1 not overlapping. Over the decidable phantoms 99.7% (358 of 359)"
    ),
    ("xml", "phantom_recall"): (
        "98.1% (207 of 211): 3 phantoms were returned in a year their case was left out of"
        " the return (open_case_not_returned destroys the overlap: at best 208 of 211 ="
        " 98.6%), 1 not overlapping; over the decidable phantoms 99.5% (195 of 196)"
    ),
    ("npd", "person_f1"): _NO_LINK_IN_DATA,
    ("xml", "person_f1"): _NO_LINK_IN_DATA,
    **{
        (source, "clean:person_pair_recall"): (
            "clean world: true pairs that share no UPN/PMR in any return (moved before school"
            " age, or adopted) carry no link in the data, as in the quirky world"
        )
        for source in ("npd", "xml")
    },
}


# Shortfalls a small world can meet by chance (few units judged): not strict, so the test
# neither fails when the test world happens to meet the floor nor claims the floor holds.
# NPD phantom precision: met on the refitted test world, 98.54% at scale 1.
NOT_STRICT = {("npd", "phantom_precision")}


def _case(source: str, metric: str) -> pytest.param:
    reason = SHORTFALLS.get((source, metric))
    strict = (source, metric) not in NOT_STRICT
    marks = [pytest.mark.xfail(strict=strict, reason=reason)] if reason else []
    return pytest.param(source, metric, marks=marks, id=f"{source}-{metric}")


@pytest.fixture(scope="module")
def measured(warehouse) -> dict[str, fidelity.SourceReport]:
    return fidelity.measure(warehouse.con, warehouse.truth_dir)


@pytest.fixture(scope="module")
def measured_clean(clean_warehouse) -> dict[str, fidelity.SourceReport]:
    return fidelity.measure(clean_warehouse.con, clean_warehouse.truth_dir)


def _message(report: fidelity.SourceReport, metric: str) -> str:
    figure = report.figures[metric]
    reasons = report.failures.get(metric, {})
    return f"{report.source} {metric}: {figure.ok} of {figure.total}; wrong: " + "; ".join(
        f"{v['count']} {k} (e.g. {v['examples']})" for k, v in reasons.items()
    )


@pytest.mark.parametrize(
    ("source", "metric"), [_case(s, m) for s in fidelity.SOURCES for m in FLOORS]
)
def test_floor(measured, source: str, metric: str) -> None:
    report = measured[source]
    figure = report.figures[metric]
    assert figure.total > 0, f"{source} {metric}: nothing to judge in the test world"
    assert figure.share >= FLOORS[metric], _message(report, metric)


@pytest.mark.parametrize(
    ("source", "metric"), [_case(s, m) for s in fidelity.SOURCES for m in DECIDABLE_FLOORS]
)
def test_floor_where_the_returns_carry_the_information(measured, source: str, metric: str) -> None:
    """See DECIDABLE_FLOORS: the floor over the units whose information some return
    carries; the figure over all units is test_floor's."""
    report = measured[source]
    figure = report.figures[metric]
    assert figure.total > 0, f"{source} {metric}: nothing to judge in the test world"
    assert figure.share >= DECIDABLE_FLOORS[metric], _message(report, metric)


@pytest.mark.parametrize(("source", "metric"), [_case(s, "person_f1") for s in fidelity.SOURCES])
def test_person_linkage_f1(measured, source: str, metric: str) -> None:
    report = measured[source]
    score = fidelity.f1(report)
    assert score is not None, f"{source}: no pair of children to judge"
    assert score >= PERSON_F1_FLOOR, (
        _message(report, "person_pair_precision") + " | " + _message(report, "person_pair_recall")
    )


@pytest.mark.parametrize("source", fidelity.SOURCES)
def test_person_linkage_f1_over_pairs_the_data_can_link(measured, source: str) -> None:
    """The floor where the information exists: pairs of one person's children that share
    a UPN/PMR in some return (the rest carry no link at all; see _NO_LINK_IN_DATA)."""
    report = measured[source]
    precision = report.figures["person_pair_precision"]
    recall = report.figures["person_pair_recall_linkable"]
    assert precision.total > 50 and recall.total > 50, f"{source}: too few pairs to judge"
    score = 2 * precision.share * recall.share / (precision.share + recall.share)
    assert score >= PERSON_F1_FLOOR, (
        _message(report, "person_pair_precision")
        + " | "
        + _message(report, "person_pair_recall_linkable")
    )


@pytest.mark.parametrize(
    ("source", "metric"), [_case(s, "closure_inferred_year") for s in fidelity.SOURCES]
)
def test_inferred_closure_year(measured, source: str, metric: str) -> None:
    report = measured[source]
    assert report.figures[metric].total > 0
    floor = report.share("closure_inferred_limit") - INFERRED_YEAR_MARGIN
    assert report.share(metric) >= floor, _message(report, metric) + f" (floor {floor:.3f})"


@pytest.mark.parametrize(
    ("source", "metric"),
    [
        _case(s, f"clean:{m}")
        for s in fidelity.SOURCES
        for m in fidelity.METRICS
        if not (s == "npd" and m.split("_")[0] in ("assessment", "s47"))
        and m not in CLEAN_NOT_EXACT
    ],
)
def test_clean_world_exact(measured_clean, source: str, metric: str) -> None:
    """Without quirks every measure is exact (the NPD has no assessments or s47); plan
    ends are held exact where a return writes them (`cpp_end_date_written`), the others
    by test_clean_world_unwritten_plan_ends."""
    name = metric.removeprefix("clean:")
    report = measured_clean[source]
    figure = report.figures[name]
    if figure.total == 0 and name.startswith(("phantom", "closure_inferred")):
        pytest.skip(f"clean world: no unit for {name} (no phantoms, every closure written)")
    assert figure.total > 0, f"clean {source} {name}: nothing to judge"
    assert figure.ok == figure.total, _message(report, name)


@pytest.mark.parametrize("source", fidelity.SOURCES)
def test_clean_world_unwritten_plan_ends(measured_clean, source: str) -> None:
    """A plan's end is written only in a return that has the field, in the year the plan
    ended: the XML always; the NPD from 2012/13 (docs/cin_census.md §3b). An NPD plan last
    seen in 2008/09 (no CPPendDate) that ended before 2012/13 (no plan columns for
    2009/10-2011/12 referrals) has its end in no return, even without quirks: its end is
    inferred (int_cpp_spells) or left open. The share of those inferred ends that fall in
    the plan's true census year is reported and held by a floor: measured 43.9% (61 of 139)
    on the clean test world of the generator before the 2026-11 calibration refit and
    34.9% (52 of 149: 53 in a later year, 44 left open) after it. The floor (30%) guards
    the rule against collapse; the returns hold nothing that would place these ends
    better. The XML has no such plan."""
    figure = measured_clean[source].figures["cpp_end_unwritten_year"]
    if source == "xml":
        assert figure.total == 0, _message(measured_clean[source], "cpp_end_unwritten_year")
        return
    assert figure.total > 0
    assert figure.share >= CLEAN_UNWRITTEN_PLAN_END_YEAR_FLOOR, _message(
        measured_clean[source], "cpp_end_unwritten_year"
    )
