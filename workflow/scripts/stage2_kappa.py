"""rule stage2_kappa: pairwise Cohen's kappa (Fig 3), group means and Krippendorff's alpha."""

import logging
from typing import TYPE_CHECKING

from recenter.stage2 import jobs
from recenter.stats.bootstrap import BootstrapConfig

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
out = snakemake.output
jobs.kappa_job(
    snakemake.input.db,
    out.matrix_csv,
    out.matrix_md,
    out.groups_csv,
    out.groups_md,
    BootstrapConfig.from_mapping(snakemake.params.bootstrap),
)
