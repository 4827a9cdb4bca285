# Stage 1, attribute extraction: label shares per source dataset (Fig 2), failure modes of
# flagged attributes, the annotators' agreement, conversation diversity (Table 1), verifiers vs
# humans (Table 2) and the Stage-1 rows of the gaps summary. Compute jobs write tables; their
# figures (figures.smk) read them. Each verifier file models/verifier/<kind>/<system>.jsonl has
# its own job, so a new file re-runs that job and the jobs that gather all verifiers.
include: "stage1_common.smk"


register_output(
    "fig2_attribute_quality",
    paths=lambda s: table_paths(s, "fig2_attribute_quality")
    + figure_paths(s, "fig2_attribute_quality"),
    requires=S1_CORE_FILES,
)
register_output(
    "stage1_agreement",
    paths=lambda s: table_paths(s, "stage1_agreement"),
    requires=S1_CORE_FILES,
)
register_output(
    "failure_modes",
    paths=lambda s: table_paths(s, "failure_modes") + figure_paths(s, "failure_modes"),
    requires=[*S1_CORE_FILES, "failure_modes.jsonl"],
    reason="no failure-mode labels (failure_modes.jsonl)",
)
register_output(
    "tab2_verifiers",
    paths=lambda s: table_paths(s, "tab2_verifiers")
    + figure_paths(s, "tab2_verifiers"),
    requires=[*S1_CORE_FILES, "models/verifier/*/*.jsonl"],
    reason="no Stage-1 verifier file (models/verifier/<kind>/<system>.jsonl)",
)
register_output(
    "tab1_conversation_diversity",
    paths=lambda s: table_paths(s, "tab1_conversation_diversity"),
    requires=["users.jsonl", "conversations.jsonl"],
    reason="no conversations (conversations.jsonl)",
)
register_output(
    "gaps_stage1",
    paths=lambda s: table_paths(s, "gaps_stage1"),
    requires=S1_CORE_FILES,
)


rule fig2_attribute_quality:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s1_core(wc.study),
    output:
        csv=report(
            "results/{study}/tables/fig2_attribute_quality.csv",
            caption="../report/fig2_attribute_quality.rst",
            category="Stage 1",
        ),
        md="results/{study}/tables/fig2_attribute_quality.md",
        html=table_page("fig2_attribute_quality"),
    log:
        "logs/{study}/fig2_attribute_quality.log",
    benchmark:
        "benchmarks/{study}/fig2_attribute_quality.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage1.jobs:shares_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


rule failure_modes:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s1_core(wc.study) + raw_paths(wc.study, "failure_modes.jsonl"),
    output:
        csv=report(
            "results/{study}/tables/failure_modes.csv",
            caption="../report/failure_modes.rst",
            category="Stage 1",
        ),
        md="results/{study}/tables/failure_modes.md",
        html=table_page("failure_modes"),
    log:
        "logs/{study}/failure_modes.log",
    benchmark:
        "benchmarks/{study}/failure_modes.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage1.jobs:failure_modes_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


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
        html=table_page("stage1_agreement"),
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
        job="recenter.stage1.jobs:agreement_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


rule tab1_conversation_diversity:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: raw_paths(wc.study, "users.jsonl", "conversations.jsonl"),
    output:
        csv=report(
            "results/{study}/tables/tab1_conversation_diversity.csv",
            caption="../report/tab1_conversation_diversity.rst",
            category="Stage 1",
        ),
        md="results/{study}/tables/tab1_conversation_diversity.md",
        html=table_page("tab1_conversation_diversity"),
    log:
        "logs/{study}/tab1_conversation_diversity.log",
    benchmark:
        "benchmarks/{study}/tab1_conversation_diversity.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage1.jobs:diversity_job",
    script:
        "../scripts/table.py"


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
        job="recenter.stage1.jobs:verifier_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/model_file.py"


rule tab2_verifiers:
    input:
        db=lambda wc: analysis_db(wc.study),
        parts=lambda wc: _s1_verifier_parts(wc.study),
    output:
        csv=report(
            "results/{study}/tables/tab2_verifiers.csv",
            caption="../report/tab2_verifiers.rst",
            category="Stage 1",
        ),
        md="results/{study}/tables/tab2_verifiers.md",
        html=table_page("tab2_verifiers"),
    log:
        "logs/{study}/tab2_verifiers.log",
    benchmark:
        "benchmarks/{study}/tab2_verifiers.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage1.jobs:verifier_table_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


rule gaps_stage1:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s1_core(wc.study) + _s1_verifier_files(wc.study),
    output:
        csv=report(
            "results/{study}/tables/gaps_stage1.csv",
            caption="../report/gaps_stage1.rst",
            category="Stage 1",
        ),
        md="results/{study}/tables/gaps_stage1.md",
        html=table_page("gaps_stage1"),
    log:
        "logs/{study}/gaps_stage1.log",
    benchmark:
        "benchmarks/{study}/gaps_stage1.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage1.jobs:gaps_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"
