"""rule stage1_verifier_table: Table 2 from the per-verifier parquets."""

import logging
from typing import TYPE_CHECKING

from recenter.stage1 import jobs
from recenter.stats.bootstrap import BootstrapConfig

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
jobs.verifier_table_job(
    snakemake.input.db,
    list(snakemake.input.parts),
    snakemake.output.csv,
    snakemake.output.md,
    BootstrapConfig.from_mapping(snakemake.params.bootstrap),
)
