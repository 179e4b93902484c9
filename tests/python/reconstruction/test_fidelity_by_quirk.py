"""`cin fidelity`'s by-quirk breakdown and failure examples on the test world, against the
same counts made in plain Python from the truth files and the judged units.

The report holds each unit's quirks as a 64-bit mask and keeps the first failed units by
name with `min(unit, n)` (fixed-size states DuckDB can spill at scale 1); these tests
count the same things with Python sets and sorted lists, the way the docstring of
`cin_warehouse.fidelity` defines them ("By quirk")."""

from __future__ import annotations

import shutil
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cin_warehouse import fidelity


def _rows(path: Path) -> list[dict]:
    return pq.read_table(path).to_pylist()


def _expected_record_quirks(truth: Path) -> set[tuple[int, str, bool]]:
    """(record_id, quirk, npd_only) from quirks.parquet and record_keys.parquet: record-level
    entries by record_id; child-year entries by census year, LA and LAchildID as written
    or anonymised; child-level entries (census year 0) by LA and LAchildID; and
    la_code_changed for a record returned under more than one LA code."""
    keys = _rows(truth / "record_keys.parquet")
    by_year_id: dict[tuple[int, str, str], set[int]] = defaultdict(set)
    by_la_id: dict[tuple[str, str], set[int]] = defaultdict(set)
    las_of: dict[int, set[str]] = defaultdict(set)
    for k in keys:
        year = int(k["census_year"])
        for child in {k["la_child_id"], k["la_child_id_anon"]} - {None}:
            by_year_id[(year, k["la_code"], child)].add(k["record_id"])
        by_la_id[(k["la_code"], k["la_child_id"])].add(k["record_id"])
        las_of[k["record_id"]].add(k["la_code"])
    expected = set()
    for q in _rows(truth / "quirks.parquet"):
        if q["record_id"] >= 0:
            expected.add((q["record_id"], q["quirk"], False))
        elif q["census_year"] > 0:
            npd_only = q["quirk"] in fidelity.NPD_ONLY_QUIRKS
            for record in by_year_id[(q["census_year"], q["la_code"], q["LAchildID"])]:
                expected.add((record, q["quirk"], npd_only))
        else:
            for record in by_la_id[(q["la_code"], q["LAchildID"])]:
                expected.add((record, q["quirk"], False))
    expected |= {(r, "la_code_changed", False) for r, las in las_of.items() if len(las) > 1}
    return expected


def test_by_quirk_and_examples_match_a_plain_count(warehouse) -> None:
    truth = warehouse.truth_dir
    cur = warehouse.con.cursor()
    try:
        fidelity._load_truth(cur, truth, fidelity.check_truth(truth))
        record_quirks = set(cur.execute("select * from rec_quirk").fetchall())
        assert record_quirks == _expected_record_quirks(truth)
        for source in fidelity.SOURCES:
            fidelity._judge(cur, source)
            report = fidelity._report(cur, source, fidelity.EXAMPLES_PER_REASON)
            judged = cur.execute("select metric, unit, ok, reason, records from judged").fetchall()
            _check_by_quirk(source, report, judged, record_quirks)
            _check_examples(report, judged)
    finally:
        cur.close()


def _check_by_quirk(source, report, judged, record_quirks) -> None:
    quirks_of: dict[int, set[str]] = defaultdict(set)
    for record, quirk, npd_only in record_quirks:
        if source == "npd" or not npd_only:  # the NPD file's quirks: NPD report only
            quirks_of[record].add(quirk)
    unit_quirks: dict[tuple, set[str]] = {}
    for metric, unit, ok, _reason, records in judged:
        if records == []:  # no record at all: not in the breakdown
            continue
        held = unit_quirks.setdefault((metric, unit, ok), set())
        for record in records if records is not None else [None]:
            held |= quirks_of.get(record, set())
    expected: dict[tuple[str, str], tuple[int, int]] = {}
    for (metric, _unit, ok), quirks in unit_quirks.items():
        for quirk in quirks or {"none"}:
            n_ok, n = expected.get((metric, quirk), (0, 0))
            expected[(metric, quirk)] = (n_ok + bool(ok), n + 1)
    got = {
        (metric, quirk): (f.ok, f.total)
        for metric, by_quirk in report.by_quirk.items()
        for quirk, f in by_quirk.items()
    }
    assert got == expected, source
    # the counts are worth comparing: units under several quirks, and units under none
    assert any(len(quirks) > 1 for quirks in unit_quirks.values()), source
    assert any((m, "none") in expected for m in fidelity.METRICS), source
    for by_quirk in report.by_quirk.values():  # printed in quirk order
        assert list(by_quirk) == sorted(by_quirk)


def _check_examples(report, judged) -> None:
    failed: dict[tuple[str, str], list[str]] = defaultdict(list)
    for metric, unit, ok, reason, _records in judged:
        if not ok:
            failed[(metric, reason)].append(unit)
    assert {(m, r) for m, reasons in report.failures.items() for r in reasons} >= set(failed)
    assert any(len(units) > fidelity.EXAMPLES_PER_REASON for units in failed.values())
    for (metric, reason), units in failed.items():
        failure = report.failures[metric][reason]
        assert failure["count"] == len(units)
        assert failure["examples"] == sorted(units)[: fidelity.EXAMPLES_PER_REASON]


def test_more_quirk_names_than_the_mask_holds_is_a_clear_error(warehouse, tmp_path: Path) -> None:
    truth = tmp_path / "truth"
    shutil.copytree(warehouse.truth_dir, truth)
    quirks = pq.read_table(truth / "quirks.parquet")
    (record,) = [q for q in quirks.to_pylist() if q["record_id"] >= 0][:1]
    extra = [{**record, "quirk": f"made_up_{n:02d}"} for n in range(fidelity.QUIRK_MASK_BITS)]
    pq.write_table(
        pa.concat_tables([quirks, pa.Table.from_pylist(extra, schema=quirks.schema)]),
        truth / "quirks.parquet",
    )
    with pytest.raises(fidelity.FidelityError, match=r"names \d+ quirks; .* at most 64"):
        fidelity.measure(warehouse.con, truth, ("npd",))
