"""rule simulate: write data/raw/simulated/ and its truth.json (recenter.simulate.generate)."""

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from recenter.script import log_to_rule
from recenter.simulate.generate import simulate

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
study_dir = Path(snakemake.output.study_json).parent
truth = simulate(
    study_dir, seed=snakemake.params.seed, scale=snakemake.params.scale, progress=logging.info
)
logging.info("design counts: %s", truth["composition"]["counts"])
