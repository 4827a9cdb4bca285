# The two commands of the README:
#   make reproduce   set up .venv from requirements.lock, then snakemake --cores 8 (simulated default)
#   make test        set up .venv, then every quality gate and the test suite
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup reproduce test lint format bench-scale
.DEFAULT_GOAL := reproduce

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

reproduce: $(STAMP)
	$(BIN)/snakemake --cores 8

lint: $(STAMP)
	$(BIN)/ruff check workflow tests bench
	$(BIN)/ruff format --check workflow tests bench
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint --cores 1

format: $(STAMP)
	$(BIN)/ruff check --fix workflow tests bench
	$(BIN)/ruff format workflow tests bench
	$(BIN)/snakefmt Snakefile workflow/rules

test: lint
	$(BIN)/python -m pytest -n 2

# Benchmarks are run by hand, never by `make test` (bench/README.md).
bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py --scales 1 10 100 --cores 2
