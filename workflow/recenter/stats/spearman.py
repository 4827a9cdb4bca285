"""Spearman's rho of ordinal ratings with a cluster bootstrap (``recenter.stats.ratings``).

Spearman's rho is not a function of sums (ranks depend on the whole sample), so a replicate is
computed with *frequency weights*: a cluster drawn k times gives each of its units weight k,
and the weighted mid-ranks / weighted Pearson correlation of the ranks equal the tie-corrected
Spearman rho of the expanded sample (``weighted_midranks``, ``weighted_pearson``, the per-unit
definition). Ratings take few distinct values, so the statistics work on the contingency table
of x and y instead (``recenter.stats.spearman_grid``): a replicate's rho depends only on the
weight of each occupied (x value, y value) cell, and the weights of all cells in a chunk of
replicates are one product (draw counts per cluster) @ (units per cluster and cell). A
replicate then costs O(clusters × cells), not O(units); a continuous score has one cell per
unit and keeps the per-unit order of cost. With integer weights mid-ranks and centred ranks
are exact and the correlation is taken of centred ranks, so the two forms agree bit for bit
up to about 10**5 copies per replicate, to a few ulps beyond (tested against scipy on
expanded samples). Statistics of several pairs on the same clusters share one
resample stream (the same resamples as ``recenter.stats.bootstrap.cluster_bootstrap``). The
same weights with one cluster left out give the jackknife values of a BCa interval.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Unpack

import numpy as np
from numpy.typing import ArrayLike

from recenter.stats import spearman_grid as g
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


def _pair(x: np.ndarray, y: np.ndarray, clusters: np.ndarray, n_clusters: int) -> g.Pair | None:
    """x and y on the units where both are present (None when fewer than 2: rho undefined)."""
    keep = ~np.isnan(x) & ~np.isnan(y)
    if keep.sum() < 2:
        return None
    return g.pair(g.variable(x[keep]), g.variable(y[keep]), clusters[keep], n_clusters)


def spearman_weighted(x: ArrayLike, y: ArrayLike, weights: ArrayLike | None = None) -> np.ndarray:
    """Spearman's rho (tie-corrected: Pearson correlation of mid-ranks) of ``x`` and ``y`` with
    frequency weights (B × n, default one row of ones): equals ``scipy.stats.spearmanr`` on the
    sample where unit i is repeated ``weights[b, i]`` times (Spearman 1904; ties: Kendall 1948,
    average ranks). Units where x or y is NaN are dropped. Returns (B,). Computed on the
    contingency table of x and y (each unit its own cluster, ``recenter.stats.spearman_grid``).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    w = np.ones((1, x.size)) if weights is None else np.asarray(weights, dtype=float)
    w = np.atleast_2d(w)
    p = _pair(x, y, np.arange(x.size), x.size)
    if p is None:
        return np.full(w.shape[0], np.nan)
    return g.pair_rho_chunk(w, p)


def spearman(x: ArrayLike, y: ArrayLike) -> float:
    """Spearman's rho of two vectors on the units where both are present (NaN if undefined)."""
    return float(spearman_weighted(x, y)[0])


def _bootstrap_rhos(
    pairs: Sequence[g.Pair], n_clusters: int, replicates: int, seed: int
) -> list[np.ndarray]:
    """Replicates of rho of every pair on the same resamples, drawn once (those of
    ``recenter.stats.bootstrap.cluster_bootstrap`` with this seed)."""
    out: list[list[np.ndarray]] = [[] for _ in pairs]
    for counts in resample_counts(n_clusters, replicates, seed):
        for o, p in zip(out, pairs, strict=True):
            o.append(g.pair_rho_chunk(counts, p, whole=True))
    return [np.concatenate(o) if o else np.empty(0) for o in out]


def _point(p: g.Pair, n_clusters: int) -> float:
    """rho on the sample itself (every cluster once)."""
    return float(g.pair_rho(np.ones((1, n_clusters)), p, whole=True)[0])


def _estimate(est: float, reps: np.ndarray, n: int, confidence: float) -> Estimate:
    low, high = percentile_interval(reps, confidence)
    return Estimate(float(est), float(low), float(high), reps, n)


def _bootstrap_pairs(
    xy: Sequence[tuple[np.ndarray, np.ndarray]],
    clusters: ArrayLike,
    n_clusters: int,
    **boot: Unpack[BootstrapArgs],
) -> list[Estimate]:
    """``spearman_bootstrap`` of several (x, y) on the same units, with one resample stream."""
    cl = np.asarray(clusters, dtype=np.int64)
    pairs = [_pair(x, y, cl, n_clusters) for x, y in xy]
    defined = [p for p in pairs if p is not None]
    reps = iter(_bootstrap_rhos(defined, n_clusters, boot["replicates"], boot["seed"]))
    out = []
    for (x, y), p in zip(xy, pairs, strict=True):
        n = int((~np.isnan(x) & ~np.isnan(y)).sum())
        if p is None:
            nan = np.full(boot["replicates"], np.nan)
            out.append(_estimate(np.nan, nan, n, boot["confidence"]))
        else:
            out.append(_estimate(_point(p, n_clusters), next(reps), n, boot["confidence"]))
    return out


def spearman_bootstrap(
    x: ArrayLike, y: ArrayLike, clusters: ArrayLike, n_clusters: int, **boot: Unpack[BootstrapArgs]
) -> Estimate:
    """Spearman's rho of x and y with a percentile cluster-bootstrap interval (clusters are
    resampled with replacement; a unit's weight is its cluster's draw count)."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    return _bootstrap_pairs([(x, y)], clusters, n_clusters, **boot)[0]


def pairwise_spearman_bootstrap(
    ratings: ArrayLike, clusters: ArrayLike, n_clusters: int, **boot: Unpack[BootstrapArgs]
) -> tuple[Estimate, list[tuple[int, int, Estimate]]]:
    """Mean over rater pairs of Spearman's rho on the units both rated (``ratings``: units ×
    raters, NaN = not rated), and each pair's rho. Pairs whose rho is undefined (fewer than
    2 common units, or a constant rater) are left out of the mean; its interval averages the
    pairs on every replicate (the same resamples for every pair)."""
    ratings = np.asarray(ratings, dtype=float)
    ab = list(combinations(range(ratings.shape[1]), 2))
    es = _bootstrap_pairs(
        [(ratings[:, a], ratings[:, b]) for a, b in ab], clusters, n_clusters, **boot
    )
    pairs = [(a, b, e) for (a, b), e in zip(ab, es, strict=True)]
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


@dataclass(frozen=True)
class _Holdout:
    """One held-out human j of one rater: the two pairs on the units used, their estimates."""

    rater: g.Pair  # (rater, mean of the others)
    human: g.Pair  # (human j, mean of the others): shared by raters with the same units
    estimates: tuple[float, float]
    n: int


def _holdouts(
    systems: Sequence[np.ndarray], h: np.ndarray, cl: np.ndarray, n_clusters: int
) -> list[list[_Holdout]]:
    """For each rater, its held-out humans with both rhos defined. The human side depends only
    on j and the units used (the exact selection mask), so raters with the same units share it
    (the grouping of the consensus, the pair, its estimate and its replicates)."""
    human: dict[tuple[int, bytes], tuple[g.Variable, g.Pair, float]] = {}
    out = []
    for r in systems:
        parts = []
        for j, sel, m in _loo_parts(r, h):
            if sel.sum() < 2:
                continue
            key = (j, sel.tobytes())
            if key not in human:
                vm = g.variable(m[sel])
                hp = g.pair(g.variable(h[sel, j]), vm, cl[sel], n_clusters)
                human[key] = (vm, hp, _point(hp, n_clusters))
            vm, hp, eb = human[key]
            rp = g.pair(g.variable(r[sel]), vm, cl[sel], n_clusters)
            ea = _point(rp, n_clusters)
            if not (np.isnan(ea) or np.isnan(eb)):
                parts.append(_Holdout(rp, hp, (ea, eb), int(sel.sum())))
        out.append(parts)
    return out


def _loo_result(
    parts: list[_Holdout], reps: dict[int, np.ndarray], boot: BootstrapArgs
) -> LeaveOneOut:
    """Average the held-out humans of one rater (``reps``: replicates by ``id`` of a pair)."""
    if not parts:
        nan = Estimate(
            float("nan"), float("nan"), float("nan"), np.full(boot["replicates"], np.nan), 0
        )
        return LeaveOneOut(nan, nan, nan, 0)
    a_reps = np.stack([reps[id(p.rater)] for p in parts])
    b_reps = np.stack([reps[id(p.human)] for p in parts])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN replicate -> NaN
        ra = np.nanmean(a_reps, axis=0)
        rb = np.nanmean(b_reps, axis=0)
        # the gap averages the per-holdout differences (like-for-like within each holdout)
        rg = np.nanmean(a_reps - b_reps, axis=0)
    ea = float(np.mean([p.estimates[0] for p in parts]))
    eb = float(np.mean([p.estimates[1] for p in parts]))
    n, conf = int(max(p.n for p in parts)), boot["confidence"]
    return LeaveOneOut(
        _estimate(ea, ra, n, conf),
        _estimate(eb, rb, n, conf),
        _estimate(ea - eb, rg, n, conf),
        len(parts),
    )


def loo_spearman_bootstrap_systems(
    systems: Sequence[ArrayLike],
    ratings: ArrayLike,
    clusters: ArrayLike,
    n_clusters: int,
    **boot: Unpack[BootstrapArgs],
) -> list[LeaveOneOut]:
    """``loo_spearman_bootstrap`` of several raters against the same humans, equal to calling it
    for each, with one resample stream and the human side computed once per held-out human
    and set of units used (raters that rated the same units share it)."""
    h = np.asarray(ratings, dtype=float)
    cl = np.asarray(clusters, dtype=np.int64)
    per_system = _holdouts([np.asarray(r, dtype=float) for r in systems], h, cl, n_clusters)
    unique: dict[int, g.Pair] = {}
    for parts in per_system:
        for p in parts:
            unique.setdefault(id(p.human), p.human)
            unique[id(p.rater)] = p.rater
    pairs = list(unique.values())
    reps = _bootstrap_rhos(pairs, n_clusters, boot["replicates"], boot["seed"])
    by_id = {id(p): r for p, r in zip(pairs, reps, strict=True)}
    return [_loo_result(parts, by_id, boot) for parts in per_system]


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
    return loo_spearman_bootstrap_systems([rating], ratings, clusters, n_clusters, **boot)[0]


def _leave_one_out_counts(present: np.ndarray, n_clusters: int) -> Iterator[np.ndarray]:
    """Draw counts with cluster ``present[i]`` left out (weight 0, every other cluster 1), in
    chunks of rows."""
    for s in range(0, present.size, 256):
        rows = present[s : s + 256]
        counts = np.ones((rows.size, n_clusters))
        counts[np.arange(rows.size), rows] = 0.0
        yield counts


def _jackknife(pair: g.Pair | None, present: np.ndarray, n_clusters: int) -> np.ndarray:
    if pair is None:
        return np.full(present.size, np.nan)
    return np.concatenate(
        [g.pair_rho_chunk(c, pair, whole=True) for c in _leave_one_out_counts(present, n_clusters)]
    )


def spearman_jackknife(x: ArrayLike, y: ArrayLike, clusters: ArrayLike) -> np.ndarray:
    """Spearman's rho of x and y with each cluster left out in turn (clusters that have a
    unit where both are present): the jackknife values of ``bca_interval``."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    uniq, cl = np.unique(np.asarray(clusters, dtype=np.int64), return_inverse=True)
    cl = cl.reshape(-1)
    keep = ~np.isnan(x) & ~np.isnan(y)
    present = np.unique(cl[keep])
    if present.size < 2:
        return np.full(present.size, np.nan)
    return _jackknife(_pair(x, y, cl, uniq.size), present, uniq.size)


def pairwise_spearman_jackknife(ratings: ArrayLike, clusters: ArrayLike) -> np.ndarray:
    """Leave-one-cluster-out mean over rater pairs of Spearman's rho (pairs whose rho is
    undefined are skipped, as in ``pairwise_spearman_bootstrap``), one value per cluster."""
    h = np.asarray(ratings, dtype=float)
    uniq, cl = np.unique(np.asarray(clusters, dtype=np.int64), return_inverse=True)
    cl = cl.reshape(-1)
    present = np.unique(cl[(~np.isnan(h)).sum(axis=1) >= 2])
    if present.size < 2:
        return np.full(present.size, np.nan)
    vals = [
        _jackknife(_pair(h[:, a], h[:, b], cl, uniq.size), present, uniq.size)
        for a, b in combinations(range(h.shape[1]), 2)
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.stack(vals), axis=0) if vals else np.full(present.size, np.nan)
