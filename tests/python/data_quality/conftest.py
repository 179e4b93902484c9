"""The throwaway dbt project of the DfE rule tests on test_dfe_rules.py's fixtures, built and
tested once for the two modules that read its results (test_dfe_rules.py's failures,
test_dfe_rules_seed.py's statuses): tests/python/conftest.py deals every test that reads it
to one worker. Each module built it for itself before (18-20 s each, session 14)."""

from __future__ import annotations

import pytest

from tests.python.conftest import DFE_RULE_PROBE_FIXTURE, PROJECT_DIR
from tests.python.data_quality.test_dfe_rules import RULES_DIR, rule_test_results


@pytest.fixture(scope="session", name=DFE_RULE_PROBE_FIXTURE)
def dfe_rule_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """Each rule test's failures and status (pass, warn or fail) on the fixtures."""
    if not (RULES_DIR.is_dir() and (PROJECT_DIR / "tests" / "data_quality").is_dir()):
        pytest.skip("tests/dfe_rules and tests/data_quality land with the staging models")
    return rule_test_results(tmp_path_factory.mktemp("dq_rules_probe"))
