"""recenter.stats.ratings against independent implementations: scipy (Spearman, Wilcoxon),
scikit-learn (weighted kappa), the krippendorff package and Krippendorff's (2011) worked
example (ordinal alpha), statsmodels and a hand-written Holm, and explicit resampling of
clusters for the bootstrap replicates."""

from __future__ import annotations

from itertools import combinations

import krippendorff
import numpy as np
import pytest
from scipy.stats import spearmanr, wilcoxon
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.multitest import multipletests

from recenter.stats import ratings as rs
from recenter.stats.bootstrap import resample_counts

SCALE = [1, 2, 3, 4, 5]


def _ratings(rng, n, k=3, missing=0.0):
    r = rng.integers(1, 6, (n, k)).astype(float)
    if missing:
        r[rng.random((n, k)) < missing] = np.nan
    return r


# ---- Spearman ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(5))
def test_spearman_equals_scipy_with_ties_and_missing(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, 80).astype(float)
    y = x + rng.normal(0, 2, 80)
    y[rng.random(80) < 0.1] = np.nan
    keep = ~np.isnan(y)
    assert rs.spearman(x, y) == pytest.approx(spearmanr(x[keep], y[keep])[0], abs=1e-12)


@pytest.mark.parametrize("seed", range(5))
def test_weighted_spearman_equals_scipy_on_the_expanded_sample(seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, 40).astype(float)
    y = np.round(x / 2 + rng.normal(0, 1, 40), 1)
    w = rng.integers(0, 4, (6, 40)).astype(float)
    got = rs.spearman_weighted(x, y, w)
    for b in range(6):
        reps = w[b].astype(int)
        want = spearmanr(np.repeat(x, reps), np.repeat(y, reps))[0]
        assert got[b] == pytest.approx(want, abs=1e-12)


def test_spearman_of_a_constant_is_nan_not_a_number():
    assert np.isnan(rs.spearman([3, 3, 3, 3], [1, 2, 3, 4]))
    assert np.isnan(rs.spearman([1.0], [2.0]))


def test_spearman_bootstrap_replicates_are_resampled_clusters():
    """Each replicate equals scipy's rho on the units of the clusters drawn (with repeats),
    drawn by the shared resampler with the same seed."""
    rng = np.random.default_rng(3)
    n_clusters = 12
    clusters = np.repeat(np.arange(n_clusters), 4)
    x = rng.integers(1, 6, clusters.size).astype(float)
    y = x + rng.normal(0, 1.5, clusters.size)
    est = rs.spearman_bootstrap(x, y, clusters, n_clusters, replicates=30, seed=11, confidence=0.9)
    assert est.estimate == pytest.approx(spearmanr(x, y)[0], abs=1e-12)
    counts = np.concatenate(list(resample_counts(n_clusters, 30, 11)))
    for b in range(30):
        take = np.concatenate(
            [np.flatnonzero(clusters == c).repeat(int(k)) for c, k in enumerate(counts[b])]
        )
        assert est.replicates[b] == pytest.approx(spearmanr(x[take], y[take])[0], abs=1e-10)
    lo, hi = np.quantile(est.replicates, [0.05, 0.95])
    assert (est.ci_low, est.ci_high) == pytest.approx((lo, hi))


def test_pairwise_spearman_mean_is_the_mean_of_scipy_pairs():
    rng = np.random.default_rng(5)
    h = _ratings(rng, 60, 4, missing=0.2)
    clusters = np.arange(60) // 3
    mean, pairs = rs.pairwise_spearman_bootstrap(
        h, clusters, 20, replicates=20, seed=1, confidence=0.95
    )
    want = []
    for a, b in combinations(range(4), 2):
        both = ~np.isnan(h[:, a]) & ~np.isnan(h[:, b])
        want.append(spearmanr(h[both, a], h[both, b])[0])
    assert [e.estimate for _, _, e in pairs] == pytest.approx(want, abs=1e-12)
    assert mean.estimate == pytest.approx(np.mean(want), abs=1e-12)


# ---- weighted kappa ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["linear", "quadratic"])
@pytest.mark.parametrize("seed", range(4))
def test_weighted_kappa_equals_sklearn(kind, seed):
    rng = np.random.default_rng(seed)
    h = _ratings(rng, 70, 2, missing=0.15)
    h[:, 1] = np.where(rng.random(70) < 0.5, h[:, 0], h[:, 1])  # some agreement
    both = ~np.isnan(h).any(axis=1)
    want = cohen_kappa_score(h[both, 0], h[both, 1], labels=SCALE, weights=kind)
    assert rs.weighted_kappa(h[:, 0], h[:, 1], SCALE, kind) == pytest.approx(want, abs=1e-12)


def test_weighted_kappa_textbook_values():
    """Perfect agreement is 1; independent margins (a table equal to the outer product of its
    margins) give 0; the quadratic kappa of a 2×2 table is the unweighted kappa."""
    t = np.array([[5, 0, 0], [0, 3, 0], [0, 0, 2]], float)
    assert rs.weighted_kappa_from_table(t, "linear") == pytest.approx(1.0)
    indep = np.outer([0.2, 0.5, 0.3], [0.4, 0.4, 0.2]) * 100
    for kind in ("linear", "quadratic"):
        assert rs.weighted_kappa_from_table(indep, kind) == pytest.approx(0.0, abs=1e-12)
    two = np.array([[20, 5], [10, 15]], float)  # Cohen's kappa = (0.7 - 0.5)/(1 - 0.5) = 0.4
    assert rs.weighted_kappa_from_table(two, "quadratic") == pytest.approx(0.4)


def test_weighted_kappa_undefined_is_nan():
    assert np.isnan(rs.weighted_kappa_from_table(np.zeros((5, 5)), "linear"))
    same = np.zeros((5, 5))
    same[2, 2] = 7
    assert np.isnan(rs.weighted_kappa_from_table(same, "quadratic"))


def test_pairwise_weighted_kappa_bootstrap_point_values_equal_sklearn():
    rng = np.random.default_rng(8)
    h = _ratings(rng, 50, 3)
    mean, pairs = rs.pairwise_weighted_kappa_bootstrap(
        h, SCALE, np.arange(50) // 2, 25, "quadratic", replicates=50, seed=2, confidence=0.95
    )
    want = [
        cohen_kappa_score(h[:, a], h[:, b], labels=SCALE, weights="quadratic")
        for a, b in combinations(range(3), 2)
    ]
    assert [e.estimate for _, _, e in pairs] == pytest.approx(want, abs=1e-12)
    assert mean.estimate == pytest.approx(np.mean(want))
    assert mean.ci_low <= mean.estimate <= mean.ci_high


def test_ratings_off_the_scale_are_refused():
    with pytest.raises(ValueError, match="not in"):
        rs.category_codes([1, 2, 6], SCALE)


# ---- Krippendorff's ordinal alpha -------------------------------------------------------------
#: Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", §C: 4 observers × 12
#: units, values 1–5, missing values; ordinal alpha = 0.815 (his worked result).
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, np.nan, np.nan, np.nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, np.nan, 3],
        [np.nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, np.nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, np.nan],
    ]
)


def test_ordinal_alpha_textbook_example():
    units_by_raters = KRIPPENDORFF_2011.T
    assert rs.ordinal_alpha(units_by_raters, SCALE) == pytest.approx(0.815, abs=5e-4)


@pytest.mark.parametrize("seed", range(4))
def test_ordinal_alpha_equals_krippendorff_package(seed):
    rng = np.random.default_rng(seed)
    h = _ratings(rng, 60, 4, missing=0.25)
    h[:, 1] = np.where(rng.random(60) < 0.4, h[:, 0], h[:, 1])
    want = krippendorff.alpha(reliability_data=h.T, level_of_measurement="ordinal")
    assert rs.ordinal_alpha(h, SCALE) == pytest.approx(want, abs=1e-10)


def test_ordinal_alpha_bootstrap_counts_pairable_units():
    h = np.array([[1, 2, np.nan], [3, np.nan, np.nan], [4, 4, 5], [2, 1, 2]], float)
    est = rs.ordinal_alpha_bootstrap(
        h, SCALE, np.arange(4), 4, replicates=20, seed=1, confidence=0.9
    )
    assert est.n == 3
    want = krippendorff.alpha(reliability_data=h.T, level_of_measurement="ordinal")
    assert est.estimate == pytest.approx(want, abs=1e-10)


# ---- means and differences --------------------------------------------------------------------
def test_ratio_and_difference_of_means_against_hand_counts_and_resampling():
    values = np.array([5, 4, 2, 3, 1, 4, 2, 5], float)
    group = np.array([1, 0, 0, 1, 0, np.nan, 1, 0], float)
    clusters = np.array([0, 0, 1, 1, 2, 2, 3, 3])
    mean = rs.ratio_bootstrap(
        values, np.ones(8), clusters, 4, replicates=40, seed=3, confidence=0.9
    )
    assert mean.estimate == pytest.approx(values.mean())
    d = rs.difference_of_means_bootstrap(
        values, group, clusters, 4, replicates=40, seed=3, confidence=0.9
    )
    assert d.estimate == pytest.approx((5 + 3 + 2) / 3 - (4 + 2 + 1 + 5) / 4)
    assert d.n == 7
    counts = np.concatenate(list(resample_counts(4, 40, 3)))
    for b in range(40):
        w = counts[b][clusters]
        ok = ~np.isnan(group)
        g1, g0 = ok & (group == 1), ok & (group == 0)
        if w[g1].sum() == 0 or w[g0].sum() == 0:
            assert np.isnan(d.replicates[b])
            continue
        want = (w[g1] @ values[g1]) / w[g1].sum() - (w[g0] @ values[g0]) / w[g0].sum()
        assert d.replicates[b] == pytest.approx(want)
        assert mean.replicates[b] == pytest.approx((w @ values) / w.sum())


def test_difference_with_an_empty_group_is_nan_not_zero():
    d = rs.difference_of_means_bootstrap(
        [3, 4, 5], [0, 0, 0], [0, 1, 2], 3, replicates=10, seed=1, confidence=0.9
    )
    assert np.isnan(d.estimate) and np.isnan(d.ci_low) and np.isnan(d.ci_high)


# ---- tests ------------------------------------------------------------------------------------
def test_wilcoxon_equals_scipy_exact_and_approximate():
    d_exact = np.array([0.5, 1.5, -0.25, 2.0, 0.75, 1.25, -1.0])  # distinct |d|, n = 7
    stat, p, method = rs.wilcoxon_signed_rank(d_exact)
    ref = wilcoxon(d_exact, method="exact")
    assert (stat, p, method) == (pytest.approx(ref.statistic), pytest.approx(ref.pvalue), "exact")
    rng = np.random.default_rng(2)
    d = rng.integers(-2, 4, 200).astype(float)  # ties and zeros
    stat, p, method = rs.wilcoxon_signed_rank(d)
    ref = wilcoxon(d, zero_method="wilcox", method="approx")
    assert (stat, p) == (pytest.approx(ref.statistic), pytest.approx(ref.pvalue))
    assert method.startswith("normal approximation")
    assert np.isnan(rs.wilcoxon_signed_rank([0.0, 0.0])[1])


def test_exact_wilcoxon_textbook_value():
    """All 5 differences positive with distinct magnitudes: T− = 0 and the exact two-sided
    p = 2/2^5 = 0.0625 (the only sign patterns as extreme are all + and all −)."""
    _, p, method = rs.wilcoxon_signed_rank([1.0, 2.0, 3.0, 4.0, 5.0])
    assert method == "exact"
    assert p == pytest.approx(2 / 32)


def test_holm_equals_statsmodels_and_hand_computation():
    p = np.array([0.01, 0.04, 0.03, 0.2])
    got = rs.holm(p)
    assert got == pytest.approx(multipletests(p, method="holm")[1])
    # by hand: sorted 0.01, 0.03, 0.04, 0.2 times 4, 3, 2, 1, running max, capped at 1
    assert got == pytest.approx([0.04, 0.09, 0.09, 0.2])
    with_nan = rs.holm([0.01, np.nan, 0.04])
    assert np.isnan(with_nan[1])
    assert with_nan[[0, 2]] == pytest.approx([0.02, 0.04])
