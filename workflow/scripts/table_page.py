"""rule table_page: a result table's HTML page for the report (outputs.write_table_page)."""

from typing import TYPE_CHECKING

from recenter.outputs import write_table_page
from recenter.script import log_to_rule

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
write_table_page(snakemake.input.csv, snakemake.input.md, snakemake.output.html)
