"""The floors of issue 12: the rebuilt episodes, plans, phantom flags and person links of
the test warehouse (`warehouse`, every quirk on) and of the clean one (`clean_warehouse`),
measured by `cin_warehouse.fidelity` against the truth of the world they were built from.
The definitions of each figure are in that module's docstring.

A floor the current models miss is not lowered: its single case is marked
`xfail(strict=True)` in SHORTFALLS with the measured figure and the cause, so it shows in
every run and turns into a failure the day the models meet it.
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
PERSON_F1_FLOOR = 0.98
# An unwritten closure can only be placed in its census year when the case left the
# returns in that year; a case left "open" for extra years, or left out early, hides it
# (BMJ Open 2019, "Data quality": closures go missing). `closure_inferred_limit` counts,
# from the truth alone, the episodes whose returns allow it; the floor: within two
# points of that limit.
INFERRED_YEAR_MARGIN = 0.02

# (source, measure) -> why the models miss the floor today (measured figure and cause),
# measured on the test worlds with the models of branch issue12 at d326503.
# Person linkage, measured after the generator kept a child's UPN across moves (main at
# 4dd86e0): every link made is right and every pair that shares a UPN/PMR in some return
# is linked (344 of 344 NPD, 195 of 195 XML); the other true pairs share none: a child who
# moved before school age had no UPN in the old LA, and adoption brings a new UPN by
# design (BMJ Open 2019), so the data holds no link for them.
_NO_LINK_IN_DATA = (
    "F1 over all true pairs 74.3% NPD / 72.9% XML: precision 100% (344/344, 195/195),"
    " recall 59.1% / 57.4%; the 238 NPD and 145 XML pairs missed share no UPN/PMR in any"
    " return (moved before school age, or adopted: a new UPN), so no rule can link them"
)
SHORTFALLS: dict[tuple[str, str], str] = {
    ("npd", "phantom_precision"): (
        "98.2% (372 of 379): 7 true referrals made after an earlier case of the child"
        " truly closed, its closure never written (missing_closure) so that it looks open,"
        " are flagged rereferral_of_open_case"
    ),
    ("npd", "phantom_recall"): (
        "81.9% (372 of 454): 54 phantoms classified missing_closure (51 first returned in"
        " 2008/09-2011/12, whose extracts carry no closure field or no plan columns), 27"
        " returned in a year their case was left out of (open_case_not_returned: nothing"
        " to overlap), 1 not overlapping"
    ),
    ("xml", "phantom_precision"): (
        "98.6% (207 of 210): 3 true referrals overlapping an earlier case whose closure"
        " was never written are flagged rereferral_of_open_case"
    ),
    ("xml", "phantom_recall"): (
        "98.1% (207 of 211): 3 phantoms were returned in a year their case was left out of"
        " the return (open_case_not_returned destroys the overlap: at best 208 of 211 ="
        " 98.6%), 1 not overlapping"
    ),
    ("npd", "referral_date"): (
        "99.898% (23,489 of 23,513): all 24 misses are referrals whose date was amended in"
        " the only NPD return that carried them (referral_date_amended): the true date is"
        " in no return"
    ),
    ("npd", "clean:cpp_end_date"): (
        "93.5% (1,973 of 2,111): all 138 misses are plans seen only in the 2008/09 NPD,"
        " which has no CPPendDate (and 2009/10-2011/12 no plan columns): 100 given an"
        " inferred end, 38 left open; their end is in no return"
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


def _case(source: str, metric: str) -> pytest.param:
    reason = SHORTFALLS.get((source, metric))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
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
    ],
)
def test_clean_world_exact(measured_clean, source: str, metric: str) -> None:
    """Without quirks every measure is exact (the NPD has no assessments or s47)."""
    name = metric.removeprefix("clean:")
    report = measured_clean[source]
    figure = report.figures[name]
    if figure.total == 0 and name.startswith(("phantom", "closure_inferred")):
        pytest.skip(f"clean world: no unit for {name} (no phantoms, every closure written)")
    assert figure.total > 0, f"clean {source} {name}: nothing to judge"
    assert figure.ok == figure.total, _message(report, name)
