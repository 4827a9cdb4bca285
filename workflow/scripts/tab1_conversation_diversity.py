"""rule tab1_conversation_diversity: Table 1, conversation diversity per source dataset."""

from typing import TYPE_CHECKING

from recenter.script import log_to_rule
from recenter.stage1 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.diversity_job(snakemake.input.db, snakemake.output.csv, snakemake.output.md)
