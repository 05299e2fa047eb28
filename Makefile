# computemarket: `make run` and `make test` each bootstrap .venv on a fresh machine.
.DEFAULT_GOAL := help
VENV    := .venv
PY      := $(VENV)/bin/python
STAMP   := $(VENV)/.installed
YEARS   ?= 20
SEED    ?= 1
PYTEST_ARGS ?=

# The first interpreter >= 3.12 found: pyenv's (selected by .python-version), then the usual names.
PYTHON_BOOT := $(shell for p in python3.12 python3.13 python3.14 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)

.PHONY: help install assets run test lint format docs bench app validate validation-docs clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	@test -n "$(PYTHON_BOOT)" || { echo "error: no Python >= 3.12 found (install one, e.g. 'pyenv install 3.12')" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@# The classroom app's web assets (npm, once; ~5 MB): the app then runs offline, without npm.
	-$(PY) -m computemarket.classroom.assets
	@touch $(STAMP)

install: $(STAMP)  ## create .venv and install the package with its dev extra

assets: $(STAMP)  ## install the classroom app's web assets again (npm; they come with install)
	$(PY) -m computemarket.classroom.assets

run: $(STAMP)  ## run the baseline scenario into results/baseline (metrics, agents, ledger, summary.png)
	$(VENV)/bin/computemarket run baseline --years $(YEARS) --seed $(SEED) --out results/baseline

test: $(STAMP)  ## run the whole test suite
	$(PY) -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(STAMP)  ## ruff check and format check
	$(VENV)/bin/ruff check computemarket tests benchmarks
	$(VENV)/bin/ruff format --check computemarket tests benchmarks

format: $(STAMP)  ## apply ruff format and safe fixes
	$(VENV)/bin/ruff format computemarket tests benchmarks
	$(VENV)/bin/ruff check --fix computemarket tests benchmarks

docs: $(STAMP)  ## regenerate docs/parameters.md from the scenario schema
	$(PY) -m computemarket.simulation.parameters_doc > docs/parameters.md

bench: $(STAMP)  ## print speed, efficiency and memory ratios (benchmarks/README.md)
	$(PY) benchmarks/run_speed.py
	$(PY) benchmarks/sweep_speed.py
	MPLBACKEND=Agg $(PY) benchmarks/app_speed.py

app: $(STAMP)  ## start the classroom app on http://localhost:8765
	$(VENV)/bin/computemarket app

validate: $(STAMP)  ## run the validation into results/validation (page, table, manifest)
	$(VENV)/bin/computemarket validate --out results/validation

validation-docs: $(STAMP)  ## run the validation and copy its page to docs/validation.md (FAIL rows included)
	$(VENV)/bin/computemarket validate --out results/validation; code=$$?; \
	if [ $$code -le 1 ]; then cp results/validation/validation.md docs/validation.md; fi; exit $$code

clean:  ## remove .venv and results
	rm -rf $(VENV) results .pytest_cache .ruff_cache .hypothesis
