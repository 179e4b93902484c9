"""How the suite is dealt to its two worker processes (tests/python/conftest.py): a test that
uses a session world goes with the others that do, any other test with its module, and the
scheduler reads each test's group from the file the workers wrote."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.python.conftest import (
    DFE_RULE_PROBE_GROUP,
    LONGEST_FIRST,
    PROJECT_DIR,
    SHARED_WORLDS_GROUP,
    GroupScheduling,
    group_of,
)


def _item(nodeid: str, *fixtures: str) -> Any:
    return SimpleNamespace(nodeid=nodeid, fixturenames=[*fixtures, "tmp_path"])


@pytest.mark.parametrize("fixture", ["world", "clean_world", "warehouse", "clean_warehouse"])
def test_a_test_using_a_session_world_goes_with_the_shared_worlds(fixture: str) -> None:
    item = _item("tests/python/a/test_x.py::test_y[npd]", "request", fixture)
    assert group_of(item) == SHARED_WORLDS_GROUP


def test_a_test_reading_the_dfe_rule_probe_goes_with_the_others_that_do() -> None:
    item = _item("tests/python/data_quality/test_x.py::test_y[a]", "dfe_rule_results")
    assert group_of(item) == DFE_RULE_PROBE_GROUP


def test_any_other_test_goes_with_its_module() -> None:
    item = _item("tests/python/a/test_x.py::test_y[npd]", "request", "world_dir")
    assert group_of(item) == "tests/python/a/test_x.py"


def test_the_scheduler_reads_the_groups_the_workers_wrote(tmp_path: Path) -> None:
    groups = {"tests/python/test_a.py::test_1": SHARED_WORLDS_GROUP, "t.py::t": "t.py"}
    (tmp_path / "groups.json").write_text(json.dumps(groups), encoding="utf-8")
    # two workers, as `--numprocesses 2` gives xdist's controller
    config = SimpleNamespace(getvalue={"tx": ["2*popen"]}.get)
    scheduler = GroupScheduling(config, None, tmp_path / "groups.json")  # type: ignore[arg-type]
    assert [scheduler._split_scope(n) for n in groups] == [SHARED_WORLDS_GROUP, "t.py"]
    with pytest.raises(KeyError):  # a test no worker collected is an error, not a group
        scheduler._split_scope("tests/python/test_b.py::test_2")


def test_every_group_dealt_first_is_a_module_of_the_suite() -> None:
    # a renamed or removed module would leave its entry doing nothing, unseen
    modules = [g for g in LONGEST_FIRST if g not in {SHARED_WORLDS_GROUP, DFE_RULE_PROBE_GROUP}]
    assert [m for m in modules if not (PROJECT_DIR / m).is_file()] == []
