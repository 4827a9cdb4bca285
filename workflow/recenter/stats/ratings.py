"""Statistics of ordinal ratings (Stage 3, 1–5 preference ratings): Spearman's rho with a
cluster bootstrap, Cohen's weighted kappa, Krippendorff's ordinal alpha and Wilcoxon/Holm tests.

Every statistic is written so that a cluster-bootstrap replicate is cheap:

- Spearman's rho is not a function of sums (ranks depend on the whole sample), so a replicate
  is computed with *frequency weights*: a cluster drawn k times gives each of its units weight
  k, and the weighted mid-ranks / weighted Pearson correlation equal the tie-corrected Spearman
  rho of the expanded sample (``spearman_weighted``). The sort order of each variable is the
  same in every replicate, so all replicates of a chunk are one vectorized pass.
- weighted kappa and ordinal alpha are functions of a contingency (coincidence) table, which is
  a sum over units: bootstrapped on per-cluster sums (``recenter.stats.bootstrap``).

Ratings are floats with NaN for "not rated".
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from recenter.stats.bootstrap import (
    cluster_bootstrap,
    cluster_sums,
    percentile_interval,
    resample_counts,
    small_cluster_interval,
)
from recenter.stats.ordinal import alpha_ordinal_from_coincidences, unit_coincidences


# ---- Spearman's rho -----------------------------------------------------------------------
def weighted_midranks(x, weights) -> np.ndarray:
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


def weighted_pearson(x, y, weights) -> np.ndarray:
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


def spearman_weighted(x, y, weights=None) -> np.ndarray:
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
    x, y = x[keep], y[keep]
    if x.size < 2:
        return np.full(w.shape[0], np.nan)
    return weighted_pearson(weighted_midranks(x, w), weighted_midranks(y, w), w)


def spearman(x, y) -> float:
    """Spearman's rho of two vectors on the units where both are present (NaN if undefined)."""
    return float(spearman_weighted(x, y)[0])


@dataclass(frozen=True)
class Estimate:
    """A statistic with its percentile interval, replicates and the number of units."""

    estimate: float
    ci_low: float
    ci_high: float
    replicates: np.ndarray  # (B,)
    n: int


def _replicate_weights(clusters, n_clusters: int, replicates: int, seed: int):
    """Yield (b × n_units) frequency weights: the unit's cluster's draw count, chunk by chunk
    (the same resamples as ``recenter.stats.bootstrap.cluster_bootstrap`` with this seed)."""
    clusters = np.asarray(clusters, dtype=np.int64)
    for counts in resample_counts(n_clusters, replicates, seed):
        yield counts[:, clusters]


def spearman_bootstrap(
    x, y, clusters, n_clusters: int, *, replicates: int, seed: int, confidence: float
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
            for w in _replicate_weights(clusters, n_clusters, replicates, seed)
        ]
    )
    low, high = percentile_interval(reps, confidence)
    return Estimate(float(est), float(low), float(high), reps, int(keep.sum()))


def pairwise_spearman_bootstrap(
    ratings, clusters, n_clusters: int, *, replicates: int, seed: int, confidence: float
) -> tuple[Estimate, list[tuple[int, int, Estimate]]]:
    """Mean over rater pairs of Spearman's rho on the units both rated (``ratings``: units ×
    raters, NaN = not rated), and each pair's rho. Pairs whose rho is undefined (fewer than
    2 common units, or a constant rater) are left out of the mean; its interval averages the
    pairs on every replicate (the same resamples for every pair)."""
    ratings = np.asarray(ratings, dtype=float)
    pairs = []
    for a, b in combinations(range(ratings.shape[1]), 2):
        e = spearman_bootstrap(
            ratings[:, a],
            ratings[:, b],
            clusters,
            n_clusters,
            replicates=replicates,
            seed=seed,
            confidence=confidence,
        )
        pairs.append((a, b, e))
    return _mean_of_pairs(pairs, confidence), pairs


def _mean_of_pairs(pairs, confidence: float) -> Estimate:
    defined = [e for _, _, e in pairs if not np.isnan(e.estimate)]
    if not defined:
        return Estimate(float("nan"), float("nan"), float("nan"), np.array([]), 0)
    est = float(np.mean([e.estimate for e in defined]))
    stack = np.stack([e.replicates for e in defined])
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            reps = np.nanmean(stack, axis=0)
    low, high = percentile_interval(reps, confidence)
    return Estimate(est, float(low), float(high), reps, int(sum(e.n for e in defined)))


# ---- like-for-like judge–human Spearman ----------------------------------------------------
@dataclass(frozen=True)
class LeaveOneOut:
    """Like-for-like comparison of a rater with the humans (``loo_spearman_bootstrap``)."""

    rater: Estimate  # mean over held-out humans j of rho(rater, mean of the others)
    human: Estimate  # mean over j of rho(human j, mean of the others), same units
    gap: Estimate  # rater − human
    n_holdouts: int  # held-out humans with both rhos defined


def _loo_parts(rating, ratings):
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


def loo_spearman(rating, ratings) -> tuple[float, float, float]:
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
    rating, ratings, clusters, n_clusters: int, *, replicates: int, seed: int, confidence: float
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
    kw = {"replicates": replicates, "seed": seed, "confidence": confidence}
    cl = np.asarray(clusters, dtype=np.int64)
    parts = []
    for j, sel, m in _loo_parts(r, h):
        a = spearman_bootstrap(r[sel], m[sel], cl[sel], n_clusters, **kw)
        b = spearman_bootstrap(h[sel, j], m[sel], cl[sel], n_clusters, **kw)
        if not (np.isnan(a.estimate) or np.isnan(b.estimate)):
            parts.append((a, b))
    if not parts:
        nan = Estimate(float("nan"), float("nan"), float("nan"), np.full(replicates, np.nan), 0)
        return LeaveOneOut(nan, nan, nan, 0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN replicate -> NaN
        ra = np.nanmean(np.stack([a.replicates for a, _ in parts]), axis=0)
        rb = np.nanmean(np.stack([b.replicates for _, b in parts]), axis=0)
        # the gap averages the per-holdout differences (like-for-like within each holdout)
        rg = np.nanmean(np.stack([a.replicates - b.replicates for a, b in parts]), axis=0)
    ea = float(np.mean([a.estimate for a, _ in parts]))
    eb = float(np.mean([b.estimate for _, b in parts]))
    n = int(max(a.n for a, _ in parts))

    def est(e, reps):
        low, high = percentile_interval(reps, confidence)
        return Estimate(e, float(low), float(high), reps, n)

    return LeaveOneOut(est(ea, ra), est(eb, rb), est(ea - eb, rg), len(parts))


# ---- small-cluster intervals and dropped replicates ------------------------------------------
def n_dropped(e: Estimate) -> int:
    """Bootstrap replicates where the statistic was undefined (NaN), left out of the interval."""
    return int(np.isnan(np.asarray(e.replicates, dtype=float)).sum())


def small_cluster(e: Estimate, n_clusters: int, confidence: float, jackknife=None) -> Estimate:
    """``e`` with its percentile interval widened for few clusters
    (``recenter.stats.bootstrap.small_cluster_interval``); with ``jackknife`` (leave-one-
    cluster-out values) the interval is first made BCa (``bca_interval``), then widened."""
    if jackknife is None:
        low, high = small_cluster_interval(e.estimate, e.replicates, confidence, n_clusters)
        return Estimate(e.estimate, float(low), float(high), e.replicates, e.n)
    from recenter.stats.bootstrap import bca_interval, small_cluster_factor

    low, high = bca_interval(e.estimate, e.replicates, jackknife, confidence)
    f = small_cluster_factor(n_clusters, confidence)
    est = e.estimate
    return Estimate(
        est, float(est + f * (low - est)), float(est + f * (high - est)), e.replicates, e.n
    )


def spearman_jackknife(x, y, clusters) -> np.ndarray:
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


def pairwise_spearman_jackknife(ratings, clusters) -> np.ndarray:
    """Leave-one-cluster-out mean over rater pairs of Spearman's rho (pairs whose rho is
    undefined are skipped, as in ``pairwise_spearman_bootstrap``), one value per cluster."""
    import warnings

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


# ---- weighted kappa -------------------------------------------------------------------------
def category_codes(values, categories) -> np.ndarray:
    """Index of each value in ``categories`` (−1 for NaN); raises on a value outside them."""
    values = np.asarray(values, dtype=float)
    cats = np.asarray(categories, dtype=float)
    codes = np.full(values.shape, -1, dtype=np.int64)
    present = ~np.isnan(values)
    idx = np.searchsorted(cats, values[present])
    idx_ok = np.clip(idx, 0, cats.size - 1)
    if not np.all(cats[idx_ok] == values[present]):
        bad = values[present][cats[idx_ok] != values[present]]
        raise ValueError(f"ratings {sorted(set(bad.tolist()))} are not in {cats.tolist()}")
    codes[present] = idx_ok
    return codes


def pair_tables(a, b, categories) -> np.ndarray:
    """Per-unit one-hot contingency cell of two raters (units × K × K); zero where either is
    missing. Summed over units it is the K × K table of the pair."""
    k = len(categories)
    ca, cb = category_codes(a, categories), category_codes(b, categories)
    out = np.zeros((ca.size, k, k))
    both = (ca >= 0) & (cb >= 0)
    out[np.flatnonzero(both), ca[both], cb[both]] = 1.0
    return out


def kappa_weights(k: int, kind: str) -> np.ndarray:
    """Disagreement weights of Cohen's weighted kappa for K ordered categories:
    linear |i−j|/(K−1), quadratic ((i−j)/(K−1))² (Cohen 1968; Fleiss & Cohen 1973)."""
    power = {"linear": 1, "quadratic": 2}[kind]
    idx = np.arange(k)
    return (np.abs(idx[:, None] - idx[None, :]) / (k - 1)) ** power


def weighted_kappa_from_table(table, kind: str) -> np.ndarray:
    """Cohen's weighted kappa from K × K tables (..., K, K), vectorized:
    kappa_w = 1 − Σ w_ij p_ij / Σ w_ij p_i· p_·j (Cohen 1968). NaN on an empty table or when
    the expected disagreement is 0 (both raters constant on the same category)."""
    t = np.asarray(table, dtype=float)
    n = t.sum(axis=(-2, -1))
    w = kappa_weights(t.shape[-1], kind)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = t / n[..., None, None]
        expected = p.sum(axis=-1)[..., :, None] * p.sum(axis=-2)[..., None, :]
        de = (w * expected).sum(axis=(-2, -1))
        kappa = 1.0 - (w * p).sum(axis=(-2, -1)) / de
    return np.where((n > 0) & (de > 1e-15), kappa, np.nan)


def weighted_kappa(a, b, categories, kind: str) -> float:
    """Cohen's weighted kappa of two raters on the units both rated."""
    return float(weighted_kappa_from_table(pair_tables(a, b, categories).sum(axis=0), kind))


def pairwise_weighted_kappa_bootstrap(
    ratings,
    categories,
    clusters,
    n_clusters: int,
    kind: str,
    *,
    replicates: int,
    seed: int,
    confidence: float,
) -> tuple[Estimate, list[tuple[int, int, Estimate]]]:
    """Mean over rater pairs of weighted kappa (``kind`` linear | quadratic) and each pair's
    kappa, with percentile cluster-bootstrap intervals (per-cluster K × K tables)."""
    ratings = np.asarray(ratings, dtype=float)
    pairs_ix = list(combinations(range(ratings.shape[1]), 2))
    if not pairs_ix:
        return _mean_of_pairs([], confidence), []
    unit = np.stack([pair_tables(ratings[:, a], ratings[:, b], categories) for a, b in pairs_ix], 1)
    sums = cluster_sums(unit, clusters, n_clusters)  # C × P × K × K
    res = cluster_bootstrap(
        sums,
        lambda t: weighted_kappa_from_table(t, kind),
        replicates=replicates,
        seed=seed,
        confidence=confidence,
    )
    n_pair = sums.sum(axis=(0, 2, 3))
    pairs = [
        (
            a,
            b,
            Estimate(
                float(res.estimate[p]),
                float(res.ci_low[p]),
                float(res.ci_high[p]),
                res.replicates[:, p],
                int(n_pair[p]),
            ),
        )
        for p, (a, b) in enumerate(pairs_ix)
    ]
    return _mean_of_pairs(pairs, confidence), pairs


# ---- Krippendorff's ordinal alpha -----------------------------------------------------------
def coincidence_unit_stats(ratings, categories) -> np.ndarray:
    """Per-unit contribution to Krippendorff's coincidence matrix (units × K × K) of ratings on
    the ordered scale ``categories`` (units × raters, NaN = missing); the formula lives in
    recenter.stats.ordinal.unit_coincidences (Krippendorff 2011, §C)."""
    codes = category_codes(ratings, categories).astype(float)
    codes[codes < 0] = np.nan
    return unit_coincidences(codes, len(categories))


def ordinal_alpha(ratings, categories) -> float:
    """Krippendorff's ordinal alpha of units × raters ``ratings`` (NaN = missing)."""
    return float(
        alpha_ordinal_from_coincidences(coincidence_unit_stats(ratings, categories).sum(0))
    )


def ordinal_alpha_bootstrap(
    ratings, categories, clusters, n_clusters: int, *, replicates: int, seed: int, confidence
) -> Estimate:
    """Ordinal alpha with a percentile cluster-bootstrap interval (per-cluster coincidences);
    n = units with at least two values."""
    unit = coincidence_unit_stats(ratings, categories)
    n_pairable = int((unit.sum(axis=(1, 2)) > 0).sum())
    sums = cluster_sums(unit, clusters, n_clusters)
    res = cluster_bootstrap(
        sums,
        alpha_ordinal_from_coincidences,
        replicates=replicates,
        seed=seed,
        confidence=confidence,
    )
    return Estimate(
        float(res.estimate), float(res.ci_low), float(res.ci_high), res.replicates, n_pairable
    )


# ---- means and ratios of sums ---------------------------------------------------------------
def ratio_bootstrap(
    numerator, denominator, clusters, n_clusters: int, *, replicates, seed, confidence
) -> Estimate:
    """Σ numerator / Σ denominator over units (a mean, a share) with a percentile cluster-
    bootstrap interval; NaN replicates (empty denominator) are ignored by the interval."""
    unit = np.stack([np.asarray(numerator, float), np.asarray(denominator, float)], axis=-1)
    sums = cluster_sums(unit, clusters, n_clusters)

    def stat(t):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(t[..., 1] > 0, t[..., 0] / t[..., 1], np.nan)

    res = cluster_bootstrap(sums, stat, replicates=replicates, seed=seed, confidence=confidence)
    return Estimate(
        float(res.estimate),
        float(res.ci_low),
        float(res.ci_high),
        res.replicates,
        int(np.asarray(denominator, float).astype(bool).sum()),
    )


def difference_of_means_bootstrap(
    values, group, clusters, n_clusters: int, *, replicates, seed, confidence
) -> Estimate:
    """Δ = mean(values | group) − mean(values | not group) over units with a value and a
    group, with a percentile cluster-bootstrap interval. NaN (never 0) when either group is
    empty; replicates where a group is empty are NaN and left out of the interval."""
    v = np.asarray(values, float)
    g = np.asarray(group, float)
    ok = ~np.isnan(v) & ~np.isnan(g)
    v0 = np.where(ok, v, 0.0)
    g1 = np.where(ok, g == 1, False).astype(float)
    g0 = np.where(ok, g == 0, False).astype(float)
    unit = np.stack([v0 * g1, g1, v0 * g0, g0], axis=-1)
    sums = cluster_sums(unit, clusters, n_clusters)

    def stat(t):
        with np.errstate(invalid="ignore", divide="ignore"):
            d = t[..., 0] / t[..., 1] - t[..., 2] / t[..., 3]
        return np.where((t[..., 1] > 0) & (t[..., 3] > 0), d, np.nan)

    res = cluster_bootstrap(sums, stat, replicates=replicates, seed=seed, confidence=confidence)
    return Estimate(
        float(res.estimate), float(res.ci_low), float(res.ci_high), res.replicates, int(ok.sum())
    )


# ---- paired differences on an exact grid -------------------------------------------------
def paired_difference_grid(rating, ratings) -> tuple[np.ndarray, np.ndarray, int]:
    """Exact paired differences rater − mean of the other raters per unit, as integers over a
    common denominator, so that equal differences are equal numbers (in floats 4 − 11/3 and
    5 − 14/3 differ in the last bits, and a rank test would break their tie by noise).

    ``rating``: (n,) integer-valued ratings (NaN = not rated); ``ratings``: (n × K) the raters
    it is compared with (NaN = not rated). With k_u ≥ 1 raters on unit u and L = lcm of the
    k_u, the difference is numerator_u / L with numerator_u = L · rating_u − (L / k_u) ·
    Σ ratings_u. Returns (numerators (n,) int64, 0 where undefined; defined (n,) bool; L).
    Raises on a non-integer rating."""
    r = np.asarray(rating, dtype=float)
    m = np.asarray(ratings, dtype=float)
    k = (~np.isnan(m)).sum(axis=1)
    defined = ~np.isnan(r) & (k > 0)
    vals = np.concatenate([r[defined], m[defined][~np.isnan(m[defined])]])
    if vals.size and not np.all(vals == np.round(vals)):
        raise ValueError("paired_difference_grid needs integer-valued ratings (a 1–5 scale)")
    lcm = int(np.lcm.reduce(np.unique(k[defined]).astype(np.int64))) if defined.any() else 1
    sums = np.nansum(m, axis=1)
    num = np.zeros(r.size, dtype=np.int64)
    kd = k[defined].astype(np.int64)
    num[defined] = lcm * np.round(r[defined]).astype(np.int64) - (lcm // kd) * np.round(
        sums[defined]
    ).astype(np.int64)
    return num, defined, lcm


# ---- tests ---------------------------------------------------------------------------------
def wilcoxon_signed_rank(differences) -> tuple[float, float, str]:
    """Two-sided Wilcoxon signed-rank test of paired differences (scipy.stats.wilcoxon,
    zero_method="wilcox": zero differences are dropped, Wilcoxon 1945). Ties are decided on
    the values exactly as given: pass integers on a common grid (``paired_difference_grid``)
    or ``fractions.Fraction``s, not float differences of means (their ties are lost to
    rounding). Exact null distribution for n ≤ 50 non-zero differences without ties, else
    the tie-corrected normal approximation. Returns (statistic, p, method); NaN p when there
    is no non-zero difference. Units are treated as independent: a unit-level test."""
    from recenter.stats.cluster_tests import wilcoxon_exact_values

    d = np.asarray(differences)
    if d.dtype.kind == "f":
        d = d[~np.isnan(d)]
    return wilcoxon_exact_values(d.tolist())


def holm(pvalues) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values via statsmodels ``multipletests``; NaN p-values
    are left out of the family and stay NaN."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out
