"""rule fig3_kappa_matrix: pairwise Cohen's kappa (Fig 3), group means and Krippendorff's alpha."""

from typing import TYPE_CHECKING

from recenter.script import bootstrap, log_to_rule
from recenter.stage2 import jobs

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
out = snakemake.output
jobs.kappa_job(
    snakemake.input.db,
    out.matrix_csv,
    out.matrix_md,
    out.groups_csv,
    out.groups_md,
    bootstrap(snakemake),
)
