"""Statistics of ordinal ratings (Stage 3, 1–5 preference ratings): Spearman's rho with a
cluster bootstrap, Cohen's weighted kappa, Krippendorff's ordinal alpha and Wilcoxon/Holm tests.

Every statistic is written so that a cluster-bootstrap replicate is cheap:

- Spearman's rho is not a function of sums (ranks depend on the whole sample), so a replicate
  is computed with *frequency weights* (``recenter.stats.spearman``).
- weighted kappa and ordinal alpha are functions of a contingency (coincidence) table, which is
  a sum over units: bootstrapped on per-cluster sums (``recenter.stats.bootstrap``).

The result type ``Estimate`` and its helpers live in ``recenter.stats.estimate``, Spearman's rho
in ``recenter.stats.spearman``; both are re-exported here, the module callers import.
Ratings are floats with NaN for "not rated".
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Unpack

import numpy as np
from numpy.typing import ArrayLike

from recenter.stats.bootstrap import (
    cluster_bootstrap,
    cluster_sums,
    small_cluster_interval,
)
from recenter.stats.estimate import (
    BootstrapArgs,
    Estimate,
    jackknife_z,
    mean_of_pairs,
    n_dropped,
    small_cluster,
)
from recenter.stats.ordinal import alpha_ordinal_from_coincidences, unit_coincidences
from recenter.stats.spearman import (
    LeaveOneOut,
    loo_spearman,
    loo_spearman_bootstrap,
    loo_spearman_bootstrap_systems,
    pairwise_spearman_bootstrap,
    pairwise_spearman_jackknife,
    spearman,
    spearman_bootstrap,
    spearman_jackknife,
    spearman_weighted,
    weighted_midranks,
    weighted_pearson,
)

__all__ = [
    "Estimate",
    "LeaveOneOut",
    "category_codes",
    "coincidence_unit_stats",
    "difference_of_means_bootstrap",
    "holm",
    "jackknife_z",
    "kappa_weights",
    "loo_spearman",
    "loo_spearman_bootstrap",
    "loo_spearman_bootstrap_systems",
    "n_dropped",
    "ordinal_alpha",
    "ordinal_alpha_bootstrap",
    "pair_tables",
    "paired_difference_grid",
    "pairwise_spearman_bootstrap",
    "pairwise_spearman_jackknife",
    "pairwise_weighted_kappa_bootstrap",
    "ratio_bootstrap",
    "small_cluster",
    "small_cluster_interval",
    "spearman",
    "spearman_bootstrap",
    "spearman_jackknife",
    "spearman_weighted",
    "weighted_kappa",
    "weighted_kappa_from_table",
    "weighted_midranks",
    "weighted_pearson",
    "wilcoxon_signed_rank",
]


# ---- weighted kappa -------------------------------------------------------------------------
def category_codes(values: ArrayLike, categories: ArrayLike) -> np.ndarray:
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


def pair_tables(a: ArrayLike, b: ArrayLike, categories: Sequence[float]) -> np.ndarray:
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
    return np.asarray((np.abs(idx[:, None] - idx[None, :]) / (k - 1)) ** power)


def weighted_kappa_from_table(table: ArrayLike, kind: str) -> np.ndarray:
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


def weighted_kappa(a: ArrayLike, b: ArrayLike, categories: Sequence[float], kind: str) -> float:
    """Cohen's weighted kappa of two raters on the units both rated."""
    return float(weighted_kappa_from_table(pair_tables(a, b, categories).sum(axis=0), kind))


def pairwise_weighted_kappa_bootstrap(
    ratings: ArrayLike,
    categories: Sequence[float],
    clusters: ArrayLike,
    n_clusters: int,
    kind: str,
    **boot: Unpack[BootstrapArgs],
) -> tuple[Estimate, list[tuple[int, int, Estimate]]]:
    """Mean over rater pairs of weighted kappa (``kind`` linear | quadratic) and each pair's
    kappa, with percentile cluster-bootstrap intervals (per-cluster K × K tables)."""
    ratings = np.asarray(ratings, dtype=float)
    pairs_ix = list(combinations(range(ratings.shape[1]), 2))
    if not pairs_ix:
        return mean_of_pairs([], boot["confidence"]), []
    unit = np.stack([pair_tables(ratings[:, a], ratings[:, b], categories) for a, b in pairs_ix], 1)
    sums = cluster_sums(unit, clusters, n_clusters)  # C × P × K × K
    res = cluster_bootstrap(
        sums,
        lambda t: weighted_kappa_from_table(t, kind),
        **boot,
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
    return mean_of_pairs(pairs, boot["confidence"]), pairs


# ---- Krippendorff's ordinal alpha -----------------------------------------------------------
def coincidence_unit_stats(ratings: ArrayLike, categories: Sequence[float]) -> np.ndarray:
    """Per-unit contribution to Krippendorff's coincidence matrix (units × K × K) of ratings on
    the ordered scale ``categories`` (units × raters, NaN = missing); the formula lives in
    recenter.stats.ordinal.unit_coincidences (Krippendorff 2011, §C)."""
    codes = category_codes(ratings, categories).astype(float)
    codes[codes < 0] = np.nan
    return unit_coincidences(codes, len(categories))


def ordinal_alpha(ratings: ArrayLike, categories: Sequence[float]) -> float:
    """Krippendorff's ordinal alpha of units × raters ``ratings`` (NaN = missing)."""
    return float(
        alpha_ordinal_from_coincidences(coincidence_unit_stats(ratings, categories).sum(0))
    )


def ordinal_alpha_bootstrap(
    ratings: ArrayLike,
    categories: Sequence[float],
    clusters: ArrayLike,
    n_clusters: int,
    **boot: Unpack[BootstrapArgs],
) -> Estimate:
    """Ordinal alpha with a percentile cluster-bootstrap interval (per-cluster coincidences);
    n = units with at least two values."""
    unit = coincidence_unit_stats(ratings, categories)
    n_pairable = int((unit.sum(axis=(1, 2)) > 0).sum())
    sums = cluster_sums(unit, clusters, n_clusters)
    res = cluster_bootstrap(sums, alpha_ordinal_from_coincidences, **boot)
    return Estimate(
        float(res.estimate), float(res.ci_low), float(res.ci_high), res.replicates, n_pairable
    )


# ---- means and ratios of sums ---------------------------------------------------------------
def ratio_bootstrap(
    numerator: ArrayLike,
    denominator: ArrayLike,
    clusters: ArrayLike,
    n_clusters: int,
    **boot: Unpack[BootstrapArgs],
) -> Estimate:
    """Σ numerator / Σ denominator over units (a mean, a share) with a percentile cluster-
    bootstrap interval; NaN replicates (empty denominator) are ignored by the interval."""
    unit = np.stack([np.asarray(numerator, float), np.asarray(denominator, float)], axis=-1)
    sums = cluster_sums(unit, clusters, n_clusters)

    def stat(t: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(t[..., 1] > 0, t[..., 0] / t[..., 1], np.nan)

    res = cluster_bootstrap(sums, stat, **boot)
    return Estimate(
        float(res.estimate),
        float(res.ci_low),
        float(res.ci_high),
        res.replicates,
        int(np.asarray(denominator, float).astype(bool).sum()),
    )


def difference_of_means_bootstrap(
    values: ArrayLike,
    group: ArrayLike,
    clusters: ArrayLike,
    n_clusters: int,
    **boot: Unpack[BootstrapArgs],
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

    def stat(t: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            d = t[..., 0] / t[..., 1] - t[..., 2] / t[..., 3]
        return np.where((t[..., 1] > 0) & (t[..., 3] > 0), d, np.nan)

    res = cluster_bootstrap(sums, stat, **boot)
    return Estimate(
        float(res.estimate), float(res.ci_low), float(res.ci_high), res.replicates, int(ok.sum())
    )


# ---- paired differences on an exact grid -------------------------------------------------
def paired_difference_grid(
    rating: ArrayLike, ratings: ArrayLike
) -> tuple[np.ndarray, np.ndarray, int]:
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
def wilcoxon_signed_rank(differences: ArrayLike) -> tuple[float, float, str]:
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


def holm(pvalues: ArrayLike) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values via statsmodels ``multipletests``; NaN p-values
    are left out of the family and stay NaN."""
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = ~np.isnan(p)
    if ok.any():
        out[ok] = multipletests(p[ok], method="holm")[1]
    return out
