# Notebooks: one per analysis, executed for each study with papermill so that a reviewer can read
# results/<study>/notebooks/<name>.html (or .ipynb) without running anything.
NOTEBOOKS = {}


def register_notebook(name, inputs, requires, reason=None):
    """A notebook notebooks/<name>.ipynb whose parameters cell sets `study` and `root`;
    inputs: study -> files it reads; requires: as for register_output."""
    NOTEBOOKS[name] = inputs
    register_output(
        f"notebook {name}",
        lambda study: [
            f"{results_dir(study)}/notebooks/{name}.ipynb",
            f"{results_dir(study)}/notebooks/{name}.html",
        ],
        requires,
        reason,
    )


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
