"""rule fig1_pipeline: Fig 1, the three-stage schematic with this study's counts."""

import logging
from typing import TYPE_CHECKING

from recenter import claims_plots

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
claims_plots.fig1_job(
    snakemake.input.db, snakemake.output.spec.removesuffix(".vl.json"), snakemake.params.study
)
