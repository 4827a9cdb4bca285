"""rule stage2_baseline_scores: one scorer's score of every Stage-2 item -> parquet."""

from typing import TYPE_CHECKING

from recenter.script import log_to_rule
from recenter.stage2 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.baseline_scores_job(
    snakemake.input.db,
    snakemake.output.parquet,
    snakemake.wildcards.scorer,
    dimensions=int(snakemake.params.baselines["embedding_dimensions"]),
    embeddings=snakemake.input.get("embeddings"),
)
