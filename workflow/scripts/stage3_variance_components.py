"""rule stage3_variance_components: see recenter.stage3.variance.variance_job."""

import logging
from typing import TYPE_CHECKING

from recenter.stage3 import variance

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
variance.variance_job(
    snakemake.input.db,
    snakemake.output.csv,
    snakemake.output.md,
    replicates=int(snakemake.params.replicates),
    seed=int(snakemake.params.bootstrap["seed"]),
    confidence=float(snakemake.params.bootstrap["confidence"]),
)
