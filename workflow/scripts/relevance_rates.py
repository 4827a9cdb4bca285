"""rule relevance_rates: share marked relevant per rater, over-selection ratio to the consensus."""

from typing import TYPE_CHECKING

from recenter.script import bootstrap, log_to_rule
from recenter.stage2 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.rates_job(
    snakemake.input.db,
    snakemake.output.csv,
    snakemake.output.md,
    bootstrap(snakemake),
)
