"""rules <name>_figure (workflow/rules/figures.smk): render one figure of recenter.figures."""

from typing import TYPE_CHECKING

from recenter.figures import plot_job
from recenter.script import log_to_rule

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
plot_job(
    snakemake.params.figure,
    list(snakemake.input.tables),
    snakemake.output.spec.removesuffix(".vl.json"),
    db=snakemake.input.db,
    study=snakemake.params.study,
    confidence=float(snakemake.params.confidence),
)
