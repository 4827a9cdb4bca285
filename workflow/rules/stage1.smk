# Stage 1, attribute extraction: label shares per source dataset (Fig 2), failure modes of
# flagged attributes, the annotators' agreement, conversation diversity (Table 1), verifiers vs
# humans (Table 2) and the Stage-1 rows of the gaps summary. Compute jobs write tables;
# plotting jobs read them. Each verifier file models/verifier/<kind>/<system>.jsonl has its own
# job, so a new file re-runs that job and the jobs that gather all verifiers.
include: "stage1_common.smk"


register_output(
    "fig2_attribute_quality",
    paths=lambda s: _s1_table(s, "fig2_attribute_quality")
    + _s1_figure(s, "fig2_attribute_quality"),
    requires=S1_CORE_FILES,
)
register_output(
    "stage1_agreement",
    paths=lambda s: _s1_table(s, "stage1_agreement"),
    requires=S1_CORE_FILES,
)
register_output(
    "failure_modes",
    paths=lambda s: _s1_table(s, "failure_modes") + _s1_figure(s, "failure_modes"),
    requires=[*S1_CORE_FILES, "failure_modes.jsonl"],
    reason="no failure-mode labels (failure_modes.jsonl)",
)
register_output(
    "tab2_verifiers",
    paths=lambda s: _s1_table(s, "tab2_verifiers") + _s1_figure(s, "tab2_verifiers"),
    requires=[*S1_CORE_FILES, "models/verifier/*/*.jsonl"],
    reason="no Stage-1 verifier file (models/verifier/<kind>/<system>.jsonl)",
)
register_output(
    "tab1_conversation_diversity",
    paths=lambda s: _s1_table(s, "tab1_conversation_diversity"),
    requires=["users.jsonl", "conversations.jsonl"],
    reason="no conversations (conversations.jsonl)",
)
register_output(
    "gaps_stage1",
    paths=lambda s: _s1_table(s, "gaps_stage1"),
    requires=S1_CORE_FILES,
)


rule stage1_attribute_quality:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s1_core(wc.study),
    output:
        csv=report(
            "results/{study}/tables/fig2_attribute_quality.csv",
            caption="../report/stage1_fig2_attribute_quality.rst",
            category="Stage 1",
        ),
        md="results/{study}/tables/fig2_attribute_quality.md",
    log:
        "logs/{study}/stage1_attribute_quality.log",
    benchmark:
        "benchmarks/{study}/stage1_attribute_quality.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        bootstrap=config["bootstrap"],
    script:
        "../scripts/stage1_attribute_quality.py"


rule stage1_failure_modes:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s1_core(wc.study) + raw_paths(wc.study, "failure_modes.jsonl"),
    output:
        csv=report(
            "results/{study}/tables/failure_modes.csv",
            caption="../report/stage1_failure_modes.rst",
            category="Stage 1",
        ),
        md="results/{study}/tables/failure_modes.md",
    log:
        "logs/{study}/stage1_failure_modes.log",
    benchmark:
        "benchmarks/{study}/stage1_failure_modes.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        bootstrap=config["bootstrap"],
    script:
        "../scripts/stage1_failure_modes.py"


rule stage1_agreement:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s1_core(wc.study),
    output:
        csv=report(
            "results/{study}/tables/stage1_agreement.csv",
            caption="../report/stage1_agreement.rst",
            category="Stage 1",
        ),
        md="results/{study}/tables/stage1_agreement.md",
    log:
        "logs/{study}/stage1_agreement.log",
    benchmark:
        "benchmarks/{study}/stage1_agreement.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        bootstrap=config["bootstrap"],
    script:
        "../scripts/stage1_agreement.py"


rule stage1_diversity:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: raw_paths(wc.study, "users.jsonl", "conversations.jsonl"),
    output:
        csv=report(
            "results/{study}/tables/tab1_conversation_diversity.csv",
            caption="../report/stage1_tab1_conversation_diversity.rst",
            category="Stage 1",
        ),
        md="results/{study}/tables/tab1_conversation_diversity.md",
    log:
        "logs/{study}/stage1_diversity.log",
    benchmark:
        "benchmarks/{study}/stage1_diversity.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    script:
        "../scripts/stage1_diversity.py"


rule stage1_verifier:
    input:
        unpack(_s1_verifier_input),
    output:
        parquet="data/processed/{study}/stage1/verifiers/{kind}/{system}.parquet",
    log:
        "logs/{study}/stage1_verifier_{kind}_{system}.log",
    benchmark:
        "benchmarks/{study}/stage1_verifier/{kind}_{system}.tsv"
    wildcard_constraints:
        kind="llm|trained",
        system=r"[A-Za-z0-9][A-Za-z0-9._+-]*",
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        bootstrap=config["bootstrap"],
    script:
        "../scripts/stage1_verifier.py"


rule stage1_verifier_table:
    input:
        db=lambda wc: analysis_db(wc.study),
        parts=lambda wc: _s1_verifier_parts(wc.study),
    output:
        csv=report(
            "results/{study}/tables/tab2_verifiers.csv",
            caption="../report/stage1_tab2_verifiers.rst",
            category="Stage 1",
        ),
        md="results/{study}/tables/tab2_verifiers.md",
    log:
        "logs/{study}/stage1_verifier_table.log",
    benchmark:
        "benchmarks/{study}/stage1_verifier_table.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        bootstrap=config["bootstrap"],
    script:
        "../scripts/stage1_verifier_table.py"


rule stage1_gaps:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s1_core(wc.study) + _s1_verifier_files(wc.study),
    output:
        csv=report(
            "results/{study}/tables/gaps_stage1.csv",
            caption="../report/stage1_gaps.rst",
            category="Stage 1",
        ),
        md="results/{study}/tables/gaps_stage1.md",
    log:
        "logs/{study}/stage1_gaps.log",
    benchmark:
        "benchmarks/{study}/stage1_gaps.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        bootstrap=config["bootstrap"],
    script:
        "../scripts/stage1_gaps.py"


# The figures also take the database (ancient: it never triggers a re-run): that makes
# Snakemake plan them after the ingest checkpoint, so a new raw file re-draws only the
# figures whose table changed.
rule stage1_figure:
    input:
        db=lambda wc: analysis_db(wc.study),
        table="results/{study}/tables/{chart}.csv",
    output:
        spec="results/{study}/figures/{chart}.vl.json",
        png=report(
            "results/{study}/figures/{chart}.png",
            caption="../report/stage1_figure.rst",
            category="Stage 1",
        ),
        svg="results/{study}/figures/{chart}.svg",
    log:
        "logs/{study}/stage1_figure_{chart}.log",
    benchmark:
        "benchmarks/{study}/stage1_figure/{chart}.tsv"
    wildcard_constraints:
        chart="fig2_attribute_quality|failure_modes|tab2_verifiers",
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(600, 0.0),
        runtime=job_runtime_min(5, 0.0),
    params:
        chart=lambda wc: wc.chart,
    script:
        "../scripts/stage1_figure.py"
