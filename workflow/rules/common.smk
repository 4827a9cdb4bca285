# Shared helpers: which studies are analysed, which raw files each one has (or will have once
# simulated or imported), and which outputs its data support. Stage files register their
# outputs with register_output(); rule all asks for the supported ones and skipped.csv lists
# the rest with the reason.
import fnmatch
from pathlib import Path

from recenter import layout
from recenter.figures import EXTENSIONS as FIGURE_EXT
from recenter.figures import FIGURES
from recenter.resources import (  # every rule's threads/resources: recenter/resources.py
    job_memory_mb,
    job_runtime_min,
    simulate_memory_mb,
    simulate_runtime_min,
)

STUDY = config["study"]
EXPORT_DIR = config.get("annotation_tool_dir")


def _import_plan():
    from recenter.importers import annotation_tool

    return annotation_tool.plan(Path(EXPORT_DIR), STUDY)


if EXPORT_DIR:
    IMPORT_PLAN = _import_plan()
    STUDIES = sorted(IMPORT_PLAN)
else:
    IMPORT_PLAN = {}
    STUDIES = [STUDY]


def raw_dir(study):
    return f"data/raw/{study}"


def processed_dir(study):
    return f"data/processed/{study}"


def results_dir(study):
    return f"results/{study}"


def table_paths(study, name):
    """results/<study>/tables/<name>.csv, .md and .html: every table is written in the three
    forms, by the job that computes it (recenter.outputs.write_table)."""
    return [
        f"{results_dir(study)}/tables/{name}.{ext}" for ext in ("csv", "md", "html")
    ]


def table_page(name):
    """The output results/{study}/tables/<name>.html of the job that writes the table, the
    table's reader view (recenter.display: intervals in one cell, p-values as "< 0.001",
    labels in words; what only an auditor reads stays in the CSV) under the title, banner and
    notes of its .md page, registered for the report, which shows a CSV only as a file to
    download and an HTML page inline. Written with the .csv and .md in the same job: a job of
    its own per page cost about a second each (22 jobs on the simulated default)."""
    return report(
        f"results/{{study}}/tables/{name}.html",
        caption="../report/table_page.rst",
        category="Tables",
        labels={"table": name},
    )


def figure_paths(study, name):
    """results/<study>/figures/<name>.vl.json, .png and .svg (recenter.figures)."""
    return [f"{results_dir(study)}/figures/{name}.{ext}" for ext in FIGURE_EXT]


def variance_replicates(study, stage):
    """data/processed/<study>/stage<k>/variance_replicates.parquet: the kept bootstrap
    replicates of the shares of stage<k>_variance_components (one row per kept replicate, one
    column per component), written by its rule and read by the stage's notebook."""
    return f"{processed_dir(study)}/stage{stage}/variance_replicates.parquet"


def variance_notebook_inputs(study, stage):
    """What a stage's notebook reads of stage<k>_variance_components where the study
    supports it: the table's files and the replicates of its intervals."""
    paths = supported_paths(study, (f"stage{stage}_variance_components",))
    return paths + [variance_replicates(study, stage)] if paths else []


def study_db(study):
    return f"{processed_dir(study)}/study.duckdb"


def analysis_db(study):
    """The study database as an analysis input: ancient (it never triggers a re-run by itself,
    the raw files a job reads do) and taken from the ingest checkpoint, so that Snakemake
    re-evaluates the job after ingest has run (with a plain rule, Snakemake 9.27 skips the
    re-run check of jobs downstream of a re-running rule when the link is ancient)."""
    return ancient(checkpoints.ingest.get(study=study).output.db)


_PLANNED_RAW = {}


def planned_raw_files(study):
    """Raw data files of a study, relative to its folder: the files its simulator or
    importer will write, and every file already there (dropped-in models included).

    Listed once per invocation: the DAG asks for it about 700 times, and walking the folder
    each time was a third of a no-op run. The files a run itself writes (simulator,
    importer) are in the plan already, so the list cannot go stale during the run."""
    if study not in _PLANNED_RAW:
        planned = set(layout.existing_files(Path(raw_dir(study))))
        if study in IMPORT_PLAN:
            planned.update(IMPORT_PLAN[study])
        elif study == "simulated":
            from recenter.simulate import design

            planned.update(design.planned_files(config["simulate"]["scale"]))
        _PLANNED_RAW[study] = tuple(sorted(planned))
    return list(_PLANNED_RAW[study])


def raw_paths(study, *patterns):
    """Paths (under data/raw/<study>/) of the planned raw files matching any pattern."""
    rels = planned_raw_files(study)
    return [
        f"{raw_dir(study)}/{r}"
        for r in rels
        if any(fnmatch.fnmatch(r, p) for p in patterns)
    ]


def has_raw(study, pattern):
    return bool(raw_paths(study, pattern))


def systems(study, role, kind=None):
    """Model files of one role (and kind) in a study: list of layout.ModelFile."""
    files = layout.model_files(planned_raw_files(study), role)
    return [m for m in files if kind is None or m.kind == kind]


# ---- output registry -------------------------------------------------------------------
OUTPUTS = []


def register_output(name, paths, requires, reason=None):
    """paths: study -> list of result paths. requires: study -> None if supported, else a
    sentence saying what is missing (or a list of raw-file patterns that must all match).
    """
    OUTPUTS.append(dict(name=name, paths=paths, requires=requires, reason=reason))


def missing_reason(study, entry):
    req = entry["requires"]
    if callable(req):
        return req(study)
    missing = [p for p in req if not has_raw(study, p)]
    if not missing:
        return None
    return entry["reason"] or "no raw file matches " + ", ".join(missing)


def supported_outputs(study):
    out = []
    for entry in OUTPUTS:
        if missing_reason(study, entry) is None:
            out.extend(entry["paths"](study))
    return out


def supported_paths(study, names):
    """Every path of the registered outputs called ``names`` that the study supports."""
    return [
        path
        for entry in OUTPUTS
        if entry["name"] in names and missing_reason(study, entry) is None
        for path in entry["paths"](study)
    ]


def skipped_outputs(study):
    """[(output name, reason)] of the registered outputs this study's data cannot support."""
    rows = []
    for entry in OUTPUTS:
        why = missing_reason(study, entry)
        if why is not None:
            rows.append((entry["name"], why))
    return rows


# ---- notebooks (rules in notebooks.smk) -------------------------------------------------
NOTEBOOKS = {}


def register_notebook(name, inputs, requires, reason=None):
    """A notebook notebooks/<name>.ipynb whose parameters cell sets `study` and `root`;
    inputs: study -> files it reads; requires: as for register_output. Its job also takes the
    database as every analysis does (analysis_db): that makes Snakemake plan the notebook after
    the ingest checkpoint, so a dropped-in file re-runs only the notebooks whose inputs change
    (without it, every notebook downstream of a re-evaluated job was scheduled). Every
    notebook shows the claims ledger's verdicts, so it also waits for claims.csv; a notebook
    that does not list the ledger among its inputs takes it ancient (re-made for another
    stage's file, the ledger does not re-run this notebook: its verdicts come from the tables
    it reads, which do)."""

    def notebook_inputs(study):
        files = inputs(study)
        ledger = f"{results_dir(study)}/claims.csv"
        return [analysis_db(study), *files] + (
            [] if ledger in files else [ancient(ledger)]
        )

    NOTEBOOKS[name] = notebook_inputs
    register_output(
        f"notebook {name}",
        lambda study: [
            f"{results_dir(study)}/notebooks/{name}.ipynb",
            f"{results_dir(study)}/notebooks/{name}.html",
        ],
        requires,
        reason,
    )


def all_targets():
    targets = []
    for study in STUDIES:
        targets.append(study_db(study))
        targets.extend(supported_outputs(study))
        targets.append(f"{results_dir(study)}/skipped.csv")
    return targets
