"""rule run_notebook: execute notebooks/<name>.ipynb for one study; save .ipynb and .html."""

import logging
import os
from typing import TYPE_CHECKING

from recenter.notebooks import execute_notebook

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
execute_notebook(
    snakemake.input.notebook,
    snakemake.output.ipynb,
    snakemake.output.html,
    parameters={"study": snakemake.params.study, "root": os.getcwd()},
)
