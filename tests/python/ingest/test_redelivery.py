"""Idempotency (same bytes: a no-op that says so) and re-delivery (same year, and LA for XML:
the new file replaces the earlier rows in one transaction; both stay in the manifest)."""

from __future__ import annotations

from pathlib import Path

from cin_warehouse.ingest import loader
from tests.python.ingest import fixtures
from tests.python.ingest.fixtures import content, query


def statuses(db: Path) -> list[tuple[str, str, str | None]]:
    return query(db, "select file_name, status, superseded_by from raw._loads order by started_at")


def test_same_file_twice_is_a_no_op(db: Path, files_dir: Path) -> None:
    npd = fixtures.write_npd(files_dir, 2017, fixtures.npd_rows(2017, 20))
    xml = files_dir / "CIN_2017_202.xml"
    xml.write_text(fixtures.return_xml(2017, "202", fixtures.make_children(2017, 4)))
    first = loader.land([npd, xml], db)
    assert [o.status for o in first] == ["landed", "landed"]
    before = content(db)
    second = loader.land([npd, xml], db)
    assert [o.status for o in second] == ["unchanged", "unchanged"]
    assert [o.previous.load_id for o in second] == [o.record.load_id for o in first]
    assert content(db) == before


def test_same_bytes_under_another_name_is_a_no_op(db: Path, files_dir: Path) -> None:
    path = fixtures.write_npd(files_dir, 2017, fixtures.npd_rows(2017, 5))
    loader.land([path], db)
    copy = files_dir / "copy"
    copy.mkdir()
    (copy / "CIN_2017.csv").write_bytes(path.read_bytes())
    assert [o.status for o in loader.land([copy], db)] == ["unchanged"]


def test_npd_redelivery_replaces_the_year(db: Path, files_dir: Path) -> None:
    first_dir, second_dir = files_dir / "v1", files_dir / "v2"
    first_dir.mkdir()
    second_dir.mkdir()
    v1 = fixtures.write_npd(first_dir, 2017, fixtures.npd_rows(2017, 30, seed=1))
    v2 = fixtures.write_npd(second_dir, 2017, fixtures.npd_rows(2017, 12, seed=2))
    other = fixtures.write_npd(first_dir, 2016, fixtures.npd_rows(2016, 8, seed=3))
    first = {o.raw_file.path: o for o in loader.land([v1, other], db)}
    other_rows = query(db, "select * exclude (_load_id) from raw.npd_cin_2016")

    outcome = loader.land([v2], db)[0]
    assert outcome.status == "replaced"
    assert outcome.record.replaces == [first[v1].record.load_id]
    landed = query(db, "select distinct _source_file, _load_id from raw.npd_cin_2017")
    assert landed == [(str(v2), outcome.record.load_id)]
    assert query(db, "select count(*) from raw.npd_cin_2017")[0][0] == 12
    # Other years untouched; both deliveries in the manifest, the earlier superseded.
    assert query(db, "select * exclude (_load_id) from raw.npd_cin_2016") == other_rows
    manifest = query(
        db,
        "select load_id, status, superseded_by, replaces from raw._loads where census_year = 2017"
        " order by started_at",
    )
    assert manifest == [
        (first[v1].record.load_id, "superseded", outcome.record.load_id, None),
        (outcome.record.load_id, "loaded", None, first[v1].record.load_id),
    ]

    # Delivering the first file again is a re-delivery too (it is no longer current).
    again = loader.land([v1], db)[0]
    assert again.status == "replaced"
    assert query(db, "select count(*) from raw.npd_cin_2017")[0][0] == 30


def test_main_and_disabilities_files_do_not_replace_each_other(db: Path, files_dir: Path) -> None:
    main = fixtures.write_npd(files_dir, 2014, fixtures.npd_rows(2014, 6))
    disabilities = files_dir / "CIN_2014_Disabilities.csv"
    disabilities.write_text(
        "CIN_ACADYR,CIN_LA,CIN_LAchildID_Anon,CIN_DisabilityType\n2013/14,202,A1,MOB\n"
    )
    outcomes = loader.land([main, disabilities], db)
    assert [o.status for o in outcomes] == ["landed", "landed"]
    assert query(db, "select count(*) from raw.npd_cin_2014")[0][0] == 6
    assert query(db, "select count(*) from raw.npd_cin_disabilities_2014")[0][0] == 1


def test_xml_redelivery_replaces_only_that_la_and_year(db: Path, files_dir: Path) -> None:
    def write(name: str, year: int, la: str, n: int, seed: int) -> Path:
        path = files_dir / name
        path.write_text(fixtures.return_xml(year, la, fixtures.make_children(year, n, seed=seed)))
        return path

    a1 = write("a1.xml", 2022, "202", 6, 1)
    b = write("b.xml", 2022, "330", 4, 2)
    a_other_year = write("a_2021.xml", 2021, "202", 3, 3)
    loader.land([a1, b, a_other_year], db)
    kept = {
        t: query(db, f"select * from raw.xml_{t} where _la_code <> '202' or _census_year <> 2022")
        for t in ("child", "cin_details", "header", "cpp_review")
    }
    a2 = write("a2.xml", 2022, "202", 9, 4)
    outcome = loader.land([a2], db)[0]
    assert outcome.status == "replaced"
    counts = dict(
        query(
            db,
            "select _source_file, count(*) from raw.xml_child group by 1",
        )
    )
    assert counts == {str(a2): 9, str(b): 4, str(a_other_year): 3}
    for table, rows in kept.items():
        after = query(
            db, f"select * from raw.xml_{table} where _la_code <> '202' or _census_year <> 2022"
        )
        assert after == rows
    assert statuses(db)[0] == ("a1.xml", "superseded", outcome.record.load_id)


def test_a_failed_redelivery_keeps_the_earlier_load(db: Path, files_dir: Path) -> None:
    good = fixtures.write_npd(files_dir, 2017, fixtures.npd_rows(2017, 10))
    loader.land([good], db)
    before = content(db)
    bad_dir = files_dir / "bad"
    bad_dir.mkdir()
    rows = fixtures.npd_rows(2017, 10, seed=4)
    rows[-1]["CIN_ACADYR"] = "2018/19"  # a census-year mismatch on the last row
    bad = fixtures.write_npd(bad_dir, 2017, rows)
    assert loader.land([bad], db)[0].status == "failed"
    assert content(db) == before


def test_a_failed_xml_redelivery_part_way_keeps_the_earlier_load(db: Path, files_dir: Path) -> None:
    """The XML is streamed in batches: a syntax error late in the file must undo them all."""
    first = files_dir / "first.xml"
    first.write_text(fixtures.return_xml(2023, "202", fixtures.make_children(2023, 5, seed=1)))
    loader.land([first], db)
    before = content(db)
    text = fixtures.return_xml(2023, "202", fixtures.make_children(2023, 500, seed=2))
    broken = files_dir / "broken.xml"
    broken.write_text(text.replace("</Children>", "</Childre>"))
    outcome = loader.land([broken], db)[0]
    assert outcome.status == "failed"
    assert "malformed XML" in str(outcome.error)
    assert content(db) == before
