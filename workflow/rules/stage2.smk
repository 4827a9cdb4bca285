# Stage 2, relevance matching: consensus, relevance rates, the kappa matrix (Fig 3), text
# baselines, alignment of every system with the human consensus (Table 3, Fig 4) and the
# Stage-2 rows of the gaps summary. Compute jobs write tables; plotting jobs read them.
# Each model file models/relevance/<kind>/<system>.jsonl has its own alignment job, so a new
# file re-runs that job and the jobs that gather all raters, never the baselines.
include: "stage2_common.smk"


_S2_CORE_FILES = ["relevance_items.jsonl", "relevance_judgments.jsonl"]
register_output(
    "consensus_summary",
    paths=lambda s: _s2_table(s, "consensus_summary"),
    requires=_S2_CORE_FILES,
)
register_output(
    "relevance_rates",
    paths=lambda s: _s2_table(s, "relevance_rates") + _s2_figure(s, "relevance_rates"),
    requires=_S2_CORE_FILES,
)
register_output(
    "fig3_kappa_matrix",
    paths=lambda s: _s2_table(s, "fig3_kappa_matrix")
    + _s2_figure(s, "fig3_kappa_matrix")
    + _s2_table(s, "kappa_groups"),
    requires=_S2_CORE_FILES,
)
register_output(
    "tab3_relevance_alignment",
    paths=lambda s: _s2_table(s, "tab3_relevance_alignment")
    + _s2_figure(s, "fig4_relevance_prf"),
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
    paths=lambda s: _s2_table(s, "gaps_stage2"),
    requires=[*_S2_CORE_FILES, "models/relevance/llm/*.jsonl"],
    reason="no LLM relevance file (models/relevance/llm/*.jsonl) to compare with humans",
)


rule stage2_consensus:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s2_core(wc.study),
    output:
        csv=report(
            "results/{study}/tables/consensus_summary.csv",
            caption="../report/stage2_consensus_summary.rst",
            category="Stage 2",
        ),
        md="results/{study}/tables/consensus_summary.md",
    log:
        "logs/{study}/stage2_consensus.log",
    benchmark:
        "benchmarks/{study}/stage2_consensus.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    script:
        "../scripts/stage2_consensus.py"


rule stage2_rates:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s2_raters(wc.study),
    output:
        csv="results/{study}/tables/relevance_rates.csv",
        md="results/{study}/tables/relevance_rates.md",
    log:
        "logs/{study}/stage2_rates.log",
    benchmark:
        "benchmarks/{study}/stage2_rates.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        bootstrap=config["bootstrap"],
    script:
        "../scripts/stage2_rates.py"


rule stage2_kappa:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s2_raters(wc.study),
    output:
        matrix_csv="results/{study}/tables/fig3_kappa_matrix.csv",
        matrix_md="results/{study}/tables/fig3_kappa_matrix.md",
        groups_csv=report(
            "results/{study}/tables/kappa_groups.csv",
            caption="../report/stage2_kappa_groups.rst",
            category="Stage 2",
        ),
        groups_md="results/{study}/tables/kappa_groups.md",
    log:
        "logs/{study}/stage2_kappa.log",
    benchmark:
        "benchmarks/{study}/stage2_kappa.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        bootstrap=config["bootstrap"],
    script:
        "../scripts/stage2_kappa.py"


rule stage2_gaps:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s2_raters(wc.study)
        + raw_paths(wc.study, "models/relevance/trained/*.jsonl"),
    output:
        csv=report(
            "results/{study}/tables/gaps_stage2.csv",
            caption="../report/stage2_gaps.rst",
            category="Stage 2",
        ),
        md="results/{study}/tables/gaps_stage2.md",
    log:
        "logs/{study}/stage2_gaps.log",
    benchmark:
        "benchmarks/{study}/stage2_gaps.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        bootstrap=config["bootstrap"],
    script:
        "../scripts/stage2_gaps.py"


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
        bootstrap=config["bootstrap"],
    script:
        "../scripts/stage2_alignment.py"


rule stage2_alignment_table:
    input:
        db=lambda wc: analysis_db(wc.study),
        parts=lambda wc: _s2_alignment_parts(wc.study),
    output:
        csv=report(
            "results/{study}/tables/tab3_relevance_alignment.csv",
            caption="../report/stage2_tab3_relevance_alignment.rst",
            category="Stage 2",
        ),
        md="results/{study}/tables/tab3_relevance_alignment.md",
    log:
        "logs/{study}/stage2_alignment_table.log",
    benchmark:
        "benchmarks/{study}/stage2_alignment_table.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        bootstrap=config["bootstrap"],
    script:
        "../scripts/stage2_alignment_table.py"


rule stage2_figure_relevance_rates:
    input:
        table="results/{study}/tables/relevance_rates.csv",
    output:
        spec="results/{study}/figures/relevance_rates.vl.json",
        png=report(
            "results/{study}/figures/relevance_rates.png",
            caption="../report/stage2_relevance_rates.rst",
            category="Stage 2",
        ),
        svg="results/{study}/figures/relevance_rates.svg",
    log:
        "logs/{study}/stage2_figure_relevance_rates.log",
    benchmark:
        "benchmarks/{study}/stage2_figure_relevance_rates.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(600, 0.0),
        runtime=job_runtime_min(5, 0.0),
    params:
        chart="relevance_rates",
    script:
        "../scripts/stage2_figure.py"


rule stage2_figure_kappa_matrix:
    input:
        table="results/{study}/tables/fig3_kappa_matrix.csv",
    output:
        spec="results/{study}/figures/fig3_kappa_matrix.vl.json",
        png=report(
            "results/{study}/figures/fig3_kappa_matrix.png",
            caption="../report/stage2_fig3_kappa_matrix.rst",
            category="Stage 2",
        ),
        svg="results/{study}/figures/fig3_kappa_matrix.svg",
    log:
        "logs/{study}/stage2_figure_kappa_matrix.log",
    benchmark:
        "benchmarks/{study}/stage2_figure_kappa_matrix.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(600, 0.0),
        runtime=job_runtime_min(5, 0.0),
    params:
        chart="fig3_kappa_matrix",
    script:
        "../scripts/stage2_figure.py"


rule stage2_figure_relevance_prf:
    input:
        table="results/{study}/tables/tab3_relevance_alignment.csv",
    output:
        spec="results/{study}/figures/fig4_relevance_prf.vl.json",
        png=report(
            "results/{study}/figures/fig4_relevance_prf.png",
            caption="../report/stage2_fig4_relevance_prf.rst",
            category="Stage 2",
        ),
        svg="results/{study}/figures/fig4_relevance_prf.svg",
    log:
        "logs/{study}/stage2_figure_relevance_prf.log",
    benchmark:
        "benchmarks/{study}/stage2_figure_relevance_prf.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(600, 0.0),
        runtime=job_runtime_min(5, 0.0),
    params:
        chart="fig4_relevance_prf",
    script:
        "../scripts/stage2_figure.py"


register_output(
    "stage2_variance_components",
    paths=lambda s: _s2_table(s, "stage2_variance_components"),
    requires=_S2_CORE_FILES,
)


rule stage2_variance_components:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s2_core(wc.study),
    output:
        csv="results/{study}/tables/stage2_variance_components.csv",
        md="results/{study}/tables/stage2_variance_components.md",
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
        bootstrap=config["bootstrap"],
        replicates=config["bootstrap"]["replicates"],
    script:
        "../scripts/stage2_variance_components.py"
