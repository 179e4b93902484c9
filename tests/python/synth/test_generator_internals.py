"""Building blocks the generator's speed-ups rest on, checked against plain Python.

Each compares a vectorised helper with an independent computation (datetime, str) or pins a
behaviour of a library the helper works around.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from cin_warehouse.synth import calendar as cal
from cin_warehouse.synth import db, npd_writer, recording, truth
from cin_warehouse.synth.config import GeneratorSettings
from cin_warehouse.synth.npd_writer import _Column
from cin_warehouse.synth.recording import (
    UPN_CHECK_LETTERS,
    LARecords,
    Recorder,
    _census_year_or_never,
    _Codes,
    _date_text,
    _iso,
    _narrow,
    _Texts,
)
from cin_warehouse.synth.returns import MODULES
from cin_warehouse.synth.world import (
    FACTORS,
    _Collector,
    _disabilities,
    _distinct_sorted_factors,
    _text_objects,
    simulate,
)


def test_census_year_of_every_day_equals_the_april_to_march_rule() -> None:
    first = date(1999, 1, 1)
    days = [first + timedelta(days=i) for i in range(365 * 30)]
    expected = [d.year + 1 if d.month >= 4 else d.year for d in days]
    dates = np.array([d.isoformat() for d in days], dtype="datetime64[D]")
    assert cal.census_year_of(dates).tolist() == expected


def test_census_year_of_days_outside_its_table_and_other_units() -> None:
    """Days before and after the table of 1900-2199 (converted apart), mixed with days in
    it, and dates in other units than days, against the April-March rule in Python."""
    days = [date(1899, 3, 31) + timedelta(days=i) for i in range(0, 800, 3)] + [
        date(2199, 3, 1) + timedelta(days=i) for i in range(0, 800, 3)
    ]
    expected = [d.year + 1 if d.month >= 4 else d.year for d in days]
    dates = np.array([d.isoformat() for d in days], dtype="datetime64[D]")
    assert cal.census_year_of(dates).tolist() == expected
    assert cal.census_year_of(dates.astype("datetime64[s]")).tolist() == expected
    assert cal.census_year_of(dates[:0]).tolist() == []


@pytest.mark.parametrize(
    "years",
    [
        [2009, 2026, 2009, 2015, 0, 2026],  # 0: a record's "no year"
        [2017] * 5,
        [],
        # with the year NaT gives (census_year_of), far from the others: the sorted path
        [2012, int(cal.census_year_of(np.array(["NaT"], dtype="datetime64[D]"))[0]), 2012],
    ],
)
def test_by_census_year_equals_a_call_per_element(years: list[int]) -> None:
    calls: list[int] = []

    def value_of(year: int) -> float:
        calls.append(year)
        return year / 7 + 0.5

    values = cal.by_census_year(value_of, np.array(years, dtype=np.int64))
    assert values.dtype == np.float64
    assert values.tolist() == [y / 7 + 0.5 for y in years]
    # each distinct year looked up once, and only the years present
    assert sorted(calls) == sorted(set(years))


@pytest.mark.parametrize(
    "codes", [{"A": 1.0, "B": 3.0, "C": 0.5, "D": 2.0}, {"A": 1.0, "B": 2.0}, {"A": 1.0}]
)
def test_disabilities_are_the_first_codes_of_each_race_joined_in_python(
    codes: dict[str, float],
) -> None:
    """Each disabled child's codes: the `count` codes with the smallest exponential draw
    over weight, in that order, joined by ';' (fewer codes than drawn: each code once)."""
    cfg = {
        "disability_codes": codes,
        "disabled_share": 0.6,
        "disability_count_weights": [0.5, 0.3, 0.2],
    }
    n = 3000
    rng = np.random.default_rng(11)
    disabled = np.flatnonzero(rng.random(n) < cfg["disabled_share"])
    count = rng.choice([1, 2, 3], len(disabled), p=cfg["disability_count_weights"])
    race = rng.exponential(size=(len(disabled), len(codes))) / np.array(list(codes.values()))
    expected = [""] * n
    for row, k, draws in zip(disabled.tolist(), count.tolist(), race.tolist(), strict=True):
        ranked = sorted(zip(draws, codes, strict=True))
        expected[row] = ";".join(code for _, code in ranked[:k])
    assert _disabilities(np.random.default_rng(11), cfg, n).tolist() == expected


def test_dates_as_text_equal_isoformat_and_nat_is_null() -> None:
    days = [date(2008, 10, 1) + timedelta(days=37 * i) for i in range(200)]
    dates = np.array([d.isoformat() for d in days] + ["NaT"], dtype="datetime64[D]")
    expected = [d.isoformat() for d in days] + [None]
    assert _date_text(dates).to_pylist() == expected
    assert _iso(dates).tolist() == expected


def test_collector_keeps_every_row_of_a_text_column_pyarrow_converts_in_chunks() -> None:
    # pyarrow converts a numpy unicode array of a few million rows into a ChunkedArray;
    # the collector must still concatenate it with the other parts.
    big = np.full(3_000_000, "single")
    assert isinstance(pa.array(big, pa.string()), pa.ChunkedArray)
    collector = _Collector({"kind": pa.string(), "day": pa.date32()})
    collector.add(kind=big, day=np.full(len(big), np.datetime64("2020-01-02")))
    collector.add(
        kind=np.array(["core", None], dtype=object),
        day=np.array(["NaT", "2021-05-06"], dtype="datetime64[D]"),
    )
    table = collector.table()
    assert table.num_rows == len(big) + 2
    assert table.column("kind").null_count == 1
    assert table.slice(len(big) - 1).to_pylist() == [
        {"kind": "single", "day": date(2020, 1, 2)},
        {"kind": "core", "day": None},
        {"kind": None, "day": date(2021, 5, 6)},
    ]


def test_shared_database_connections_do_not_see_each_others_tables() -> None:
    with db.connect() as first, db.connect() as second:
        first.register("t", pa.table({"x": [1, 2]}))
        assert first.sql("select sum(x) from t").fetchall() == [(3,)]
        with pytest.raises(duckdb.CatalogException, match="Table with name t does not exist"):
            second.sql("select * from t").fetchall()


# Codes as the recorder meets them: repeated, missing values, and more than the 127
# distinct values a one-byte index holds (disability code lists are hundreds).
CODES = ["RC1", None, "RC8", "RC1", "", "9A", None, "RC8"] + [f"D{i};D{i + 1}" for i in range(300)]


@pytest.mark.parametrize("values", [CODES, CODES[:8], [None, None], []])
def test_codes_index_like_a_list_of_the_values(values: list[str | None]) -> None:
    codes = _Codes(pa.chunked_array([pa.array(values[:3], pa.string()), values[3:]], pa.string()))
    rng = np.random.default_rng(5)
    rows = rng.integers(0, max(len(values), 1), 50) if values else np.array([], dtype=np.int64)
    assert len(codes) == len(values)
    assert codes[rows].tolist() == [values[i] for i in rows]
    mask = rng.random(len(values)) < 0.5
    assert codes[mask].tolist() == [v for v, m in zip(values, mask, strict=True) if m]
    assert codes[rows].dtype == object
    # The Arrow form holds the same values, null where missing.
    assert codes.arrow(rows).to_pylist() == [values[i] for i in rows]
    assert codes.arrow(mask).to_pylist() == [v for v, m in zip(values, mask, strict=True) if m]
    assert codes.arrow(rows).type == pa.string()


@pytest.mark.parametrize("values", [["0000100001", None, "C100002", "A123", "A123"], [None], []])
def test_texts_and_text_objects_equal_the_values_taken_in_python(
    values: list[str | None],
) -> None:
    texts = _Texts(np.array(values, dtype=object))
    rows = np.array([len(values) - 1 - i for i in range(len(values))] * 2, dtype=np.int32)
    assert len(texts) == len(values)
    assert texts[rows].tolist() == [values[i] for i in rows]
    assert texts.array.to_pylist() == values
    objects = _text_objects(pa.chunked_array([values], pa.string()))
    assert objects.dtype == object and objects.tolist() == values


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1


@pytest.mark.parametrize(
    ("values", "narrowed"),
    [
        ([0, 5, INT32_MAX, -1, INT32_MIN], True),
        ([], True),
        ([0, INT32_MAX + 1], False),  # one value past int32: left in 8 bytes
        ([INT32_MIN - 1, 3], False),
    ],
)
def test_narrow_keeps_every_id_and_uses_4_bytes_only_where_all_fit(
    values: list[int], narrowed: bool
) -> None:
    out = _narrow(np.array(values, dtype=np.int64))
    assert out.tolist() == values  # Python ints: compared exactly, whatever the dtype
    assert out.dtype == (np.int32 if narrowed else np.int64)


@pytest.mark.parametrize("dtype", [np.int16, np.int32, np.bool_, "datetime64[D]", object])
def test_narrow_leaves_other_types_as_they_are(dtype: object) -> None:
    values = np.array([0, 1, 1], dtype=dtype)
    assert _narrow(values) is values


def test_keyed_codes_index_like_the_values_and_minus_one_is_missing() -> None:
    values = np.array(["202", "E09000001", "330"], dtype=object)
    index = np.array([2, -1, 0, 0, 1, -1], dtype=np.int32)
    codes = _Codes.keyed(values, index)
    expected = ["330", None, "202", "202", "E09000001", None]
    assert len(codes) == len(index)
    assert codes[np.arange(len(index))].tolist() == expected
    mask = np.array([True, True, False, False, True, False])
    assert codes[mask].tolist() == [e for e, m in zip(expected, mask, strict=True) if m]
    assert codes.arrow(np.arange(len(index))).to_pylist() == expected
    assert codes.arrow(mask).to_pylist() == [e for e, m in zip(expected, mask, strict=True) if m]


def test_flag_text_is_one_for_true_and_zero_for_false() -> None:
    flags = np.array([True, False, False, True])
    assert recording._flag_text(flags).to_pylist() == ["1", "0", "0", "1"]
    assert recording._flag_text(np.zeros(0, dtype=bool)).to_pylist() == []


def test_child_key_is_equal_exactly_where_la_code_and_child_pos_are() -> None:
    # The NPD query joins and groups by child_key in place of (la_code, child_pos): two rows
    # must share a key exactly when they share the pair, and an LA with no child (it joins
    # no child) must have no key.
    rng = np.random.default_rng(11)
    las = ["202", "330", "E10", "9"]
    child = pa.table(
        {
            "la_code": pa.array([las[i] for i in rng.integers(0, 3, 400)], pa.string()),
            "child_pos": pa.array(rng.integers(1, 2**31 - 1, 400), pa.int32()),
        }
    )
    details = pa.table(
        {
            "la_code": pa.array([las[i] for i in rng.integers(0, 4, 300)], pa.string()),
            "child_pos": child["child_pos"].take(rng.integers(0, 400, 300)),
        }
    )
    keyed = npd_writer._with_child_key({"child": child, "details": details}, ("child", "details"))
    rows = [
        (la, pos, key)
        for name in ("child", "details")
        for la, pos, key in zip(
            keyed[name]["la_code"].to_pylist(),
            keyed[name]["child_pos"].to_pylist(),
            keyed[name]["child_key"].to_pylist(),
            strict=True,
        )
    ]
    child_las = set(child["la_code"].to_pylist())
    assert all((key is None) == (la not in child_las) for la, _, key in rows)
    assert any(key is None for _, _, key in rows)  # LA "9" has no children
    keyed_rows = [(la, pos, key) for la, pos, key in rows if key is not None]
    assert len({(la, pos) for la, pos, _ in keyed_rows}) == len({key for *_, key in keyed_rows})
    assert len({(la, pos, key) for la, pos, key in keyed_rows}) == len(
        {key for *_, key in keyed_rows}
    )


def _some_records(n: int) -> LARecords:
    rng = np.random.default_rng(7)
    closure = np.array(["2019-05-01"] * n, dtype="datetime64[D]")
    closure[::3] = np.datetime64("NaT")
    return LARecords(
        episode=rng.integers(0, 1000, n).astype(np.int32),
        identity=rng.integers(0, 500, n).astype(np.int32),
        is_phantom=rng.random(n) < 0.2,
        referral=np.array(["2018-04-02"] * n, dtype="datetime64[D]") + rng.integers(0, 30, n),
        closure=closure,
        reason=_Codes(pa.array(["RC1"] * n, pa.string())),
        closure_missing=rng.random(n) < 0.1,
        extra_open_years=rng.integers(0, 3, n).astype(np.int32),
        amended_delta=rng.integers(-5, 5, n).astype(np.int32),
        amended_year=rng.integers(0, 2020, n).astype(np.int16),
    )


@pytest.mark.parametrize("n", [0, 1, 5, 6, 7, 14])
def test_records_written_a_row_group_at_a_time_equal_the_whole_table_written_at_once(
    n: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Row groups of 3 rows stand for pyarrow's default of 1Mi: the file written part by
    # part must be byte for byte the one pq.write_table makes of the whole table.
    monkeypatch.setattr(truth, "RECORDS_ROW_GROUP", 3)
    records = _some_records(n)
    whole = truth._records(records, 0, n)
    assert whole.column("record_id").to_pylist() == list(range(n))
    pq.write_table(whole, tmp_path / "whole.parquet", row_group_size=3 if n else None)
    truth._write_records(tmp_path / "parts.parquet", records)
    assert (tmp_path / "parts.parquet").read_bytes() == (tmp_path / "whole.parquet").read_bytes()
    assert pq.read_metadata(tmp_path / "parts.parquet").num_row_groups == max(-(-n // 3), 1)


def test_factors_distinct_and_sorted_as_python_sorts_the_triples() -> None:
    rng = np.random.default_rng(3)
    codes = sorted(["10A", "1B", "21", "2A", "9A", "18B"])  # text order: "10A" < "1B"
    n = 5_000
    episode = rng.integers(0, 300, n)
    seq = rng.integers(0, 8, n).astype(np.int16)
    code = rng.integers(0, len(codes), n).astype(np.int16)
    table = _distinct_sorted_factors(episode, seq, code, codes, pa.schema(FACTORS))
    expected = sorted(
        {(int(e), int(q), codes[c]) for e, q, c in zip(episode, seq, code, strict=True)}
    )
    assert table.schema == pa.schema(FACTORS)
    assert [tuple(row.values()) for row in table.to_pylist()] == expected


def test_upns_built_in_parts_equal_upns_built_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    world = simulate(GeneratorSettings(scale=0.01, la_codes=("202", "330"), seed=7))
    settings = GeneratorSettings(scale=0.01, la_codes=("202", "330"), seed=7)
    whole = Recorder(world, settings)
    n = len(whole.id_person)
    monkeypatch.setattr(recording, "UPN_PART", 251)  # many parts, the last one short
    assert n > 3 * 251 and n % 251
    parted = Recorder(world, settings)
    every = np.arange(n)
    first = parted.upn[every]
    assert first.tolist() == whole.upn[every].tolist()
    assert parted.second_upn[every].tolist() == whole.second_upn[every].tolist()
    # Independently: each UPN's check letter from its 12 characters (DfE's UPN rule).
    for value in first[recording.present(first)][:500]:
        weighted = sum(int(ch) * w for ch, w in zip(value[1:], range(2, 14), strict=True))
        assert value[0] == UPN_CHECK_LETTERS[weighted % 23]


def test_census_year_spans_hold_every_day_a_year_keeps() -> None:
    # A module row is read in a year only if its begin's census year is not after it and its
    # end's not before it (`_candidates`): that must hold for every row `relevant` keeps,
    # i.e. begin <= 31 March and (end missing or end >= 1 April before it).
    first = date(2008, 1, 1)
    days = [first + timedelta(days=i) for i in range(365 * 4)]
    dates = np.array([d.isoformat() for d in days] + ["NaT"], dtype="datetime64[D]")
    years = _census_year_or_never(dates)
    assert years[-1] == np.iinfo(np.int16).max  # missing: never begins, never ends
    for year in range(2008, 2013):
        ref, start = date(year, 3, 31), date(year - 1, 4, 1)
        assert (years[:-1] <= year).tolist() == [d <= ref for d in days]
        assert (years[:-1] >= year).tolist() == [d >= start for d in days]


def test_each_years_plans_are_those_a_scan_of_every_plan_keeps() -> None:
    # The plans a year's returns hold, against a plain Python scan of all the world's plans:
    # of an episode in the year's returns (a true record), started by 31 March, and open
    # then or ended in the year (DfE rule 4013). `_modules` reads only each year's span.
    settings = GeneratorSettings(scale=0.01, la_codes=("202", "330"), seed=11)
    world = simulate(settings)
    plans = world.cpps.select(["cpp_id", "episode_id", "start_date", "end_date"]).to_pylist()
    recorder = Recorder(world, settings)
    recorder.release_world()
    for year in settings.census_years:
        returns = recorder.census_year_returns(year)
        details = returns["cin_details"]
        returned = {
            e
            for e, phantom in zip(
                details["episode_id"].to_pylist(), details["is_phantom"].to_pylist(), strict=True
            )
            if not phantom
        }
        ref, start = date(year, 3, 31), date(year - 1, 4, 1)
        expected = sorted(
            p["cpp_id"]
            for p in plans
            if p["episode_id"] in returned
            and p["start_date"] <= ref
            and (p["end_date"] is None or p["end_date"] >= start)
        )
        assert sorted(returns["cpp"]["cpp_id"].to_pylist()) == expected, year


def test_anonymised_keys_are_the_salted_md5_of_each_child_in_its_order() -> None:
    upns = ["A123456789012", None, "B999999999999", "A123456789012"]
    ids = ["0000100001", "C100002", None, "LA100003"]
    child = pa.table({"la_code": ["202"] * 4, "UPN": upns, "LAchildID": ids})
    keyed = npd_writer.with_anonymised_keys(child, seed=4)

    def anon(salt: str, value: str | None) -> str | None:
        if value is None:
            return None
        return hashlib.md5((salt + value).encode()).hexdigest()[:12].upper()

    assert keyed.select(child.column_names).equals(child)
    assert keyed["pupil_matching_ref"].to_pylist() == [anon("cin-synth-4-pmr", u) for u in upns]
    assert keyed["la_child_id_anon"].to_pylist() == [anon("cin-synth-4-la", i) for i in ids]


def test_write_npd_year_refuses_children_without_anonymised_keys(tmp_path: Path) -> None:
    settings = GeneratorSettings(scale=0.01, la_codes=("202",), seed=1)
    returns = {name: schema.empty_table() for name, schema in MODULES.items()}
    with pytest.raises(ValueError, match="with_anonymised_keys"):
        npd_writer.write_npd_year(returns, 2015, tmp_path, settings)


def test_damage_column_reads_and_changes_values_like_a_list() -> None:
    values = ["2015-04-01", None, "RC8", None, "2016-01-31", "RC8"]
    column = _Column(pa.chunked_array([values[:2], values[2:]], pa.string()))
    model = list(values)
    assert column.present().tolist() == [v is not None for v in model]
    for row, value in ((1, "1900-01-01"), (2, None), (5, " RC8 "), (2, "RC1")):
        column.changed[row] = value
        model[row] = value
    rows = np.array([5, 0, 2, 1, 3], dtype=np.int64)
    assert column.get(rows) == [model[i] for i in rows]
    assert column.present().tolist() == [v is not None for v in model]
    assert column.current().to_pylist() == model


def test_each_years_returns_equal_those_of_a_scan_of_every_record(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A year reads only the records whose span of census years holds it (`_record_years`):
    # every table of every year, and the quirk log, must equal those of a recorder that
    # scans every record of the world each year. The world must hold the records the spans
    # are about (amended referral dates, closures never recorded that linger on).
    settings = GeneratorSettings(scale=0.01, la_codes=("202", "330"), seed=5)
    world = simulate(settings)
    spanned = Recorder(world, settings)
    scanned = Recorder(world, settings)
    every = np.arange(len(scanned.records.episode))
    monkeypatch.setattr(scanned, "_record_candidates", lambda year: every)
    spanned.release_world()
    scanned.release_world()
    for year in settings.census_years:
        got, expected = spanned.census_year_returns(year), scanned.census_year_returns(year)
        assert got.keys() == expected.keys()
        for name in expected:
            assert got[name].equals(expected[name]), (year, name)
        # One header per LA with children, in code order.
        las = got["child"]["la_code"].to_pylist()
        assert got["header"]["la_code"].to_pylist() == sorted(set(las)), year
    assert spanned.quirks().equals(scanned.quirks())
    counts = pc.value_counts(spanned.quirks()["quirk"]).to_pylist()
    logged = {c["values"]: c["counts"] for c in counts}
    assert logged.get("referral_date_amended", 0) > 0
    r = spanned.records
    closure_year = cal.census_year_of(spanned._fill(r.closure))
    lingered = [
        (row["census_year"], row["record_id"])
        for row in spanned.quirks().to_pylist()
        if row["quirk"] == "missing_closure"
    ]
    assert any(year > closure_year[rec] for year, rec in lingered)


@pytest.mark.parametrize("size", [10, 6_000_000])
def test_first_seen_index_numbers_texts_in_order_of_first_appearance(size: int) -> None:
    # 6M three-character texts: pyarrow converts them as several chunks (about 5.6M each),
    # the national-scale case that once failed. The expected index comes from numpy alone.
    rng = np.random.default_rng(5)
    texts = np.array(["822", "202", "330", "940"])[rng.integers(0, 4, size)].astype(str)
    assert isinstance(pa.array(texts, pa.string()), pa.ChunkedArray) == (size > 5_600_000)
    distinct, first, inverse = np.unique(texts, return_index=True, return_inverse=True)
    rank_of_distinct = np.empty(len(distinct), dtype=np.int64)
    rank_of_distinct[np.argsort(first)] = np.arange(len(distinct))
    assert np.array_equal(recording._first_seen_index(texts), rank_of_distinct[inverse])
