"""rule stage2_rates: share marked relevant per rater, over-selection ratio to the consensus."""

import logging
from typing import TYPE_CHECKING

from recenter.stage2 import jobs
from recenter.stats.bootstrap import BootstrapConfig

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
jobs.rates_job(
    snakemake.input.db,
    snakemake.output.csv,
    snakemake.output.md,
    BootstrapConfig.from_mapping(snakemake.params.bootstrap),
)
