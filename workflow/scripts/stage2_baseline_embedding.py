"""rule stage2_embedding: sentence embeddings of a study's texts (cached by text hash)."""

from typing import TYPE_CHECKING

from recenter.script import log_to_rule
from recenter.stage2 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.embedding_job(
    snakemake.input.db,
    snakemake.output.parquet,
    cache=snakemake.params.cache,
    model_name=snakemake.wildcards.model,
    threads=snakemake.threads,
)
