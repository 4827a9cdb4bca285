"""rule stage2_alignment_table: Table 3 from the per-system alignment parquets."""

import logging
from typing import TYPE_CHECKING

from recenter.stage2 import jobs
from recenter.stats.bootstrap import BootstrapConfig

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
jobs.alignment_table_job(
    snakemake.input.db,
    list(snakemake.input.parts),
    snakemake.output.csv,
    snakemake.output.md,
    BootstrapConfig.from_mapping(snakemake.params.bootstrap),
)
