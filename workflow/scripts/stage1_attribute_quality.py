"""rule stage1_attribute_quality: Fig 2 table (label shares per dataset, real-synthetic gap)."""

import logging
from typing import TYPE_CHECKING

from recenter.stage1 import jobs
from recenter.stats.bootstrap import BootstrapConfig

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
jobs.shares_job(
    snakemake.input.db,
    snakemake.output.csv,
    snakemake.output.md,
    BootstrapConfig.from_mapping(snakemake.params.bootstrap),
)
