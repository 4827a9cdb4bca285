"""rule stage3_mention_vs_penalty: mention rate as generator vs Δ as judge (Fig 7)."""

import logging
from typing import TYPE_CHECKING

from recenter.stage3 import jobs
from recenter.stats.bootstrap import BootstrapConfig

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
jobs.mention_vs_penalty_job(
    snakemake.input.db,
    snakemake.input.gaps,
    snakemake.output.csv,
    snakemake.output.md,
    BootstrapConfig.from_mapping(snakemake.params.bootstrap),
)
