"""rule skipped_outputs: results/<study>/skipped.csv, outputs the study's data cannot support."""

import csv
import io
import logging
from typing import TYPE_CHECKING

from recenter.outputs import atomic_write_text
from recenter.script import log_to_rule

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
buf = io.StringIO()
writer = csv.writer(buf, lineterminator="\n")
writer.writerow(["output", "reason"])
for name, reason in sorted(snakemake.params.rows):
    writer.writerow([name, reason])
atomic_write_text(snakemake.output.csv, buf.getvalue())
logging.info("%d outputs skipped", len(snakemake.params.rows))
