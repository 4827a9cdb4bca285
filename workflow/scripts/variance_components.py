"""rules stage2_variance_components and stage3_variance_components: the variance job of the
stage named in params.job (recenter.stage2.variance / recenter.stage3.variance): the table and
the kept bootstrap replicates of the shares (output shares, read by the stage's notebook)."""

from typing import TYPE_CHECKING

from recenter.script import job_function, log_to_rule
from recenter.variance_job import VarianceRun

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
job_function(snakemake.params.job)(VarianceRun.from_rule(snakemake))
