"""rule fig7_mention_vs_penalty: mention rate as generator vs Δ as judge (Fig 7)."""

from typing import TYPE_CHECKING

from recenter.script import bootstrap, log_to_rule
from recenter.stage3 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.mention_vs_penalty_job(
    snakemake.input.db,
    list(snakemake.input.parts),
    snakemake.output.csv,
    snakemake.output.md,
    bootstrap(snakemake),
)
