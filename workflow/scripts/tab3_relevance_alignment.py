"""rule tab3_relevance_alignment: Table 3 from the per-system alignment parquets."""

from typing import TYPE_CHECKING

from recenter.script import bootstrap, log_to_rule
from recenter.stage2 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.alignment_table_job(
    snakemake.input.db,
    list(snakemake.input.parts),
    snakemake.output.csv,
    snakemake.output.md,
    bootstrap(snakemake),
)
