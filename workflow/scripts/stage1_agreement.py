"""rule stage1_agreement: ordinal/nominal alpha and mean pairwise kappa of the annotators."""

from typing import TYPE_CHECKING

from recenter.script import bootstrap, log_to_rule
from recenter.stage1 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.agreement_job(
    snakemake.input.db,
    snakemake.output.csv,
    snakemake.output.md,
    bootstrap(snakemake),
)
