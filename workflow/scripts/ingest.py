"""rule ingest: data/raw/<study>/ -> data/processed/<study>/study.duckdb (recenter.ingest)."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from recenter.ingest import StudyDataError, build

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(
    filename=snakemake.log[0], filemode="w", level=logging.INFO, format="%(asctime)s %(message)s"
)
study_dir = Path(snakemake.input.study_json).parent
try:
    study = build(study_dir, snakemake.output.db, progress=logging.info)
except StudyDataError as exc:
    logging.error("ingest stopped: %s", exc)
    print(f"\nrecenter: cannot ingest {study_dir}:\n  {exc}\n", file=sys.stderr)
    sys.exit(1)
logging.info("wrote %s from %d raw files", snakemake.output.db, len(study.files))
