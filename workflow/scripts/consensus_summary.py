"""rule consensus_summary: human majority vote -> consensus_summary table."""

from typing import TYPE_CHECKING

from recenter.script import log_to_rule
from recenter.stage2 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.consensus_job(snakemake.input.db, snakemake.output.csv, snakemake.output.md)
