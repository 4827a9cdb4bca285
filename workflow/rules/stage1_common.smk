# Helpers of workflow/rules/stage1.smk (kept apart: a rule file holds rules, not functions).
S1_CORE_FILES = ["users.jsonl", "attributes.jsonl", "attribute_judgments.jsonl"]


def _s1_core(study):
    """Raw files every Stage-1 analysis reads: users, attributes, human judgments."""
    return raw_paths(study, *S1_CORE_FILES)


def _s1_verifier_files(study):
    return raw_paths(study, "models/verifier/*/*.jsonl")


def _s1_verifier_parts(study):
    """One parquet per verifier file models/verifier/<kind>/<system>.jsonl."""
    return [
        f"{processed_dir(study)}/stage1/verifiers/{m.kind}/{m.system}.parquet"
        for m in systems(study, "verifier")
    ]


def _s1_verifier_input(wc):
    rel = f"models/verifier/{wc.kind}/{wc.system}.jsonl"
    if rel not in planned_raw_files(wc.study):
        raise ValueError(f"no verifier file {rel} in study {wc.study}")
    return {
        "db": analysis_db(wc.study),
        "raw": _s1_core(wc.study),
        "model": f"{raw_dir(wc.study)}/{rel}",
    }
