"""rule gaps_stage2: Stage-2 rows (LLM vs human) of the cross-stage gaps summary."""

from typing import TYPE_CHECKING

from recenter.script import bootstrap, log_to_rule
from recenter.stage2 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.gaps_job(
    snakemake.input.db,
    snakemake.output.csv,
    snakemake.output.md,
    bootstrap(snakemake),
)
