# The two commands of the README:
#   make reproduce   set up .venv from requirements.lock, then snakemake --cores 8 (simulated default)
#   make test        set up .venv, then every quality gate and the test suite
# and, after them:
#   make report      build the study (STUDY=simulated by default), then write
#                    results/$(STUDY)/report.html with snakemake --report
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

STUDY ?= simulated
CORES ?= 8

.PHONY: setup reproduce test lint format report
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

# The provenance page is re-made so that it names the current git revision.
report: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) --config study=$(STUDY) --forcerun provenance
	$(BIN)/snakemake --cores 1 --config study=$(STUDY) --report results/$(STUDY)/report.html

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
