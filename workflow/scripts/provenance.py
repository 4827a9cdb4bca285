"""rule provenance: config, raw-file checksums, package versions and git revision of a run."""

import logging
from typing import TYPE_CHECKING

from recenter import provenance

if TYPE_CHECKING:
    from snakemake.script import snakemake

logging.basicConfig(filename=snakemake.log[0], filemode="w", level=logging.INFO)
provenance.provenance_job(
    snakemake.input.db,
    snakemake.output.md,
    snakemake.params.config,
    snakemake.params.repo,
)
