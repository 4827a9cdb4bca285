# Helpers of workflow/rules/stage2.smk (kept apart: a rule file holds rules, not functions).
from recenter.stage2 import names as _s2_names

S2_BASELINES = _s2_names.baseline_systems(
    config["stage2"]["baselines"]["embedding_dimensions"]
)
S2_FIGURE_EXT = ("vl.json", "png", "svg")


def _s2_core(study):
    return raw_paths(study, "relevance_items.jsonl", "relevance_judgments.jsonl")


def _s2_raters(study):
    """Raw files of every rater of the kappa matrix and the rates: humans and LLM files."""
    return raw_paths(
        study,
        "relevance_items.jsonl",
        "relevance_judgments.jsonl",
        "models/relevance/llm/*.jsonl",
    )


def _s2_table(study, name):
    return [f"{results_dir(study)}/tables/{name}.{ext}" for ext in ("csv", "md")]


def _s2_figure(study, name):
    return [f"{results_dir(study)}/figures/{name}.{ext}" for ext in S2_FIGURE_EXT]


def _s2_alignment_parts(study):
    """One alignment parquet per relevance model file plus the workflow's baselines."""
    parts = {(m.kind, m.system) for m in systems(study, "relevance")}
    parts |= {("baseline", s) for s in S2_BASELINES}
    return [
        f"{processed_dir(study)}/stage2/alignment/{kind}/{system}.parquet"
        for kind, system in sorted(parts)
    ]


def _s2_alignment_input(wc):
    """A model file's alignment reads that file's votes; a computed baseline its parquet."""
    rel = f"models/relevance/{wc.kind}/{wc.system}.jsonl"
    inputs = {"db": analysis_db(wc.study), "raw": _s2_core(wc.study)}
    if rel in planned_raw_files(wc.study):
        inputs["model"] = f"{raw_dir(wc.study)}/{rel}"
    elif wc.kind == "baseline" and wc.system in S2_BASELINES:
        inputs["predictions"] = (
            f"{processed_dir(wc.study)}/stage2/baselines/{wc.system}.parquet"
        )
    else:
        raise ValueError(
            f"no relevance model file {rel} in study {wc.study} and no such baseline"
        )
    return inputs
