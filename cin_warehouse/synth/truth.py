"""The truth behind the raw files, written as Parquet for tests and for the curious.

persons          one row per child: birth date, sex, ethnicity, disabilities, death
identities       each LA record of a child (a new one after a move or adoption), with
                 the true LAchildID, the LAchildID written (collisions), UPN(s)
episodes         each true referral: dates, outcome, need, source, closure
assessments, factors, s47, cpps, reviews, cin_plans, services
                 the case events, keyed by episode (reviews by plan); services only
                 in 2008/09, the one year that collected them
records          the LA's records of episodes: the true ones and phantom re-referrals,
                 with the record-level damage chosen for each
record_keys      per census year, the raw keys under which each record appears
                 (LA, LAchildID, referral date as written, PMR, anonymised ID); one row
                 per census year and record, ordered by census_year then record_id
return_counts    per census year and LA: children, CIN details records, and records that
                 overlap another record of the child in the same return
quirks           every injected quirk: year, kind, keys, field, true and written value
                 (NPD value-level quirks also carry the file line)
expected_la_year every official DfE measure per LA and census year, as DfE would compute
                 it from perfect returns (information as at each 31 March; measures.py)
expected_la_year_hindsight
                 the same measures knowing every episode's final closure (the basis a
                 reconstruction across years approaches)
settings         the run's scale, years, LAs, seed and mode
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from cin_warehouse.synth.config import GeneratorSettings
from cin_warehouse.synth.recording import LARecords, Recorder
from cin_warehouse.synth.returns import child_key, child_rows
from cin_warehouse.synth.world import World

# pyarrow's default row group, in rows (`pq.write_table`'s `row_group_size=None`).
RECORDS_ROW_GROUP = 1024 * 1024


def record_keys(returns: dict[str, pa.Table]) -> pa.Table:
    """The keys of each CIN details record of a year's returns; `returns["child"]` carries
    the anonymised keys (`npd_writer.with_anonymised_keys`). Ordered by the file's key,
    record_id (one row per record in a year's returns), so that the file's row order is
    fixed. Each record's child columns are taken by its child's row (`returns.child_rows`),
    not joined in DuckDB, whose join and export of the text columns cost more: at scale
    0.25, the 18 years 5.35 -> 1.93 CPU s (session 13), the same tables."""
    cd, ch = returns["cin_details"], returns["child"]
    order = pc.sort_indices(cd["record_id"])
    cd = cd.take(order)
    child = pa.array(child_rows(ch, cd))
    columns = {
        "census_year": cd["census_year"],
        "la_code": cd["la_code"],
        "la_child_id": ch["LAchildID"].take(child),
        "upn": ch["UPN"].take(child),
        "pupil_matching_ref": ch["pupil_matching_ref"].take(child),
        "la_child_id_anon": ch["la_child_id_anon"].take(child),
        "referral_date_written": cd["CINreferralDate"],
        "closure_date_written": cd["CINclosureDate"],
        "episode_id": cd["episode_id"],
        "record_id": cd["record_id"],
        "is_phantom": cd["is_phantom"],
        "identity_id": ch["identity_id"].take(child),
        "person_id": ch["person_id"].take(child),
    }
    return pa.table(columns)


class RecordKeysWriter:
    """Streams each census year's record keys to truth/record_keys.parquet, so that the
    years' keys (about a million rows a year at national scale) never pile up in memory.
    The years are written in the order given (the generator's: ascending), each year's
    rows ordered by record_id (`record_keys`): the file is ordered by census_year, then
    record_id."""

    def __init__(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / "record_keys.parquet"
        self._writer: pq.ParquetWriter | None = None

    def write(self, keys: pa.Table) -> None:
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.path, keys.schema)
        self._writer.write_table(keys.cast(self._writer.schema))

    def close(self) -> Path:
        if self._writer is not None:
            self._writer.close()
        return self.path


def return_counts(returns: dict[str, pa.Table], census_year: int) -> pa.Table:
    """Per LA, the children and CIN details records of one census year's returns, as BMJ
    Open 2019 Table 1 counts them, and the records that overlap another record of the same
    child in that return (a child should have one open episode at a time; a record without
    a closure date is open). Counted with numpy: a child has few records, so each record is
    compared with every other record of its child (a DuckDB self-join did the same: at
    scale 0.25, the 18 years 2.98 -> 0.75 CPU s, session 13, the same tables)."""
    cd = returns["cin_details"]
    las = pc.unique(cd["la_code"])
    las = las.take(pc.sort_indices(las))
    child = child_key(cd, las)
    la = child >> 32
    referral = cd["CINreferralDate"].cast(pa.date32()).to_numpy(zero_copy_only=False)
    closure = pc.fill_null(
        cd["CINclosureDate"].cast(pa.date32()), pa.scalar(date(9999, 12, 31), pa.date32())
    ).to_numpy(zero_copy_only=False)
    # Rows by child; each row of a child with n records meets the n rows of its child.
    order = np.argsort(child, kind="stable")
    by_child = child[order]
    change = np.ones(len(by_child), dtype=bool)  # (a year without records: none)
    change[1:] = by_child[1:] != by_child[:-1]
    first = np.flatnonzero(change)
    size = np.diff(np.r_[first, len(order)])
    row_size = np.repeat(size, size)
    several = np.flatnonzero(row_size > 1)  # positions (in child order) of such rows
    meets = row_size[several]
    a = np.repeat(several, meets)
    b = np.repeat(np.repeat(first, size)[several], meets) + (
        np.arange(len(a)) - np.repeat(np.cumsum(meets) - meets, meets)
    )
    a, b = order[a], order[b]
    hit = (a != b) & (referral[b] <= closure[a]) & (referral[a] <= closure[b])
    overlapping = np.zeros(len(child), dtype=bool)
    overlapping[a[hit]] = True
    child_la = la[order][first]
    n = len(las)
    return pa.table(
        {
            "census_year": pa.array(np.full(n, census_year, dtype=np.int16)),
            "la_code": las,
            "children": np.bincount(child_la, minlength=n).astype(np.int64),
            "cin_details_records": np.bincount(la, minlength=n).astype(np.int64),
            "overlapping_records": np.bincount(la, weights=overlapping, minlength=n).astype(
                np.int64
            ),
        }
    )


def write_world_tables(out_dir: Path, world: World) -> list[Path]:
    """Write the world's tables that need nothing but the world (all but the identities)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    return _write_tables(
        out_dir,
        {
            "persons": world.persons,
            "episodes": world.episodes,
            "assessments": world.assessments,
            "factors": world.factors,
            "s47": world.s47,
            "cpps": world.cpps,
            "reviews": world.reviews,
            "cin_plans": world.cin_plans,
            "services": world.services,
        },
    )


def write_world(
    out_dir: Path,
    world: World,
    recorder: Recorder,
    *,
    expected: pa.Table,
    expected_hindsight: pa.Table,
    settings: GeneratorSettings,
) -> list[Path]:
    """Write what is known before any return is built and needs the recorder: the
    identities with their keys, the LA records, the expected measures (the world's other
    tables: `write_world_tables`; then the generator can let the world's tables go)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    identities = (
        world.identities.append_column("la_child_id", recorder.true_la_child_id.array)
        .append_column("la_child_id_written", recorder.la_child_id.array)
        .append_column("upn", recorder.upn.array)
        .append_column("second_upn", recorder.second_upn.array)
    )
    written = _write_tables(out_dir, {"identities": identities})
    written.append(_write_records(out_dir / "records.parquet", recorder.records))
    written += _write_tables(
        out_dir,
        {
            "expected_la_year": expected,
            "expected_la_year_hindsight": expected_hindsight,
        },
    )
    meta = {
        "scale": settings.scale,
        "census_years": list(settings.census_years),
        "la_codes": list(settings.la_codes) if settings.la_codes else "all",
        "seed": settings.seed,
        "clean": settings.clean,
    }
    path = out_dir / "settings.json"
    path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    written.append(path)
    return written


def _records(r: LARecords, start: int, stop: int) -> pa.Table:
    """Rows `start` to `stop` of the LA records' table."""
    part = slice(start, stop)
    return pa.table(
        {
            "record_id": pa.array(np.arange(start, stop), pa.int64()),
            # The recorder holds these in narrow types; the truth keeps int64.
            "episode_id": pa.array(r.episode[part], pa.int64()),
            "identity_id": pa.array(r.identity[part], pa.int64()),
            "is_phantom": r.is_phantom[part],
            "referral_date": pa.array(r.referral[part], pa.date32()),
            "closure_date": pa.array(r.closure[part], pa.date32(), from_pandas=True),
            "is_closure_missing": r.closure_missing[part],
            "extra_open_years": pa.array(r.extra_open_years[part], pa.int64()),
            "amended_referral_delta_days": pa.array(r.amended_delta[part], pa.int64()),
            "amended_from_census_year": pa.array(r.amended_year[part], pa.int64()),
        }
    )


def _write_records(path: Path, r: LARecords) -> Path:
    """The LA records' table, built and written one row group at a time (at national
    scale the whole table was about 0.7 GB beside the world and the recorder). The row
    groups are those `pq.write_table` makes of the whole table (`RECORDS_ROW_GROUP` rows
    each, the last one shorter; none but an empty one for no records), so the file is
    the same."""
    n = len(r.episode)
    with pq.ParquetWriter(path, _records(r, 0, 0).schema) as writer:
        for start in range(0, max(n, 1), RECORDS_ROW_GROUP):
            writer.write_table(_records(r, start, min(start + RECORDS_ROW_GROUP, n)))
    return path


def write_returns_truth(
    out_dir: Path, recorder: Recorder, *, return_counts: pa.Table, npd_quirks: list[pa.Table]
) -> list[Path]:
    """Write what the census years' returns added: their counts and every quirk."""
    quirks = pa.concat_tables([_with_line(recorder.quirks()), *npd_quirks])
    return _write_tables(out_dir, {"return_counts": return_counts, "quirks": quirks})


def _write_tables(out_dir: Path, tables: dict[str, pa.Table]) -> list[Path]:
    written = []
    for name, table in tables.items():
        path = out_dir / f"{name}.parquet"
        pq.write_table(table, path)
        written.append(path)
    return written


def _with_line(log: pa.Table) -> pa.Table:
    """Record-level quirks have no single file line (they reach NPD and XML alike)."""
    return log.append_column("line_number", pa.array([None] * log.num_rows, pa.int64()))
