"""rule claims_ledger: the claims ledger and the numbers for the text of one study."""

import logging
from typing import TYPE_CHECKING

from recenter import claims
from recenter.script import log_to_rule

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
ledger = claims.ledger_job(
    db=snakemake.input.db,
    skipped=snakemake.input.skipped,
    truth=list(snakemake.input.truth),
    tables=list(snakemake.input.tables),
    study=snakemake.params.study,
    confidence=snakemake.params.confidence,
    csv=snakemake.output.csv,
    md=snakemake.output.md,
    json_path=snakemake.output.json,
    tex=snakemake.output.tex,
)
logging.info("claims ledger: %s", claims.summary(ledger))
