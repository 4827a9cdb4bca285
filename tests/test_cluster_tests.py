"""Cluster-aware tests (recenter.stats.cluster_tests), each against an independent
computation: brute-force enumeration in plain Python, scipy.stats.permutation_test, scipy's
Wilcoxon on exactly computed cluster means, and a hand-written Mancl–DeRouen sandwich."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations, product

import numpy as np
import pytest
from scipy.stats import permutation_test, wilcoxon
from scipy.stats import t as t_dist

from recenter.stats import cluster_tests as ct


# ---- sign flip ------------------------------------------------------------------------------
def _brute_signflip(t):
    obs = abs(sum(t))
    hits = sum(
        abs(sum(s * x for s, x in zip(signs, t, strict=True))) >= obs - 1e-12
        for signs in product((1, -1), repeat=len(t))
    )
    return hits / 2 ** len(t)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_signflip_exact_equals_brute_force_and_scipy(seed):
    rng = np.random.default_rng(seed)
    t = rng.integers(-6, 9, 9).astype(float)  # integer totals: exact ties between patterns
    res = ct.signflip_test(t)
    assert res.method.startswith("exact") and res.n_clusters == 9
    assert res.p == pytest.approx(_brute_signflip(t.tolist()), abs=1e-12)
    ref = permutation_test(
        (t,), np.sum, permutation_type="samples", n_resamples=np.inf, alternative="two-sided"
    )
    # scipy's two-sided p doubles the smaller tail; with a symmetric null distribution
    # (flipping every sign maps T to −T) that equals the share of |T*| ≥ |T|
    assert res.p == pytest.approx(min(1.0, ref.pvalue), abs=1e-12)


def test_signflip_textbook_value_and_monte_carlo_agrees_with_exact():
    # all 6 totals positive: only all-+ and all-− are as extreme, p = 2/64
    assert ct.signflip_test([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).p == pytest.approx(2 / 64)
    rng = np.random.default_rng(5)
    t = rng.normal(0.4, 1.0, 14)
    exact = ct.signflip_test(t)
    mc = ct.signflip_test(t, exact_max=5, resamples=20000, seed=3)
    assert mc.method.startswith("Monte Carlo")
    se = np.sqrt(exact.p * (1 - exact.p) / 20000)
    assert abs(mc.p - exact.p) < 4 * se + 1e-4


# ---- Wilcoxon on cluster means --------------------------------------------------------------
def test_wilcoxon_cluster_means_equals_scipy_on_exact_means():
    """Per-cluster means of differences on a grid of thirds: the means are computed here as
    Fractions and handed to scipy as floats (equal rationals give equal floats), so ties are
    real ties; the function must agree, and differ from scipy fed the float-noisy means."""
    rng = np.random.default_rng(11)
    clusters = np.repeat(np.arange(15), rng.integers(1, 5, 15))
    num = rng.integers(-6, 9, clusters.size)  # differences num / 3
    res = ct.wilcoxon_cluster_means(num, 3, clusters)
    means = [
        Fraction(int(num[clusters == c].sum()), 3 * int((clusters == c).sum()))
        for c in np.unique(clusters)
    ]
    x = np.array([float(m) for m in means])
    ref = wilcoxon(
        x[x != 0], method="approx" if len(set(np.abs(x[x != 0]))) < (x != 0).sum() else "exact"
    )
    assert res.n_clusters == 15
    assert res.statistic == pytest.approx(ref.statistic)
    assert res.p == pytest.approx(ref.pvalue)


def test_signed_rank_surrogate_keeps_ties_and_signs():
    vals = [Fraction(1, 3), Fraction(-2, 6), Fraction(5, 3), 0, Fraction(-4, 3), Fraction(2, 3)]
    s = ct.signed_rank_surrogate(vals)
    assert s.tolist() == [1, -1, 4, 0, -3, 2]
    x = np.array([float(v) for v in vals])
    for method in ("approx",):
        a = wilcoxon(x[x != 0], method=method)
        b = wilcoxon(s[s != 0].astype(float), method=method)
        assert a.statistic == pytest.approx(b.statistic) and a.pvalue == pytest.approx(b.pvalue)


# ---- GEE ------------------------------------------------------------------------------------
def _hand_mancl_derouen(y, X, cl):
    """Bias-reduced sandwich (Mancl & DeRouen 2001) of OLS = Gaussian GEE, independence."""
    xtx_inv = np.linalg.inv(X.T @ X)
    beta = xtx_inv @ X.T @ y
    e = y - X @ beta
    meat = np.zeros((X.shape[1], X.shape[1]))
    for c in np.unique(cl):
        s = cl == c
        xc = X[s]
        hcc = xc @ xtx_inv @ xc.T
        ec = np.linalg.solve(np.eye(s.sum()) - hcc, e[s])
        u = xc.T @ ec
        meat += np.outer(u, u)
    return beta, xtx_inv @ meat @ xtx_inv


@pytest.mark.parametrize("with_x", [False, True])
def test_gee_equals_hand_sandwich_and_t_reference(with_x):
    rng = np.random.default_rng(4)
    g = 16
    cl = np.repeat(np.arange(g), rng.integers(2, 25, g))
    y = rng.normal(size=cl.size) + rng.normal(size=g)[cl]
    x = (rng.random(cl.size) < 0.3).astype(float) if with_x else None
    rng.shuffle(cl)  # units of a cluster need not be contiguous
    res = ct.gee_test(y, cl, x)
    X = np.column_stack([np.ones(cl.size)] + ([x] if with_x else []))
    beta, cov = _hand_mancl_derouen(y, X, cl)
    se = np.sqrt(cov[-1, -1])
    assert res.estimate == pytest.approx(beta[-1])
    assert res.se == pytest.approx(se, rel=1e-6)
    assert res.df == g - 1
    assert res.p == pytest.approx(2 * t_dist.sf(abs(beta[-1] / se), g - 1), rel=1e-6)
    if with_x:  # independence working correlation: the coefficient is the difference of means
        assert res.estimate == pytest.approx(y[x == 1].mean() - y[x == 0].mean())
    else:
        assert res.estimate == pytest.approx(y.mean())


def test_gee_undefined_cases_have_reasons():
    assert "fewer than 2" in ct.gee_test([1.0, 2.0], [0, 0]).method
    assert "constant" in ct.gee_test([1.0, 2.0, 3.0], [0, 1, 2], [1.0, 1.0, 1.0]).method
    # the only x = 1 units are in cluster 0: it alone fits the coefficient (leverage 1)
    res = ct.gee_test([1.0, 2.0, 3.0, 4.0, 2.0], [0, 0, 1, 1, 2], [1.0, 1.0, 0.0, 0.0, 0.0])
    assert np.isnan(res.p) and "leverage 1" in res.method
    # every rating 3 (a generated study): the difference is exactly 0 and untestable; the
    # statsmodels fit itself stops on a NaN first deviance
    flat = ct.gee_test([3.0] * 8, [0, 0, 1, 1, 2, 2, 2, 2], [1, 1, 0, 0, 0, 1, 0, 1])
    assert np.isnan(flat.p) and "outcome constant" in flat.method
    assert flat.estimate == 0.0 and flat.se == 0.0


# ---- label permutation ----------------------------------------------------------------------
def _brute_label_perm(num, den, labels):
    c, k = len(labels), sum(labels)

    def stat(ones):
        a = sum(num[i] for i in ones) / sum(den[i] for i in ones)
        rest = [i for i in range(c) if i not in ones]
        return a - sum(num[i] for i in rest) / sum(den[i] for i in rest)

    obs = stat([i for i in range(c) if labels[i]])
    vals = [stat(list(ones)) for ones in combinations(range(c), k)]
    return sum(abs(v) >= abs(obs) * (1 - 1e-9) for v in vals) / len(vals), obs


def test_label_permutation_exact_equals_brute_force_and_scipy():
    rng = np.random.default_rng(8)
    c = 11
    den = rng.integers(5, 40, c).astype(float)
    num = np.floor(den * rng.uniform(0.1, 0.6, c))
    labels = np.zeros(c, dtype=bool)
    labels[[0, 2, 3, 7]] = True
    sums = np.column_stack([num, den])
    res = ct.label_permutation_test(sums, labels, ct.ratio_difference(sums))
    want_p, want_obs = _brute_label_perm(num.tolist(), den.tolist(), labels.tolist())
    assert res.method.startswith("exact") and res.statistic == pytest.approx(want_obs)
    assert res.p == pytest.approx(want_p, abs=1e-12)

    def stat(a, b):  # scipy permutes cluster indices between the two groups
        a, b = a.astype(int), b.astype(int)
        return num[a].sum() / den[a].sum() - num[b].sum() / den[b].sum()

    ref = permutation_test(
        (np.flatnonzero(labels).astype(float), np.flatnonzero(~labels).astype(float)),
        stat,
        permutation_type="independent",
        n_resamples=np.inf,
        vectorized=False,
        alternative="two-sided",
    )
    # scipy doubles the smaller tail; the two agree up to the asymmetry of the null, so
    # compare with the brute-force one-sided tails doubled instead
    vals = []
    for ones in combinations(range(c), int(labels.sum())):
        m = np.zeros(c, dtype=bool)
        m[list(ones)] = True
        vals.append(num[m].sum() / den[m].sum() - num[~m].sum() / den[~m].sum())
    vals = np.array(vals)
    tails = min((vals >= want_obs - 1e-12).mean(), (vals <= want_obs + 1e-12).mean())
    assert ref.pvalue == pytest.approx(min(1.0, 2 * tails), abs=1e-9)


def test_label_permutation_monte_carlo_agrees_with_exact():
    rng = np.random.default_rng(9)
    c = 14
    den = rng.integers(5, 40, c).astype(float)
    num = np.floor(den * rng.uniform(0.1, 0.6, c))
    labels = np.arange(c) < 5
    sums = np.column_stack([num, den])
    stat = ct.ratio_difference(sums)
    exact = ct.label_permutation_test(sums, labels, stat)
    mc = ct.label_permutation_test(sums, labels, stat, exact_max=10, resamples=20000, seed=1)
    assert exact.method.startswith("exact") and mc.method.startswith("Monte Carlo")
    se = np.sqrt(exact.p * (1 - exact.p) / 20000)
    assert abs(mc.p - exact.p) < 4 * se + 1e-4
    assert np.isnan(ct.label_permutation_test(sums, np.zeros(c, bool), stat).p)


# ---- Korn–Graubard and BCa ---------------------------------------------------------------------
def test_korn_graubard_without_clustering_is_clopper_pearson_at_zero():
    from scipy.stats import binomtest

    ci = binomtest(0, 40).proportion_ci(confidence_level=0.95, method="exact")
    got = ct.korn_graubard_interval(np.zeros(40), np.ones(40), 0.95)
    assert got == pytest.approx((ci.low, ci.high))


def test_korn_graubard_equals_hand_formula_with_clusters():
    from scipy.stats import beta

    k = np.array([0.0, 3.0, 1.0, 0.0, 5.0, 2.0])
    n = np.array([4.0, 6.0, 5.0, 3.0, 8.0, 4.0])
    p, big_n, g = k.sum() / n.sum(), n.sum(), 6
    v = g / (g - 1) * ((k - p * n) ** 2).sum() / big_n**2
    deff = max(1.0, v / (p * (1 - p) / big_n))
    n_eff = min(big_n, big_n / deff * (t_dist.ppf(0.975, big_n - 1) / t_dist.ppf(0.975, 5)) ** 2)
    x = p * n_eff
    want = (beta.ppf(0.025, x, n_eff - x + 1), beta.ppf(0.975, x + 1, n_eff - x))
    assert ct.korn_graubard_interval(k, n, 0.95) == pytest.approx(want)
    assert deff > 1  # the clusters are heterogeneous: wider than units-independent


def test_bca_interval_equals_scipy_bca_on_independent_units():
    """Clusters of one unit and the mean: scipy.stats.bootstrap(method='BCa') with its own
    replicates and leave-one-out jackknife gives the same interval."""
    from scipy.stats import bootstrap

    from recenter.stats.bootstrap import bca_interval

    rng = np.random.default_rng(12)
    x = rng.exponential(1.0, 30)  # skewed: BCa differs from the percentile interval
    res = bootstrap((x,), np.mean, method="BCa", n_resamples=4000, rng=np.random.default_rng(1))
    jack = np.array([np.delete(x, i).mean() for i in range(x.size)])
    got = bca_interval(x.mean(), res.bootstrap_distribution, jack, 0.95)
    ref = res.confidence_interval
    assert got == pytest.approx((ref.low, ref.high), rel=2e-3)
    pct = np.quantile(res.bootstrap_distribution, [0.025, 0.975])
    assert abs(got[0] - pct[0]) > 1e-3  # the correction did something
