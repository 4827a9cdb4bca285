"""rule stage1_diversity: Table 1, conversation diversity per source dataset."""

import logging
from typing import TYPE_CHECKING

from recenter.stage1 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
jobs.diversity_job(snakemake.input.db, snakemake.output.csv, snakemake.output.md)
