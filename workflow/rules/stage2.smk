# Stage 2, relevance matching: consensus, relevance rates, the kappa matrix (Fig 3), text
# baselines, alignment of every system with the human consensus (Table 3, Fig 4) and the Stage-2
# rows of the gaps summary. Compute jobs write tables; their figures (figures.smk) read them.
# Each model file models/relevance/<kind>/<system>.jsonl has its own alignment job, so a new
# file re-runs that job and the jobs that gather all raters, never the baselines.
include: "stage2_common.smk"


_S2_CORE_FILES = ["relevance_items.jsonl", "relevance_judgments.jsonl"]
register_output(
    "consensus_summary",
    paths=lambda s: table_paths(s, "consensus_summary"),
    requires=_S2_CORE_FILES,
)
register_output(
    "relevance_rates",
    paths=lambda s: table_paths(s, "relevance_rates")
    + figure_paths(s, "relevance_rates"),
    requires=_S2_CORE_FILES,
)
register_output(
    "fig3_kappa_matrix",
    paths=lambda s: table_paths(s, "fig3_kappa_matrix")
    + figure_paths(s, "fig3_kappa_matrix")
    + table_paths(s, "kappa_groups"),
    requires=_S2_CORE_FILES,
)
register_output(
    "tab3_relevance_alignment",
    paths=lambda s: table_paths(s, "tab3_relevance_alignment")
    + figure_paths(s, "fig4_relevance_prf"),
    requires=_S2_CORE_FILES,
)
if S2_SENTENCE_MODEL is not None and S2_SENTENCE_MODEL.missing():
    register_output(
        f"baseline {S2_SENTENCE_MODEL.scorer}",
        paths=lambda s: [],
        requires=lambda s: S2_SENTENCE_MODEL.missing(),
    )
register_output(
    "gaps_stage2",
    paths=lambda s: table_paths(s, "gaps_stage2"),
    requires=[*_S2_CORE_FILES, "models/relevance/llm/*.jsonl"],
    reason="no LLM relevance file (models/relevance/llm/*.jsonl) to compare with humans",
)


rule consensus_summary:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s2_core(wc.study),
    output:
        csv=report(
            "results/{study}/tables/consensus_summary.csv",
            caption="../report/consensus_summary.rst",
            category="Stage 2",
        ),
        md="results/{study}/tables/consensus_summary.md",
        html=table_page("consensus_summary"),
    log:
        "logs/{study}/consensus_summary.log",
    benchmark:
        "benchmarks/{study}/consensus_summary.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage2.jobs:consensus_job",
    script:
        "../scripts/table.py"


rule relevance_rates:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s2_raters(wc.study),
    output:
        csv="results/{study}/tables/relevance_rates.csv",
        md="results/{study}/tables/relevance_rates.md",
        html=table_page("relevance_rates"),
    log:
        "logs/{study}/relevance_rates.log",
    benchmark:
        "benchmarks/{study}/relevance_rates.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage2.jobs:rates_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


rule fig3_kappa_matrix:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s2_raters(wc.study),
    output:
        matrix_csv="results/{study}/tables/fig3_kappa_matrix.csv",
        matrix_md="results/{study}/tables/fig3_kappa_matrix.md",
        matrix_html=table_page("fig3_kappa_matrix"),
        groups_csv=report(
            "results/{study}/tables/kappa_groups.csv",
            caption="../report/kappa_groups.rst",
            category="Stage 2",
        ),
        groups_md="results/{study}/tables/kappa_groups.md",
        groups_html=table_page("kappa_groups"),
    log:
        "logs/{study}/fig3_kappa_matrix.log",
    benchmark:
        "benchmarks/{study}/fig3_kappa_matrix.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        bootstrap=config["bootstrap"],
    script:
        "../scripts/fig3_kappa_matrix.py"


rule gaps_stage2:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s2_raters(wc.study)
        + raw_paths(wc.study, "models/relevance/trained/*.jsonl"),
    output:
        csv=report(
            "results/{study}/tables/gaps_stage2.csv",
            caption="../report/gaps_stage2.rst",
            category="Stage 2",
        ),
        md="results/{study}/tables/gaps_stage2.md",
        html=table_page("gaps_stage2"),
    log:
        "logs/{study}/gaps_stage2.log",
    benchmark:
        "benchmarks/{study}/gaps_stage2.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage2.jobs:gaps_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


rule stage2_embedding:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s2_text_files(wc.study),
    output:
        parquet="data/processed/{study}/stage2/embeddings/{model}.parquet",
    log:
        "logs/{study}/stage2_embedding_{model}.log",
    benchmark:
        "benchmarks/{study}/stage2_embedding/{model}.tsv"
    wildcard_constraints:
        model=_s2_alternatives(_s2_names.SENTENCE_MODELS),
    conda:
        "../envs/recenter.yaml"
    threads: 2
    resources:
        mem_mb=job_memory_mb(2500, 1.0),
        runtime=job_runtime_min(15, 0.2),
    params:
        # read first and extended, never re-embedded: kept across runs (not an output)
        cache=lambda wc: f"{processed_dir(wc.study)}/stage2/embedding_cache/{wc.model}.parquet",
    script:
        "../scripts/stage2_baseline_embedding.py"


rule stage2_baseline_scores:
    input:
        unpack(_s2_scores_input),
    output:
        parquet="data/processed/{study}/stage2/baselines/scores/{scorer}.parquet",
    log:
        "logs/{study}/stage2_baseline_scores_{scorer}.log",
    benchmark:
        "benchmarks/{study}/stage2_baseline_scores/{scorer}.tsv"
    wildcard_constraints:
        scorer=_s2_alternatives(S2_SCORERS),
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(800, 1.0),
        runtime=job_runtime_min(10, 0.05),
    params:
        baselines=config["stage2"]["baselines"],
    script:
        "../scripts/stage2_baseline_scores.py"


rule stage2_baseline:
    input:
        unpack(_s2_baseline_input),
    output:
        parquet="data/processed/{study}/stage2/baselines/{system}.parquet",
    log:
        "logs/{study}/stage2_baseline_{system}.log",
    benchmark:
        "benchmarks/{study}/stage2_baseline/{system}.tsv"
    wildcard_constraints:
        system=_s2_alternatives(S2_BASELINES),
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(800, 1.0),
        runtime=job_runtime_min(10, 0.05),
    params:
        baselines=config["stage2"]["baselines"],
    script:
        "../scripts/stage2_baseline.py"


rule stage2_alignment:
    input:
        unpack(_s2_alignment_input),
    output:
        parquet="data/processed/{study}/stage2/alignment/{kind}/{system}.parquet",
    log:
        "logs/{study}/stage2_alignment_{kind}_{system}.log",
    benchmark:
        "benchmarks/{study}/stage2_alignment/{kind}_{system}.tsv"
    wildcard_constraints:
        kind="llm|baseline|trained",
        system=r"[A-Za-z0-9][A-Za-z0-9._+-]*",
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage2.jobs:alignment_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/model_file.py"


rule tab3_relevance_alignment:
    input:
        db=lambda wc: analysis_db(wc.study),
        parts=lambda wc: _s2_alignment_parts(wc.study),
    output:
        csv=report(
            "results/{study}/tables/tab3_relevance_alignment.csv",
            caption="../report/tab3_relevance_alignment.rst",
            category="Stage 2",
        ),
        md="results/{study}/tables/tab3_relevance_alignment.md",
        html=table_page("tab3_relevance_alignment"),
    log:
        "logs/{study}/tab3_relevance_alignment.log",
    benchmark:
        "benchmarks/{study}/tab3_relevance_alignment.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage2.jobs:alignment_table_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


register_output(
    "stage2_variance_components",
    paths=lambda s: table_paths(s, "stage2_variance_components"),
    requires=_S2_CORE_FILES,
)


rule stage2_variance_components:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s2_core(wc.study),
    output:
        csv="results/{study}/tables/stage2_variance_components.csv",
        md="results/{study}/tables/stage2_variance_components.md",
        html=table_page("stage2_variance_components"),
        # the kept bootstrap replicates of the shares, whose histograms the notebook draws
        shares=variance_replicates("{study}", 2),
    log:
        "logs/{study}/stage2_variance_components.log",
    benchmark:
        "benchmarks/{study}/stage2_variance_components.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage2.variance:variance_job",
        bootstrap=config["bootstrap"],
        replicates=config["bootstrap"]["replicates"],
    script:
        "../scripts/variance_components.py"
