"""rule render_notebook: the notebook rule run_notebook executed (its log), saved as .ipynb and
.html without timings or absolute paths (same inputs, same bytes)."""

import logging
import os
from typing import TYPE_CHECKING

from recenter.notebooks import render_executed

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
logging.info("rendering %s", snakemake.params.executed)
render_executed(
    snakemake.params.executed, snakemake.output.ipynb, snakemake.output.html, root=os.getcwd()
)
