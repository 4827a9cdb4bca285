"""The result type of the ordinal-rating statistics (``recenter.stats.ratings``): an estimate
with its percentile cluster-bootstrap interval, and what is done with one afterwards (the mean
over rater pairs, the replicates dropped, the small-cluster widening)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np
from numpy.typing import ArrayLike

from recenter.stats.bootstrap import (
    bca_interval,
    jackknife_fisher_z_interval,
    percentile_interval,
    small_cluster_factor,
    small_cluster_interval,
)


class BootstrapArgs(TypedDict):
    """The keyword arguments of every cluster-bootstrap statistic: replicates, seed and the
    confidence level of the percentile interval (``recenter.stats.bootstrap``)."""

    replicates: int
    seed: int
    confidence: float


@dataclass(frozen=True)
class Estimate:
    """A statistic with its percentile interval, replicates and the number of units."""

    estimate: float
    ci_low: float
    ci_high: float
    replicates: np.ndarray  # (B,)
    n: int


def mean_of_pairs(pairs: Sequence[tuple[int, int, Estimate]], confidence: float) -> Estimate:
    """Mean over rater pairs ``(a, b, Estimate)`` of the defined estimates; its replicates
    average the pairs on every replicate (NaN pairs left out)."""
    defined = [e for _, _, e in pairs if not np.isnan(e.estimate)]
    if not defined:
        return Estimate(float("nan"), float("nan"), float("nan"), np.array([]), 0)
    est = float(np.mean([e.estimate for e in defined]))
    stack = np.stack([e.replicates for e in defined])
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        reps = np.nanmean(stack, axis=0)
    low, high = percentile_interval(reps, confidence)
    return Estimate(est, float(low), float(high), reps, int(sum(e.n for e in defined)))


def n_dropped(e: Estimate) -> int:
    """Bootstrap replicates where the statistic was undefined (NaN), left out of the interval."""
    return int(np.isnan(np.asarray(e.replicates, dtype=float)).sum())


def small_cluster(
    e: Estimate, n_clusters: int, confidence: float, jackknife: ArrayLike | None = None
) -> Estimate:
    """``e`` with its percentile interval widened for few clusters
    (``recenter.stats.bootstrap.small_cluster_interval``); with ``jackknife`` (leave-one-
    cluster-out values) the interval is first made BCa (``bca_interval``), then widened."""
    if jackknife is None:
        low, high = small_cluster_interval(e.estimate, e.replicates, confidence, n_clusters)
        return Estimate(e.estimate, float(low), float(high), e.replicates, e.n)
    lo, hi = bca_interval(e.estimate, e.replicates, jackknife, confidence)
    f = small_cluster_factor(n_clusters, confidence)
    est = e.estimate
    return Estimate(
        est, float(est + f * (lo - est)), float(est + f * (hi - est)), e.replicates, e.n
    )


def jackknife_z(e: Estimate, jackknife: ArrayLike, confidence: float) -> Estimate:
    """``e`` with the interval of ``recenter.stats.bootstrap.jackknife_fisher_z_interval``
    (bias-corrected jackknife on Fisher's z, t(G − 1), widened by the small-cluster factor)
    from its leave-one-cluster-out values; the estimate and the replicates are kept."""
    low, high = jackknife_fisher_z_interval(e.estimate, jackknife, confidence)
    return Estimate(e.estimate, low, high, e.replicates, e.n)
