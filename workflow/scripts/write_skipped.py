"""rule skipped_outputs: results/<study>/skipped.csv, outputs the study's data cannot support."""

import csv
import io
from typing import TYPE_CHECKING

from recenter.outputs import atomic_write_text

if TYPE_CHECKING:
    from snakemake.script import snakemake

buf = io.StringIO()
writer = csv.writer(buf, lineterminator="\n")
writer.writerow(["output", "reason"])
for name, reason in sorted(snakemake.params.rows):
    writer.writerow([name, reason])
atomic_write_text(snakemake.output.csv, buf.getvalue())
with open(snakemake.log[0], "w", encoding="utf-8") as fh:
    fh.write(f"{len(snakemake.params.rows)} outputs skipped\n")
