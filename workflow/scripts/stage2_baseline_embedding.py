"""rule stage2_embedding: sentence embeddings of a study's texts (cached by text hash)."""

import logging
from typing import TYPE_CHECKING

from recenter.stage2 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
jobs.embedding_job(
    snakemake.input.db,
    snakemake.output.parquet,
    cache=snakemake.params.cache,
    model_name=snakemake.wildcards.model,
    threads=snakemake.threads,
)
