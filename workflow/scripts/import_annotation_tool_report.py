"""rule import_annotation_tool_report: results/<study>/tables/import_counts.{csv,md}, the
records an import writes and its documented skips (reads the whole export)."""

import logging
from typing import TYPE_CHECKING

from recenter.importers.annotation_tool import ExportError, convert, redactor
from recenter.importers.report import write_counts
from recenter.script import log_to_rule, refusal

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake, snakemake.log.log)
export = snakemake.params.export_dir
with refusal(snakemake, f"cannot import {export}", ExportError, redact=redactor(export)):
    result = convert(export, snakemake.params.study)
for study, key, n, meaning in result.counts.rows():
    logging.info("%s %s %d (%s)", study, key, n, meaning)
write_counts(result, list(snakemake.output.counts))
