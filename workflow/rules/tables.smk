# The HTML page of every result table, for the report: snakemake --report shows a registered
# CSV only as a file to download, an HTML page inline. The page is the table's reader view
# (recenter.display: intervals in one cell, p-values as "< 0.001", labels in words; what only an
# auditor reads stays in the CSV) under the title, banner and notes of its .md page. table_paths
# (common.smk) asks for it beside the .csv and .md of every table rule all builds.


rule table_page:
    input:
        # not read: as for the notebooks (register_notebook), the database (ancient) makes
        # Snakemake plan the page after the ingest checkpoint, so that a dropped-in file re-runs
        # only the pages of the tables that change (without it, every page was scheduled)
        db=lambda wc: analysis_db(wc.study),
        csv="results/{study}/tables/{name}.csv",
        md="results/{study}/tables/{name}.md",
    output:
        html=report(
            "results/{study}/tables/{name}.html",
            caption="../report/table_page.rst",
            category="Tables",
            labels={"table": "{name}"},
        ),
    log:
        "logs/{study}/table_page/{name}.log",
    benchmark:
        "benchmarks/{study}/table_page/{name}.tsv"
    wildcard_constraints:
        name=r"[A-Za-z0-9_]+",
    # on a cluster, pages are submitted together (group-components in the SLURM profile):
    # each takes a second, less than a submission's own start-up; a local run ignores groups
    group:
        "pages"
    conda:
        "../envs/recenter.yaml"
    threads: 1
    resources:
        mem_mb=job_memory_mb(300, 1.5),
        runtime=job_runtime_min(2, 0.05),
    script:
        "../scripts/table_page.py"
