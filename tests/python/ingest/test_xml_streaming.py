"""XML landing as it streams: elements outside the Child rows, lines beyond libxml2's 16 bits,
and several returns in one transaction landing exactly as each would alone."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import duckdb

from cin_warehouse.ingest import loader
from tests.python.ingest import fixtures
from tests.python.ingest.fixtures import MODULE_TAGS, query


def test_module_lines_beyond_65535_point_at_the_element(db: Path, files_dir: Path) -> None:
    """libxml2 keeps 16 bits of an element's line and infers larger ones from the nodes
    next to it: each module row still has its start tag's line past line 65535 (on main
    before this test, 858 of the 1,599 rows past it landed one line late)."""
    children = fixtures.make_children(2023, 1300, seed=5)
    text = fixtures.return_xml(2023, "202", children)
    lines = text.split("\n")
    assert len(lines) > 70_000  # else this tests nothing
    path = files_dir / "CIN_2023_202.xml"
    path.write_text(text)
    assert loader.land([path], db)[0].status == "landed"
    for module, tag in MODULE_TAGS.items():
        landed = [line for (line,) in query(db, f"select _line_number from raw.xml_{module}")]
        # Independently: the lines that open this module's element in the file.
        expected = [i for i, line in enumerate(lines, 1) if line.strip() == f"<{tag}>"]
        if module in ("disability", "assessment_factor", "cpp_review"):  # leaves: one line
            expected = [i for i, line in enumerate(lines, 1) if f"<{tag}>" in line]
        assert sorted(landed) == expected, module
        assert max(landed) > 65_535 or module in ("cpp_review", "cin_plan_dates")


def test_elements_outside_child_rows_are_kept_once(db: Path, files_dir: Path) -> None:
    """Unknown elements of Message (before the Header, after Children), of Children (between
    Child elements and after the last) and a Child or Header in the wrong place land once
    each in raw.xml_unknown_elements, and do not become rows."""
    children = fixtures.make_children(2021, 12, seed=3)
    text = fixtures.return_xml(2021, "330", children)
    text = text.replace("  <Header>", "  <Note>n<Inner>i</Inner></Note>\n  <Header>", 1)
    text = text.replace("  </Children>", "    <Batch>last</Batch>\n  </Children>", 1)
    text = text.replace("</Children>", "</Children>\n  <Trailer>t</Trailer>", 1)
    parts = text.split("    </Child>\n")
    assert len(parts) == 13
    # A Batch after every third Child; in the fifth Child an unknown holding a Child and a
    # Header (names the loader knows, in the wrong place).
    parts[4] = parts[4].replace(
        "</ChildIdentifiers>", "</ChildIdentifiers>\n<Extra><Child>c</Child><Header/></Extra>"
    )
    text = "".join(
        part + ("    </Child>\n" if i < 12 else "") + ("<Batch>b</Batch>\n" if i % 3 == 2 else "")
        for i, part in enumerate(parts)
    )
    path = files_dir / "r.xml"
    path.write_text(text)
    outcome = loader.land([path], db)[0]
    assert outcome.status == "landed", outcome.error
    assert query(db, "select count(*) from raw.xml_child") == [(12,)]
    assert query(db, "select count(*) from raw.xml_header") == [(1,)]
    unknown = Counter(
        query(
            db,
            "select path, text, child_pos, parent_module from raw.xml_unknown_elements",
        )
    )
    assert unknown == Counter(
        {
            ("Message/Note", None, None, None): 1,
            ("Message/Note/Inner", "i", None, None): 1,
            ("Message/Trailer", "t", None, None): 1,
            ("Message/Children/Batch", "last", None, None): 1,
            ("Message/Children/Batch", "b", None, None): 4,  # after Child 3, 6, 9 and 12
            ("Message/Children/Child/Extra", None, 5, "child"): 1,
            ("Message/Children/Child/Extra/Child", "c", 5, "child"): 1,
            ("Message/Children/Child/Extra/Header", None, 5, "child"): 1,
        }
    )
    lines = text.split("\n")
    for path_, line in query(db, "select path, _line_number from raw.xml_unknown_elements"):
        assert f"<{path_.split('/')[-1]}" in lines[line - 1], (path_, line)


def _landed(db: Path) -> dict[str, Counter]:
    """Every raw table's rows, each load id replaced by its file's name and the load's
    status, timestamps left out (they differ between any two landings)."""
    out: dict[str, Counter] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw'"
        ).fetchall()
        for (table,) in tables:
            columns = [
                c
                for (c,) in con.execute(
                    "select column_name from duckdb_columns() where schema_name = 'raw'"
                    " and table_name = ? order by column_index",
                    [table],
                ).fetchall()
                if c not in ("started_at", "finished_at")
            ]
            names = dict(con.execute("select load_id, file_name from raw._loads").fetchall())
            selected = ", ".join(f'"{c}"' for c in columns)
            rows = con.execute(f"select {selected} from raw.{table}").fetchall()
            out[table] = Counter(
                tuple(
                    ",".join(names[i] for i in value.split(","))
                    if c in ("_load_id", "load_id", "superseded_by", "replaces") and value
                    else value
                    for c, value in zip(columns, row, strict=True)
                )
                for row in rows
            )
    return out


def test_returns_in_one_transaction_land_as_each_would_alone(tmp_path: Path) -> None:
    """Consecutive XML files share a transaction; a re-delivery, the same bytes again and
    two files that fail (in the middle of the batch) leave exactly the rows, manifest and
    failures that landing each file on its own leaves."""
    folder = tmp_path / "returns"
    folder.mkdir()
    texts = {
        f"a{i}_CIN_{year}_{la}.xml": fixtures.return_xml(
            year, la, fixtures.make_children(year, 8, seed=i)
        )
        for i, (year, la) in enumerate([(2019, "202"), (2020, "202"), (2019, "330")])
    }
    texts["b_redelivery.xml"] = fixtures.return_xml(
        2020, "202", fixtures.make_children(2020, 5, seed=9)
    )
    broken = fixtures.return_xml(2021, "202", fixtures.make_children(2021, 8, seed=4))
    texts["c_broken.xml"] = broken[: len(broken) // 2]
    texts["d_invoice.xml"] = "<?xml version='1.0'?>\n<Invoice><Total>3</Total></Invoice>\n"
    texts["e_same_bytes.xml"] = texts["a0_CIN_2019_202.xml"]
    texts["f_unknown.xml"] = re.sub(
        "</CINdetails>",
        "<Extra>x</Extra></CINdetails>",
        fixtures.return_xml(2022, "330", fixtures.make_children(2022, 6, seed=2)),
    )
    for name, text in texts.items():
        (folder / name).write_text(text)
    paths = sorted(folder.iterdir())

    together = tmp_path / "together.duckdb"
    outcomes = loader.land([folder], together)
    alone = tmp_path / "alone.duckdb"
    one_by_one = [loader.land([path], alone)[0] for path in paths]

    statuses = [o.status for o in outcomes]
    assert statuses == [o.status for o in one_by_one]
    assert statuses == [
        "landed", "landed", "landed", "replaced", "failed", "failed", "unchanged", "landed"
    ]  # fmt: skip
    assert [str(o.error) for o in outcomes] == [str(o.error) for o in one_by_one]
    assert _landed(together) == _landed(alone)
    extra = texts["f_unknown.xml"].count("<Extra>")
    assert extra > 0
    assert query(together, "select count(*) from raw.xml_unknown_elements") == [(extra,)]
