# The verdict layer: the claims ledger (claim by claim, does the paper hold on this study?),
# the numbers for the text, the cross-stage gaps summary with its forest plot, Fig 1 with this
# study's counts, the run's provenance, and one target rule per part of the paper:
#   snakemake --cores 8 stage1 | stage2 | stage3 | claims
include: "claims_common.smk"


register_output(
    "claims",
    paths=lambda s: [
        f"{results_dir(s)}/{n}"
        for n in ("claims.csv", "claims.md", "numbers.json", "numbers.tex")
    ],
    requires=[],
)
register_output(
    "gaps_summary",
    paths=lambda s: table_paths(s, "gaps_summary") + figure_paths(s, "gaps_summary"),
    requires=_gaps_summary_requires,
)
register_output(
    "fig1_pipeline",
    paths=lambda s: figure_paths(s, "fig1_pipeline"),
    requires=[],
)
register_output(
    "provenance",
    paths=lambda s: [f"{results_dir(s)}/provenance.md"],
    requires=[],
)


# A checkpoint, as ingest is: the notebooks take the ledger from it (ancient, so another
# stage's file does not re-run them) and Snakemake re-evaluates them after the ledger runs. With
# a plain rule, Snakemake 9.27 skips the re-run check of a job whose ancient input is being
# re-made, and a notebook whose own tables had changed was left stale.
checkpoint claims_ledger:
    input:
        unpack(_claims_input),
    output:
        csv=report(
            "results/{study}/claims.csv",
            caption="../report/claims.rst",
            category="Claims ledger",
        ),
        md=report(
            "results/{study}/claims.md",
            caption="../report/claims.rst",
            category="Claims ledger",
        ),
        json="results/{study}/numbers.json",
        tex=report(
            "results/{study}/numbers.tex",
            caption="../report/numbers.rst",
            category="Claims ledger",
        ),
    log:
        "logs/{study}/claims_ledger.log",
    benchmark:
        "benchmarks/{study}/claims_ledger.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        confidence=config["bootstrap"]["confidence"],
        study=lambda wc: wc.study,
    script:
        "../scripts/claims_ledger.py"


rule gaps_summary:
    input:
        db=lambda wc: analysis_db(wc.study),
        parts=lambda wc: gaps_tables(wc.study),
        paper=PAPER_VALUES,
    output:
        csv=report(
            "results/{study}/tables/gaps_summary.csv",
            caption="../report/gaps_summary.rst",
            category="Claims ledger",
        ),
        md="results/{study}/tables/gaps_summary.md",
        html=table_page("gaps_summary"),
    log:
        "logs/{study}/gaps_summary.log",
    benchmark:
        "benchmarks/{study}/gaps_summary.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        confidence=config["bootstrap"]["confidence"],
    script:
        "../scripts/gaps_summary.py"


rule provenance:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: raw_paths(wc.study, "*.jsonl"),
    output:
        md=report(
            "results/{study}/provenance.md",
            caption="../report/provenance.rst",
            category="Data",
        ),
    log:
        "logs/{study}/provenance.log",
    benchmark:
        "benchmarks/{study}/provenance.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        config=lambda wc: {k: v for k, v in config.items() if k != "paper"},
    # the checkout is found from the script's folder, not a parameter: a parameter holding an
    # absolute path would re-run this job whenever the checkout moves
    script:
        "../scripts/provenance.py"


rule stage1:
    input:
        lambda wc: group_targets("stage1"),


rule stage2:
    input:
        lambda wc: group_targets("stage2"),


rule stage3:
    input:
        lambda wc: group_targets("stage3"),


# The ledger reads skipped.csv (why an output is missing); listed here too, because the ledger's
# own inputs are known only once the ingest checkpoint has run.
rule claims:
    input:
        lambda wc: group_targets("claims")
        + [f"{results_dir(s)}/skipped.csv" for s in STUDIES],
