"""The rules that write one table from the study database (params.job names the function;
recenter.script.table_job says how it is called)."""

from typing import TYPE_CHECKING

from recenter.script import log_to_rule, table_job

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
table_job(snakemake)
