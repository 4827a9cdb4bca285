"""rule stage3_judge: one LLM-judge or reward-model file against the humans -> parquets."""

import logging
from typing import TYPE_CHECKING

from recenter.stage3 import jobs
from recenter.stats.bootstrap import BootstrapConfig

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
jobs.judge_job(
    snakemake.input.db,
    snakemake.output.row,
    snakemake.output.gap,
    system=snakemake.wildcards.system,
    kind=snakemake.wildcards.kind,
    boot=BootstrapConfig.from_mapping(snakemake.params.bootstrap),
)
