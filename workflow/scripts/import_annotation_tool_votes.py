"""rule import_annotation_tool_votes: one final-round LLM vote file of the export ->
data/raw/<study>-final/models/relevance/llm/<system>.jsonl."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from recenter.errors import report_refusal
from recenter.importers.annotation_tool import ExportError, convert_final_vote_file, redactor
from recenter.outputs import atomic_write_text, set_aside_results
from recenter.script import log_to_rule

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake, snakemake.log.log)
params = snakemake.params
problems_log = Path(snakemake.log.problems)
problems_log.unlink(missing_ok=True)
try:
    lines, counts = convert_final_vote_file(params.export_dir, params.study, params.relpath)
except ExportError as exc:
    redact = redactor(params.export_dir)
    report_refusal(f"cannot import {snakemake.input.votes}", exc, problems_log, redact=redact)
    stale = set_aside_results(params.results, redact(str(exc)))
    if stale is not None:
        print(f"recenter: earlier results moved to {stale}/\n", file=sys.stderr)
    sys.exit(1)
atomic_write_text(Path(snakemake.output.votes), "\n".join(lines) + "\n")
logging.info("%s: %d votes from %s", snakemake.output.votes, len(lines), snakemake.input.votes)
for study, key, n, meaning in counts.rows():
    logging.info("%s %s %d (%s)", study, key, n, meaning)
