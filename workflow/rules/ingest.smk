# Raw study folder -> typed DuckDB database with keys, constraints, shared views and provenance.
# A checkpoint: after it runs, Snakemake re-evaluates the jobs that read the database, so a
# dropped-in model file reaches the analyses that read it in the same invocation.


checkpoint ingest:
    input:
        study_json="data/raw/{study}/study.json",
        raw=lambda wc: raw_paths(wc.study, "*.jsonl"),
    output:
        db="data/processed/{study}/study.duckdb",
    log:
        "logs/{study}/ingest.log",
    conda:
        "../envs/recenter.yaml"
    script:
        "../scripts/ingest.py"


rule skipped_outputs:
    output:
        csv=report(
            "results/{study}/skipped.csv",
            caption="../report/skipped.rst",
            category="Data",
        ),
    log:
        "logs/{study}/skipped_outputs.log",
    conda:
        "../envs/recenter.yaml"
    params:
        rows=lambda wc: skipped_outputs(wc.study),
    script:
        "../scripts/write_skipped.py"
