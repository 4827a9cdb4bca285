"""rules stage3_figure_*: render one Stage-3 figure (.vl.json, .png, .svg) from its table."""

import logging
from typing import TYPE_CHECKING

from recenter.stage3 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
stem = snakemake.output.spec.removesuffix(".vl.json")
jobs.plot_job(snakemake.params.chart, [snakemake.input.table], stem)
