"""rule import_annotation_tool: export folder -> data/raw/<study>-pilot/ and -final/
(every file but the final round's LLM vote files, which rule import_annotation_tool_votes
writes one by one). A refused export: the messages go to the terminal and to the problems log
(raw annotator names replaced by pseudonyms in every file), the studies' earlier results are
moved to results/<study>.stale/, and the job exits non-zero."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from recenter.importers.annotation_tool import (
    ExportError,
    convert,
    redactor,
    source_of,
    write_studies,
)
from recenter.script import log_to_rule, refusal

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake, snakemake.log.log)
params = snakemake.params
redact = redactor(params.export_dir)
with refusal(
    snakemake,
    f"cannot import {params.export_dir}",
    ExportError,
    results=params.results,
    redact=redact,
):
    result = convert(params.export_dir, params.study, final_votes=False)
if sorted(result.studies) != sorted(params.studies):
    sys.exit(f"import converted {sorted(result.studies)}, the DAG planned {sorted(params.studies)}")
written = write_studies(result, params.out_root, source=source_of(params.export_dir))
missing = [p for p in snakemake.output.raw if not Path(p).is_file()]
if missing:
    sys.exit(f"import did not write the planned files {missing}")
for name, rels in sorted(written.items()):
    for rel in rels:
        n = len(result.studies[name].files.get(rel, {}))
        logging.info("%s/%s: %d records", name, rel, n)
