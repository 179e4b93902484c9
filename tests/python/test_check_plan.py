"""The check plan of `cin check-return` (cin_warehouse/check_plan.py): a replayed check gives
exactly what dbt gives on the same return (each node's status and failure count, the report,
every table built), a project edit sends the next check through dbt, and a node that cannot
run is reported with its file and DuckDB's problem, its dependants skipped as dbt skips them.

The checks run on a copy of the dbt project in a temporary folder (cli.PROJECT_DIR and
cli.CHECK_DIR pointed at it), so editing a file there leaves the repository alone."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import dbt.cli.main
import duckdb
import pytest
from dbt.contracts.graph.manifest import Manifest
from dbt_common.events.base_types import EventMsg

from cin_warehouse import check_plan, cli
from tests.python.conftest import PROJECT_DIR, make_world
from tests.python.test_cli_check_return import RULE_CEILING, _break_closure_reasons

RULE_8805 = re.compile(
    r"^8805\s+dfe_8805_xml__closure_date_without_reason\s+(\w+)\s+([\d,]+)$", re.M
)


@dataclass
class Project:
    """A copy of the dbt project and a return whose rule 8805 fails (40% of closures)."""

    path: Path
    xml_file: Path
    checked: int
    missing: int
    runs: list[str] = field(default_factory=list)  # "dbt" or "plan", one per check


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    root = tmp_path_factory.mktemp("check_plan")
    copy = root / "project"
    copy.mkdir()
    for name in ("dbt_project.yml", "selectors.yml", "profiles.yml"):
        shutil.copy(PROJECT_DIR / name, copy / name)
    for folder in ("models", "macros", "seeds", "analyses"):
        if (PROJECT_DIR / folder).is_dir():
            shutil.copytree(PROJECT_DIR / folder, copy / folder)
    shutil.copytree(PROJECT_DIR / "tests", copy / "tests", ignore=shutil.ignore_patterns("python"))
    world = make_world(root / "world", clean=True, la_codes=("330",), census_years=(2023,))
    (xml_file,) = (world.path / "xml").rglob("*.xml")
    checked, missing = _break_closure_reasons(xml_file, 0.4)
    assert missing > RULE_CEILING * checked, "rule 8805 should fail on this return"
    return Project(path=copy, xml_file=xml_file, checked=checked, missing=missing)


@dataclass
class Check:
    code: int
    out: str
    err: str
    nodes: list[check_plan.NodeOutcome]


@pytest.fixture
def run_check(
    project: Project, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[object]:
    """`cin check-return` of the project's return into a given warehouse; records which
    path each check took ("dbt": dbt's build; "compile": a new plan compiled by dbt;
    "plan": a plan replayed) and every node's outcome."""
    monkeypatch.setattr(cli, "PROJECT_DIR", project.path)
    monkeypatch.setattr(cli, "CHECK_DIR", project.path / "target" / "check_return")
    through_dbt = cli._check_through_dbt
    through_compile = cli._plan_through_dbt_compile
    replay = check_plan.replay
    seen: list[list[check_plan.NodeOutcome]] = []

    def spy_compile(*args: object, **kwargs: object) -> check_plan.Plan | None:
        plan = through_compile(*args, **kwargs)  # type: ignore[arg-type]
        if plan is not None:  # else the check goes on to dbt's build
            project.runs.append("compile")
        return plan

    def spy_dbt(*args: object, **kwargs: object) -> list[check_plan.NodeOutcome] | None:
        project.runs.append("dbt")
        nodes = through_dbt(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(nodes or [])
        return nodes

    def spy_replay(*args: object, **kwargs: object) -> list[check_plan.NodeOutcome]:
        nodes = replay(*args, **kwargs)  # type: ignore[arg-type]
        project.runs.append("plan")
        seen.append(nodes)
        return nodes

    monkeypatch.setattr(cli, "_check_through_dbt", spy_dbt)
    monkeypatch.setattr(cli, "_plan_through_dbt_compile", spy_compile)
    monkeypatch.setattr(check_plan, "replay", spy_replay)

    def check(db: Path, *extra: str) -> Check:
        seen.clear()
        code = cli.main(["check-return", str(project.xml_file), "--db", str(db), *extra])
        captured = capsys.readouterr()
        assert len(seen) == 1, captured.err
        return Check(code, captured.out, captured.err, seen[0])

    yield check


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[tuple[str, str], list[str]]:
    """(schema, table) -> its columns with their types, in order, of what a check builds."""
    rows = con.execute(
        "select table_schema, table_name, column_name || ' ' || data_type"
        " from information_schema.columns where table_catalog = ?"
        " and table_schema in ('staging', 'reference', 'dq_failures')"
        " order by table_schema, table_name, ordinal_position",
        [catalog],
    ).fetchall()
    tables: dict[tuple[str, str], list[str]] = {}
    for schema, table, column in rows:
        tables.setdefault((schema, table), []).append(column)
    return tables


def _outcomes(check: Check) -> dict[str, tuple[str, int]]:
    return {n.unique_id: (n.status, n.failures) for n in check.nodes}


def test_a_replayed_check_gives_exactly_what_dbt_gives(
    project: Project, run_check: object, tmp_path: Path
) -> None:
    check = run_check  # type: ignore[assignment]
    by_dbt = check(tmp_path / "a" / "cin.duckdb", "--through-dbt")
    replayed = check(tmp_path / "b" / "cin.duckdb")
    assert project.runs[-2:] == ["dbt", "plan"]

    # The same outcome for every node, and the broken rule's count counted from the XML.
    assert _outcomes(replayed) == _outcomes(by_dbt)
    assert {n.resource_type for n in by_dbt.nodes} == {"model", "seed", "test"}
    line = RULE_8805.search(replayed.out)
    assert line and (line.group(1), int(line.group(2).replace(",", ""))) == (
        "fail",
        project.missing,
    )
    # The same report (but for the warehouse's path) and exit code.
    assert replayed.out.replace(str(tmp_path / "b"), "DIR") == by_dbt.out.replace(
        str(tmp_path / "a"), "DIR"
    )
    assert (replayed.code, by_dbt.code) == (1, 1)

    # The same tables: staging modules, seeds, each test's failing rows; same columns, same
    # types, same rows (as multisets).
    with duckdb.connect(str(tmp_path / "a" / "cin.duckdb")) as con:
        con.execute(f"attach '{tmp_path / 'b' / 'cin.duckdb'}' as replayed (read_only)")
        tables = _tables(con, "cin")
        assert tables == _tables(con, "replayed")
        modules = {p.stem for p in (project.path / "models/staging/xml").glob("stg_xml__*.sql")}
        assert {t for s, t in tables if s == "staging"} == modules
        for (schema, table), columns in tables.items():
            # Each check lands the return anew, under a load id of its own (a UUID).
            kept = "* exclude (load_id)" if "load_id VARCHAR" in columns else "*"
            for left, right in (("cin", "replayed"), ("replayed", "cin")):
                (extra,) = con.execute(
                    f'select count(*) from (select {kept} from {left}."{schema}"."{table}"'
                    f' except all select {kept} from {right}."{schema}"."{table}")'
                ).fetchone() or (None,)
                assert extra == 0, f"{schema}.{table}: rows in {left} only"


def test_a_check_into_another_warehouse_keeps_dbts_parse(
    project: Project, run_check: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dbt keeps its parse of the project only while the profile it was parsed with is
    unchanged, warehouse path included: two checks through dbt into two warehouses of the
    same project, and the second one's dbt parses nothing (no "Unable to do partial
    parsing"), opens no stand-in warehouse file, and reports what the first one reports."""
    check = run_check  # type: ignore[assignment]
    events: list[str] = []

    class RecordingRunner(dbt.cli.main.dbtRunner):
        """dbt's runner, with a callback that records the name of every event it fires."""

        def __init__(
            self,
            manifest: Manifest | None = None,
            callbacks: list[Callable[[EventMsg], None]] | None = None,
        ) -> None:
            def record(event: EventMsg) -> None:
                events.append(event.info.name)

            super().__init__(manifest=manifest, callbacks=[*(callbacks or []), record])

    monkeypatch.setattr(dbt.cli.main, "dbtRunner", RecordingRunner)
    first = check(tmp_path / "a" / "cin.duckdb", "--through-dbt")
    events.clear()
    second = check(tmp_path / "b" / "cin.duckdb", "--through-dbt")
    assert project.runs[-2:] == ["dbt", "dbt"]
    assert "UnableToPartialParse" not in events
    assert "PartialParsingSkipParsing" in events  # the saved parse reused as it is
    dbt_dir = project.path / "target" / "check_return" / "dbt_given_db"
    # the stand-in warehouse dbt parsed with (the same file name): never opened
    assert not list(dbt_dir.rglob("cin.duckdb*")), sorted(dbt_dir.rglob("*"))
    assert _outcomes(second) == _outcomes(first)
    assert (second.code, second.out.replace(str(tmp_path / "b"), "DIR")) == (
        first.code,
        first.out.replace(str(tmp_path / "a"), "DIR"),
    )


def test_an_edited_project_file_sends_the_check_through_dbt(
    project: Project, run_check: object, tmp_path: Path
) -> None:
    """Raising rule 8805's ceiling in the seed turns its failure into a warning: a check
    after the edit has dbt compile a new plan (a replay of the old plan would still say
    fail) and replays it, and the next check replays it again; the plan, the outcomes and
    the report are those of a dbt build after the same edit."""
    check = run_check  # type: ignore[assignment]
    before = check(tmp_path / "a" / "cin.duckdb")
    assert RULE_8805.search(before.out).group(1) == "fail"  # type: ignore[union-attr]
    plan_dir = project.path / "target" / "check_return" / "dbt_given_db"
    fingerprint = check_plan.project_fingerprint(project.path)
    assert check_plan.load(plan_dir, fingerprint) is not None

    seed = project.path / "seeds" / "ref_dfe_rules.csv"
    rows = list(csv.DictReader(seed.open(newline="")))
    for row in rows:
        if row["rule_code"] == "8805":
            row["error_ceiling"] = "0.9"
    with seed.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    assert check_plan.project_fingerprint(project.path) != fingerprint
    assert check_plan.load(plan_dir, check_plan.project_fingerprint(project.path)) is None

    after = check(tmp_path / "b" / "cin.duckdb")
    compiled_plan = (plan_dir / check_plan.PLAN_FILE).read_text()
    again = check(tmp_path / "c" / "cin.duckdb")
    assert project.runs[-3:] == ["compile", "plan", "plan"]
    by_dbt = check(tmp_path / "d" / "cin.duckdb", "--through-dbt")
    assert project.runs[-1] == "dbt"
    assert (plan_dir / check_plan.PLAN_FILE).read_text() == compiled_plan
    for result in (after, again, by_dbt):
        assert RULE_8805.search(result.out).group(1) == "warn"  # type: ignore[union-attr]
    assert _outcomes(again) == _outcomes(after) == _outcomes(by_dbt)
    for result, folder in ((after, "b"), (again, "c")):
        assert (result.code, result.out.replace(str(tmp_path / folder), "DIR")) == (
            by_dbt.code,
            by_dbt.out.replace(str(tmp_path / "d"), "DIR"),
        )


def test_a_broken_plan_is_reported_by_the_cli_with_file_node_and_problem(
    project: Project, run_check: object, tmp_path: Path
) -> None:
    """A saved plan whose SQL for one staging module no longer runs: the check says which
    module, its file and DuckDB's error, skips the module's tests and exits 1."""
    check = run_check  # type: ignore[assignment]
    # A plan for the project as it is: after the test before (whose dbt build saved one),
    # replayed, not compiled anew.
    check(tmp_path / "a" / "cin.duckdb")
    plan_file = project.path / "target" / "check_return" / "dbt_given_db" / check_plan.PLAN_FILE
    saved = plan_file.read_text()
    raw = json.loads(saved)
    (header,) = [n for n in raw["nodes"] if n["name"] == "stg_xml__header"]
    header["sql"] = "select * from raw.no_such_table"
    plan_file.write_text(json.dumps(raw))
    try:
        broken = check(tmp_path / "b" / "cin.duckdb")
    finally:
        plan_file.write_text(saved)
    assert project.runs[-1] == "plan"
    assert broken.code == 1
    assert re.search(
        r"^error: stg_xml__header: models/staging/xml/stg_xml__header\.sql: Catalog Error: .*"
        r"no_such_table",
        broken.err,
        re.M,
    ), broken.err
    skipped = {n.unique_id for n in broken.nodes if n.status == "skipped"}
    assert skipped == set(header["skips"]) and skipped
    assert re.search(r"; \d+ checks: .*\d+ skipped", broken.out)


def test_a_warehouse_holding_the_seeds_goes_through_dbts_build_after_an_edit(
    project: Project, run_check: object, tmp_path: Path
) -> None:
    """dbt seeds into a table that exists already (truncate and insert, keeping its
    columns), which a plan's seed template would then copy: after an edit, a check into a
    warehouse that holds the seed tables (--db keeps them) runs dbt's build, and the plan
    is made by the build, not compiled."""
    check = run_check  # type: ignore[assignment]
    db = tmp_path / "a" / "cin.duckdb"
    check(db)
    macro = project.path / "macros" / "episode_key.sql"
    original = macro.read_bytes()
    macro.write_bytes(original + b"\n-- an edit\n")
    try:
        again = check(db)
    finally:
        macro.write_bytes(original)
    assert project.runs[-1] == "dbt"
    line = RULE_8805.search(again.out)
    assert line and int(line.group(2).replace(",", "")) == project.missing, again.out


def test_what_the_fingerprint_reads(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file dbt reads counts (a macro, a new singular test, a YAML file anywhere in the
    test folder), pytest's files do not, nor do the warehouse's path; the environment
    variables the project reads do."""
    base = project.path
    fingerprint = check_plan.project_fingerprint(base)
    assert fingerprint == check_plan.project_fingerprint(base)

    pytest_file = base / "tests" / "python" / "test_something.py"
    pytest_file.parent.mkdir(exist_ok=True)
    pytest_file.write_text("def test_nothing() -> None: ...\n")
    monkeypatch.setenv("CIN_DUCKDB_PATH", "/elsewhere/cin.duckdb")
    assert check_plan.project_fingerprint(base) == fingerprint

    # dbt's anonymous usage events (set by the Makefile, which runs `--prepare`) change no
    # outcome; its other variables may (--warn-error makes a warning fail).
    monkeypatch.setenv("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    assert check_plan.project_fingerprint(base) == fingerprint
    monkeypatch.setenv("DBT_WARN_ERROR", "true")
    assert check_plan.project_fingerprint(base) != fingerprint
    monkeypatch.delenv("DBT_WARN_ERROR")

    monkeypatch.setenv("CIN_DUCKDB_TEMP_DIRECTORY", "/tmp/spill")
    assert check_plan.project_fingerprint(base) != fingerprint
    monkeypatch.delenv("CIN_DUCKDB_TEMP_DIRECTORY")
    assert check_plan.project_fingerprint(base) == fingerprint

    for name, text in (
        ("macros/episode_key.sql", "\n-- an edit\n"),
        ("tests/dfe_rules/xml/dfe_9999_xml__new.sql", "select 1 as x where false\n"),
        ("tests/python/_extra.yml", "version: 2\n"),
    ):
        path = base / name
        original = path.read_bytes() if path.exists() else None
        with path.open("a") as handle:
            handle.write(text)
        assert check_plan.project_fingerprint(base) != fingerprint, name
        if original is None:
            path.unlink()
        else:
            path.write_bytes(original)
        assert check_plan.project_fingerprint(base) == fingerprint, name
    pytest_file.unlink()


def _node(unique_id: str, sql: str, skips: tuple[str, ...] = (), **config: object) -> object:
    kind, name = unique_id.split(".")
    return check_plan.PlanNode(
        unique_id=unique_id,
        name=name,
        resource_type=kind,
        path=f"{'models' if kind == 'model' else 'tests'}/{name}.sql",
        database="cin",
        schema="staging" if kind == "model" else "dq_failures",
        identifier=name,
        sql=sql,
        skips=skips,
        **config,  # type: ignore[arg-type]
    )


def _plan(*nodes: object, on_run_start: tuple[str, ...] = ()) -> check_plan.Plan:
    return check_plan.Plan(
        fingerprint="-",
        database="cin",
        db_path=None,
        settings={"threads": "1"},
        on_run_start=on_run_start,
        on_run_end=(),
        nodes=tuple(nodes),  # type: ignore[arg-type]
    )


def test_a_node_that_fails_is_reported_and_its_dependants_skipped(tmp_path: Path) -> None:
    """dbt's rules, stated by dbt-core's test runner: a test fails when its severity is
    error and error_if holds, warns when warn_if holds (with the failure count), else
    passes with 0; a node that errors or fails skips the nodes dbt's graph puts after it."""
    duckdb.connect(str(tmp_path / check_plan.SEEDS_FILE)).close()
    test = {"fail_calc": "count(*)", "warn_if": "!= 0", "store_failures": True}
    plan = _plan(
        _node("model.broken", "select * from no_such_table", ("test.on_broken",)),
        _node("test.on_broken", "select 1", severity="error", error_if="!= 0", **test),
        _node("model.fine", "select range as n from range(5)"),
        _node(
            "test.fails",
            'select * from "cin"."staging"."fine" where n > 1',
            ("model.after_failure",),
            severity="error",
            error_if="> 2",
            **test,
        ),
        _node("model.after_failure", "select 1 as one"),
        _node(
            "test.warns",
            'select * from "cin"."staging"."fine"',
            severity="warn",
            error_if="!= 0",
            **test,
        ),
        # Without stored failures, dbt counts the test's own rows, up to its limit.
        _node(
            "test.limited",
            'select * from "cin"."staging"."fine"',
            severity="error",
            error_if="> 2",
            fail_calc="count(*)",
            warn_if="!= 0",
            limit=2,
        ),
        _node(
            "test.passes",
            'select * from "cin"."staging"."fine" where n < 0',
            severity="error",
            error_if="!= 0",
            **test,
        ),
    )
    outcomes = check_plan.replay(plan, tmp_path / "cin.duckdb", tmp_path)
    found = {o.unique_id: (o.status, o.failures) for o in outcomes}
    assert found == {
        "model.broken": ("error", 0),
        "test.on_broken": ("skipped", 0),
        "model.fine": ("success", 0),
        "test.fails": ("fail", 3),
        "model.after_failure": ("skipped", 0),
        "test.warns": ("warn", 5),
        "test.limited": ("warn", 2),
        "test.passes": ("pass", 0),
    }
    (broken,) = [o for o in outcomes if o.status == "error"]
    assert [o.unique_id for o in outcomes] == [n.unique_id for n in plan.nodes]
    assert broken.message and broken.message.startswith("models/broken.sql: Catalog Error")
    assert "no_such_table" in broken.message
    with duckdb.connect(str(tmp_path / "cin.duckdb")) as con:
        stored = con.execute('select count(*) from "cin"."dq_failures"."fails"').fetchone()
        assert stored == (3,)  # the failing rows kept, as dbt's store_failures keeps them
        kept = con.execute(
            "select table_name from information_schema.tables where table_schema = 'dq_failures'"
        ).fetchall()
        assert ("limited",) not in kept  # store_failures off: nothing kept


def test_a_failing_hook_stops_the_replay_with_the_hook_named(tmp_path: Path) -> None:
    duckdb.connect(str(tmp_path / check_plan.SEEDS_FILE)).close()
    plan = _plan(_node("model.fine", "select 1 as one"), on_run_start=("set no_such_setting = 1",))
    with pytest.raises(check_plan.ReplayError, match=r"dbt_project.yml: on-run-start hook 0: "):
        check_plan.replay(plan, tmp_path / "cin.duckdb", tmp_path)


def test_a_node_the_replay_cannot_reproduce_means_no_plan(
    project: Project, run_check: object, tmp_path: Path
) -> None:
    """A staging module made a view (the replay builds tables only): the check runs dbt,
    says why no plan is saved, and leaves none, so the next check runs dbt too."""
    check = run_check  # type: ignore[assignment]
    module = project.path / "models" / "staging" / "xml" / "stg_xml__header.sql"
    original = module.read_text()
    module.write_text("{{ config(materialized='view') }}\n" + original)
    try:
        result = check(tmp_path / "a" / "cin.duckdb")
    finally:
        module.write_text(original)
    assert project.runs[-1] == "dbt"
    assert re.search(
        r"^note: no check plan saved \(model\.cin_warehouse\.stg_xml__header has a sql model"
        r" materialised as view, which the replay does not reproduce\)",
        result.err,
        re.M,
    ), result.err
    plan_dir = project.path / "target" / "check_return" / "dbt_given_db"
    assert not (plan_dir / check_plan.PLAN_FILE).exists()
    assert RULE_8805.search(result.out), result.out


def test_a_plan_file_this_code_did_not_write_is_not_used(tmp_path: Path) -> None:
    duckdb.connect(str(tmp_path / check_plan.SEEDS_FILE)).close()
    plan_file = tmp_path / check_plan.PLAN_FILE
    for text in (
        "{not json",
        json.dumps({"format": check_plan.PLAN_FORMAT, "fingerprint": "f", "nodes": [{"x": 1}]}),
        json.dumps({"format": check_plan.PLAN_FORMAT + 1, "fingerprint": "f", "nodes": []}),
    ):
        plan_file.write_text(text)
        assert check_plan.load(tmp_path, "f") is None, text


# The first check of a fresh install after `cin check-return --prepare`, in a process of its
# own: the replay runs (once) and dbt is never imported.
FIRST_CHECK = """
import sys
from pathlib import Path

from cin_warehouse import check_plan, cli

cli.PROJECT_DIR = Path(sys.argv[1])
cli.CHECK_DIR = cli.PROJECT_DIR / "target" / "check_return"
replays = []
replay = check_plan.replay


def spy(*args, **kwargs):
    replays.append(1)
    return replay(*args, **kwargs)


check_plan.replay = spy
code = cli.main(["check-return", sys.argv[2]])
imported = sorted(m for m in sys.modules if m == "dbt" or m.startswith("dbt."))
print(f"replays={len(replays)} dbt_modules={len(imported)}", file=sys.stderr)
sys.exit(code)
"""


def test_a_prepared_plan_makes_the_first_check_of_a_return_replay(
    project: Project, run_check: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--prepare` on a project with no plan makes one through dbt from a generated return
    (and keeps no warehouse of it); the first check of a user's return then replays it,
    without importing dbt, and reports what a dbt build of that return reports."""
    check = run_check  # type: ignore[assignment]
    check_dir = project.path / "target" / "check_return"
    shutil.rmtree(check_dir / "dbt", ignore_errors=True)  # a fresh install: no plan yet
    dbt_runs = project.runs.count("dbt")

    assert cli.main(["check-return", "--prepare"]) == 0
    prepared = capsys.readouterr()
    assert project.runs.count("dbt") == dbt_runs + 1, prepared.err
    assert re.search(r"^check plan prepared: .*check_plan\.json \(\d+ nodes", prepared.out, re.M)
    assert check_plan.load(check_dir / "dbt", check_plan.project_fingerprint(project.path))
    assert not (check_dir / "cin.duckdb").exists()  # the generated return is not kept

    # Prepared already: nothing runs.
    assert cli.main(["check-return", "--prepare"]) == 0
    assert "check plan up to date" in capsys.readouterr().out
    assert project.runs.count("dbt") == dbt_runs + 1

    first = subprocess.run(
        [sys.executable, "-c", FIRST_CHECK, str(project.path), str(project.xml_file)],
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        check=False,
    )
    assert "replays=1 dbt_modules=0" in first.stderr, first.stderr
    by_dbt = check(tmp_path / "a" / "cin.duckdb", "--through-dbt")
    assert first.returncode == by_dbt.code
    assert first.stdout.replace(str(check_dir), "DIR") == by_dbt.out.replace(
        str(tmp_path / "a"), "DIR"
    )
    # The broken rule's count, counted from the XML (its status is the seed's ceiling's).
    line = RULE_8805.search(first.stdout)
    assert line and int(line.group(2).replace(",", "")) == project.missing, first.stdout


def test_prepare_takes_no_return_and_a_check_needs_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check-return", "--prepare", "CIN_2023_330.xml"]) == 2
    assert "--prepare makes the plan of the default check" in capsys.readouterr().err
    assert cli.main(["check-return", "--prepare", "--db", "other.duckdb"]) == 2
    assert "give it no return and no --db" in capsys.readouterr().err
    assert cli.main(["check-return"]) == 2
    assert "name the XML return(s) to check (or --prepare)" in capsys.readouterr().err
