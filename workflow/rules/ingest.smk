# Raw study folder -> typed DuckDB database with keys, constraints, shared views and provenance.
# A checkpoint: after it runs, Snakemake re-evaluates the jobs that read the database, so a
# dropped-in model file reaches the analyses that read it in the same invocation.
# Refused raw files: the file/line/field messages are printed again as the run's last lines
# (onerror below), and the study's earlier results are moved to results/<study>.stale/.
import atexit as _atexit
import time as _time

from recenter.errors import print_refusals

_RUN_STARTED = _time.time()


checkpoint ingest:
    input:
        study_json="data/raw/{study}/study.json",
        raw=lambda wc: raw_paths(wc.study, "*.jsonl"),
    output:
        db="data/processed/{study}/study.duckdb",
    log:
        log="logs/{study}/ingest.log",
        problems="logs/{study}/ingest.problems.txt",
    benchmark:
        "benchmarks/{study}/ingest.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(400, 3.0),
        runtime=job_runtime_min(5, 0.05),
    params:
        results=lambda wc: results_dir(wc.study),
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
    benchmark:
        "benchmarks/{study}/skipped_outputs.tsv"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 1.5),
        runtime=job_runtime_min(5, 0.05),
    params:
        rows=lambda wc: skipped_outputs(wc.study),
    script:
        "../scripts/write_skipped.py"


onerror:
    # At exit, so that they are the terminal's last lines, after Snakemake's own summary.
    _atexit.register(print_refusals, "logs", _RUN_STARTED)
