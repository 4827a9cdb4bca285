# Stage 3, response generation: human agreement on the 1-5 preference ratings, Fig 5 (human
# means per generator), Table 6 (each LLM judge vs humans, Wilcoxon + Holm), Fig 6 and Fig 7
# (explicit-mention gaps), reward models and the Stage-3 rows of the gaps summary. Compute jobs
# write tables; their figures (figures.smk) read them. Each judge file
# models/judge/<kind>/<system>.jsonl has its own job, so a new file re-runs that job and the
# jobs that gather all judges.
include: "stage3_common.smk"


register_output(
    "stage3_agreement",
    paths=lambda s: table_paths(s, "stage3_agreement"),
    requires=_s3_needs(*S3_HUMAN_FILES),
)
register_output(
    "fig5_human_ratings",
    paths=lambda s: table_paths(s, "fig5_human_ratings")
    + figure_paths(s, "fig5_human_ratings"),
    requires=_s3_needs(*S3_HUMAN_FILES),
)
register_output(
    "tab6_judges",
    paths=lambda s: table_paths(s, "tab6_judges") + figure_paths(s, "tab6_judges"),
    requires=_s3_needs(*S3_HUMAN_FILES, "models/judge/llm_judge/*.jsonl"),
)
register_output(
    "fig6_mention_gap",
    paths=lambda s: table_paths(s, "fig6_mention_gap")
    + figure_paths(s, "fig6_mention_gap"),
    requires=_s3_needs(
        "models/generator/*.jsonl",
        "mention_flags.jsonl",
        any_of=("response_ratings.jsonl", "models/judge/llm_judge/*.jsonl"),
        what="human ratings or an LLM-judge file",
    ),
)
register_output(
    "fig7_mention_vs_penalty",
    paths=lambda s: table_paths(s, "fig7_mention_vs_penalty")
    + figure_paths(s, "fig7_mention_vs_penalty"),
    requires=_s3_fig7_requires,
)
register_output(
    "reward_models",
    paths=lambda s: table_paths(s, "reward_models"),
    requires=_s3_needs(*S3_HUMAN_FILES, "models/judge/reward_model/*.jsonl"),
)
register_output(
    "gaps_stage3",
    paths=lambda s: table_paths(s, "gaps_stage3"),
    requires=_s3_needs(
        *S3_HUMAN_FILES,
        any_of=("models/judge/llm_judge/*.jsonl", "models/judge/reward_model/*.jsonl"),
        what="an LLM-judge or reward-model file",
    ),
)


rule stage3_agreement:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s3_raw(wc.study),
    output:
        csv=report(
            "results/{study}/tables/stage3_agreement.csv",
            caption="../report/stage3_agreement.rst",
            category="Stage 3",
        ),
        md="results/{study}/tables/stage3_agreement.md",
        html=table_page("stage3_agreement"),
    log:
        "logs/{study}/stage3_agreement.log",
    benchmark:
        "benchmarks/{study}/stage3_agreement.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage3.jobs:agreement_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


rule fig5_human_ratings:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s3_raw(wc.study),
    output:
        csv="results/{study}/tables/fig5_human_ratings.csv",
        md="results/{study}/tables/fig5_human_ratings.md",
        html=table_page("fig5_human_ratings"),
    log:
        "logs/{study}/fig5_human_ratings.log",
    benchmark:
        "benchmarks/{study}/fig5_human_ratings.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage3.jobs:human_ratings_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


rule stage3_judge:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s3_raw(wc.study, "mention_flags.jsonl"),
        judge="data/raw/{study}/models/judge/{kind}/{system}.jsonl",
    output:
        row="data/processed/{study}/stage3/rows/{kind}/{system}.parquet",
        gap="data/processed/{study}/stage3/gaps/{kind}/{system}.parquet",
    log:
        "logs/{study}/stage3_judge_{kind}_{system}.log",
    benchmark:
        "benchmarks/{study}/stage3_judge/{kind}_{system}.tsv"
    wildcard_constraints:
        kind="llm_judge|reward_model",
        system=r"[A-Za-z0-9][A-Za-z0-9._+-]*",
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage3.jobs:judge_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/model_file.py"


rule tab6_judges:
    input:
        db=lambda wc: analysis_db(wc.study),
        parts=lambda wc: _s3_judge_parts(wc.study, "llm_judge"),
    output:
        csv="results/{study}/tables/tab6_judges.csv",
        md="results/{study}/tables/tab6_judges.md",
        html=table_page("tab6_judges"),
    log:
        "logs/{study}/tab6_judges.log",
    benchmark:
        "benchmarks/{study}/tab6_judges.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage3.jobs:judges_table_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


rule reward_models:
    input:
        db=lambda wc: analysis_db(wc.study),
        parts=lambda wc: _s3_judge_parts(wc.study, "reward_model"),
    output:
        csv=report(
            "results/{study}/tables/reward_models.csv",
            caption="../report/reward_models.rst",
            category="Stage 3",
        ),
        md="results/{study}/tables/reward_models.md",
        html=table_page("reward_models"),
    log:
        "logs/{study}/reward_models.log",
    benchmark:
        "benchmarks/{study}/reward_models.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage3.jobs:reward_models_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


rule fig6_mention_gap:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: raw_paths(
            wc.study,
            "response_ratings.jsonl",
            "models/generator/*.jsonl",
            "mention_flags.jsonl",
        ),
        parts=lambda wc: _s3_judge_parts(wc.study, "llm_judge", "gaps"),
    output:
        csv="results/{study}/tables/fig6_mention_gap.csv",
        md="results/{study}/tables/fig6_mention_gap.md",
        html=table_page("fig6_mention_gap"),
    log:
        "logs/{study}/fig6_mention_gap.log",
    benchmark:
        "benchmarks/{study}/fig6_mention_gap.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage3.jobs:mention_gap_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


rule fig7_mention_vs_penalty:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: raw_paths(
            wc.study, "models/generator/*.jsonl", "mention_flags.jsonl"
        ),
        # each judge's Δ at full precision (the parts Fig 6 is made of), not Fig 6's CSV:
        # a correlation of 6-decimal Δs differs from the Δs' own in its 7th decimal
        parts=lambda wc: _s3_judge_parts(wc.study, "llm_judge", "gaps"),
    output:
        csv="results/{study}/tables/fig7_mention_vs_penalty.csv",
        md="results/{study}/tables/fig7_mention_vs_penalty.md",
        html=table_page("fig7_mention_vs_penalty"),
    log:
        "logs/{study}/fig7_mention_vs_penalty.log",
    benchmark:
        "benchmarks/{study}/fig7_mention_vs_penalty.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        bootstrap=config["bootstrap"],
    script:
        "../scripts/fig7_mention_vs_penalty.py"


rule gaps_stage3:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s3_raw(wc.study, "models/judge/*/*.jsonl"),
    output:
        csv=report(
            "results/{study}/tables/gaps_stage3.csv",
            caption="../report/gaps_stage3.rst",
            category="Stage 3",
        ),
        md="results/{study}/tables/gaps_stage3.md",
        html=table_page("gaps_stage3"),
    log:
        "logs/{study}/gaps_stage3.log",
    benchmark:
        "benchmarks/{study}/gaps_stage3.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage3.jobs:gaps_job",
        bootstrap=config["bootstrap"],
    script:
        "../scripts/table.py"


register_output(
    "stage3_variance_components",
    paths=lambda s: table_paths(s, "stage3_variance_components"),
    requires=_s3_needs(*S3_HUMAN_FILES),
)


rule stage3_variance_components:
    input:
        db=lambda wc: analysis_db(wc.study),
        raw=lambda wc: _s3_raw(wc.study),
    output:
        csv="results/{study}/tables/stage3_variance_components.csv",
        md="results/{study}/tables/stage3_variance_components.md",
        html=table_page("stage3_variance_components"),
        # the kept bootstrap replicates of the shares, whose histograms the notebook draws
        shares=variance_replicates("{study}", 3),
    log:
        "logs/{study}/stage3_variance_components.log",
    benchmark:
        "benchmarks/{study}/stage3_variance_components.tsv"
    conda:
        "../envs/recenter.yaml"
    # the REML refits run in this many processes (Snakemake lowers it to --cores)
    threads: 4
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        job="recenter.stage3.variance:variance_job",
        bootstrap=config["bootstrap"],
        # REML refits take about a second each: fewer replicates than the other bootstraps
        replicates=config["variance_components"]["replicates"],
    script:
        "../scripts/variance_components.py"
