"""Shared fixtures: small synthetic worlds, and one warehouse built from a world.

`world` and `clean_world` are generated once per session (quirks on / clean mode);
`warehouse` lands `world`'s NPD and XML files into a temporary DuckDB and runs
`dbt build` on it in-process (dbtRunner), as a user would with `cin load` and `dbt build`;
`clean_warehouse` does the same with `clean_world`.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt.contracts.graph.manifest import Manifest
from dbt_common.events.base_types import EventMsg
from xdist.remote import Producer
from xdist.scheduler import LoadScopeScheduling
from xdist.workermanage import WorkerController

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
# The file name of every test warehouse that shares the one parse of the project
# (project_manifest).
SHARED_PARSE_DB_NAME = "cin.duckdb"


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


# The suite runs in two worker processes (pytest-xdist; `--numprocesses 2` in pyproject.toml),
# dealt work in groups: every test that uses one of the session's built worlds (below) runs
# in one worker, which builds them once; any other test runs with the rest of its module,
# whose fixtures are then built once too. (xdist's own `--dist loadgroup` reads groups from
# a node id pytest 9 no longer lets a plugin change, so the groups are dealt here.)
SHARED_WORLD_FIXTURES = frozenset({"world", "clean_world", "warehouse", "clean_warehouse"})
SHARED_WORLDS_GROUP = "shared_worlds"
# The same throwaway dbt project of the DfE rule tests on the same fixtures, read by two
# modules (tests/python/data_quality/conftest.py): one group, so that one worker builds it.
DFE_RULE_PROBE_FIXTURE = "dfe_rule_results"
DFE_RULE_PROBE_GROUP = "dfe_rule_probe"
# Groups are dealt in the order of the collection, one at a time to whichever worker is
# free: the longest go first (measured: BENCHMARKS.md, "The test suite"), so that the two
# workers finish together rather than one waiting on a long module dealt last.
LONGEST_FIRST = (
    SHARED_WORLDS_GROUP,
    "tests/python/test_lint.py",
    "tests/python/test_check_plan.py",
    "tests/python/ingest/test_fuzz_landing.py",
    "tests/python/reconstruction/test_episode_order_guards.py",
    "tests/python/ingest/test_bad_input.py",
    "tests/python/test_cli_check_return.py",
    "tests/python/codegen/test_codegen.py",
    DFE_RULE_PROBE_GROUP,
)
# The controller's file of each test's group, written by the workers when they collect.
GROUPS_FILE = pytest.StashKey[Path]()
GROUPS_FILE_KEY = "cin_test_groups_file"


def group_of(item: pytest.Item) -> str:
    """The group of a test: the shared worlds', the DfE rule probe's, or its module's."""
    fixtures = getattr(item, "fixturenames", ())
    if SHARED_WORLD_FIXTURES.intersection(fixtures):
        return SHARED_WORLDS_GROUP
    if DFE_RULE_PROBE_FIXTURE in fixtures:
        return DFE_RULE_PROBE_GROUP
    return item.nodeid.split("::")[0]


class GroupScheduling(LoadScopeScheduling):
    """xdist's scheduling by scope, each test's scope its group (group_of), which only
    the workers know (the controller collects nothing): read from the file they wrote."""

    def __init__(self, config: pytest.Config, log: Producer | None, groups_file: Path) -> None:
        super().__init__(config, log)
        self.groups_file = groups_file
        self.groups: dict[str, str] = {}

    def _split_scope(self, nodeid: str) -> str:
        if not self.groups:  # the workers have all collected: the file is complete
            self.groups = json.loads(self.groups_file.read_text(encoding="utf-8"))
        return self.groups[nodeid]


def _groups_file(config: pytest.Config) -> Path:
    if GROUPS_FILE not in config.stash:
        folder = Path(tempfile.mkdtemp(prefix="cin-test-groups-"))
        config.stash[GROUPS_FILE] = folder / "groups.json"
    return config.stash[GROUPS_FILE]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: WorkerController) -> None:
    node.workerinput[GROUPS_FILE_KEY] = str(_groups_file(node.config))


# First: xdist's own hook would make its scheduler of `--dist`.
@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Producer) -> GroupScheduling:
    return GroupScheduling(config, log, _groups_file(config))


def pytest_unconfigure(config: pytest.Config) -> None:
    if GROUPS_FILE in config.stash:
        shutil.rmtree(config.stash[GROUPS_FILE].parent, ignore_errors=True)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    groups = {item.nodeid: group_of(item) for item in items}

    def rank(item: pytest.Item) -> int:
        group = groups[item.nodeid]
        return LONGEST_FIRST.index(group) if group in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each group's tests keep their order
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:  # a worker: every worker writes the same groups
        path = Path(workerinput[GROUPS_FILE_KEY])
        written = path.with_name(f"{workerinput['workerid']}.json")
        written.write_text(json.dumps(groups), encoding="utf-8")
        written.replace(path)
    if SHARED_REFERENCE_DIR.is_dir():
        return
    skip = pytest.mark.skip(
        reason=f"cross-check with the development reference folder: {SHARED_REFERENCE_DIR}"
        " is absent (expected in a user's clone)"
    )
    for item in items:
        if item.get_closest_marker("shared_crosscheck"):
            item.add_marker(skip)


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


def _dbt_options(target_path: Path) -> list[str]:
    return [
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


# dbt's target folder of that parse; removed when the test process exits.
_PARSE_DIR = tempfile.TemporaryDirectory(prefix="cin-parse-")


def project_manifest() -> Manifest:
    """The project as `dbt parse` reads it for a warehouse file named cin.duckdb, parsed once
    per test process and set of the project's environment variables. dbt parses the project
    anew (about 25 s of CPU) whenever the profile's connection details change, and the
    warehouse's path is one of them (dbt-core, ManifestLoader.build_manifest_state_check), so
    every test warehouse in a folder of its own would cost a full parse; the parsed project
    depends on the path only through the file's stem, the database every node names. It
    does depend on the variables the project reads (CIN_MEASURED_DOCS names the folder of
    doc blocks dbt_project.yml adds): any CIN_ variable but the path is part of the key."""
    variables = tuple(
        sorted(
            (name, value)
            for name, value in os.environ.items()
            if name.startswith("CIN_") and name != "CIN_DUCKDB_PATH"
        )
    )
    return _parsed_project(variables)


@functools.cache
def _parsed_project(variables: tuple[tuple[str, str], ...]) -> Manifest:
    # `variables` are those of os.environ as it is now: only the cache's key
    target = Path(tempfile.mkdtemp(dir=_PARSE_DIR.name))
    os.environ["CIN_DUCKDB_PATH"] = str(target / SHARED_PARSE_DB_NAME)
    parsed = dbtRunner().invoke(["parse", *_dbt_options(target / "target")])
    if not isinstance(parsed.result, Manifest):
        raise RuntimeError(f"dbt parse failed: {parsed.exception}")
    return parsed.result


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
    the same variables. Without it, a command on a file named cin.duckdb with no --vars
    runs on `project_manifest()`."""
    shares_parse = db_path.name == SHARED_PARSE_DB_NAME and "--vars" not in args
    if manifest is None and shares_parse and args[0] != "parse":
        manifest = project_manifest()
    os.environ["CIN_DUCKDB_PATH"] = str(db_path)
    return dbtRunner(manifest=manifest, callbacks=callbacks or []).invoke(
        [*args, *_dbt_options(target_path)]
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
