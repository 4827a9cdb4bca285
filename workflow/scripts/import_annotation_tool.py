"""rule import_annotation_tool: export folder -> data/raw/<study>-pilot/ and -final/
(every file but the final round's LLM vote files, which rule import_annotation_tool_votes
writes one by one). A refused export: the messages go to the terminal and to the problems log
(raw annotator names replaced by pseudonyms in every file), the studies' earlier results are
moved to results/<study>.stale/, and the job exits non-zero."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from recenter.errors import report_refusal
from recenter.importers.annotation_tool import (
    ExportError,
    convert,
    redactor,
    source_of,
    write_studies,
)
from recenter.outputs import set_aside_results
from recenter.script import log_to_rule

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake, snakemake.log.log)
params = snakemake.params
problems_log = Path(snakemake.log.problems)
problems_log.unlink(missing_ok=True)
try:
    result = convert(params.export_dir, params.study, final_votes=False)
except ExportError as exc:
    redact = redactor(params.export_dir)
    report_refusal(f"cannot import {params.export_dir}", exc, problems_log, redact=redact)
    for results in params.results:
        stale = set_aside_results(results, redact(str(exc)))
        if stale is not None:
            logging.error("earlier results moved to %s/", stale)
            print(f"recenter: earlier results moved to {stale}/\n", file=sys.stderr)
    sys.exit(1)
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
