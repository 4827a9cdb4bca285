# Notebooks: one per analysis, executed for each study with papermill so that a reviewer can read
# results/<study>/notebooks/<name>.html (or .ipynb) without running anything.
register_notebook(
    "00_study_overview",
    lambda study: [study_db(study), f"{results_dir(study)}/skipped.csv"],
    requires=[],
)


rule run_notebook:
    input:
        notebook="notebooks/{notebook}.ipynb",
        data=lambda wc: NOTEBOOKS[wc.notebook](wc.study),
    output:
        ipynb="results/{study}/notebooks/{notebook}.ipynb",
        html="results/{study}/notebooks/{notebook}.html",
    log:
        "logs/{study}/notebook_{notebook}.log",
    conda:
        "../envs/recenter.yaml"
    params:
        study=lambda wc: wc.study,
    script:
        "../scripts/run_notebook.py"
