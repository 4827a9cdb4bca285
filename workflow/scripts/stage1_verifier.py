"""rule stage1_verifier: one verifier file against the human label -> one-row parquet."""

from typing import TYPE_CHECKING

from recenter.script import bootstrap, log_to_rule
from recenter.stage1 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.verifier_job(
    snakemake.input.db,
    snakemake.output.parquet,
    system=snakemake.wildcards.system,
    kind=snakemake.wildcards.kind,
    boot=bootstrap(snakemake),
)
