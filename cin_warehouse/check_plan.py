"""The check plan of `cin check-return`: dbt's `single_return` build, saved and replayed.

A check whose project is new or changed runs `dbt build --selector single_return`; from that
run it saves a plan (README, "Checking one XML return"): every selected node in the order of
dbt's build graph, with the SQL dbt compiled for it, its materialisation and test config
(severity, fail_calc, warn_if, error_if, limit, store_failures), the selected nodes dbt skips
when it errors or fails (its descendants in dbt's build graph, test edges included), the
on-run-start/end hooks as compiled, and the DuckDB settings of the profile; and the seed
tables dbt loaded, copied into a template database beside the plan. dbt stays the author
of the SQL: the plan holds what dbt compiled; the replay adds only the statements dbt's
materialisations wrap around it (create table as, drop, the test's count and thresholds).

The next check of an unchanged project (same fingerprint: every file dbt reads, the
environment variables they read, dbt's and DuckDB's versions) replays the plan in DuckDB
without importing dbt; dbt's per-node work (about 40 ms of Jinja per node, 139 nodes) and its
start-up are what the replay saves. The replay does what dbt-core 1.11 and dbt-duckdb 1.11
do with each node (their macros are named where reproduced) and gives the same outcome per
node: status (success, pass, warn, fail, error, skipped) and failure count. A node whose
config it does not reproduce (a contract, hooks, a view, ...), or compiled SQL that names
the dbt run itself (its invocation_id or run_started_at), means no plan is saved and every
check runs dbt, with the reason said.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb

# Bumped when the plan's contents or the replay's semantics change: an older plan is unused.
PLAN_FORMAT = 1
PLAN_FILE = "check_plan.json"
# The seed tables of the last dbt run, attached read-only by the replay under this name.
SEEDS_FILE = "check_plan_seeds.duckdb"
SEEDS_CATALOG = "check_plan_seeds"

# Files at the project's root that dbt reads.
ROOT_FILES = (
    ".dbtignore",
    "dbt_project.yml",
    "selectors.yml",
    "profiles.yml",
    "packages.yml",
    "dependencies.yml",
    "package-lock.yml",
)
# dbt's default folders, for a key dbt_project.yml leaves out.
DEFAULT_FOLDERS = {
    "model-paths": ["models"],
    "seed-paths": ["seeds"],
    "test-paths": ["tests"],
    "macro-paths": ["macros"],
    "analysis-paths": ["analyses"],
    "snapshot-paths": ["snapshots"],
    "docs-paths": [],
}
# The kinds of file dbt reads in those folders (SQL and Python nodes, YAML properties, doc
# blocks, seed CSVs). In the test folder only SQL tests and YAML (dbt reads those wherever
# they lie in it, tests/python too): pytest's files there leave the fingerprint alone.
READ_SUFFIXES = {".sql", ".py", ".yml", ".yaml", ".md", ".csv"}
TEST_SUFFIXES = {".sql", ".yml", ".yaml"}
ENV_VAR_CALL = re.compile(r"env_var\(\s*['\"]([A-Za-z0-9_]+)['\"]")
# Set by `cin check-return` itself for each dbt run; the warehouse the plan was compiled
# for is compared on its own (Plan.database, Plan.db_path).
WAREHOUSE_VARIABLE = "CIN_DUCKDB_PATH"
# dbt's variables that change neither its SQL nor its outcomes, left out of the fingerprint:
# the Makefile sets this one, so a plan made by `make demo` (`cin check-return --prepare`)
# is also the plan of a check run from a shell that does not set it.
OUTCOME_FREE_DBT_VARIABLES = frozenset({"DBT_SEND_ANONYMOUS_USAGE_STATS"})
VERSIONED_PACKAGES = ("dbt-core", "dbt-adapters", "dbt-duckdb")
# Profile features of dbt-duckdb the replay does not reproduce (it applies `settings` only).
UNREPRODUCED_CREDENTIALS = (
    "config_options",
    "extensions",
    "secrets",
    "attach",
    "filesystems",
    "plugins",
    "module_paths",
    "retries",
    "remote",
    "flights",
    "use_credential_provider",
    "motherduck_token",
    "is_ducklake",
)


class ReplayError(Exception):
    """The plan could not be replayed at all (not one node's failure: those are outcomes)."""


class PlanMismatchError(Exception):
    """The plan does not fit this warehouse; the check runs through dbt instead."""


@dataclass(frozen=True)
class NodeOutcome:
    """What a check found for one node, from dbt's run result or from the replay."""

    unique_id: str
    name: str
    resource_type: str
    status: str
    failures: int
    message: str | None
    rule_code: str | None


@dataclass(frozen=True)
class PlanNode:
    """One selected node as dbt compiled it."""

    unique_id: str
    name: str
    resource_type: str  # model, seed or test
    path: str  # the file that defines it, relative to the project
    database: str
    schema: str
    identifier: str
    sql: str  # dbt's compiled SQL (empty for a seed)
    skips: tuple[str, ...]  # selected nodes dbt skips when this one errors or fails
    rule_code: str | None = None
    severity: str = ""
    fail_calc: str = ""
    warn_if: str = ""
    error_if: str = ""
    limit: int | None = None
    store_failures: bool = False

    @property
    def relation(self) -> str:
        return ".".join(_quote(part) for part in (self.database, self.schema, self.identifier))


@dataclass(frozen=True)
class Plan:
    fingerprint: str
    database: str  # the warehouse's catalog name, which the compiled SQL names
    db_path: str | None  # the warehouse path, when the compiled SQL names it
    settings: dict[str, str]
    on_run_start: tuple[str, ...]
    on_run_end: tuple[str, ...]
    nodes: tuple[PlanNode, ...]
    format: int = field(default=PLAN_FORMAT)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: object) -> str:
    return "'" + str(value).replace("'", "''") + "'"


# --- the fingerprint of what dbt reads -------------------------------------------------------


def _project_folders(project_dir: Path, project_text: str) -> list[tuple[Path, set[str]]]:
    import yaml  # type: ignore[import-untyped]  # dbt-core's YAML reader

    config = yaml.safe_load(project_text) or {}
    folders: list[tuple[Path, set[str]]] = []
    for key, default in DEFAULT_FOLDERS.items():
        suffixes = TEST_SUFFIXES if key == "test-paths" else READ_SUFFIXES
        for folder in config.get(key, default) or []:
            # A folder named by Jinja (an env_var) is fingerprinted through its variable.
            if "{{" not in str(folder):
                folders.append((project_dir / str(folder), suffixes))
    return folders


def _read_files(project_dir: Path) -> Iterator[tuple[str, bytes]]:
    """(path relative to the project, contents) of every file dbt reads, sorted by path."""
    project_file = project_dir / "dbt_project.yml"
    if not project_file.is_file():
        raise ReplayError(f"{project_file}: no dbt project here")
    found: dict[str, Path] = {}
    for name in ROOT_FILES:
        if (project_dir / name).is_file():
            found[name] = project_dir / name
    for folder, suffixes in _project_folders(project_dir, project_file.read_text()):
        for path in folder.rglob("*") if folder.is_dir() else ():
            relative = path.relative_to(project_dir)
            hidden = any(part.startswith(".") or part == "__pycache__" for part in relative.parts)
            if path.suffix in suffixes and not hidden and path.is_file():
                found[relative.as_posix()] = path
    for name in sorted(found):
        yield name, found[name].read_bytes()


def project_fingerprint(project_dir: Path) -> str:
    """A hash of everything the compiled SQL of the check depends on but the warehouse."""
    digest = hashlib.sha256(f"plan format {PLAN_FORMAT}\n".encode())
    variables: set[str] = set()
    for relative, contents in _read_files(project_dir):
        digest.update(f"{relative}\0{len(contents)}\0".encode())
        digest.update(contents)
        variables.update(ENV_VAR_CALL.findall(contents.decode("utf-8", "replace")))
    variables.discard(WAREHOUSE_VARIABLE)
    # dbt's own flags from the environment (e.g. DBT_WARN_ERROR) change outcomes too.
    variables.update(name for name in os.environ if name.startswith("DBT_"))
    variables -= OUTCOME_FREE_DBT_VARIABLES
    for name in sorted(variables):
        digest.update(f"env {name}={os.environ.get(name, '<unset>')}\0".encode())
    for package in VERSIONED_PACKAGES:
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            version = "<absent>"
        digest.update(f"{package} {version}\0".encode())
    digest.update(f"duckdb {duckdb.__version__}\0".encode())
    return digest.hexdigest()


# --- the plan from a dbt run -----------------------------------------------------------------


def _unreproduced(node: Any) -> str | None:
    """Why the replay cannot do what dbt does with this node; None when it can."""
    config = node.config
    kind = node.resource_type
    if kind not in ("model", "seed", "test"):
        return f"{kind} nodes"
    if config.get("pre-hook") or config.get("post-hook"):
        return "pre- or post-hooks"
    if config.get("sql_header"):
        return "sql_header"
    if kind == "model":
        if config.materialized != "table" or node.language != "sql":
            return f"a {node.language} model materialised as {config.materialized}"
        if config.contract.enforced:
            return "an enforced contract"
        extras = ("partitioned_by", "sorted_by", "indexes", "grants", "persist_docs")
        named = [name for name in extras if config.get(name)]
        if named:
            return ", ".join(named)
    if kind == "seed" and config.get("grants"):
        return "grants on a seed"
    if kind == "test" and config.get("store_failures_as") not in (None, "table"):
        return f"store_failures_as {config.get('store_failures_as')}"
    return None


def build_graph(manifest: Any) -> Any:
    """dbt's build graph, test edges included (what says which nodes a failure skips), made
    from the parsed manifest as dbt-core's Compiler.compile(add_test_edges=True) makes it
    for `dbt build` (the graph.gpickle dbt writes only with its JSON artefacts)."""
    from dbt.compilation import Linker

    linker = Linker()
    linker.link_graph(manifest)
    manifest.build_parent_and_child_maps()
    linker.add_test_edges(manifest)
    return linker.graph


def run_moment(texts: Sequence[str]) -> str | None:
    """`invocation_id` or `run_started_at` when the compiled SQL holds this run's value."""
    from dbt import tracking
    from dbt_common.invocation import get_invocation_id

    values = {"invocation_id": get_invocation_id()}
    user = tracking.active_user
    if user is not None and user.run_started_at is not None:
        # Rendered as a datetime (to the second at least) or a date/time string of it.
        started = user.run_started_at
        values["run_started_at"] = started.strftime("%Y-%m-%d %H:%M:%S")
        values["run_started_at "] = started.strftime("%Y-%m-%dT%H:%M:%S")
    for name, value in values.items():
        if any(value in text for text in texts):
            return name.strip()
    return None


def plan_from_dbt(
    results: Sequence[Any],
    graph: Any,
    credentials: Any,
    fingerprint: str,
    db: Path,
    warn_error: bool,
) -> Plan | str:
    """The plan of a dbt build's results, or why none can be made (a sentence)."""
    import networkx as nx  # type: ignore[import-untyped]  # dbt's graph library

    if credentials is None:
        return "dbt's DuckDB connection settings were not found"
    if warn_error:
        return "dbt runs with --warn-error, which the replay does not reproduce"
    for name in UNREPRODUCED_CREDENTIALS:
        if getattr(credentials, name, None):
            return f"the profile sets {name}, which the replay does not reproduce"
    hooks = [r.node for r in results if r.node.resource_type == "operation"]
    nodes = {r.node.unique_id: r for r in results if r.node.resource_type != "operation"}
    for unique_id, result in nodes.items():
        reason = _unreproduced(result.node)
        if reason:
            return f"{unique_id} has {reason}, which the replay does not reproduce"
        if result.node.resource_type != "seed" and not getattr(result.node, "compiled", False):
            return f"dbt did not compile {unique_id} ({result.status}): it has no SQL to save"
    selected = set(nodes)
    order = [u for u in nx.lexicographical_topological_sort(graph) if u in selected]
    if set(order) != selected:
        return "dbt's graph lacks some of the nodes it ran"
    db_path = str(db.resolve())
    plan_nodes = []
    for unique_id in order:
        node = nodes[unique_id].node
        config = node.config
        skips = tuple(sorted(nx.descendants(graph, unique_id) & selected))
        test = node.resource_type == "test"
        plan_nodes.append(
            PlanNode(
                unique_id=unique_id,
                name=node.name,
                resource_type=node.resource_type,
                path=node.original_file_path,
                database=node.database,
                schema=node.schema,
                identifier=node.alias,
                sql=node.compiled_code if node.resource_type != "seed" else "",
                skips=skips,
                rule_code=config.meta.get("dfe_rule_code"),
                severity=config.severity if test else "",
                fail_calc=config.fail_calc if test else "",
                warn_if=config.warn_if if test else "",
                error_if=config.error_if if test else "",
                limit=config.limit if test else None,
                store_failures=bool(config.store_failures) if test else False,
            )
        )
    hook_sql = {
        tag: tuple(
            h.compiled_code for h in sorted(hooks, key=lambda h: h.index or 0) if tag in h.tags
        )
        for tag in ("on-run-start", "on-run-end")
    }
    texts = [n.sql for n in plan_nodes] + [*hook_sql["on-run-start"], *hook_sql["on-run-end"]]
    moment = run_moment(texts)
    if moment:
        return f"the compiled SQL names this dbt run ({moment}), which a replay would repeat"
    databases = {n.database for n in plan_nodes}
    if len(databases) != 1:
        return f"the nodes are built in {len(databases)} databases"
    return Plan(
        fingerprint=fingerprint,
        database=databases.pop(),
        db_path=db_path if any(db_path in text for text in texts) else None,
        settings={str(k): str(v) for k, v in (credentials.settings or {}).items()},
        on_run_start=hook_sql["on-run-start"],
        on_run_end=hook_sql["on-run-end"],
        nodes=tuple(plan_nodes),
    )


def save(plan: Plan, plan_dir: Path, db: Path) -> None:
    """Write the plan and a template of its seed tables, copied from the warehouse dbt built.
    The plan file is written last, so a plan never exists without its template."""
    plan_dir.mkdir(parents=True, exist_ok=True)
    discard(plan_dir)
    seeds = plan_dir / SEEDS_FILE
    partial = seeds.with_name(seeds.name + ".partial")
    partial.unlink(missing_ok=True)
    # Through the warehouse's connection: dbt (in this process) may still hold it open.
    with duckdb.connect(str(db)) as con:
        con.execute(f"attach {_literal(partial)} as {SEEDS_CATALOG}")
        for node in plan.nodes:
            if node.resource_type == "seed":
                template = f"{SEEDS_CATALOG}.{_quote(node.schema)}.{_quote(node.identifier)}"
                con.execute(f"create schema if not exists {SEEDS_CATALOG}.{_quote(node.schema)}")
                con.execute(f"create table {template} as select * from {node.relation}")
        con.execute(f"detach {SEEDS_CATALOG}")
    partial.replace(seeds)
    text = json.dumps(asdict(plan), indent=1)
    written = plan_dir / (PLAN_FILE + ".partial")
    written.write_text(text)
    written.replace(plan_dir / PLAN_FILE)


def holds_tables(db: Path, tables: Iterable[tuple[str, str]]) -> bool:
    """Whether the warehouse holds any of these (schema, name) tables."""
    with duckdb.connect(str(db)) as con:
        held = set(
            con.execute(
                "select table_schema, table_name from information_schema.tables"
                " where table_catalog = current_database()"
            ).fetchall()
        )
    return not held.isdisjoint(tables)


def drop_seeds(plan: Plan, db: Path) -> None:
    """Drop the plan's seed tables from the warehouse (dbt loaded them to compile the plan):
    the replay makes them from the template, as on any warehouse a check lands into."""
    with duckdb.connect(str(db)) as con:
        for node in plan.nodes:
            if node.resource_type == "seed":
                con.execute(f"drop table if exists {node.relation}")


def discard(plan_dir: Path) -> None:
    """Remove a saved plan (its template stays until the next save replaces it)."""
    (plan_dir / PLAN_FILE).unlink(missing_ok=True)


def load(plan_dir: Path, fingerprint: str) -> Plan | None:
    """The saved plan, if there is one for this fingerprint (else the check runs dbt)."""
    try:
        raw = json.loads((plan_dir / PLAN_FILE).read_text())
    except (OSError, ValueError):
        return None
    if raw.get("format") != PLAN_FORMAT or raw.get("fingerprint") != fingerprint:
        return None
    if not (plan_dir / SEEDS_FILE).is_file():
        return None
    try:
        nodes = tuple(PlanNode(**{**n, "skips": tuple(n["skips"])}) for n in raw.pop("nodes"))
        return Plan(
            **{
                **raw,
                "on_run_start": tuple(raw["on_run_start"]),
                "on_run_end": tuple(raw["on_run_end"]),
                "nodes": nodes,
            }
        )
    except (KeyError, TypeError):  # not a plan this code wrote: dbt makes a new one
        return None


# --- the replay ------------------------------------------------------------------------------


def _existing_type(con: duckdb.DuckDBPyConnection, node: PlanNode) -> str | None:
    row = con.execute(
        "select table_type from information_schema.tables"
        " where table_catalog = ? and table_schema = ? and table_name = ?",
        [node.database, node.schema, node.identifier],
    ).fetchone()
    if row is None:
        return None
    return "view" if row[0] == "VIEW" else "table"


def _drop_existing(con: duckdb.DuckDBPyConnection, node: PlanNode) -> None:
    # dbt-duckdb's duckdb__drop_relation (a test's stored failures are dropped, then made
    # anew; a table model is made beside the old one and renamed over it: the same end).
    kind = _existing_type(con, node)
    if kind is not None:
        con.execute(f"drop {kind} if exists {node.relation} cascade")


def _create_table_as(node: PlanNode, sql: str) -> str:
    # dbt-duckdb's duckdb__create_table_as (no contract, partitioning or sorting: refused
    # by plan_from_dbt).
    return f"create table {node.relation} as (\n{sql}\n)"


def _coerce(value: object) -> object:
    # dbt's _coerce_decimal: DuckDB's decimals come to dbt through agate as floats.
    return float(value) if isinstance(value, Decimal) else value


def _truth(value: object) -> bool:
    # dbt's TestResultData.convert_bool_type.
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("y", "yes", "t", "true", "on", "1"):
            return True
        if lowered in ("n", "no", "f", "false", "off", "0"):
            return False
        raise ValueError(f"get_test_sql returned {value!r}, not a boolean")
    return bool(value)


def _run_test(con: duckdb.DuckDBPyConnection, node: PlanNode) -> tuple[str, int]:
    """dbt-core's test materialisation, get_test_sql and TestRunner.build_test_run_result."""
    limited = node.sql if node.limit is None else f"{node.sql}\n  limit {node.limit}"
    if node.store_failures:
        _drop_existing(con, node)
        con.execute(_create_table_as(node, limited))
        main_sql = f"select * from {node.relation}"
    else:
        main_sql = limited
    fail_calc = node.fail_calc
    rows = con.execute(
        f"select\n  {fail_calc} as failures,\n  {fail_calc} {node.warn_if} as should_warn,\n"
        f"  {fail_calc} {node.error_if} as should_error\nfrom (\n{main_sql}\n) dbt_internal_test"
    ).fetchall()
    if len(rows) != 1:
        raise ValueError(f"the test query returned {len(rows)} rows, but expected 1 row")
    failures, should_warn, should_error = (_coerce(v) for v in rows[0])
    if not isinstance(failures, int) or isinstance(failures, bool):
        raise ValueError(f"fail_calc {fail_calc!r} gave {failures!r}, not a whole number")
    if node.severity.upper() == "ERROR" and _truth(should_error):
        return "fail", failures
    if _truth(should_warn):
        return "warn", failures
    return "pass", 0


def _run_node(con: duckdb.DuckDBPyConnection, node: PlanNode) -> tuple[str, int]:
    if node.resource_type == "test":
        return _run_test(con, node)
    _drop_existing(con, node)
    if node.resource_type == "seed":
        source = f"{SEEDS_CATALOG}.{_quote(node.schema)}.{_quote(node.identifier)}"
        con.execute(f"create table {node.relation} as select * from {source}")
    else:
        con.execute(_create_table_as(node, node.sql))
    return "success", 0


def _run_hooks(con: duckdb.DuckDBPyConnection, hooks: Iterable[str], kind: str) -> None:
    for index, sql in enumerate(hooks):
        try:
            con.execute(sql)
        except duckdb.Error as error:
            raise ReplayError(f"dbt_project.yml: {kind} hook {index}: {error}") from error


def replay(plan: Plan, db: Path, plan_dir: Path) -> list[NodeOutcome]:
    """Build and test the plan's nodes in the warehouse `db`, as dbt would have."""
    if plan.db_path is not None and str(db.resolve()) != plan.db_path:
        raise PlanMismatchError(f"the plan's SQL names the warehouse {plan.db_path}")
    try:
        con = duckdb.connect(str(db))
    except duckdb.Error as error:
        raise ReplayError(f"{db}: cannot open the warehouse: {error}") from error
    try:
        (catalog,) = con.execute("select current_database()").fetchone() or ("",)
        if catalog != plan.database:
            raise PlanMismatchError(f"the warehouse's catalog is {catalog}, not {plan.database}")
        # dbt loads a seed into a table that exists already (truncate and insert); the
        # template replaces it instead, so a warehouse holding the seeds goes through dbt.
        seeds = [n for n in plan.nodes if n.resource_type == "seed"]
        if any(_existing_type(con, n) for n in seeds):
            raise PlanMismatchError("the warehouse holds the seed tables already")
        # dbt-duckdb's initialize_cursor: the profile's settings, set on the connection.
        for key, value in plan.settings.items():
            con.execute(f"set {key} = {_literal(value)}")
        template = plan_dir / SEEDS_FILE
        try:
            con.execute(f"attach {_literal(template)} as {SEEDS_CATALOG} (read_only)")
        except duckdb.Error as error:
            raise ReplayError(f"{template}: cannot open the plan's seeds: {error}") from error
        _run_hooks(con, plan.on_run_start, "on-run-start")
        for schema in sorted({n.schema for n in plan.nodes}):
            con.execute(f"create schema if not exists {_quote(plan.database)}.{_quote(schema)}")
        outcomes = _replay_nodes(con, plan.nodes)
        con.execute(f"detach {SEEDS_CATALOG}")
        _run_hooks(con, plan.on_run_end, "on-run-end")
    finally:
        con.close()
    return outcomes


def _replay_nodes(con: duckdb.DuckDBPyConnection, nodes: Sequence[PlanNode]) -> list[NodeOutcome]:
    skipped: set[str] = set()
    outcomes = []
    for node in nodes:
        message = None
        failures = 0
        if node.unique_id in skipped:
            status = "skipped"
        else:
            # One transaction per node, as dbt-duckdb: a node that fails leaves nothing.
            con.begin()
            try:
                status, failures = _run_node(con, node)
            except (duckdb.Error, ValueError) as error:
                con.rollback()
                status = "error"
                message = f"{node.path}: {error}"
            else:
                con.commit()
        # dbt's BuildTask.MARK_DEPENDENT_ERRORS_STATUSES.
        if status in ("error", "fail", "skipped"):
            skipped.update(node.skips)
        outcomes.append(
            NodeOutcome(
                unique_id=node.unique_id,
                name=node.name,
                resource_type=node.resource_type,
                status=status,
                failures=failures,
                message=message,
                rule_code=node.rule_code,
            )
        )
    return outcomes
