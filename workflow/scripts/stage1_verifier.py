"""rule stage1_verifier: one verifier file against the human label -> one-row parquet."""

import logging
from typing import TYPE_CHECKING

from recenter.stage1 import jobs
from recenter.stats.bootstrap import BootstrapConfig

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
jobs.verifier_job(
    snakemake.input.db,
    snakemake.output.parquet,
    system=snakemake.wildcards.system,
    kind=snakemake.wildcards.kind,
    boot=BootstrapConfig.from_mapping(snakemake.params.bootstrap),
)
