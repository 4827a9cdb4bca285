"""rule import_annotation_tool_report: results/<study>/tables/import_counts.{csv,md}, the
records an import writes and its documented skips (reads the whole export)."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from recenter.errors import report_refusal
from recenter.importers.annotation_tool import ExportError, convert, redactor
from recenter.importers.report import write_counts
from recenter.script import log_to_rule

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake, snakemake.log.log)
params = snakemake.params
problems_log = Path(snakemake.log.problems)
problems_log.unlink(missing_ok=True)
try:
    result = convert(params.export_dir, params.study)
except ExportError as exc:
    redact = redactor(params.export_dir)
    report_refusal(f"cannot import {params.export_dir}", exc, problems_log, redact=redact)
    sys.exit(1)
for study, key, n, meaning in result.counts.rows():
    logging.info("%s %s %d (%s)", study, key, n, meaning)
write_counts(result, list(snakemake.output.counts))
