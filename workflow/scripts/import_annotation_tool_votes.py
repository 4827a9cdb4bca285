"""rule import_annotation_tool_votes: one final-round LLM vote file of the export ->
data/raw/<study>-final/models/relevance/llm/<system>.jsonl."""

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from recenter.importers.annotation_tool import ExportError, convert_final_vote_file, redactor
from recenter.outputs import atomic_write_text
from recenter.script import log_to_rule, refusal

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake, snakemake.log.log)
params = snakemake.params
what = f"cannot import {snakemake.input.votes}"
redact = redactor(params.export_dir)
with refusal(snakemake, what, ExportError, results=[params.results], redact=redact):
    lines, counts = convert_final_vote_file(params.export_dir, params.study, params.relpath)
atomic_write_text(Path(snakemake.output.votes), "\n".join(lines) + "\n")
logging.info("%s: %d votes from %s", snakemake.output.votes, len(lines), snakemake.input.votes)
for study, key, n, meaning in counts.rows():
    logging.info("%s %s %d (%s)", study, key, n, meaning)
