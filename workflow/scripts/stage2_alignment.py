"""rule stage2_alignment: one system's votes against the human consensus -> one-row parquet."""

from typing import TYPE_CHECKING

from recenter.script import bootstrap, log_to_rule
from recenter.stage2 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
jobs.alignment_job(
    snakemake.input.db,
    snakemake.output.parquet,
    system=snakemake.wildcards.system,
    kind=snakemake.wildcards.kind,
    boot=bootstrap(snakemake),
    predictions=snakemake.input.get("predictions"),
)
