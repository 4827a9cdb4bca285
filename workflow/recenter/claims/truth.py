"""The simulated study's population values (data/raw/simulated/truth.json): which claim reads
which value, and the ledger's note on it."""

from __future__ import annotations

import re

from recenter import paper
from recenter.claims.columns import MODEL_NAMES
from recenter.claims.model import Context, Outcome, band, num
from recenter.claims.stage1 import _FAILURE
from recenter.claims.stage2 import _KAPPA, _TAB3
from recenter.claims.stage3 import _JUDGE
from recenter.simulate.design import LLMS

#: The simulator's name of each of the paper's LLMs, by the claims' key (claude ->
#: claude-sonnet-4.6): the one of recenter.simulate.design.LLMS that starts with the key.
SIM_LLM = {key: next(name for name in LLMS if name.startswith(key)) for key in MODEL_NAMES}

#: claim id -> path in data/raw/simulated/truth.json "population" (simulator's system names).
TRUTH_PATHS = {
    "s1.problematic_gap_real_synthetic": "stage1.problematic_gap_real_minus_synthetic",
    "s1.wildchat_acceptance": "stage1.acceptance_rate.wildchat",
    **{k: f"stage1.failure_mode_share.{v}" for k, v in _FAILURE.items()},
    "s1.verifier_roberta_f1": "stage1.verifier.roberta-verifier.f1",
    "s1.verifier_best_llm_f1": "stage1.verifier.claude-sonnet-4.6_optimized.f1",
    "s1.verifier_gemma_recall_basic": "stage1.verifier.gemma-4-31b_basic.recall",
    "s1.verifier_gemma_recall_optimized": "stage1.verifier.gemma-4-31b_optimized.recall",
    **{k: f"stage2.kappa_groups.{v}" for k, v in _KAPPA.items()},
    "s2.consensus_rate": "stage2.relevance_rate.human_consensus",
    **{
        k: "stage2.alignment."
        + {**SIM_LLM, "roberta": "roberta", "grpo": "qwen3-4b-grpo"}[v[0]]
        + f".{v[1]}"
        for k, v in _TAB3.items()
        if v[0] in ("claude", "roberta", "grpo")
    },
    "s3.iaa_spearman": "stage3.human_pairwise_spearman",
    "s3.iaa_weighted_kappa": "stage3.human_pairwise_weighted_kappa_quadratic",
    "s3.human_mean": "stage3.human_mean",
    "s3.no_better_share": "stage3.no_better_share",
    **{
        k: f"stage3.judge.{SIM_LLM[v[1]]}."
        + ("mean" if v[0] == "mean" else "spearman_with_human_mean")
        for k, v in _JUDGE.items()
    },
    "s3.mention_gap_humans": "stage3.mention_delta.human",
    "s3.mention_gap_gpt": "stage3.mention_delta.gpt-5.4",
    "s3.mention_gap_claude": "stage3.mention_delta.claude-sonnet-4.6",
    "s3.mention_vs_penalty_r": "stage3.mention_rate_vs_delta_spearman",
    "s3.claude_mention_rate": "stage3.mention_rate.claude-sonnet-4.6",
}


def truth_value(truth: dict | None, claim_id: str) -> float | None:
    """The simulator's population value of a claim's statistic, if it records one."""
    if not truth or claim_id not in TRUTH_PATHS:
        return None
    node = truth.get("population", {})
    for part in _split_truth_path(TRUTH_PATHS[claim_id]):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return num(node)


def _split_truth_path(path: str) -> list[str]:
    """'stage3.judge.gpt-5.4.mean' -> ['stage3', 'judge', 'gpt-5.4', 'mean'] (system names
    contain dots: a part is joined to the next while it ends in a digit followed by a digit)."""
    parts = path.split(".")
    out: list[str] = []
    for p in parts:
        if out and re.search(r"\d$", out[-1]) and p[:1].isdigit():
            out[-1] += "." + p
        else:
            out.append(p)
    return out


#: How close the simulator's population value must be to the paper's to count as calibrated
#: to it (the calibration tolerances in truth.json are 0.003-0.01).
CALIBRATION_TOLERANCE = 0.01


def _truth_note(pv: paper.PaperValue, out: Outcome, truth: float, ctx: Context) -> str:
    note = f"simulated population value {truth:.3f}"
    if out.consistent is False and out.ci_low is not None and out.ci_high is not None:
        b_lo, b_hi = band(pv)
        calibrated = b_lo - CALIBRATION_TOLERANCE <= truth <= b_hi + CALIBRATION_TOLERANCE
        covers = out.ci_low <= truth <= out.ci_high
        if calibrated and not covers:
            note += (
                " (the simulator is calibrated to the paper's value; our interval misses both: "
                f"a sampling miss, expected for about {ctx.alpha:.0%} of the claims at "
                f"{ctx.level()})"
            )
        elif not calibrated:
            note += " (the simulator departs from the paper here; see simulate/README.md)"
    return note
