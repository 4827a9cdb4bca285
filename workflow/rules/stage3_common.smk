# Helpers of workflow/rules/stage3.smk (kept apart: a rule file holds rules, not functions).
S3_HUMAN_FILES = ["response_ratings.jsonl", "models/generator/*.jsonl"]


def _s3_raw(study, *extra):
    """Raw files every Stage-3 job reads: the human ratings and the generator files (the
    rated units), plus ``extra`` patterns."""
    return raw_paths(study, *S3_HUMAN_FILES, *extra)


def _s3_judge_parts(study, kind, what="rows"):
    """One parquet per judge file of ``kind`` (llm_judge | reward_model)."""
    return [
        f"{processed_dir(study)}/stage3/{what}/{m.kind}/{m.system}.parquet"
        for m in systems(study, "judge", kind)
    ]


def _s3_needs(*required, any_of=(), what=None):
    """A register_output ``requires``: None if the study has every ``required`` raw pattern
    and at least one of ``any_of``, else a sentence naming what is missing."""

    def check(study):
        missing = [p for p in required if not has_raw(study, p)]
        if any_of and not any(has_raw(study, p) for p in any_of):
            missing.append(what or " or ".join(any_of))
        if not missing:
            return None
        return "Stage 3 needs " + ", ".join(missing) + " (not in this study)"

    return check


def _s3_fig7_requires(study):
    """Fig 7 correlates, over the models that are both, a generator's mention rate with its
    mention gap as a judge: it needs flags and at least 3 such models."""
    why = _s3_needs("mention_flags.jsonl")(study)
    if why:
        return why
    both = {m.system for m in systems(study, "generator")} & {
        m.system for m in systems(study, "judge", "llm_judge")
    }
    if len(both) < 3:
        return (
            f"Fig 7 needs at least 3 models that are both a generator and an LLM judge "
            f"(this study has {len(both)}: {', '.join(sorted(both)) or 'none'})"
        )
    return None


S3_OUTPUT_NAMES = (
    "stage3_agreement",
    "fig5_human_ratings",
    "tab6_judges",
    "fig6_mention_gap",
    "fig7_mention_vs_penalty",
    "reward_models",
    "gaps_stage3",
)


def s3_notebook_inputs(study):
    """What notebooks/stage3_responses.ipynb reads: every Stage-3 output the study supports
    (the variance components with their replicates), and skipped.csv (the notebook says why
    the others are missing)."""
    return (
        supported_paths(study, S3_OUTPUT_NAMES)
        + variance_notebook_inputs(study, 3)
        + [f"{results_dir(study)}/skipped.csv"]
    )
