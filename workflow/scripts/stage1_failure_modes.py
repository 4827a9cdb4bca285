"""rule stage1_failure_modes: share of each failure-mode category."""

import logging
from typing import TYPE_CHECKING

from recenter.stage1 import jobs
from recenter.stats.bootstrap import BootstrapConfig

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
jobs.failure_modes_job(
    snakemake.input.db,
    snakemake.output.csv,
    snakemake.output.md,
    BootstrapConfig.from_mapping(snakemake.params.bootstrap),
)
