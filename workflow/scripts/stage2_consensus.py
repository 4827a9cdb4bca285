"""rule stage2_consensus: human majority vote -> consensus_summary table."""

import logging
from typing import TYPE_CHECKING

from recenter.stage2 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
jobs.consensus_job(snakemake.input.db, snakemake.output.csv, snakemake.output.md)
