"""rule gaps_summary: the three stages' gaps rows with the paper's values, in one table."""

from typing import TYPE_CHECKING

from recenter import claims
from recenter.script import log_to_rule

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
claims.gaps_summary_job(
    list(snakemake.input.parts),
    snakemake.output.csv,
    snakemake.output.md,
    snakemake.params.confidence,
)
