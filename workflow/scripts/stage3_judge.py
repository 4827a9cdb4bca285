"""rule stage3_judge: one LLM-judge or reward-model file against the humans -> parquets."""

from typing import TYPE_CHECKING

from recenter.script import bootstrap, log_to_rule
from recenter.stage3 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.judge_job(
    snakemake.input.db,
    snakemake.output.row,
    snakemake.output.gap,
    system=snakemake.wildcards.system,
    kind=snakemake.wildcards.kind,
    boot=bootstrap(snakemake),
)
