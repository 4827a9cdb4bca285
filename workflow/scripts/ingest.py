"""rule ingest: data/raw/<study>/ -> data/processed/<study>/study.duckdb (recenter.ingest).

When the raw files are refused: every problem goes to the terminal (and, for the Snakefile's
``onerror``, to the ``problems`` log), the full trace to the rule's log, the study's earlier
results are moved to ``results/<study>.stale/``, and the job exits non-zero."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from recenter.errors import report_refusal
from recenter.ingest import StudyDataError, build
from recenter.outputs import set_aside_results
from recenter.script import log_to_rule

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake, snakemake.log.log)
problems_log = Path(snakemake.log.problems)
problems_log.unlink(missing_ok=True)
study_dir = Path(snakemake.input.study_json).parent
try:
    study = build(study_dir, snakemake.output.db, progress=logging.info)
except StudyDataError as exc:
    report_refusal(f"cannot ingest {study_dir}", exc, problems_log)
    stale = set_aside_results(snakemake.params.results, str(exc))
    if stale is not None:
        note = f"earlier results of this study moved to {stale}/ (they do not match the raw files)"
        logging.error(note)
        print(f"recenter: {note}\n", file=sys.stderr)
        with open(problems_log, "a", encoding="utf-8") as fh:
            fh.write(f"  {note}\n")
    sys.exit(1)
logging.info("wrote %s from %d raw files", snakemake.output.db, len(study.files))
