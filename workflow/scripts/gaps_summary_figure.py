"""rule gaps_summary_figure: the forest plot of every gap of the study."""

import logging
from typing import TYPE_CHECKING

from recenter import claims_plots

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
claims_plots.gaps_figure_job(
    snakemake.input.table,
    snakemake.output.spec.removesuffix(".vl.json"),
    snakemake.params.confidence,
)
