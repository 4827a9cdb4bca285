"""Spearman's rho of ordinal ratings with a cluster bootstrap (``recenter.stats.ratings``).

Spearman's rho is not a function of sums (ranks depend on the whole sample), so a replicate is
computed with *frequency weights*: a cluster drawn k times gives each of its units weight k,
and the weighted mid-ranks / weighted Pearson correlation equal the tie-corrected Spearman rho
of the expanded sample (``spearman_weighted``). The sort order of each variable is the same in
every replicate, so all replicates of a chunk are one vectorized pass. The same weights with
one cluster left out give the jackknife values of a BCa interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import combinations
from typing import Unpack

import numpy as np
from numpy.typing import ArrayLike

from recenter.stats.bootstrap import percentile_interval, resample_counts
from recenter.stats.estimate import BootstrapArgs, Estimate, mean_of_pairs


def weighted_midranks(x: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """Mid-ranks of ``x`` (n,) in samples where unit i appears ``weights[b, i]`` times.

    ``weights``: (B × n) non-negative frequency weights. The rank of a value v is
    W(< v) + (W(= v) + 1)/2, the average rank its copies get in the expanded sample
    (ties share their average rank, as in ``scipy.stats.rankdata(method="average")``).
    Returns (B × n); entries of units with weight 0 are defined but never used.
    """
    x = np.asarray(x, dtype=float)
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    order = np.argsort(x, kind="stable")
    xs = x[order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    ends = np.r_[starts[1:], xs.size] - 1
    group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, xs.size]))
    cum = np.cumsum(w[:, order], axis=1)
    before = np.where(starts > 0, cum[:, np.maximum(starts - 1, 0)], 0.0)
    in_group = cum[:, ends] - before
    mid = before + (in_group + 1.0) / 2.0  # (B × groups)
    ranks = np.empty_like(w)
    ranks[:, order] = mid[:, group]
    return ranks


def weighted_pearson(x: ArrayLike, y: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """Pearson correlation of rows of ``x`` and ``y`` (B × n) with frequency weights (B × n).

    r = Σw(x−x̄)(y−ȳ) / sqrt(Σw(x−x̄)² Σw(y−ȳ)²), means weighted. NaN when either variance is 0.
    """
    w = np.asarray(weights, dtype=float)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    sw = w.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = (w * x).sum(axis=-1, keepdims=True) / sw
        my = (w * y).sum(axis=-1, keepdims=True) / sw
        dx, dy = x - mx, y - my
        cov = (w * dx * dy).sum(axis=-1)
        vx = (w * dx * dx).sum(axis=-1)
        vy = (w * dy * dy).sum(axis=-1)
        r = cov / np.sqrt(vx * vy)
    return np.where((vx > 0) & (vy > 0), r, np.nan)


def spearman_weighted(x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None) -> np.ndarray:
    """Spearman's rho (tie-corrected: Pearson correlation of mid-ranks) of ``x`` and ``y`` with
    frequency weights (B × n, default one row of ones): equals ``scipy.stats.spearmanr`` on the
    sample where unit i is repeated ``weights[b, i]`` times (Spearman 1904; ties: Kendall 1948,
    average ranks). Units where x or y is NaN are dropped. Returns (B,).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = ~np.isnan(x) & ~np.isnan(y)
    if weights is None:
        weights = np.ones((1, x.size))
    w = np.atleast_2d(np.asarray(weights, dtype=float))[:, keep]
    x, y = np.asarray(x[keep]), np.asarray(y[keep])
    if x.size < 2:
        return np.full(w.shape[0], np.nan)
    return weighted_pearson(weighted_midranks(x, w), weighted_midranks(y, w), w)


def spearman(x: ArrayLike, y: ArrayLike) -> float:
    """Spearman's rho of two vectors on the units where both are present (NaN if undefined)."""
    return float(spearman_weighted(x, y)[0])


def _replicate_weights(
    clusters: ArrayLike, n_clusters: int, replicates: int, seed: int
) -> Iterator[np.ndarray]:
    """Yield (b × n_units) frequency weights: the unit's cluster's draw count, chunk by chunk
    (the same resamples as ``recenter.stats.bootstrap.cluster_bootstrap`` with this seed)."""
    clusters = np.asarray(clusters, dtype=np.int64)
    for counts in resample_counts(n_clusters, replicates, seed):
        yield counts[:, clusters]


def spearman_bootstrap(
    x: ArrayLike, y: ArrayLike, clusters: ArrayLike, n_clusters: int, **boot: Unpack[BootstrapArgs]
) -> Estimate:
    """Spearman's rho of x and y with a percentile cluster-bootstrap interval (clusters are
    resampled with replacement; a unit's weight is its cluster's draw count)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = ~np.isnan(x) & ~np.isnan(y)
    est = spearman(x, y)
    reps = np.concatenate(
        [
            spearman_weighted(x, y, w)
            for w in _replicate_weights(clusters, n_clusters, boot["replicates"], boot["seed"])
        ]
    )
    low, high = percentile_interval(reps, boot["confidence"])
    return Estimate(float(est), float(low), float(high), reps, int(keep.sum()))


def pairwise_spearman_bootstrap(
    ratings: ArrayLike, clusters: ArrayLike, n_clusters: int, **boot: Unpack[BootstrapArgs]
) -> tuple[Estimate, list[tuple[int, int, Estimate]]]:
    """Mean over rater pairs of Spearman's rho on the units both rated (``ratings``: units ×
    raters, NaN = not rated), and each pair's rho. Pairs whose rho is undefined (fewer than
    2 common units, or a constant rater) are left out of the mean; its interval averages the
    pairs on every replicate (the same resamples for every pair)."""
    ratings = np.asarray(ratings, dtype=float)
    pairs = []
    for a, b in combinations(range(ratings.shape[1]), 2):
        e = spearman_bootstrap(ratings[:, a], ratings[:, b], clusters, n_clusters, **boot)
        pairs.append((a, b, e))
    return mean_of_pairs(pairs, boot["confidence"]), pairs


# ---- like-for-like judge–human Spearman ----------------------------------------------------
@dataclass(frozen=True)
class LeaveOneOut:
    """Like-for-like comparison of a rater with the humans (``loo_spearman_bootstrap``)."""

    rater: Estimate  # mean over held-out humans j of rho(rater, mean of the others)
    human: Estimate  # mean over j of rho(human j, mean of the others), same units
    gap: Estimate  # rater − human
    n_holdouts: int  # held-out humans with both rhos defined


def _loo_parts(rating: ArrayLike, ratings: ArrayLike) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """For each human j: (units used, mean of the other humans on them). A unit is used when
    the rater, human j and at least one other human rated it."""
    r = np.asarray(rating, dtype=float)
    h = np.asarray(ratings, dtype=float)
    out = []
    for j in range(h.shape[1]):
        others = np.delete(h, j, axis=1)
        n_o = (~np.isnan(others)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.where(n_o > 0, np.nansum(others, axis=1) / np.maximum(n_o, 1), np.nan)
        sel = ~np.isnan(r) & ~np.isnan(h[:, j]) & ~np.isnan(m)
        out.append((j, sel, m))
    return out


def loo_spearman(rating: ArrayLike, ratings: ArrayLike) -> tuple[float, float, float]:
    """Point estimates of ``loo_spearman_bootstrap``: (rater, human, gap)."""
    r = np.asarray(rating, dtype=float)
    h = np.asarray(ratings, dtype=float)
    pairs = []
    for j, sel, m in _loo_parts(r, h):
        a, b = spearman(r[sel], m[sel]), spearman(h[sel, j], m[sel])
        if not (np.isnan(a) or np.isnan(b)):
            pairs.append((a, b))
    if not pairs:
        return float("nan"), float("nan"), float("nan")
    a, b = np.mean(pairs, axis=0)
    return float(a), float(b), float(a - b)


def loo_spearman_bootstrap(
    rating: ArrayLike,
    ratings: ArrayLike,
    clusters: ArrayLike,
    n_clusters: int,
    **boot: Unpack[BootstrapArgs],
) -> LeaveOneOut:
    """Like-for-like Spearman comparison of a rater (an LLM judge, a reward model) with K ≥ 2
    human raters: hold out human j, correlate the rater with the mean of the other K − 1
    humans and human j with that same mean on the same units, and average over j. Both sides
    face the same noisy consensus (the mean of K − 1 raters), so a rater interchangeable with
    the humans has gap 0 in expectation, whereas rho(rater, mean of K) − mean pairwise
    rho(human, human) is positive for it (a mean of K ratings is more reliable than one).
    Intervals: percentile cluster bootstrap with the same resamples for every part."""
    r = np.asarray(rating, dtype=float)
    h = np.asarray(ratings, dtype=float)
    cl = np.asarray(clusters, dtype=np.int64)
    parts = []
    for j, sel, m in _loo_parts(r, h):
        a = spearman_bootstrap(r[sel], m[sel], cl[sel], n_clusters, **boot)
        b = spearman_bootstrap(h[sel, j], m[sel], cl[sel], n_clusters, **boot)
        if not (np.isnan(a.estimate) or np.isnan(b.estimate)):
            parts.append((a, b))
    if not parts:
        nan = Estimate(
            float("nan"), float("nan"), float("nan"), np.full(boot["replicates"], np.nan), 0
        )
        return LeaveOneOut(nan, nan, nan, 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN replicate -> NaN
        ra = np.nanmean(np.stack([a.replicates for a, _ in parts]), axis=0)
        rb = np.nanmean(np.stack([b.replicates for _, b in parts]), axis=0)
        # the gap averages the per-holdout differences (like-for-like within each holdout)
        rg = np.nanmean(np.stack([a.replicates - b.replicates for a, b in parts]), axis=0)
    ea = float(np.mean([a.estimate for a, _ in parts]))
    eb = float(np.mean([b.estimate for _, b in parts]))
    n = int(max(a.n for a, _ in parts))

    def est(e: float, reps: np.ndarray) -> Estimate:
        low, high = percentile_interval(reps, boot["confidence"])
        return Estimate(e, float(low), float(high), reps, n)

    return LeaveOneOut(est(ea, ra), est(eb, rb), est(ea - eb, rg), len(parts))


def spearman_jackknife(x: ArrayLike, y: ArrayLike, clusters: ArrayLike) -> np.ndarray:
    """Spearman's rho of x and y with each cluster left out in turn (clusters that have a
    unit where both are present): the jackknife values of ``bca_interval``."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    cl = np.asarray(clusters, dtype=np.int64)
    keep = ~np.isnan(x) & ~np.isnan(y)
    present = np.unique(cl[keep])
    if present.size < 2:
        return np.full(present.size, np.nan)
    w = (cl[None, :] != present[:, None]).astype(float)
    return spearman_weighted(x, y, w)


def pairwise_spearman_jackknife(ratings: ArrayLike, clusters: ArrayLike) -> np.ndarray:
    """Leave-one-cluster-out mean over rater pairs of Spearman's rho (pairs whose rho is
    undefined are skipped, as in ``pairwise_spearman_bootstrap``), one value per cluster."""
    h = np.asarray(ratings, dtype=float)
    cl = np.asarray(clusters, dtype=np.int64)
    present = np.unique(cl[(~np.isnan(h)).sum(axis=1) >= 2])
    if present.size < 2:
        return np.full(present.size, np.nan)
    w = (cl[None, :] != present[:, None]).astype(float)
    vals = [spearman_weighted(h[:, a], h[:, b], w) for a, b in combinations(range(h.shape[1]), 2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.stack(vals), axis=0) if vals else np.full(present.size, np.nan)
