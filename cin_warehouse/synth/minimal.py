"""Walking-skeleton generator: one census year of NPD rows for a handful of LAs.

Issue 3 replaces this with the full world (all LAs, all years, recording damage).
It already writes what the full version will: an NPD file per census year and the
truth as Parquet, so the landing, models and tests downstream do not change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

CENSUS_YEAR = 2017
# (3-digit code, 9-character code): a few real LAs, enough to key children on LA + ID.
SKELETON_LAS = (("202", "E09000007"), ("330", "E08000025"), ("938", "E10000032"))
PRIMARY_NEED_CODES = np.array(["N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9", "N0"])
# Rough national mix of primary need at referral (BMJ Open 2019: 45% abuse or neglect,
# 17.8% family dysfunction, 9.8% acute stress, 4.8% disability); the rest spread evenly.
PRIMARY_NEED_WEIGHTS = np.array([0.45, 0.048, 0.04, 0.098, 0.178, 0.04, 0.01, 0.05, 0.07, 0.016])


@dataclass(frozen=True)
class SkeletonWorld:
    episodes: pa.Table


def simulate(children_per_la: int, seed: int) -> SkeletonWorld:
    """Simulate one referral per child, open at some point in census year 2017."""
    rng = np.random.default_rng(seed)
    start = date(CENSUS_YEAR - 1, 4, 1)
    n = children_per_la * len(SKELETON_LAS)
    la_index = np.repeat(np.arange(len(SKELETON_LAS)), children_per_la)
    referral_offset = rng.integers(-200, 365, n)
    referral = np.array([start + timedelta(days=int(d)) for d in referral_offset])
    duration = rng.integers(1, 400, n)
    closure = np.array(
        [r + timedelta(days=int(d)) for r, d in zip(referral, duration, strict=True)]
    )
    census_end = date(CENSUS_YEAR, 3, 31)
    closed = closure <= census_end
    birth_offset = rng.integers(0, 18 * 365, n)
    birth = np.array(
        [r - timedelta(days=int(d)) for r, d in zip(referral, birth_offset, strict=True)]
    )
    episodes = pa.table(
        {
            "la_code": [SKELETON_LAS[i][0] for i in la_index],
            "la_code_9": [SKELETON_LAS[i][1] for i in la_index],
            "la_child_id": [f"C{seed % 1000:03d}{i:06d}" for i in range(n)],
            "birth_date": birth,
            "sex": rng.choice(np.array(["1", "2"]), n),
            "referral_date": referral,
            "primary_need_code": rng.choice(PRIMARY_NEED_CODES, n, p=PRIMARY_NEED_WEIGHTS),
            "closure_date": pa.array(np.where(closed, closure, None), type=pa.date32()),
        }
    )
    return SkeletonWorld(episodes=episodes)


def write_npd(world: SkeletonWorld, out_dir: Path) -> Path:
    """Write CIN_2017.csv with NPD column names (the `CIN_` prefix) as text, as DfE does."""
    out_dir.mkdir(parents=True, exist_ok=True)
    ep = world.episodes.to_pydict()
    closure = ep["closure_date"]
    table = pa.table(
        {
            "CIN_ACADYR": [f"{CENSUS_YEAR - 1}/{CENSUS_YEAR % 100:02d}"] * world.episodes.num_rows,
            "CIN_LA": ep["la_code"],
            "CIN_LA_9CODE": ep["la_code_9"],
            "CIN_LAchildID_Anon": ep["la_child_id"],
            "CIN_YearOfBirth": [str(d.year) for d in ep["birth_date"]],
            "CIN_MonthOfBirth": [str(d.month) for d in ep["birth_date"]],
            "CIN_Gender": ep["sex"],
            "CIN_ReferralDate": [d.isoformat() for d in ep["referral_date"]],
            "CIN_PrimaryNeedCode": ep["primary_need_code"],
            "CIN_CINClosureDate": ["" if d is None else d.isoformat() for d in closure],
            "CIN_CINAt31March": ["0" if d is not None else "1" for d in closure],
        }
    )
    path = out_dir / f"CIN_{CENSUS_YEAR}.csv"
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    return path


def write_truth(world: SkeletonWorld, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "episodes.parquet"
    pq.write_table(world.episodes, path)
    return path


def generate(out_dir: Path, seed: int, children_per_la: int = 200) -> list[Path]:
    world = simulate(children_per_la, seed)
    return [write_npd(world, out_dir / "npd"), write_truth(world, out_dir / "truth")]
