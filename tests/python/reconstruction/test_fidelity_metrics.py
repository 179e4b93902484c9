"""`cin_warehouse.fidelity` on a tiny hand-made warehouse and truth, against answers
counted by hand (in the comments) - not against the tool's own output.

The truth (census years 2015-2017, last census day 31 March 2017):

    episode  child(LA, id)   referral    closure     returned (year: referral as written)
    E1       A (202)         2014-05-01  2015-02-01  2015, closure written
    E2       A (202)         2015-06-01  2016-09-01  2016: 2015-06-10 (amended), 2017 (closed)
    E3       B (202)         2015-04-10  2015-08-01  2016, closure written
    E4       B (202)         2015-10-01  2016-01-15  2016, closure written
    E5       C (202)         2014-09-01  2017-01-10  2015, 2016 open (closure never written)
      P100   phantom of E5   2015-01-15              2015, 2016
    E6       D (330)         2016-05-01  open        2017
      P101   phantom of E6   2016-08-01              2017
    E7       D (330)         2014-01-01  2014-03-01  never returned
    E8       E (330)         2016-02-01  2016-03-01  2016, closure written

Persons: A and E are person 1 (one UPN), B person 2, C and D person 3 (a move, no UPN).

The XML warehouse: W1 = E1 (closure lost), E2 split into W2 + W3, E3 and E4 merged in
W4, W5 = E5 (closure inferred 2016-12-31), W6 = P100 unflagged (overlap_kind
missing_closure), W7 = E6, W8 = P101 flagged, W10 = E8 (referral date one day late),
W11 = a record under keys no truth record has. Children A, B, E linked as one person;
C and D not linked.
"""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cin_warehouse import cli, fidelity

D = date.fromisoformat


def _write(path: Path, rows: list[dict], schema: dict[str, pa.DataType]) -> None:
    columns = {name: pa.array([r.get(name) for r in rows], type_) for name, type_ in schema.items()}
    pq.write_table(pa.table(columns), path)


KEY_ROWS = [
    # census_year, la, id, anon id, upn, referral written, closure written, episode, record,
    # phantom, identity, person
    (2015, "202", "A", "a1", "UA", "2014-05-01", "2015-02-01", 1, 1, False, 1, 1),
    (2016, "202", "A", "a1", "UA", "2015-06-10", None, 2, 2, False, 1, 1),
    (2017, "202", "A", "a1", "UA", "2015-06-01", "2016-09-01", 2, 2, False, 1, 1),
    (2016, "202", "B", "b1", "UB", "2015-04-10", "2015-08-01", 3, 3, False, 2, 2),
    (2016, "202", "B", "b1", "UB", "2015-10-01", "2016-01-15", 4, 4, False, 2, 2),
    (2015, "202", "C", "c1", "UC", "2014-09-01", None, 5, 5, False, 3, 3),
    (2016, "202", "C", "c1", "UC", "2014-09-01", None, 5, 5, False, 3, 3),
    (2015, "202", "C", "c1", "UC", "2015-01-15", None, 5, 100, True, 3, 3),
    (2016, "202", "C", "c1", "UC", "2015-01-15", None, 5, 100, True, 3, 3),
    (2017, "330", "D", "d1", None, "2016-05-01", None, 6, 6, False, 4, 3),
    (2017, "330", "D", "d1", None, "2016-08-01", None, 6, 101, True, 4, 3),
    (2016, "330", "E", "e1", "UA", "2016-02-01", "2016-03-01", 8, 8, False, 5, 1),
]
EPISODES = {  # episode: (person, referral, closure)
    1: (1, "2014-05-01", "2015-02-01"),
    2: (1, "2015-06-01", "2016-09-01"),
    3: (2, "2015-04-10", "2015-08-01"),
    4: (2, "2015-10-01", "2016-01-15"),
    5: (3, "2014-09-01", "2017-01-10"),
    6: (3, "2016-05-01", None),
    7: (3, "2014-01-01", "2014-03-01"),
    8: (1, "2016-02-01", "2016-03-01"),
}
QUIRKS = [
    # census_year, quirk, la, LAchildID, record_id, field, true, written, line
    (
        2016,
        "referral_date_amended",
        "202",
        "A",
        2,
        "CINreferralDate",
        "2015-06-01",
        "2015-06-10",
        None,
    ),
    (2016, "missing_closure", "202", "C", 5, "CINclosureDate", "2017-01-10", None, None),
    (2015, "open_case_rereferral", "202", "C", 100, "CINreferralDate", None, "2015-01-15", None),
    (2017, "open_case_rereferral", "330", "D", 101, "CINreferralDate", None, "2016-08-01", None),
    (2015, "upn_missing", "202", "A", -1, "UPN", "UA", None, None),
    (2016, "legacy_code", "202", "b1", -1, "CIN_PrimaryNeedCode", "N1", "N0", 5),
    (
        2015,
        "cpp_fields_missing_2010_2012",
        "202",
        "a1",
        -1,
        "CIN_CPPstartDate",
        "2014-06-01",
        None,
        3,
    ),
]


def write_truth(truth: Path) -> None:
    truth.mkdir()
    s, i, b, d = pa.string(), pa.int64(), pa.bool_(), pa.date32()
    keys = [
        dict(
            zip(
                (
                    "census_year",
                    "la_code",
                    "la_child_id",
                    "la_child_id_anon",
                    "upn",
                    "referral_date_written",
                    "closure_date_written",
                    "episode_id",
                    "record_id",
                    "is_phantom",
                    "identity_id",
                    "person_id",
                ),
                row,
                strict=True,
            )
        )
        for row in KEY_ROWS
    ]
    for k in keys:
        k["pupil_matching_ref"] = k["upn"] and "p" + k["upn"]
    _write(
        truth / "record_keys.parquet",
        keys,
        {
            "census_year": pa.int16(),
            "la_code": s,
            "la_child_id": s,
            "upn": s,
            "pupil_matching_ref": s,
            "la_child_id_anon": s,
            "referral_date_written": s,
            "closure_date_written": s,
            "episode_id": i,
            "record_id": i,
            "is_phantom": b,
            "identity_id": i,
            "person_id": i,
        },
    )
    episodes = [
        {
            "episode_id": e,
            "person_id": p,
            "referral_date": D(r),
            "closure_date": c and D(c),
            "closure_reason": c and "RC1",
        }
        for e, (p, r, c) in EPISODES.items()
    ]
    _write(
        truth / "episodes.parquet",
        episodes,
        {
            "episode_id": i,
            "person_id": i,
            "referral_date": d,
            "closure_date": d,
            "closure_reason": s,
        },
    )
    records = [
        {"record_id": e["episode_id"], "episode_id": e["episode_id"], "is_phantom": False}
        for e in episodes
    ]
    records += [
        {"record_id": 100, "episode_id": 5, "is_phantom": True},
        {"record_id": 101, "episode_id": 6, "is_phantom": True},
    ]
    _write(truth / "records.parquet", records, {"record_id": i, "episode_id": i, "is_phantom": b})
    _write(
        truth / "cpps.parquet",
        [
            {
                "cpp_id": 1,
                "episode_id": 1,
                "start_date": D("2014-06-01"),
                "end_date": D("2014-12-01"),
            },
            {"cpp_id": 2, "episode_id": 5, "start_date": D("2015-02-01"), "end_date": None},
            {
                "cpp_id": 3,
                "episode_id": 3,
                "start_date": D("2015-05-01"),
                "end_date": D("2015-07-01"),
            },
            {
                "cpp_id": 4,
                "episode_id": 6,
                "start_date": D("2016-06-01"),
                "end_date": D("2017-06-01"),
            },
        ],
        {"cpp_id": i, "episode_id": i, "start_date": d, "end_date": d},
    )
    _write(
        truth / "assessments.parquet",
        [
            {
                "episode_id": 1,
                "assessment_seq": 1,
                "start_date": D("2014-05-05"),
                "authorisation_date": D("2014-06-01"),
            },
            {
                "episode_id": 6,
                "assessment_seq": 1,
                "start_date": D("2016-05-03"),
                "authorisation_date": None,
            },
        ],
        {"episode_id": i, "assessment_seq": pa.int16(), "start_date": d, "authorisation_date": d},
    )
    # E1's assessment found factor 3B (none of these episodes closed after an assessment
    # that found no factors, so the limit is the census year each left the returns in).
    _write(
        truth / "factors.parquet",
        [{"episode_id": 1, "assessment_seq": 1, "factor": "3B"}],
        {"episode_id": i, "assessment_seq": pa.int16(), "factor": s},
    )
    _write(
        truth / "cin_plans.parquet",
        [],
        {"episode_id": i, "plan_seq": pa.int16(), "start_date": d, "end_date": d},
    )
    _write(
        truth / "s47.parquet",
        [
            {
                "episode_id": 1,
                "s47_seq": 1,
                "start_date": D("2014-05-10"),
                "icpc_date": None,
                "is_icpc_not_required": True,
            },
        ],
        {
            "episode_id": i,
            "s47_seq": pa.int16(),
            "start_date": d,
            "icpc_date": d,
            "is_icpc_not_required": b,
        },
    )
    _write(
        truth / "identities.parquet", [{"identity_id": n} for n in range(1, 6)], {"identity_id": i}
    )
    _write(truth / "persons.parquet", [{"person_id": n} for n in range(1, 4)], {"person_id": i})
    names = (
        "census_year",
        "quirk",
        "la_code",
        "LAchildID",
        "record_id",
        "field",
        "true_value",
        "written_value",
        "line_number",
    )
    _write(
        truth / "quirks.parquet",
        [dict(zip(names, q, strict=True)) for q in QUIRKS],
        {
            "census_year": pa.int16(),
            "quirk": s,
            "la_code": s,
            "LAchildID": s,
            "record_id": i,
            "field": s,
            "true_value": s,
            "written_value": s,
            "line_number": i,
        },
    )
    (truth / "settings.json").write_text(
        json.dumps({"census_years": [2015, 2016, 2017], "clean": False}), encoding="utf-8"
    )


# warehouse episode: (records (year, la, id, referral as written), referral, closure,
# inferred, overlap_kind)
XML_EPISODES = {
    "W1": ([(2015, "202", "A", "2014-05-01")], "2014-05-01", None, False, None),
    "W2": ([(2016, "202", "A", "2015-06-10")], "2015-06-10", None, False, None),
    "W3": ([(2017, "202", "A", "2015-06-01")], "2015-06-01", "2016-09-01", False, None),
    "W4": (
        [(2016, "202", "B", "2015-04-10"), (2016, "202", "B", "2015-10-01")],
        "2015-04-10",
        "2016-01-15",
        False,
        None,
    ),
    "W5": (
        [(2015, "202", "C", "2014-09-01"), (2016, "202", "C", "2014-09-01")],
        "2014-09-01",
        "2016-12-31",
        True,
        None,
    ),
    "W6": (
        [(2015, "202", "C", "2015-01-15"), (2016, "202", "C", "2015-01-15")],
        "2015-01-15",
        None,
        False,
        "missing_closure",
    ),
    "W7": ([(2017, "330", "D", "2016-05-01")], "2016-05-01", None, False, None),
    "W8": (
        [(2017, "330", "D", "2016-08-01")],
        "2016-08-01",
        None,
        False,
        "rereferral_of_open_case",
    ),
    "W10": ([(2016, "330", "E", "2016-02-01")], "2016-02-02", "2016-03-01", False, None),
    "W11": ([(2016, "202", "Z", "2016-01-01")], "2016-01-01", None, False, None),
}
# NPD: W1n is E1 under its anonymised ID; W2n carries the XML LAchildID (maps to nothing).
NPD_EPISODES = {
    "W1n": ([(2015, "202", "a1", "2014-05-01")], "2014-05-01", "2015-02-01", False, None),
    "W2n": ([(2016, "202", "A", "2015-06-10")], "2015-06-10", None, False, None),
}
PERSON_OF_CHILD = {
    "xml": {"A": "p1", "B": "p1", "E": "p1", "C": "p3", "D": "p4", "Z": "p9"},
    "npd": {"a1": "n1", "A": "n2"},
}


def write_warehouse(db: Path) -> None:
    con = duckdb.connect(str(db))
    con.execute("""
        create schema intermediate; create schema marts;
        create table intermediate.int_episode_records_linked (
            source_kind varchar, census_year smallint, la_code varchar, la_child_id varchar,
            referral_date date, child_id varchar, episode_id varchar);
        create table marts.fct_episode (
            episode_id varchar, child_id varchar, source_kind varchar, la_code varchar,
            la_child_id varchar,
            referral_date date, closure_date date, closure_date_is_inferred boolean,
            overlap_kind varchar, first_census_year smallint, last_census_year smallint);
        create table marts.fct_cpp (cpp_id varchar, episode_id varchar, source_kind varchar,
            start_date date, end_date date);
        create table marts.fct_assessment (assessment_id varchar, episode_id varchar,
            source_kind varchar, start_date date);
        create table marts.fct_s47 (s47_id varchar, episode_id varchar, source_kind varchar,
            start_date date);
        create table marts.dim_child (child_id varchar, person_id varchar,
            source_kind varchar);
    """)
    for source, episodes in (("xml", XML_EPISODES), ("npd", NPD_EPISODES)):
        for w, (rows, referral, closure, inferred, overlap) in episodes.items():
            for year, la, child, written in rows:
                con.execute(
                    "insert into intermediate.int_episode_records_linked values (?,?,?,?,?,?,?)",
                    [source, year, la, child, written, f"{source}:{la}:{child}", w],
                )
            years = [r[0] for r in rows]
            con.execute(
                "insert into marts.fct_episode values (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    w,
                    f"{source}:{rows[0][1]}:{rows[0][2]}",
                    source,
                    rows[0][1],
                    rows[0][2],
                    referral,
                    closure,
                    inferred,
                    overlap,
                    min(years),
                    max(years),
                ],
            )
        la_of = {r[2]: r[1] for rows, *_ in episodes.values() for r in rows}
        for child, person in PERSON_OF_CHILD[source].items():
            con.execute(
                "insert into marts.dim_child values (?,?,?)",
                [f"{source}:{la_of[child]}:{child}", person, source],
            )
    con.execute("""
        insert into marts.fct_cpp values
            ('c1', 'W1', 'xml', '2014-06-01', '2014-12-01'),
            ('c2', 'W5', 'xml', '2015-02-01', null),
            ('c3', 'W5', 'xml', '2015-02-01', null),
            ('c4', 'W4', 'xml', '2015-05-01', '2015-07-01');
        insert into marts.fct_assessment values ('a1', 'W1', 'xml', '2014-05-05');
        insert into marts.fct_s47 values ('s1', 'W1', 'xml', '2014-05-11');
    """)
    con.close()


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("fidelity_hand_made")
    write_truth(root / "truth")
    for year in (2015, 2016, 2017):  # the world's XML folders: XML covers every year here
        (root / "xml" / str(year)).mkdir(parents=True)
    write_warehouse(root / "cin.duckdb")
    return root / "cin.duckdb", root / "truth"


@pytest.fixture(scope="module")
def reports(hand_made: tuple[Path, Path]) -> dict[str, fidelity.SourceReport]:
    db, truth = hand_made
    with fidelity.open_warehouse(db) as con:
        return fidelity.measure(con, truth)


def figure(report: fidelity.SourceReport, metric: str) -> tuple[int, int]:
    f = report.figures[metric]
    return f.ok, f.total


def test_episodes_split_merge_phantom_unmapped(reports) -> None:
    xml = reports["xml"]
    # Judged: the 9 unflagged episodes; correct: W1, W5, W7, W10 (W2/W3 split E2, W4
    # merges E3+E4, W6 is an unflagged phantom, W11 has no truth record).
    assert figure(xml, "episode_precision") == (4, 9)
    reasons = xml.failures["episode_precision"]
    assert (
        reasons["its true episode is also held by another warehouse episode (split)"]["count"] == 2
    )
    assert reasons["holds several true episodes (merge)"]["examples"] == ["W4"]
    assert reasons["unflagged phantom re-referral"]["examples"] == ["W6"]
    assert reasons["no truth record under its keys"]["examples"] == ["W11"]
    # Seen: E1-E6, E8 (E7 never returned); recalled: E1, E5, E6, E8.
    assert figure(xml, "episode_recall") == (4, 7)
    missed = xml.failures["episode_recall"]
    assert missed["split across 2 warehouse episodes"]["examples"] == ["2"]
    assert missed["merged with another true episode"]["examples"] == ["3", "4"]


def test_dates(reports) -> None:
    xml = reports["xml"]
    assert figure(xml, "referral_date") == (3, 4)  # W10 one day late
    assert list(xml.failures["referral_date"]) == ["later than the true referral date"]
    # The true dates of E1, E5, E6 and E8 are each written in a return: all four judged.
    assert figure(xml, "referral_date_returned") == (3, 4)
    assert figure(xml, "closure_exact_written") == (1, 2)  # E1 lost, E8 right
    assert "left open although a return wrote the closure" in xml.failures["closure_exact_written"]
    # E5 closed 2017-01-10, never written; inferred 2016-12-31: same census year 2016/17.
    assert figure(xml, "closure_inferred_year") == (1, 1)
    assert figure(xml, "closure_inferred_any") == (1, 1)
    # ... though the returns hid that year: E5 was last returned in 2015/16.
    assert figure(xml, "closure_inferred_limit") == (0, 1)
    assert list(xml.failures["closure_inferred_limit"]) == [
        "left the returns before the year it closed"
    ]
    assert figure(xml, "closure_open_kept") == (1, 1)  # E6 open at 31 March 2017


def test_phantoms(reports) -> None:
    xml = reports["xml"]
    assert figure(xml, "phantom_precision") == (1, 1)  # W8 = P101
    assert figure(xml, "phantom_recall") == (1, 2)  # P100 missed in W6
    assert xml.failures["phantom_recall"] == {
        "not flagged: overlap_kind missing_closure": {"count": 1, "examples": ["100"]}
    }
    # Where the returns show when the case ended: P101's case E6 is open on the last
    # census day (and returned with it in 2017); P100's case E5 closed 2017-01-10, a
    # closure no return wrote: P100 is not judged there.
    assert figure(xml, "phantom_recall_decidable") == (1, 1)
    assert figure(xml, "phantom_precision_decidable") == (1, 1)  # W8 = P101


def test_plans_assessments_s47(reports) -> None:
    xml = reports["xml"]
    # c1 right, c2 right, c3 a duplicate of c2, c4 on the merged W4.
    assert figure(xml, "cpp_precision") == (2, 4)
    assert xml.failures["cpp_precision"]["duplicate of another warehouse cpp"]["count"] == 1
    # Seen: all four; CPP 3 (merged episode) and CPP 4 (not in the warehouse) missed.
    assert figure(xml, "cpp_recall") == (2, 4)
    assert figure(xml, "cpp_end_date") == (2, 2)
    # c1 = CPP 1 ended 2014-12-01, written in E1's 2014/15 return; c2 = CPP 2 still
    # open: both ends are known from the returns, none is unwritten.
    assert figure(xml, "cpp_end_date_written") == (2, 2)
    assert figure(xml, "cpp_end_unwritten_year") == (0, 0)
    assert figure(xml, "assessment_precision") == (1, 1)
    assert figure(xml, "assessment_recall") == (1, 2)  # E6's assessment is missing
    assert figure(xml, "s47_precision") == (0, 1)  # start one day off
    assert figure(xml, "s47_recall") == (0, 1)


def test_person_pairs(reports) -> None:
    xml = reports["xml"]
    # Linked: A~B, A~E, B~E; true pairs: A~E, C~D. One pair right.
    assert figure(xml, "person_pair_precision") == (1, 3)
    assert figure(xml, "person_pair_recall") == (1, 2)
    # Only A and E ever shared a UPN (the same UPN in their returns): linked.
    assert figure(xml, "person_pair_recall_linkable") == (1, 1)
    assert fidelity.f1(xml) == pytest.approx(0.4)
    assert list(xml.failures["person_pair_recall"]) == [
        "no UPN/PMR shared in any return (no link in the data)"
    ]


def test_npd_keys_on_the_anonymised_id(reports) -> None:
    npd = reports["npd"]
    assert figure(npd, "episode_precision") == (1, 2)  # W2n carries the XML LAchildID
    assert figure(npd, "episode_recall") == (1, 7)
    # CPP 1's start is blanked in its only NPD return: not judged; the other three missed.
    assert figure(npd, "cpp_recall") == (0, 3)
    assert npd.notes[0].startswith("1 true plan(s)")
    assert figure(npd, "assessment_recall") == (0, 0)


def test_by_quirk(reports) -> None:
    xml, npd = reports["xml"], reports["npd"]
    recall = xml.by_quirk["episode_recall"]
    assert (recall["referral_date_amended"].ok, recall["referral_date_amended"].total) == (0, 1)
    assert (recall["open_case_rereferral"].ok, recall["open_case_rereferral"].total) == (2, 2)
    assert (recall["upn_missing"].ok, recall["upn_missing"].total) == (1, 1)
    assert (recall["none"].ok, recall["none"].total) == (1, 3)  # E3, E4 merged; E8 right
    assert "legacy_code" not in recall  # an NPD file quirk
    assert npd.by_quirk["episode_recall"]["legacy_code"].total == 2  # E3, E4


def test_cli(hand_made: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    db, truth = hand_made
    out = tmp_path / "f.json"
    assert (
        cli.main(
            [
                "fidelity",
                "--db",
                str(db),
                "--truth",
                str(truth),
                "--source",
                "xml",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    assert "episode_precision" in capsys.readouterr().out
    data = json.loads(out.read_text())
    assert data["xml"]["figures"]["episode_recall"]["ok"] == 4


def test_clear_errors(hand_made: tuple[Path, Path], tmp_path: Path, capsys) -> None:
    db, truth = hand_made
    assert cli.main(["fidelity", "--db", str(tmp_path / "no.duckdb"), "--truth", str(truth)]) == 2
    assert "no such warehouse" in capsys.readouterr().err
    assert cli.main(["fidelity", "--db", str(db), "--truth", str(tmp_path)]) == 2
    assert "truth file(s) missing: records.parquet" in capsys.readouterr().err
    bare = tmp_path / "bare.duckdb"
    duckdb.connect(str(bare)).close()
    assert cli.main(["fidelity", "--db", str(bare), "--truth", str(truth)]) == 2
    err = capsys.readouterr().err
    assert "intermediate.int_episode_records_linked is missing" in err
    assert "dbt build" in err


def test_failures_explained_row_by_row(hand_made: tuple[Path, Path]) -> None:
    db, truth = hand_made
    with fidelity.open_warehouse(db) as con:
        xml = fidelity.measure(con, truth, ("xml",), describe=1)["xml"]
    merged = xml.failures["episode_precision"]["holds several true episodes (merge)"]
    (lines,) = merged["details"]
    assert lines[0] == "truth episode 3: referral 2015-04-10, closure 2015-08-01"
    assert "truth episode 4: referral 2015-10-01, closure 2016-01-15" in lines
    assert (
        "warehouse episode W4: referral 2015-04-10, closure 2016-01-15, overlap_kind None,"
        " census years 2016-2016"
    ) in lines
    # the child's other episodes, true (E3 and E4 are B's only ones) and in the warehouse
    assert not any(line.startswith("other true episodes") for line in lines)
    split = xml.failures["episode_recall"]["split across 2 warehouse episodes"]
    (lines,) = split["details"]  # E2, held by W2 and W3; child A also has E1 / W1
    assert "other true episodes of the child, returned: 1 (2014-05-01 to 2015-02-01)" in lines
    assert lines[-1] == "other warehouse episodes of the child: W1 (2014-05-01 to open)"
    unmapped = xml.failures["episode_precision"]["no truth record under its keys"]["details"]
    assert unmapped[0][-1] == (
        "  2016 LA 202 LAchildID Z referral 2016-01-01: no truth record under these keys"
    )


def test_seen_only_in_the_years_a_source_covers(hand_made: tuple[Path, Path], tmp_path) -> None:
    """With XML returns for 2016/17 only, the XML report judges the episodes returned in
    2017: E2 (its 2016 record under the wrong date no longer counts: W3 alone holds it)
    and E6."""
    db, truth = hand_made
    shutil.copytree(truth, tmp_path / "truth")
    (tmp_path / "xml" / "2017").mkdir(parents=True)
    with fidelity.open_warehouse(db) as con:
        xml = fidelity.measure(con, tmp_path / "truth", ("xml",))["xml"]
    assert figure(xml, "episode_recall") == (2, 2)
