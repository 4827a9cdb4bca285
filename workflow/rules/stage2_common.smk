# Helpers of workflow/rules/stage2.smk (kept apart: a rule file holds rules, not functions).
from recenter.stage2 import names as _s2_names

_S2_BASELINE_CFG = config["stage2"]["baselines"]
S2_SENTENCE_MODEL = _s2_names.sentence_model(_S2_BASELINE_CFG)  # None: not configured
S2_SCORERS = _s2_names.scorers(_S2_BASELINE_CFG)  # the installed ones only
S2_BASELINES = _s2_names.baseline_systems(_S2_BASELINE_CFG)


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


def _s2_alternatives(names):
    """A wildcard constraint matching exactly one of ``names``."""
    import re

    return "|".join(re.escape(n) for n in names)


def _s2_text_files(study):
    """Raw files that hold the texts the baselines score (never a model file)."""
    return raw_paths(
        study, "relevance_items.jsonl", "attributes.jsonl", "prompts.jsonl"
    )


def _s2_scores_input(wc):
    """A scorer reads the texts; the sentence-embedding scorer its study's embeddings."""
    inputs = {"db": analysis_db(wc.study), "raw": _s2_text_files(wc.study)}
    model = S2_SENTENCE_MODEL
    if model is not None and wc.scorer == model.scorer:
        inputs["embeddings"] = (
            f"{processed_dir(wc.study)}/stage2/embeddings/{model.name}.parquet"
        )
    return inputs


def _s2_baseline_input(wc):
    """A baseline's votes read the consensus and (except reference rows) its scorer's scores."""
    inputs = {
        "db": analysis_db(wc.study),
        "raw": _s2_text_files(wc.study) + _s2_core(wc.study),
    }
    scorer, _ = _s2_names.split_system(wc.system)
    if scorer is not None:
        inputs["scores"] = (
            f"{processed_dir(wc.study)}/stage2/baselines/scores/{scorer}.parquet"
        )
    return inputs
