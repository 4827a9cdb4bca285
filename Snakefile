# recenter: reproducible analysis of "Re-Centering Humans in LLM Personalization"
# (arXiv 2606.06614). Run: snakemake --cores 8   (study chosen in config/config.yaml)
from snakemake.utils import min_version

from recenter import paper
from recenter.config import check_config

min_version("9.0")


configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


check_config(config, workflow.source_path("workflow/schemas/config.schema.yaml"))
# The paper's values as it prints them (workflow/resources/paper_values.yaml), for the report
# captions ({{ snakemake.config["paper"]["s2.kappa_human_human"] }}); not a setting.
config["paper"] = paper.texts()


wildcard_constraints:
    study=r"[A-Za-z0-9][A-Za-z0-9._-]*",


include: "workflow/rules/common.smk"
include: "workflow/rules/simulate.smk"
include: "workflow/rules/import.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/stage1.smk"
include: "workflow/rules/stage2.smk"
include: "workflow/rules/stage3.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/notebooks.smk"
include: "workflow/rules/claims.smk"


rule all:
    default_target: True
    input:
        all_targets(),
