"""Relevance alignment (Table 3, Fig 4): one system's votes against the human consensus.

Metrics are computed on the items that have both a vote of the system and a consensus label
(``n``); a system that covers only part of the items (a trained model on its test split, a pilot
LLM on a sample) is scored on its own items. Intervals: cluster bootstrap over users
(stage2.data.CLUSTER).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from recenter.stats.bootstrap import BootstrapConfig, cluster_bootstrap, cluster_sums, none_if_nan
from recenter.stats.classification import (
    METRICS,
    average_precision,
    metrics_stack,
    unit_confusion,
)

KIND_ORDER = ("llm", "baseline", "trained")


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
