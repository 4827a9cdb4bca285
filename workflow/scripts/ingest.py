"""rule ingest: data/raw/<study>/ -> data/processed/<study>/study.duckdb (recenter.ingest).

When the raw files are refused: every problem goes to the terminal (and, for the Snakefile's
``onerror``, to the ``problems`` log), the full trace to the rule's log, the study's earlier
results are moved to ``results/<study>.stale/``, and the job exits non-zero."""

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from recenter.ingest import StudyDataError, build
from recenter.script import log_to_rule, refusal

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake, snakemake.log.log)
study_dir = Path(snakemake.input.study_json).parent
with refusal(
    snakemake, f"cannot ingest {study_dir}", StudyDataError, results=[snakemake.params.results]
):
    study = build(study_dir, snakemake.output.db, progress=logging.info)
logging.info("wrote %s from %d raw files", snakemake.output.db, len(study.files))
