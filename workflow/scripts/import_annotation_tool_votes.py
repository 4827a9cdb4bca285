"""rule import_annotation_tool_votes: one final-round LLM vote file of the export ->
data/raw/<study>-final/models/relevance/llm/<system>.jsonl."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from recenter.importers.annotation_tool import ExportError, convert_final_vote_file
from recenter.outputs import atomic_write_text

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(
    filename=snakemake.log[0], filemode="w", level=logging.INFO, format="%(asctime)s %(message)s"
)
params = snakemake.params
try:
    lines, counts = convert_final_vote_file(params.export_dir, params.study, params.relpath)
except ExportError as exc:
    logging.error("import stopped: %s", exc)
    print(f"\nrecenter: cannot import {snakemake.input.votes}:\n  {exc}\n", file=sys.stderr)
    sys.exit(1)
atomic_write_text(Path(snakemake.output.votes), "\n".join(lines) + "\n")
logging.info("%s: %d votes from %s", snakemake.output.votes, len(lines), snakemake.input.votes)
for study, key, n, meaning in counts.rows():
    logging.info("%s %s %d (%s)", study, key, n, meaning)
