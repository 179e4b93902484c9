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

.PHONY: demo test test-quick check-clone fuzz venv lint docs clean browser bench

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
	@# dbt docs generate overwrites run_results.json: the build's is kept for `cin dq`.
	@mkdir -p target/last_build && cp target/run_results.json target/manifest.json target/last_build/
	@# The measured data quality of this warehouse, on the site (cin_warehouse/measured_docs.py).
	@$(BIN)/cin docs-measured --db $(DEMO_DB) --out target/measured_docs >/dev/null
	@CIN_MEASURED_DOCS=target/measured_docs $(BIN)/dbt docs generate --static --profiles-dir . --quiet
	@# The plan of `cin check-return`, so that the first check of an LA's return replays it.
	@$(BIN)/cin check-return --prepare
	@$(BIN)/cin demo-summary --db $(DEMO_DB)
	@$(BIN)/cin dq --db $(DEMO_DB)

test: $(STAMP) browser
	$(BIN)/pytest

# Property-based fuzzing of `cin load` with many more damaged files than `make test` runs
# (the landing-fuzz Hypothesis profile of tests/python/ingest/test_fuzz_landing.py).
fuzz: $(STAMP)
	CIN_FUZZ_PROFILE=landing-fuzz $(BIN)/pytest -m fuzz tests/python/ingest/test_fuzz_landing.py \
		--hypothesis-show-statistics

# The browser test (tests/python/docs/test_docs_site.py) drives Debian's headless Chromium.
# Installed here when it is missing and apt-get can install it; never fails the build: where
# Chromium cannot be had, that test is skipped and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 \
		&& apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
		|| echo "note: Chromium could not be installed; the browser test will be skipped"; }

# A few minutes of tests that need no warehouse build: reference data, the generator's
# files against DfE's schemas, landing, the generated files and a census year added by the
# README's steps. Tests marked shared_crosscheck say why they skip.
test-quick: $(STAMP)
	$(BIN)/pytest -q tests/python/seeds tests/python/synth/test_xml_writer.py \
		tests/python/synth/test_cli_generate.py tests/python/ingest/test_bad_input.py \
		tests/python/codegen

# The repository stands alone: clone the committed HEAD into an empty temporary folder
# (nothing beside it) and run `make demo` and the quick tests there.
check-clone:
	tmp=$$(mktemp -d) && git clone --quiet "$(CURDIR)" "$$tmp/cin-warehouse" \
		&& $(MAKE) -C "$$tmp/cin-warehouse" demo test-quick; \
		status=$$?; rm -rf "$$tmp"; exit $$status

# The whole pipeline on a fresh folder (data/bench/scale_<SCALE>): generate, land, dbt build,
# each step timed against one DuckDB scan of the raw rows, then the fidelity report and the
# England comparison on the same world (benchmarks/bench_pipeline.py; figures in
# BENCHMARKS.md). FORMAT=npd for the national extract alone. Not part of `make test`.
SCALE ?= 0.05
FORMAT ?= both
bench: $(STAMP)
	nice $(BIN)/python benchmarks/bench_pipeline.py --scale $(SCALE) --format $(FORMAT)

# The linters alone, over every file (the suite's sqlfluff test lints one census year of
# each shape of the generated NPD year models: tests/python/test_lint.py).
lint: $(STAMP)
	$(BIN)/ruff check cin_warehouse tests
	$(BIN)/mypy
	$(BIN)/sqlfluff lint models tests macros analyses

clean:
	rm -rf $(VENV) target logs data $(DEMO_DB)
