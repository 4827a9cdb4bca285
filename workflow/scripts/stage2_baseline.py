"""rule stage2_baseline: one baseline system's votes (a scorer's scores + a protocol, or a
reference row) -> parquet."""

from typing import TYPE_CHECKING

from recenter.script import log_to_rule
from recenter.stage2 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
cfg = snakemake.params.baselines
jobs.baseline_job(
    snakemake.input.db,
    snakemake.output.parquet,
    snakemake.wildcards.system,
    n_folds=int(cfg["cv_folds"]),
    seed=int(cfg["seed"]),
    scores=snakemake.input.get("scores"),
)
