"""The distributions part of the calibration report, on a hand-made truth.

Each case is worked out here from DfE's band definitions and the 2018/19 bank holidays,
not from the code under test; the published side is read back from distributions.csv.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cin_warehouse.synth import distributions
from cin_warehouse.synth.geography import calibration_dir
from tests.python.conftest import World

D = date.fromisoformat


def _write(truth: Path, name: str, rows: list[dict]) -> None:
    pq.write_table(pa.Table.from_pylist(rows), truth / f"{name}.parquet")


def _episode(episode_id: int, referral: str, closure: str | None, **extra: object) -> dict:
    return {
        "episode_id": episode_id,
        "person_id": extra.get("person_id", episode_id),
        "identity_id": extra.get("identity_id", episode_id),
        "referral_date": D(referral),
        "closure_date": D(closure) if closure else None,
        "closure_reason": extra.get("closure_reason", "RC7" if closure else None),
        "outcome": extra.get("outcome", 2),
        "is_referral_nfa": extra.get("outcome", 2) == 0,
        "primary_need": extra.get("primary_need", "N1"),
        "referral_source": extra.get("referral_source", "6"),
    }


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    truth = tmp_path_factory.mktemp("truth")
    _write(
        truth,
        "episodes",
        [
            # Open at 31 March 2019 for under 3 months / exactly 3 months (CIN bands).
            _episode(1, "2019-01-01", None, primary_need="N5", referral_source="2A"),
            _episode(2, "2018-12-31", None, referral_source="3C"),
            # Closed in 2018/19 after 2 years and 1 day: "2 years or more".
            _episode(3, "2017-01-01", "2019-01-02", referral_source="2A", person_id=1),
            # Assessed not in need (RC8): a referral, never a CIN episode.
            _episode(4, "2018-06-01", "2018-07-01", outcome=1, closure_reason="RC8"),
        ],
    )
    _write(
        truth,
        "persons",
        [
            {"person_id": 1, "birth_date": D("2010-01-01"), "sex": "F", "ethnicity": "WBRI"},
            {"person_id": 2, "birth_date": D("2019-06-01"), "sex": "M", "ethnicity": "NOBT"},
            {"person_id": 4, "birth_date": D("2008-06-01"), "sex": "M", "ethnicity": "APKN"},
        ],
    )
    _write(
        truth,
        "cpps",
        [
            # At 31 March 2019: exactly 3 months ("3 months or less") and a day more (next
            # band); one ended in 2018/19 after 9 months.
            {
                "episode_id": 1,
                "start_date": D("2018-12-31"),
                "end_date": None,
                "initial_category": "NEG",
            },
            {
                "episode_id": 2,
                "start_date": D("2018-12-30"),
                "end_date": None,
                "initial_category": "EMO",
            },
            {
                "episode_id": 3,
                "start_date": D("2018-03-31"),
                "end_date": D("2019-01-02"),
                "initial_category": "SAB",
            },
        ],
    )
    _write(
        truth,
        "s47",
        [
            # 20 Dec 2018 to 11 Jan 2019: 13 working days (25, 26 Dec and 1 Jan are bank
            # holidays; the end day is not counted); 1 Feb to 15 Feb: 10 days.
            {"episode_id": 1, "start_date": D("2018-12-20"), "icpc_date": D("2019-01-11")},
            {"episode_id": 2, "start_date": D("2019-02-01"), "icpc_date": D("2019-02-15")},
            {"episode_id": 3, "start_date": D("2019-02-01"), "icpc_date": None},
        ],
    )
    _write(
        truth,
        "assessments",
        [
            {"start_date": D("2019-03-04"), "authorisation_date": D("2019-03-04")},  # same day
            {"start_date": D("2019-03-04"), "authorisation_date": D("2019-03-11")},  # 5
            {"start_date": D("2018-12-20"), "authorisation_date": D("2019-02-26")},  # 45
            {"start_date": D("2018-12-20"), "authorisation_date": D("2019-02-27")},  # 46
        ],
    )
    _write(
        truth,
        "record_keys",
        [
            {
                "census_year": 2016,
                "identity_id": 3,
                "person_id": 1,
                "episode_id": 3,
                "pupil_matching_ref": None,
            },
            {
                "census_year": 2016,
                "identity_id": 4,
                "person_id": 4,
                "episode_id": 4,
                "pupil_matching_ref": "P4",
            },
        ],
    )
    return truth


def test_true_shares_follow_dfes_bands(truth: Path) -> None:
    shares = distributions.synthetic(distributions.connect(truth), [2019])
    assert shares[("cpp_31mar_by_duration", 2019)] == {
        "3 months or less": 50.0,
        "more than 3 months, up to 6 months": 50.0,
    }
    assert shares[("cpp_ended_by_duration", 2019)] == {"more than 6 months, less than 1 year": 100}
    assert shares[("cin_31mar_by_episode_duration", 2019)] == {
        "under 3 months": 50.0,
        "3 to 6 months": 50.0,
    }
    assert shares[("cin_episodes_ended_by_duration", 2019)] == {"2 years or more": 100.0}
    assert shares[("icpcs_by_working_days_from_s47_start", 2019)] == {
        "0-10 working days": 50.0,
        "11-15 working days": 50.0,
    }
    assert shares[("assessments_by_duration_working_days", 2019)] == {
        "started and finished the same day": 25.0,
        "1 to 10 days": 25.0,
        "41 to 45 days": 25.0,
        "46 to 50 days": 25.0,
    }
    # Referrals in 2018/19: episodes 1, 2 and 4 (3 was referred in 2016/17).
    assert shares[("referrals_by_source_partial", 2019)] == pytest.approx(
        {"schools": 100 / 3, "health services": 100 / 3, "police": 100 / 3}
    )
    # Open at 31 March 2019: person 1 (a girl) and person 2, born after that date.
    assert shares[("gender_cin_31mar", 2019)] == {"female": 50.0, "unborn or unknown": 50.0}
    assert shares[("cpp_starting_by_initial_category_partial", 2019)] == {
        "neglect": 50.0,
        "emotional abuse": 50.0,
    }


def test_bmj_cohort_facts(truth: Path) -> None:
    """Children in the 2016 returns: identity 3 (girl, White, no PMR, first need N1, on a
    plan from 31 March 2018 - after 2016, so not counted) and 4 (boy, Asian, PMR)."""
    con = distributions.connect(truth)
    values = con.execute(distributions.COHORT_SQL).fetchone()
    facts = dict(zip(distributions.BMJ_COHORT_PCT, values, strict=True))
    assert facts["children never given a PMR"] == 0.5
    assert facts["male"] == facts["female"] == 0.5
    assert facts["White"] == facts["Asian"] == 0.5
    assert facts["first referral: abuse or neglect (N1)"] == 1.0
    assert facts["ever on a child protection plan"] == 0.0
    # Ages at referral: 7.0 (1 Jan 2017 - 1 Jan 2010) and 10.0 (1 Jun 2018 - 1 Jun 2008).
    mean_age = con.execute(distributions.MEAN_AGE_SQL).fetchone()[0]
    assert mean_age == pytest.approx((2557 + 3652) / 2 / 365.25)


def test_published_shares_are_read_from_the_csv() -> None:
    with open(calibration_dir() / "distributions.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    shares = distributions.published()
    icpc = [r for r in rows if r["measure"].startswith("icpcs_by") and r["year"] == "2017"]
    total = sum(float(r["count"]) for r in icpc)
    for row in icpc:
        assert shares[("icpcs_by_working_days_from_s47_start", 2017)][
            row["category_label"]
        ] == pytest.approx(100 * float(row["count"]) / total)
    cpp = next(r for r in rows if r["measure"] == "cpp_31mar_by_duration" and r["year"] == "2013")
    assert shares[("cpp_31mar_by_duration", 2013)][cpp["category_label"]] == float(cpp["percent"])


def test_report_shows_every_distribution_for_the_worlds_years(world: World) -> None:
    text = distributions.render_distributions(world.truth_dir, list(world.settings.census_years))
    for measure in distributions.SHOWN:
        assert f"\n{measure} (" in text
    assert "| mean age at referral" in text
    # One row per published year: CIN at 31 March by duration, 2015-2025.
    section = text.split("cin_31mar_by_episode_duration")[1].split("\n\n")[1]
    assert [line.split(" | ")[0] for line in section.splitlines()[2:]] == [
        f"| {year}" for year in range(2015, 2026)
    ]
