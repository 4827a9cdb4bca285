"""Hypothesis tests that respect clustering: the units of one cluster (a user in Stage 1, a user
in Stage 3, whose user–prompt pairs and response items share attributes) are dependent, so the
unit of inference is the cluster, never the unit.

- ``signflip_test``: two-sided sign-flip (randomization) test that cluster totals are centred
  on 0 (Fisher 1935; the cluster version of a paired permutation test): exact over all 2^C sign
  patterns for C ≤ ``exact_max`` clusters, Monte Carlo with a fixed seed otherwise.
- ``wilcoxon_cluster_means``: Wilcoxon signed-rank test of per-cluster mean differences, with
  ties decided on exact rationals (``fractions.Fraction``), never on float noise.
- ``gee_test``: a coefficient of a Gaussian GEE with an independence working correlation
  (statsmodels), with the Mancl–DeRouen (2001) bias-reduced sandwich covariance and a t
  reference with C − 1 degrees of freedom (small-cluster practice, Cameron & Miller 2015 §VI).
  With the independence working correlation the coefficient of a 0/1 covariate is the plain
  difference of unit means, the number a table reports.
- ``label_permutation_test``: two-sided permutation test of a cluster-level label (real vs
  synthetic users): the labels are permuted among clusters, exactly over every assignment when
  there are few, Monte Carlo with a fixed seed otherwise.

statsmodels is imported inside the function that needs it (its import costs seconds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import combinations
from math import comb
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

#: Monte Carlo resamples when exact enumeration is too large; p = (1 + #extreme) / (1 + B).
MC_RESAMPLES = 9999


@dataclass(frozen=True)
class ClusterTest:
    """A cluster-aware test: statistic, two-sided p, how it was computed, number of clusters,
    and (for GEE) the estimate, its standard error and the degrees of freedom."""

    statistic: float
    p: float
    method: str
    n_clusters: int
    estimate: float = float("nan")
    se: float = float("nan")
    df: float = float("nan")


def _nan_test(reason: str, n_clusters: int = 0) -> ClusterTest:
    return ClusterTest(float("nan"), float("nan"), reason, n_clusters)


# ---- sign flip -----------------------------------------------------------------------------
def _sign_patterns(n: int, start: int, stop: int) -> np.ndarray:
    """Rows start..stop−1 of the 2^n sign patterns (bit k of the row index = sign of k)."""
    idx = np.arange(start, stop, dtype=np.int64)[:, None]
    bits = (idx >> np.arange(n, dtype=np.int64)[None, :]) & 1
    return 1.0 - 2.0 * bits


def signflip_test(
    totals: ArrayLike, *, exact_max: int = 20, resamples: int = MC_RESAMPLES, seed: int = 0
) -> ClusterTest:
    """Two-sided sign-flip test of H0: each cluster total is symmetric about 0.

    ``totals``: one value per cluster (e.g. the sum over its units of judge − human). Statistic
    T = Σ_c t_c (so T / #units is the unit-weighted mean a table reports); p = share of sign
    patterns ε with |Σ ε_c t_c| ≥ |T| (a relative tolerance of 1e-9 keeps exact ties). Exact
    over all 2^C patterns when C ≤ ``exact_max``, else Monte Carlo (``resamples`` random
    patterns, seeded, p = (1 + #extreme) / (1 + resamples)). Clusters with total 0 are kept
    (they do not change T under any flip)."""
    t = np.asarray(totals, dtype=float)
    t = t[~np.isnan(t)]
    c = int(t.size)
    if c == 0:
        return _nan_test("no cluster")
    obs = float(t.sum())
    tol = 1e-9 * max(float(np.abs(t).sum()), 1e-300)
    if c <= exact_max:
        n_pat = 1 << c
        extreme = 0
        chunk = 1 << 16
        for start in range(0, n_pat, chunk):
            s = _sign_patterns(c, start, min(n_pat, start + chunk)) @ t
            extreme += int(np.count_nonzero(np.abs(s) >= abs(obs) - tol))
        return ClusterTest(obs, extreme / n_pat, f"exact sign flip, all 2^{c} patterns", c)
    rng = np.random.default_rng(seed)
    extreme = 0
    done = 0
    while done < resamples:
        b = min(4096, resamples - done)
        signs = 1.0 - 2.0 * rng.integers(0, 2, size=(b, c))
        extreme += int(np.count_nonzero(np.abs(signs @ t) >= abs(obs) - tol))
        done += b
    return ClusterTest(
        obs,
        (1 + extreme) / (1 + resamples),
        f"Monte Carlo sign flip, {resamples} patterns, seed {seed}",
        c,
    )


# ---- Wilcoxon on cluster means ----------------------------------------------------------------
def signed_rank_surrogate(values: Iterable[int | Fraction]) -> np.ndarray:
    """Integers with the same signs and the same ordering *and ties* of absolute values as
    ``values`` (ints or ``Fraction``s, compared exactly): sign(v) × dense rank of |v| among the
    non-zero |v| (0 stays 0). The Wilcoxon signed-rank statistic and its tie-corrected p depend
    on the data only through these, so scipy on the surrogate equals the test on exact values."""
    vals = [Fraction(v) for v in values]
    mags = sorted({abs(v) for v in vals if v != 0})
    rank = {m: k + 1 for k, m in enumerate(mags)}
    return np.array([0 if v == 0 else (rank[abs(v)] if v > 0 else -rank[abs(v)]) for v in vals])


def wilcoxon_exact_values(values: Sequence[Any]) -> tuple[float, float, str]:
    """Two-sided Wilcoxon signed-rank test (scipy.stats.wilcoxon, zero differences dropped,
    Wilcoxon 1945) of exactly represented values (ints or ``Fraction``s): ties are found on the
    exact values. Exact null distribution for ≤ 50 non-zero values without ties, otherwise the
    tie-corrected normal approximation. Returns (statistic, p, method)."""
    from scipy.stats import wilcoxon

    s = signed_rank_surrogate(values)
    nz = s[s != 0]
    if nz.size == 0:
        return float("nan"), float("nan"), "no non-zero difference"
    ties = np.unique(np.abs(nz)).size < nz.size
    method = "exact" if nz.size <= 50 and not ties else "approx"
    # T and p depend only on the ranks of |d| and the signs: rank the exact magnitudes
    res = wilcoxon(nz.astype(float), zero_method="wilcox", alternative="two-sided", method=method)
    label = "exact" if method == "exact" else "normal approximation (tie-corrected)"
    return float(res.statistic), float(res.pvalue), label


def cluster_mean_fractions(
    numerators: ArrayLike, denominator: int, clusters: ArrayLike
) -> list[Fraction]:
    """Exact mean per cluster of unit values ``numerators[u] / denominator`` (integers on a
    common grid), over the clusters that have a unit (sorted by cluster code)."""
    num = np.asarray(numerators, dtype=np.int64)
    cl = np.asarray(clusters, dtype=np.int64)
    out = []
    for c in np.unique(cl):
        sel = cl == c
        out.append(Fraction(int(num[sel].sum()), int(denominator) * int(sel.sum())))
    return out


def wilcoxon_cluster_means(
    numerators: ArrayLike, denominator: int, clusters: ArrayLike
) -> ClusterTest:
    """Wilcoxon signed-rank test of the per-cluster mean of paired differences given exactly as
    integers ``numerators`` over a common ``denominator`` (e.g. judge × 6 − (6/k) × sum of the
    k human ratings): one value per cluster, so dependence within a cluster does not count as
    evidence."""
    means = cluster_mean_fractions(numerators, denominator, clusters)
    stat, p, method = wilcoxon_exact_values(means)
    return ClusterTest(stat, p, f"Wilcoxon on cluster means, {method}", len(means))


# ---- GEE -----------------------------------------------------------------------------------
def gee_test(y: ArrayLike, clusters: ArrayLike, x: ArrayLike | None = None) -> ClusterTest:
    """Test the last coefficient of the Gaussian GEE y ~ 1 (+ x) with an independence working
    correlation (statsmodels ``GEE``): without ``x`` the coefficient is the unit mean of y, with
    a 0/1 ``x`` the difference of the means of y between x = 1 and x = 0. Covariance: the
    bias-reduced sandwich of Mancl & DeRouen (2001) (``cov_type="bias_reduced"``); p from a t
    distribution with C − 1 degrees of freedom, C = number of clusters. Units with NaN are
    dropped. NaN with the reason when fewer than 2 clusters, x is constant, y is constant (the
    coefficient is exact, its standard error 0), or one cluster alone determines the
    coefficient (leverage 1: the bias-reduced sandwich is undefined)."""
    from scipy.stats import t as t_dist
    from statsmodels.genmod import families
    from statsmodels.genmod.cov_struct import Independence
    from statsmodels.genmod.generalized_estimating_equations import GEE

    y = np.asarray(y, dtype=float)
    cl: np.ndarray = np.asarray(clusters)
    ok = ~np.isnan(y)
    cols = [np.ones(y.size)]
    if x is not None:
        x = np.asarray(x, dtype=float)
        ok &= ~np.isnan(x)
        cols.append(x)
    exog = np.column_stack(cols)[ok]
    y, cl = np.asarray(y[ok]), np.asarray(cl[ok])
    _, groups = np.unique(cl, return_inverse=True)
    n_cl = int(groups.max()) + 1 if groups.size else 0
    if n_cl < 2:
        return _nan_test("fewer than 2 clusters", n_cl)
    if x is not None and np.ptp(exog[:, 1]) == 0:
        return _nan_test("covariate constant", n_cl)
    if np.ptp(y) == 0:  # statsmodels' first deviance is NaN on a constant outcome
        est = 0.0 if x is not None else float(y[0])
        return ClusterTest(
            float("nan"), float("nan"), "GEE: outcome constant, zero standard error", n_cl, est, 0.0
        )
    order = np.argsort(groups, kind="stable")
    model = GEE(
        y[order],
        exog[order],
        groups=groups[order],
        family=families.Gaussian(),
        cov_struct=Independence(),
    )
    try:
        res = model.fit(cov_type="bias_reduced")
    except np.linalg.LinAlgError:  # I − H_cc singular: one cluster alone fits a coefficient
        return _nan_test("GEE: bias-reduced sandwich undefined (a cluster has leverage 1)", n_cl)
    est = float(res.params[-1])
    se = float(np.sqrt(res.cov_params()[-1, -1]))
    df = n_cl - 1
    if not se > 0:
        return ClusterTest(float("nan"), float("nan"), "GEE: zero standard error", n_cl, est, se)
    tstat = est / se
    p = float(2 * t_dist.sf(abs(tstat), df))
    method = f"GEE (Gaussian, independence), bias-reduced sandwich, t with {df} df"
    return ClusterTest(tstat, p, method, n_cl, est, se, float(df))


# ---- label permutation ------------------------------------------------------------------------
def label_permutation_test(
    cluster_stats: ArrayLike,
    labels: ArrayLike,
    statistic: Callable[[np.ndarray], np.ndarray],
    *,
    exact_max: int = 100_000,
    resamples: int = MC_RESAMPLES,
    seed: int = 0,
) -> ClusterTest:
    """Two-sided permutation test of a 0/1 cluster label (e.g. real vs synthetic user).

    ``cluster_stats``: (C × k) per-cluster sums; ``statistic`` maps label masks (P × C, 1 =
    the label's group) to the statistic of each assignment (P,), vectorized (e.g. a difference
    of ratios Σ num / Σ den between the groups, by matrix products). Under H0 the clusters are
    exchangeable between the groups, so every assignment of the observed number of 1-labels is
    equally likely: p = share of assignments with |T*| ≥ |T| (exact over all C-choose-k when
    that is ≤ ``exact_max``, else Monte Carlo with ``resamples`` seeded permutations plus the
    observed one)."""
    lab = np.asarray(labels, dtype=bool)
    c, k = lab.size, int(lab.sum())
    if k == 0 or k == c:
        return _nan_test("one group is empty", c)
    obs = float(np.asarray(statistic(lab[None, :].astype(float)))[0])
    if np.isnan(obs):
        return _nan_test("statistic undefined on the data", c)
    n_assign = comb(c, k)
    extreme, total = 0, 0
    if n_assign <= exact_max:
        chunk = []
        for ones in combinations(range(c), k):
            row = np.zeros(c)
            row[list(ones)] = 1.0
            chunk.append(row)
            if len(chunk) == 4096:
                s = np.asarray(statistic(np.stack(chunk)))
                extreme += int(np.count_nonzero(np.abs(s) >= abs(obs) * (1 - 1e-9)))
                total += len(chunk)
                chunk = []
        if chunk:
            s = np.asarray(statistic(np.stack(chunk)))
            extreme += int(np.count_nonzero(np.abs(s) >= abs(obs) * (1 - 1e-9)))
            total += len(chunk)
        return ClusterTest(obs, extreme / total, f"exact permutation, all {total} assignments", c)
    rng = np.random.default_rng(seed)
    done = 0
    while done < resamples:
        b = min(2048, resamples - done)
        keys = rng.random((b, c))
        ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
        masks = (ranks < k).astype(float)  # k clusters drawn at random per row
        s = np.asarray(statistic(masks))
        extreme += int(np.count_nonzero(np.abs(s) >= abs(obs) * (1 - 1e-9)))
        done += b
    return ClusterTest(
        obs,
        (1 + extreme) / (1 + resamples),
        f"Monte Carlo permutation, {resamples} assignments, seed {seed}",
        c,
    )


def ratio_difference(sums: ArrayLike) -> Callable[[np.ndarray], np.ndarray]:
    """Statistic for ``label_permutation_test``: Σ num / Σ den over the 1-group minus the same
    over the 0-group, ``sums`` = (C × 2) per-cluster (num, den). NaN where a group has no den."""
    s = np.asarray(sums, dtype=float)

    def stat(masks: np.ndarray) -> np.ndarray:
        m = np.asarray(masks, dtype=float)
        a = m @ s
        b = (1.0 - m) @ s
        with np.errstate(invalid="ignore", divide="ignore"):
            d = a[:, 0] / a[:, 1] - b[:, 0] / b[:, 1]
        return np.where((a[:, 1] > 0) & (b[:, 1] > 0), d, np.nan)

    return stat


# ---- a proportion with clustered units ----------------------------------------------------------
def korn_graubard_interval(
    successes: ArrayLike, totals: ArrayLike, confidence: float
) -> tuple[float, float]:
    """Clopper–Pearson interval of a proportion of clustered units with the effective sample
    size of Korn & Graubard (1998): ``successes`` and ``totals`` per cluster, p = Σk / Σn,
    design effect deff = v / (p(1 − p)/N) with the cluster-robust variance
    v = G/(G − 1) Σ_c (k_c − p n_c)² / N² (deff = 1 when p is 0 or 1, floored at 1), effective
    size n* = N / deff × (t_{N−1} / t_{G−1})² (the degrees-of-freedom adjustment, at most N),
    x* = p n*, and the interval [Beta_{α/2}(x*, n* − x* + 1), Beta_{1−α/2}(x* + 1, n* − x*)].
    Unlike a percentile bootstrap it is not [0, 0] for 0 successes."""
    from scipy.stats import beta
    from scipy.stats import t as t_dist

    k = np.asarray(successes, dtype=float)
    n = np.asarray(totals, dtype=float)
    keep = n > 0
    k, n = k[keep], n[keep]
    big_n, g = float(n.sum()), int(n.size)
    if big_n == 0 or g < 2:
        return float("nan"), float("nan")
    p = float(k.sum()) / big_n
    deff = 1.0
    if 0 < p < 1:
        v = g / (g - 1) * float(((k - p * n) ** 2).sum()) / big_n**2
        deff = max(1.0, v / (p * (1 - p) / big_n))
    q = 1 - (1 - confidence) / 2
    adj = (t_dist.ppf(q, big_n - 1) / t_dist.ppf(q, g - 1)) ** 2 if big_n > 1 else 1.0
    n_eff = min(big_n, big_n / deff * adj)
    x = p * n_eff
    a = 1 - confidence
    low = 0.0 if x <= 0 else float(beta.ppf(a / 2, x, n_eff - x + 1))
    high = 1.0 if x >= n_eff else float(beta.ppf(1 - a / 2, x + 1, n_eff - x))
    return low, high
