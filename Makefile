# netvigil: `make demo` runs the Kazakhstan 2022 replay, `make test` runs every check.
# Both set up everything they need on a fresh machine (a venv in .venv, Debian packages for tests).

PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_ARGS ?=

.PHONY: demo test lint typecheck unit setup system-deps bench conformance docs-check clean

$(STAMP): pyproject.toml src/netvigil/sources/mrt/_fastpath.c
	@command -v $(PY) >/dev/null || { echo "need $(PY) (Python 3.11)"; exit 1; }
	@PY=$(PY) bash scripts/system-deps.sh build
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/netvigil demo $(DEMO_ARGS)

system-deps:
	@bash scripts/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -q

test: setup system-deps lint typecheck unit docs-check

docs-check: $(STAMP)
	$(BIN)/python scripts/check_docs.py

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "# $$b"; $(BIN)/python $$b || exit 1; done

conformance: setup system-deps
	$(BIN)/python benchmarks/conformance.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
