"""rule import_annotation_tool: export folder -> data/raw/<study>-pilot/ and -final/."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from recenter.importers.annotation_tool import ExportError, import_export
from recenter.importers.report import write_counts

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(
    filename=snakemake.log[0], filemode="w", level=logging.INFO, format="%(asctime)s %(message)s"
)
params = snakemake.params
try:
    result = import_export(params.export_dir, params.study, params.out_root)
except ExportError as exc:
    logging.error("import stopped: %s", exc)
    print(f"\nrecenter: cannot import {params.export_dir}:\n  {exc}\n", file=sys.stderr)
    sys.exit(1)
if sorted(result.studies) != sorted(params.studies):
    sys.exit(f"import wrote {sorted(result.studies)}, the DAG planned {sorted(params.studies)}")
missing = [p for p in snakemake.output.raw if not Path(p).is_file()]
if missing:
    sys.exit(f"import did not write the planned files {missing}")
for name, st in sorted(result.studies.items()):
    for rel in sorted(st.files):
        logging.info("%s/%s: %d records", name, rel, len(st.files[rel]))
for study, key, n, meaning in result.counts.rows():
    logging.info("%s %s %d (%s)", study, key, n, meaning)
write_counts(result, snakemake.output.counts)
