"""Relevance alignment (Table 3, Fig 4): one system's votes against the human consensus.

Metrics are computed on the items that have both a vote of the system and a consensus label
(``n``); a system that covers only part of the items (a trained model on its test split, a pilot
LLM on a sample) is scored on its own items. Intervals: cluster bootstrap over users
(stage2.data.CLUSTER).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from recenter.stats.agreement import majority_vote_matrix
from recenter.stats.bootstrap import BootstrapConfig, cluster_bootstrap, cluster_sums, none_if_nan
from recenter.stats.classification import (
    METRICS,
    average_precision,
    metrics_stack,
    unit_confusion,
)

KIND_ORDER = ("llm", "baseline", "trained", "human")
#: kind of the human-ceiling reference rows (each annotator against the others' majority)
HUMAN_CEILING = "human"
CEILING_RULE = (
    "human rows (kind human) = the human ceiling: each annotator against the strict majority "
    "of the OTHER annotators' labels of the item (with 3 annotators: both others positive; a "
    "1-1 tie counts as negative, the consensus convention for ties), on the items where the "
    "annotator and at least one other labelled. A system row is scored against the majority "
    "of all annotators, a slightly less noisy reference: read the human rows as what one "
    "annotator reaches against a consensus of the same kind."
)


def alignment_row(
    system: str,
    kind: str,
    votes: np.ndarray,
    scores: np.ndarray,
    consensus: np.ndarray,
    clusters: np.ndarray,
    n_clusters: int,
    boot: BootstrapConfig,
    model: str | None = None,
) -> pl.DataFrame:
    """One-row frame: system, kind, n, confusion counts, each metric with its interval,
    threshold-free average precision (if the system has scores) and a model description."""
    unit = unit_confusion(votes, consensus)
    sums = cluster_sums(unit, clusters, n_clusters)
    res = cluster_bootstrap(sums, metrics_stack, **boot.kwargs())
    tp, fp, fn, tn = (int(x) for x in sums.sum(axis=0))
    # threshold-free: every item with a score and a consensus label, voted on or not
    scores = np.asarray(scores, dtype=float)
    scored = ~np.isnan(scores) & ~np.isnan(np.asarray(consensus, float))
    ap = average_precision(scores[scored], consensus[scored]) if scored.any() else np.nan
    row: dict = {"system": system, "kind": kind, "n": tp + fp + fn + tn}
    for k, m in enumerate(METRICS):
        row[m] = none_if_nan(res.estimate[k])
        row[f"{m}_ci_low"] = none_if_nan(res.ci_low[k])
        row[f"{m}_ci_high"] = none_if_nan(res.ci_high[k])
    row.update(
        {
            "average_precision": none_if_nan(ap),
            "n_scored": int(scored.sum()),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "tn": tn,
            "model": model,
        }
    )
    return pl.DataFrame([row], schema=ALIGNMENT_SCHEMA)


ALIGNMENT_SCHEMA = {
    "system": pl.String,
    "kind": pl.String,
    "n": pl.Int64,
    **{f"{m}{suffix}": pl.Float64 for m in METRICS for suffix in ("", "_ci_low", "_ci_high")},
    "average_precision": pl.Float64,
    "n_scored": pl.Int64,
    "tp": pl.Int64,
    "fp": pl.Int64,
    "fn": pl.Int64,
    "tn": pl.Int64,
    "model": pl.String,
}


def alignment_table(rows: list[pl.DataFrame]) -> pl.DataFrame:
    """Table 3: the per-system rows, ordered by kind (llm, baseline, trained) then system."""
    if not rows:
        return pl.DataFrame(schema=ALIGNMENT_SCHEMA)
    table = pl.concat(rows, how="vertical")
    order = {k: i for i, k in enumerate(KIND_ORDER)}
    return (
        table.with_columns(pl.col("kind").replace_strict(order, default=len(order)).alias("_k"))
        .sort("_k", "system")
        .drop("_k")
    )


def leave_one_out_majority(labels: np.ndarray, j: int) -> np.ndarray:
    """Strict majority of the labels of every annotator but column ``j``, per item (1/0): a tie
    is 0 (as in the consensus); NaN where no other annotator labelled the item."""
    others = np.delete(np.asarray(labels, dtype=float), j, axis=1)
    reference, _, _ = majority_vote_matrix(others)
    return reference


def human_ceiling_rows(
    labels: np.ndarray,
    annotators: list[str],
    clusters: np.ndarray,
    n_clusters: int,
    boot: BootstrapConfig,
) -> list[pl.DataFrame]:
    """One alignment row per annotator: its labels (items × annotators, 1/0/NaN) against the
    leave-one-out majority of the others (kind ``human``), bootstrapped on the same clusters."""
    labels = np.asarray(labels, dtype=float)
    rows = []
    for j, name in enumerate(annotators):
        rows.append(
            alignment_row(
                system=name,
                kind=HUMAN_CEILING,
                votes=labels[:, j],
                scores=np.full(labels.shape[0], np.nan),
                consensus=leave_one_out_majority(labels, j),
                clusters=clusters,
                n_clusters=n_clusters,
                boot=boot,
                model="human ceiling: annotator vs the strict majority of the other annotators",
            )
        )
    return rows


def paired_difference(
    votes_a: np.ndarray,
    votes_b: np.ndarray,
    reference: np.ndarray,
    clusters: np.ndarray,
    n_clusters: int,
    boot: BootstrapConfig,
    metric: str = "f1",
) -> dict:
    """``metric`` of system A minus system B against ``reference``, both scored on the items
    that A, B and the reference all have (like for like), with joint bootstrap replicates (one
    bootstrap of both systems' confusion counts: the same resampled clusters for both).

    Returns estimate, ci_low, ci_high, n (common items) and n_dropped (replicates where the
    difference is undefined, e.g. no positive reference item drawn)."""
    a, b, ref = (np.asarray(x, dtype=float) for x in (votes_a, votes_b, reference))
    both = ~np.isnan(a) & ~np.isnan(b) & ~np.isnan(ref)
    unit = np.concatenate(
        [
            unit_confusion(np.where(both, a, np.nan), ref),
            unit_confusion(np.where(both, b, np.nan), ref),
        ],
        axis=-1,
    )
    k = METRICS.index(metric)

    def stat(t):
        return metrics_stack(t[..., :4])[..., k] - metrics_stack(t[..., 4:])[..., k]

    res = cluster_bootstrap(cluster_sums(unit, clusters, n_clusters), stat, **boot.kwargs())
    return {
        "estimate": none_if_nan(res.estimate),
        "ci_low": none_if_nan(res.ci_low),
        "ci_high": none_if_nan(res.ci_high),
        "n": int(both.sum()),
        "n_dropped": int(np.isnan(res.replicates).sum()),
    }


#: Why an LLM-minus-trained F1 difference is undefined (the gaps row's note).
LLM_MINUS_TRAINED_UNDEFINED = "F1 undefined on the items both systems voted on"


def llm_minus_trained_rows(
    llm: dict[str, np.ndarray],
    trained: dict[str, np.ndarray],
    consensus: np.ndarray,
    clusters: np.ndarray,
    n_clusters: int,
    boot: BootstrapConfig,
) -> tuple[list[tuple], list[str]]:
    """Gaps rows (recenter.gaps.gaps_table's tuples): F1 of each LLM minus F1 of the best
    trained relevance model (highest F1 on its own items), each difference paired on the items
    both scored (paired_difference)."""
    notes: list[str] = []
    if not llm or not trained:
        notes.append("no LLM or no trained relevance model: no LLM-minus-trained F1 rows")
        return [], notes
    k = METRICS.index("f1")

    def f1_of(votes):
        counts = unit_confusion(votes, consensus).sum(axis=0)
        return float(metrics_stack(counts[None, :])[0, k])

    own = {m: f1_of(v) for m, v in trained.items()}
    defined = {m: f for m, f in own.items() if not np.isnan(f)}
    if not defined:
        notes.append("no trained relevance model with a defined F1: no LLM-minus-trained rows")
        return [], notes
    best = max(sorted(defined), key=lambda m: defined[m])
    rows = []
    for m in sorted(llm):
        d = paired_difference(llm[m], trained[best], consensus, clusters, n_clusters, boot)
        rows.append(
            (
                f"F1: {m} minus the best trained model ({best}), paired on the "
                f"{d['n']} items both scored",
                "difference of F1",
                d["estimate"],
                d["ci_low"],
                d["ci_high"],
                d["n_dropped"],
            )
        )
    return rows, notes
