"""rule gaps_summary: the three stages' gaps rows with the paper's values, in one table."""

import logging
from typing import TYPE_CHECKING

from recenter import claims

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
claims.gaps_summary_job(
    list(snakemake.input.parts),
    snakemake.output.csv,
    snakemake.output.md,
    snakemake.params.confidence,
)
