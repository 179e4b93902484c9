# The two set-up commands of the README: `make demo` and `make test`.
# Both create the virtual environment themselves on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DATA := data/demo
DEMO_DB := warehouse/cin.duckdb
DEMO_SEED := 20261121
# 1% of England's volume: every LA, every census year, in about two minutes.
DEMO_SCALE := 0.01

export CIN_DUCKDB_PATH ?= $(DEMO_DB)
# dbt writes anonymous usage events by default; there is no network here.
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.PHONY: demo test fuzz venv lint docs clean

venv: $(STAMP)

# requirements.lock pins every package (direct and transitive) to an exact version.
$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==26.3 setuptools==84.2.1
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

demo: $(STAMP)
	@rm -rf $(DEMO_DATA) && rm -f $(DEMO_DB)
	@# One screen: a line per step or folder; the data tests' findings from `cin dq` last.
	@$(BIN)/cin generate --out $(DEMO_DATA) --seed $(DEMO_SEED) --scale $(DEMO_SCALE)
	@$(BIN)/cin load $(DEMO_DATA)/npd $(DEMO_DATA)/xml --db $(DEMO_DB) --summary
	@echo "dbt build, then dbt docs generate (errors only; what the tests found: below)"
	@$(BIN)/dbt build --profiles-dir . --quiet
	@# Its own target path, so that the build's run_results.json stays for `cin dq`.
	@$(BIN)/dbt docs generate --static --profiles-dir . --quiet --target-path target/docs
	@$(BIN)/cin demo-summary --db $(DEMO_DB)
	@$(BIN)/cin dq --db $(DEMO_DB)

test: $(STAMP)
	$(BIN)/pytest

# Property-based fuzzing of `cin load` with many more damaged files than `make test` runs
# (the landing-fuzz Hypothesis profile of tests/python/ingest/test_fuzz_landing.py).
fuzz: $(STAMP)
	CIN_FUZZ_PROFILE=landing-fuzz $(BIN)/pytest -m fuzz tests/python/ingest/test_fuzz_landing.py \
		--hypothesis-show-statistics

lint: $(STAMP)
	$(BIN)/ruff check cin_warehouse tests
	$(BIN)/sqlfluff lint models tests macros analyses

clean:
	rm -rf $(VENV) target logs data $(DEMO_DB)
