"""rule tab6_judges: see recenter.stage3.jobs.judges_table_job."""

from typing import TYPE_CHECKING

from recenter.script import bootstrap, log_to_rule
from recenter.stage3 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.judges_table_job(
    snakemake.input.db,
    list(snakemake.input.parts),
    snakemake.output.csv,
    snakemake.output.md,
    bootstrap(snakemake),
)
