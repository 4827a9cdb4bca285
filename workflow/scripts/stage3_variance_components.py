"""rule stage3_variance_components: see recenter.stage3.variance.variance_job."""

from typing import TYPE_CHECKING

from recenter.script import log_to_rule
from recenter.stage3 import variance

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
variance.variance_job(
    snakemake.input.db,
    snakemake.output.csv,
    snakemake.output.md,
    replicates=int(snakemake.params.replicates),
    seed=int(snakemake.params.bootstrap["seed"]),
    confidence=float(snakemake.params.bootstrap["confidence"]),
)
