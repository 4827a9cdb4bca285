"""The rules with one job per model file (stage1_verifier, stage2_alignment, stage3_judge):
params.job(db, *outputs, system=, kind=, boot=) with the file's wildcards, and the computed
baseline's predictions where the rule has them (recenter.stage2.jobs.alignment_job)."""

from typing import TYPE_CHECKING

from recenter.script import bootstrap, job_function, log_to_rule

if TYPE_CHECKING:
    from snakemake.script import snakemake

log_to_rule(snakemake)
inputs, wc = snakemake.input, snakemake.wildcards
extra = {"predictions": inputs.predictions} if "predictions" in inputs.keys() else {}
job = job_function(snakemake.params.job)
boot = bootstrap(snakemake)
job(inputs.db, *snakemake.output, system=wc.system, kind=wc.kind, boot=boot, **extra)
