"""rule import_annotation_tool: export folder -> data/raw/<study>-pilot/ and -final/
(every file but the final round's LLM vote files, which rule import_annotation_tool_votes
writes one by one)."""

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from recenter.importers.annotation_tool import ExportError, convert, source_of, write_studies

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(
    filename=snakemake.log[0], filemode="w", level=logging.INFO, format="%(asctime)s %(message)s"
)
params = snakemake.params
try:
    result = convert(params.export_dir, params.study, final_votes=False)
except ExportError as exc:
    logging.error("import stopped: %s", exc)
    print(f"\nrecenter: cannot import {params.export_dir}:\n  {exc}\n", file=sys.stderr)
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
