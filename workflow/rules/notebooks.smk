# Notebooks: one per stage with one audit section per analysis (plus a study overview), executed
# for each study with Snakemake's notebook directive so that a reviewer can read
# results/<study>/notebooks/<name>.html (or .ipynb) without running anything, and a developer can
# open any of them with its inputs built:
#   snakemake --cores 2 --edit-notebook results/simulated/notebooks/stage1_attributes.checks.csv
# run_notebook executes the notebook (Snakemake injects the `snakemake` object as its first cell)
# and keeps the executed copy as its log; the notebook writes the table of its checks
# (independent value, workflow value) as its output. render_notebook then writes the executed
# copy without what changes between runs or machines (timings, the injected cell's absolute
# paths) and its HTML.
import os
from pathlib import Path

from recenter.notebooks import put_interpreter_on_path, use_kernel_specs

# The notebook directive runs `papermill` (or `jupyter-nbconvert`, `jupyter notebook` for
# --edit-notebook) through the shell: find them beside this Snakemake's interpreter (.venv/bin)
# even when the environment is not activated (`.venv/bin/snakemake ...`).
put_interpreter_on_path()
# papermill draws a progress bar per notebook cell on the terminal Snakemake shows (interleaved
# between two notebooks, in lines of thousands of characters); the terminal's progress is
# Snakemake's own display, and the executed notebook is the record of every cell
os.environ.setdefault("TQDM_DISABLE", "1")
# The notebooks' kernel, `python3`, is found first in workflow/resources/jupyter/kernels/: the
# command of ipykernel's own kernel with the kernel's log at CRITICAL. Otherwise every notebook
# job prints the kernel's warning that it talks to papermill over local TCP without
# encryption, and, when the shutdown's interrupt (jupyter_client interrupts a kernel before
# asking it to stop) lands while it handles a message, an ERROR "KeyboardInterrupt caught in
# kernel" at the end of a job that succeeded. An error in a cell is not a log line: it stops the
# notebook, and papermill and the executed copy show it.
use_kernel_specs(Path(workflow.basedir, "workflow/resources/jupyter"))

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
    )
    + variance_notebook_inputs(study, 2)
    # the BM25 scores, re-derived in the notebook with an independent BM25
    + (
        [f"{processed_dir(study)}/stage2/baselines/scores/bm25.parquet"]
        if "bm25" in S2_SCORERS
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
        data=lambda wc: NOTEBOOKS[wc.notebook](wc.study),
    output:
        checks="results/{study}/notebooks/{notebook}.checks.csv",
    log:
        notebook="logs/{study}/notebooks/{notebook}.executed.ipynb",
    benchmark:
        "benchmarks/{study}/run_notebook/{notebook}.tsv"
    # a notebook and its render are one submission on a cluster (the SLURM profile's
    # group-components bundles the notebooks too); ignored locally
    group:
        "notebooks"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(1000, 0.5),
        runtime=job_runtime_min(10, 0.02),
    params:
        db=lambda wc: study_db(wc.study),
        results=lambda wc: results_dir(wc.study),
        bootstrap=config["bootstrap"],
    notebook:
        "../../notebooks/{wildcards.notebook}.ipynb"


# The database too, as every analysis takes it (analysis_db): without it Snakemake plans the
# render of every notebook before it re-evaluates the DAG after a re-running ingest, and a
# dropped-in model file re-rendered notebooks that do not read it.
rule render_notebook:
    input:
        db=lambda wc: analysis_db(wc.study),
        checks="results/{study}/notebooks/{notebook}.checks.csv",
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
        "benchmarks/{study}/render_notebook/{notebook}.tsv"
    group:
        "notebooks"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(500, 0.1),
        runtime=job_runtime_min(5, 0.01),
    params:
        # written by run_notebook (its log: a log cannot be another rule's input)
        executed="logs/{study}/notebooks/{notebook}.executed.ipynb",
    script:
        "../scripts/run_notebook.py"
