"""A census year's truth tables and disabilities file, built in Arrow and numpy, checked
against hand-worked cases (session 13 replaced DuckDB joins by takes of each row's child).

Each case is also given as a table of several chunks: at national scale a column can reach
the builders as a ChunkedArray (pyarrow splits large text arrays), and the result must not
depend on the chunking.
"""

from __future__ import annotations

import pyarrow as pa
import pytest

from cin_warehouse.synth import npd_writer, truth
from cin_warehouse.synth.returns import child_rows


def _chunked(table: pa.Table, pieces: int) -> pa.Table:
    """`table` as `pieces` record batches (each column a ChunkedArray of that many chunks)."""
    step = -(-table.num_rows // pieces)
    batches = [
        b for start in range(0, table.num_rows, step) for b in table.slice(start, step).to_batches()
    ]
    return pa.Table.from_batches(batches, schema=table.schema)


# Children of two LAs; child_pos 1 and 2 exist in both, so a row must be matched by the
# pair, not by child_pos alone. Listed out of key order on purpose.
CHILD = pa.table(
    {
        "la_code": ["330", "202", "330", "202", "330"],
        "child_pos": pa.array([2, 1, 1, 2, 3], pa.int32()),
        "LAchildID": ["B", "X", "A", "Y", "C"],
        "UPN": ["U-B", None, "U-A", "U-Y", "U-C"],
        "pupil_matching_ref": ["PB", "PX", "PA", "PY", "PC"],
        "la_child_id_anon": ["QB", "QX", "QA", "QY", "QC"],
        "identity_id": pa.array([12, 21, 11, 22, 13], pa.int64()),
        "person_id": pa.array([102, 201, 101, 202, 103], pa.int64()),
    }
)


def _details(rows: list[tuple[str, int, int, str, str | None]]) -> pa.Table:
    """CIN details rows: (la_code, child_pos, cin_details_pos, referral, closure)."""
    la, child_pos, cin_pos, referral, closure = zip(*rows, strict=True)
    n = len(rows)
    return pa.table(
        {
            "census_year": pa.array([2020] * n, pa.int16()),
            "la_code": list(la),
            "child_pos": pa.array(child_pos, pa.int32()),
            "cin_details_pos": pa.array(cin_pos, pa.int16()),
            "episode_id": pa.array(range(500, 500 + n), pa.int64()),
            # record ids out of row order: the keys come out ordered by them
            "record_id": pa.array([(7 * i) % n for i in range(n)], pa.int64()),
            "is_phantom": [i % 2 == 0 for i in range(n)],
            "CINreferralDate": list(referral),
            "CINclosureDate": list(closure),
        }
    )


# Worked by hand (a record overlaps another of its child when each starts on or before the
# other's end; no closure: open to the end of time):
# 330/1: open from 05-01, and 06-01 to 07-01 inside it: both overlap.
# 330/2: 04-01 to 04-10 and 04-10 to 05-01 share 10 April: both overlap.
# 330/3: 04-01 to 04-09, then open from 04-10: no overlap.
# 202/1: one record (its dates overlap 330/1's, another child's): none.
# 202/2: 04-01 to 06-01, 07-01 to 08-01, 05-01 to 05-02: the first and third overlap.
DETAILS = _details(
    [
        ("330", 1, 1, "2019-05-01", None),
        ("202", 2, 1, "2019-04-01", "2019-06-01"),
        ("330", 2, 2, "2019-04-10", "2019-05-01"),
        ("202", 1, 1, "2019-05-01", None),
        ("330", 3, 1, "2019-04-01", "2019-04-09"),
        ("330", 1, 2, "2019-06-01", "2019-07-01"),
        ("202", 2, 2, "2019-07-01", "2019-08-01"),
        ("330", 2, 1, "2019-04-01", "2019-04-10"),
        ("330", 3, 2, "2019-04-10", None),
        ("202", 2, 3, "2019-05-01", "2019-05-02"),
    ]
)


@pytest.mark.parametrize("pieces", [1, 3])
def test_return_counts_equal_the_hand_worked_counts(pieces: int) -> None:
    counts = truth.return_counts({"cin_details": _chunked(DETAILS, pieces)}, 2020)
    assert counts.to_pylist() == [
        {
            "census_year": 2020,
            "la_code": "202",
            "children": 2,
            "cin_details_records": 4,
            "overlapping_records": 2,
        },
        {
            "census_year": 2020,
            "la_code": "330",
            "children": 3,
            "cin_details_records": 6,
            "overlapping_records": 4,
        },
    ]
    assert counts.schema.field("census_year").type == pa.int16()


def test_a_year_without_records_has_no_counts_and_no_keys() -> None:
    # A year whose only LA sent no return (test_world's Isle of Wight in 2010).
    empty = {"cin_details": DETAILS.slice(0, 0), "child": CHILD.slice(0, 0)}
    counts = truth.return_counts(empty, 2020)
    assert counts.num_rows == 0
    assert counts.schema == truth.return_counts({"cin_details": DETAILS}, 2020).schema
    assert truth.record_keys(empty).num_rows == 0


@pytest.mark.parametrize("pieces", [1, 2, 4])
def test_record_keys_take_each_records_child_and_are_ordered_by_record_id(pieces: int) -> None:
    keys = truth.record_keys(
        {"cin_details": _chunked(DETAILS, pieces), "child": _chunked(CHILD, pieces)}
    )
    # Rows 0-9 of DETAILS have record ids 0, 7, 4, 1, 8, 5, 2, 9, 6, 3 and the children
    # A, Y, B, X, C, A, Y, B, C, Y (read off CHILD by hand); by record id:
    by_id = ["A", "X", "Y", "Y", "B", "A", "C", "Y", "C", "B"]
    assert keys["record_id"].to_pylist() == list(range(10))
    assert keys["la_child_id"].to_pylist() == by_id
    person = {"A": 101, "B": 102, "C": 103, "X": 201, "Y": 202}
    upn = {"A": "U-A", "B": "U-B", "C": "U-C", "X": None, "Y": "U-Y"}
    assert keys["person_id"].to_pylist() == [person[c] for c in by_id]
    identity = {"A": 11, "B": 12, "C": 13, "X": 21, "Y": 22}
    assert keys["identity_id"].to_pylist() == [identity[c] for c in by_id]
    assert keys["upn"].to_pylist() == [upn[c] for c in by_id]
    assert keys["pupil_matching_ref"].to_pylist() == [f"P{c}" for c in by_id]
    assert keys["la_child_id_anon"].to_pylist() == [f"Q{c}" for c in by_id]
    assert keys["la_code"].to_pylist() == ["330" if c in "ABC" else "202" for c in by_id]
    assert keys.column_names == [
        "census_year",
        "la_code",
        "la_child_id",
        "upn",
        "pupil_matching_ref",
        "la_child_id_anon",
        "referral_date_written",
        "closure_date_written",
        "episode_id",
        "record_id",
        "is_phantom",
        "identity_id",
        "person_id",
    ]


def test_a_row_without_its_child_is_refused() -> None:
    orphan = pa.table({"la_code": ["330", "202"], "child_pos": pa.array([1, 3], pa.int32())})
    with pytest.raises(ValueError, match="no child record"):
        child_rows(CHILD, orphan)
    # An LA with no child at all, and a year without children, too.
    with pytest.raises(ValueError, match="no child record"):
        child_rows(CHILD.slice(0, 0), orphan)
    with pytest.raises(ValueError, match="no child record"):
        child_rows(CHILD, pa.table({"la_code": ["9"], "child_pos": pa.array([1], pa.int32())}))


@pytest.mark.parametrize("pieces", [1, 2])
def test_disability_rows_leave_out_none_and_follow_la_child_and_position(pieces: int) -> None:
    disability = pa.table(
        {
            "census_year": pa.array([2020] * 6, pa.int16()),
            "la_code": ["330", "202", "330", "330", "202", "330"],
            "child_pos": pa.array([2, 1, 1, 2, 2, 3], pa.int32()),
            "disability_pos": pa.array([2, 1, 1, 1, 1, 1], pa.int16()),
            "Disability": ["HAND", "MOB", "NONE", "VIS", "NONE", "AUT"],
        }
    )
    rows = npd_writer.disability_rows(
        {"disability": _chunked(disability, pieces), "child": _chunked(CHILD, pieces)}, 2020
    )
    assert rows.to_pylist() == [
        {
            "CIN_ACADYR": "2019/2020",
            "CIN_PupilMatchingRefAnonymous": pmr,
            "CIN_LAchildID_Anon": anon,
            "CIN_LA": la,
            "CIN_DisabilityType": code,
        }
        for pmr, anon, la, code in [
            ("PX", "QX", "202", "MOB"),
            ("PB", "QB", "330", "VIS"),
            ("PB", "QB", "330", "HAND"),
            ("PC", "QC", "330", "AUT"),
        ]
    ]
