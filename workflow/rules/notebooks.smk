# Notebooks: one per analysis, executed for each study with papermill so that a reviewer can read
# results/<study>/notebooks/<name>.html (or .ipynb) without running anything.
register_notebook(
    "00_study_overview",
    lambda study: [
        study_db(study),
        f"{results_dir(study)}/skipped.csv",
        f"{results_dir(study)}/claims.csv",
        f"{results_dir(study)}/figures/fig1_pipeline.png",
    ]
    + (
        [f"{results_dir(study)}/figures/gaps_summary.png"]
        if _gaps_summary_requires(study) is None
        else []
    ),
    requires=[],
)

register_notebook(
    "stage1_attributes",
    lambda study: [
        f"{results_dir(study)}/tables/{name}.csv"
        for name in ("fig2_attribute_quality", "stage1_agreement", "gaps_stage1")
    ]
    + [
        f"{results_dir(study)}/figures/fig2_attribute_quality.png",
        f"{results_dir(study)}/skipped.csv",
    ]
    + (
        [
            f"{results_dir(study)}/tables/failure_modes.csv",
            f"{results_dir(study)}/figures/failure_modes.png",
        ]
        if has_raw(study, "failure_modes.jsonl")
        else []
    )
    + (
        [
            f"{results_dir(study)}/tables/tab2_verifiers.csv",
            f"{results_dir(study)}/figures/tab2_verifiers.png",
        ]
        if has_raw(study, "models/verifier/*/*.jsonl")
        else []
    )
    + (
        [f"{results_dir(study)}/tables/tab1_conversation_diversity.csv"]
        if has_raw(study, "conversations.jsonl")
        else []
    ),
    requires=["users.jsonl", "attributes.jsonl", "attribute_judgments.jsonl"],
)

register_notebook(
    "stage2_relevance",
    lambda study: [
        f"{results_dir(study)}/tables/{name}.csv"
        for name in (
            "consensus_summary",
            "relevance_rates",
            "fig3_kappa_matrix",
            "kappa_groups",
            "tab3_relevance_alignment",
        )
    ]
    + [
        f"{results_dir(study)}/figures/{name}.png"
        for name in ("relevance_rates", "fig3_kappa_matrix", "fig4_relevance_prf")
    ]
    + (
        [f"{results_dir(study)}/tables/gaps_stage2.csv"]
        if has_raw(study, "models/relevance/llm/*.jsonl")
        else []
    ),
    requires=["relevance_items.jsonl", "relevance_judgments.jsonl"],
)


register_notebook(
    "stage3_responses",
    s3_notebook_inputs,
    requires=S3_HUMAN_FILES,
)


rule run_notebook:
    input:
        notebook="notebooks/{notebook}.ipynb",
        data=lambda wc: NOTEBOOKS[wc.notebook](wc.study),
    output:
        ipynb="results/{study}/notebooks/{notebook}.ipynb",
        html=report(
            "results/{study}/notebooks/{notebook}.html",
            caption="../report/notebook.rst",
            category="Notebooks",
            labels={"notebook": "{notebook}"},
        ),
    log:
        "logs/{study}/notebook_{notebook}.log",
    benchmark:
        "benchmarks/{study}/run_notebook/{notebook}.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(1000, 0.5),
        runtime=job_runtime_min(10, 0.02),
    params:
        study=lambda wc: wc.study,
    script:
        "../scripts/run_notebook.py"
