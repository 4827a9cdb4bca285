"""rule import_annotation_tool_report: results/<study>/tables/import_counts.{csv,md}, the
records an import writes and its documented skips (reads the whole export)."""

import logging
import sys
from typing import TYPE_CHECKING

from recenter.importers.annotation_tool import ExportError, convert
from recenter.importers.report import write_counts

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(
    filename=snakemake.log[0], filemode="w", level=logging.INFO, format="%(asctime)s %(message)s"
)
params = snakemake.params
try:
    result = convert(params.export_dir, params.study)
except ExportError as exc:
    logging.error("import stopped: %s", exc)
    print(f"\nrecenter: cannot import {params.export_dir}:\n  {exc}\n", file=sys.stderr)
    sys.exit(1)
for study, key, n, meaning in result.counts.rows():
    logging.info("%s %s %d (%s)", study, key, n, meaning)
write_counts(result, list(snakemake.output.counts))
