"""Shared fixtures: small synthetic worlds, and one warehouse built from a world.

`world` and `clean_world` are generated once per session (quirks on / clean mode);
`warehouse` lands `world`'s NPD and XML files into a temporary DuckDB and runs
`dbt build` on it in-process (dbtRunner), as a user would with `cin load` and `dbt build`;
`clean_warehouse` does the same with `clean_world`.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt.contracts.graph.manifest import Manifest
from dbt_common.events.base_types import EventMsg

from cin_warehouse.ingest import loader
from cin_warehouse.synth.config import GeneratorSettings
from cin_warehouse.synth.generate import generate

PROJECT_DIR = Path(__file__).resolve().parents[2]
# The development team's reference folder beside the repository. Nothing reads it at run
# time; tests marked `shared_crosscheck` compare the repository's copies with it, and are
# skipped, with the reason, in a clone that has nothing beside it.
SHARED_REFERENCE_DIR = PROJECT_DIR.parent / "shared"
TEST_SEED = 7
# A handful of LAs, among them LAs formed by the 2009, 2019 and 2021 reorganisations
# (Bedford 822, BCP 839, North Northamptonshire 940) and two that never changed.
TEST_LAS = ("202", "330", "822", "839", "940")
TEST_SCALE = 0.05


@dataclass(frozen=True)
class World:
    """A generated world: raw files under npd/ and xml/, the truth under truth/."""

    path: Path
    settings: GeneratorSettings

    @property
    def truth_dir(self) -> Path:
        return self.path / "truth"


@dataclass(frozen=True)
class BuiltWarehouse:
    """A synthetic world on disk, the DuckDB file built from it, and a connection."""

    world_dir: Path
    db_path: Path
    con: duckdb.DuckDBPyConnection

    @property
    def truth_dir(self) -> Path:
        return self.world_dir / "truth"

    @property
    def target_dir(self) -> Path:
        """dbt's target folder of the build: manifest.json names each test's failures table."""
        return self.db_path.parent / "target"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if SHARED_REFERENCE_DIR.is_dir():
        return
    skip = pytest.mark.skip(
        reason=f"cross-check with the development reference folder: {SHARED_REFERENCE_DIR}"
        " is absent (expected in a user's clone)"
    )
    for item in items:
        if item.get_closest_marker("shared_crosscheck"):
            item.add_marker(skip)


# Commands that take minutes but read only the repository's files (the linters), each run
# for its test in a process of its own from the end of collection, beside the rest of the
# suite: most tests keep one core busy, so on two cores the command finishes meanwhile. A
# test module names them in `BACKGROUND` (test name -> a function of a folder of the
# command's own, giving the command and its environment); the test reads the finished
# command's result with the `background` fixture.
Command = tuple[list[str], dict[str, str] | None]
BACKGROUND = pytest.StashKey[dict[str, tuple["subprocess.Popen[bytes]", Path]]]()
BACKGROUND_DIR = pytest.StashKey[Path]()


def pytest_collection_finish(session: pytest.Session) -> None:
    started: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
    session.config.stash[BACKGROUND] = started
    if session.config.option.collectonly:
        return
    for item in session.items:
        commands: dict[str, Callable[[Path], Command]] = getattr(
            getattr(item, "module", None), "BACKGROUND", {}
        )
        if item.name not in commands or item.nodeid in started:
            continue
        if BACKGROUND_DIR not in session.config.stash:
            session.config.stash[BACKGROUND_DIR] = Path(tempfile.mkdtemp(prefix="cin-tests-"))
        folder = session.config.stash[BACKGROUND_DIR] / item.name
        folder.mkdir()
        command, env = commands[item.name](folder)
        with (folder / "stdout").open("wb") as out, (folder / "stderr").open("wb") as err:
            # a process group of its own: stopped with its workers (sqlfluff's pool)
            process = subprocess.Popen(
                command,
                cwd=PROJECT_DIR,
                stdout=out,
                stderr=err,
                env=env,
                start_new_session=True,
            )
        started[item.nodeid] = (process, folder)


def pytest_sessionfinish(session: pytest.Session) -> None:
    # a command whose test did not run (a session stopped early) is not left running
    for process, _ in session.config.stash.get(BACKGROUND, {}).values():
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    if BACKGROUND_DIR in session.config.stash:
        shutil.rmtree(session.config.stash[BACKGROUND_DIR], ignore_errors=True)


@pytest.fixture
def background(request: pytest.FixtureRequest) -> subprocess.CompletedProcess[str]:
    """The finished command the test's module started for this test (see BACKGROUND)."""
    process, folder = request.config.stash[BACKGROUND][request.node.nodeid]
    process.wait()
    return subprocess.CompletedProcess(
        process.args,
        process.returncode,
        (folder / "stdout").read_text(encoding="utf-8", errors="replace"),
        (folder / "stderr").read_text(encoding="utf-8", errors="replace"),
    )


def make_world(path: Path, clean: bool = False, **overrides: object) -> World:
    settings = GeneratorSettings(
        **{
            "scale": TEST_SCALE,
            "la_codes": TEST_LAS,
            "seed": TEST_SEED,
            "clean": clean,
            **overrides,
        }
    )
    generate(settings, path)
    return World(path=path, settings=settings)


def invoke_dbt(
    args: list[str],
    db_path: Path,
    target_path: Path,
    callbacks: list[Callable[[EventMsg], None]] | None = None,
    manifest: Manifest | None = None,
) -> dbtRunnerResult:
    """Run dbt in-process against `db_path` with the project's own profile; dbt's result.
    `manifest`: the project as an earlier `dbt parse` read it (dbt's result), so that dbt
    does not read it again; only for a database file of the same name (its catalog) and
    the same variables."""
    os.environ["CIN_DUCKDB_PATH"] = str(db_path)
    return dbtRunner(manifest=manifest, callbacks=callbacks or []).invoke(
        [
            *args,
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path / "logs"),
            "--quiet",
        ]
    )


def run_dbt(args: list[str], db_path: Path, target_path: Path) -> None:
    """Run dbt in-process against `db_path`; fail the test session if dbt fails."""
    result = invoke_dbt(args, db_path, target_path)
    if not result.success:
        raise RuntimeError(f"dbt {' '.join(args)} failed: {result.exception or result.result}")


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("world"))


@pytest.fixture(scope="session")
def clean_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return make_world(tmp_path_factory.mktemp("clean_world"), clean=True)


def build_warehouse(world: World, root: Path) -> Iterator[BuiltWarehouse]:
    db_path = root / "cin.duckdb"
    outcomes = loader.land([world.path / "npd", world.path / "xml"], db_path)
    failed = [o for o in outcomes if o.status == "failed"]
    assert not failed, f"the test world did not land: {failed[:3]}"
    # Failing rows of every test kept in the dq_failures schema (test_rules_vs_quirks.py and
    # test_cli_dq.py read them; dbt_project.yml stores them anyway).
    run_dbt(["build", "--store-failures"], db_path, root / "target")
    # dbt-duckdb may still hold the file in this process: same configuration, not read-only.
    con = duckdb.connect(str(db_path))
    yield BuiltWarehouse(world_dir=world.path, db_path=db_path, con=con)
    con.close()


@pytest.fixture(scope="session")
def warehouse(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltWarehouse]:
    yield from build_warehouse(world, tmp_path_factory.mktemp("warehouse"))


@pytest.fixture(scope="session")
def clean_warehouse(
    clean_world: World, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltWarehouse]:
    yield from build_warehouse(clean_world, tmp_path_factory.mktemp("clean_warehouse"))
