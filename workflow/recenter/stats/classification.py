"""Binary classification metrics of predictions against reference labels.

Everything is computed from the confusion counts (tp, fp, fn, tn), vectorized, so the same
functions serve point estimates and cluster-bootstrap replicates. A metric whose denominator is
zero is NaN (undefined), not 0: it is reported as missing rather than as a bad score.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from recenter.stats.agreement import cohen_kappa_from_counts

METRICS = ("accuracy", "precision", "recall", "f1", "kappa")


def confusion_counts(predicted: ArrayLike, reference: ArrayLike) -> np.ndarray:
    """(tp, fp, fn, tn) of binary ``predicted`` against ``reference`` (units with both)."""
    p = np.asarray(predicted, dtype=float)
    r = np.asarray(reference, dtype=float)
    both = ~np.isnan(p) & ~np.isnan(r)
    p, r = p[both] == 1, r[both] == 1
    return np.array([np.sum(p & r), np.sum(p & ~r), np.sum(~p & r), np.sum(~p & ~r)], float)


def unit_confusion(predicted: ArrayLike, reference: ArrayLike) -> np.ndarray:
    """Per-unit one-hot confusion cell (units × 4: tp, fp, fn, tn); all zero if either is NaN."""
    p = np.asarray(predicted, dtype=float)
    r = np.asarray(reference, dtype=float)
    both = ~np.isnan(p) & ~np.isnan(r)
    pp, rr = (p == 1) & both, (r == 1) & both
    return np.stack([pp & rr, pp & ~rr & both, ~pp & rr & both, ~pp & ~rr & both], -1).astype(float)


def metrics_from_counts(counts: ArrayLike) -> dict[str, np.ndarray]:
    """accuracy, precision, recall, F1 and Cohen's kappa from counts shaped (..., 4).

    accuracy = (tp+tn)/n; precision = tp/(tp+fp); recall = tp/(tp+fn);
    F1 = 2tp/(2tp+fp+fn) (harmonic mean of P and R); kappa = Cohen (1960) on the 2×2 table
    (predicted 1/0 × reference 1/0). NaN where a denominator is zero.
    """
    c = np.asarray(counts, dtype=float)
    tp, fp, fn, tn = c[..., 0], c[..., 1], c[..., 2], c[..., 3]
    n = tp + fp + fn + tn
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {
            "accuracy": np.where(n > 0, (tp + tn) / n, np.nan),
            "precision": np.where(tp + fp > 0, tp / (tp + fp), np.nan),
            "recall": np.where(tp + fn > 0, tp / (tp + fn), np.nan),
            "f1": np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan),
        }
    # predicted = rater A, reference = rater B: n11 = tp, n10 = fp, n01 = fn, n00 = tn
    out["kappa"] = cohen_kappa_from_counts(tp, fp, fn, tn)
    return out


def metrics_stack(counts: ArrayLike) -> np.ndarray:
    """metrics_from_counts as an array (..., len(METRICS)) in METRICS order."""
    m = metrics_from_counts(counts)
    return np.stack([m[k] for k in METRICS], axis=-1)


class ScoreRules(NamedTuple):
    """The decision rules ``score >= t`` of a score against binary labels, one for each
    distinct score t of the items that have both a score and a label, from the highest t down
    (tied scores enter together); none when there is no positive label."""

    threshold: np.ndarray  # t of each rule (distinct scores, descending)
    tp: np.ndarray  # true positives of each rule
    predicted: np.ndarray  # predicted positives of each rule
    n_pos: int  # positive labels


def score_rules(scores: ArrayLike, labels: ArrayLike) -> ScoreRules:
    """Every distinct rule ``score >= t`` on (scores, labels) with its counts: what
    :func:`average_precision` and :func:`best_f1_threshold` compute from."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(labels, dtype=float)
    keep = ~np.isnan(s) & ~np.isnan(y)
    s, y = s[keep], y[keep] == 1
    n_pos = int(y.sum())
    if n_pos == 0:
        none = np.empty(0, dtype=np.int64)
        return ScoreRules(np.empty(0), none, none, 0)
    order = np.argsort(-s, kind="mergesort")
    s, y = s[order], y[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s) != 0), s.size - 1]
    return ScoreRules(s[last_of_tie], np.cumsum(y)[last_of_tie], last_of_tie + 1, n_pos)


def average_precision(scores: ArrayLike, labels: ArrayLike) -> float:
    """Average precision AP = Σ_k (R_k − R_{k−1})·P_k over the distinct score thresholds,
    from the highest score down (tied scores enter together): the step-wise area under the
    precision-recall curve, the definition of scikit-learn's ``average_precision_score``
    (Manning, Raghavan & Schütze 2008, §8.4). NaN without any positive label.
    """
    rules = score_rules(scores, labels)
    if rules.n_pos == 0:
        return float("nan")
    precision = rules.tp / rules.predicted
    recall = rules.tp / rules.n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def best_f1_threshold(scores: ArrayLike, labels: ArrayLike) -> float:
    """Threshold t maximizing F1 of the rule ``score >= t`` on (scores, labels).

    Candidates are the distinct scores (every distinct decision rule); ties in F1 go to the
    highest threshold (fewest positives). +inf (predict nothing) if there is no positive label.
    """
    rules = score_rules(scores, labels)
    if rules.n_pos == 0:
        return float("inf")
    f1 = 2 * rules.tp / (rules.predicted + rules.n_pos)
    best = int(np.argmax(f1))  # first max = highest threshold
    return float(rules.threshold[best])
