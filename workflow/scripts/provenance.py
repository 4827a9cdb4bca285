"""rule provenance: config, raw-file checksums, package versions and git revision of a run."""

from pathlib import Path
from typing import TYPE_CHECKING

from recenter import provenance
from recenter.script import log_to_rule

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
provenance.provenance_job(
    snakemake.input.db,
    snakemake.output.md,
    snakemake.params.config,
    Path(snakemake.scriptdir).parents[1],  # workflow/scripts -> the checkout
)
