# apij: one entry point per job. `make` alone lists them. Every target sets up .venv itself.
.DEFAULT_GOAL := help
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Unset so Python may cache bytecode: with it set, every pytest start costs seconds here.
RUN := PYTHONDONTWRITEBYTECODE= $(BIN)
# Hand-written Python (ruff would also format the README's snippets, which stay compact).
CODE := src scripts tests conformance

.PHONY: help venv demo test test-under-load mutations test-dist check lint typecheck regenerate update-spec sandbox bench bench-tools check-upstream conformance-live clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml requirements/dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements/dev.lock -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP) ## Create or update the virtual environment from the lock

demo: $(STAMP) ## Print a sandbox user's IJ statement (built-in CNAM double, no credentials)
	$(RUN)/apij paiements --debut 2025-01-01 --fin 2025-06-30

test: $(STAMP) ## Run the test suite: unit, conformance (schemathesis, hypothesis), drift
	$(RUN)/pytest -n 3 --dist worksteal  # much of it waits on loopback I/O: 3 workers on 2 cores

test-under-load: $(STAMP) ## make test 5 times in a row beside 2 CPU-bound processes (determinism)
	$(RUN)/python -m scripts.test_under_load

mutations: $(STAMP) ## Spec mutations and contract variants, each through update-spec and the gate
	$(RUN)/pytest -m mutations conformance/test_spec_mutations.py conformance/test_contract_variants.py

test-dist: $(STAMP) ## Build sdist and wheel; test them installed outside the repo, newest and lowest deps
	$(RUN)/python -m scripts.dist_gate.gate

lint: $(STAMP) ## ruff check and format check of the hand-written code
	$(RUN)/ruff check $(CODE)
	$(RUN)/ruff format --check $(CODE)

typecheck: $(STAMP) ## mypy --strict on the hand-written and the generated code, in one run
	$(RUN)/mypy --strict src/apij src/apij_pytest_plugin.py generated/apij_client scripts conformance tests

check: lint typecheck test ## Everything CI gates on: lint, types, tests, drift

regenerate: $(STAMP) ## Derive generated/ from upstream + overlay (RECORD=1 records overlay, tools, config)
	$(RUN)/python -m scripts.regenerate $(if $(RECORD),--record)

update-spec: $(STAMP) ## Bring in a new upstream document (SPEC=path, or the upstream URL) and report
	$(RUN)/python -m scripts.update_spec $(SPEC)

check-upstream: $(STAMP) ## Compare the upstream document (SPEC=path, or the URL) with ours; change nothing
	$(RUN)/python -m scripts.check_upstream $(SPEC)

sandbox: $(STAMP) ## Serve the CNAM double over HTTP on loopback (prints base URL and tokens)
	$(RUN)/apij sandbox

bench: $(STAMP) ## Run every benchmark and print one table
	$(RUN)/python -m scripts.bench.run

conformance-live: $(STAMP) ## schemathesis CLI against the live sandbox, JUnit report in reports/
	$(RUN)/python -m scripts.conformance_live

clean: ## Remove the venv and caches
	rm -rf $(VENV) .mypy_cache .ruff_cache reports
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

bench-tools: ## Install the benchmark's external tools: wrk (apt-get, needs root) and Prism (npm)
	command -v wrk >/dev/null || apt-get install -y wrk
	npm install --prefix "$${TMPDIR:-/tmp}/apij-bench-prism" @stoplight/prism-cli@5.14 --no-audit --no-fund --loglevel=error
