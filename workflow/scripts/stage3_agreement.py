"""rule stage3_agreement: see recenter.stage3.jobs.agreement_job."""

import logging
from typing import TYPE_CHECKING

from recenter.stage3 import jobs
from recenter.stats.bootstrap import BootstrapConfig

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
jobs.agreement_job(
    snakemake.input.db,
    snakemake.output.csv,
    snakemake.output.md,
    BootstrapConfig.from_mapping(snakemake.params.bootstrap),
)
