"""The contingency-table Spearman bootstrap (recenter.stats.spearman_grid behind
recenter.stats.spearman) against an independent reference: scipy.stats.spearmanr on the
explicitly expanded sample (each unit repeated by its cluster's draw count), replicate by
replicate, for ratings with heavy ties and NaNs, continuous scores, constant variables and a
single unit; and the like-for-like LOO gap against a straightforward per-replicate loop.
Every case runs with the dense and the sparse incidence matrices and with blocks of one and of
several replicates, so each code path of the grid is checked."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr

from recenter.stats import ratings as rs
from recenter.stats import spearman_grid
from recenter.stats.bootstrap import resample_counts

KW = {"replicates": 40, "seed": 5, "confidence": 0.9}


@pytest.fixture(params=["dense-wide", "sparse-wide", "dense-rows", "sparse-rows"])
def paths(request, monkeypatch):
    """Dense or sparse incidence matrices; whole chunks or blocks of a few replicates."""
    if request.param.startswith("sparse"):
        monkeypatch.setattr(spearman_grid, "_DENSE", 0)
    if request.param.endswith("rows"):
        monkeypatch.setattr(spearman_grid, "_BLOCK", 16)
    return request.param


def _expanded_rho(x, y, take):
    """scipy's rho on units ``take`` (with repeats), NaN when undefined."""
    xs, ys = x[take], y[take]
    keep = ~np.isnan(xs) & ~np.isnan(ys)
    xs, ys = xs[keep], ys[keep]
    if xs.size < 2 or np.ptp(xs) == 0 or np.ptp(ys) == 0:
        return np.nan
    return spearmanr(xs, ys)[0]


def _draws(clusters, n_clusters, replicates, seed):
    """Units of each replicate: every unit of a cluster, as often as the cluster was drawn."""
    counts = np.concatenate(list(resample_counts(n_clusters, replicates, seed)))
    return [
        np.repeat(np.arange(clusters.size), counts[b, clusters].astype(int))
        for b in range(replicates)
    ]


def _check_bootstrap(x, y, clusters, n_clusters):
    est = rs.spearman_bootstrap(x, y, clusters, n_clusters, **KW)
    want_est = _expanded_rho(x, y, np.arange(x.size))
    np.testing.assert_allclose(est.estimate, want_est, atol=1e-12, rtol=0)
    want = [
        _expanded_rho(x, y, t) for t in _draws(clusters, n_clusters, KW["replicates"], KW["seed"])
    ]
    np.testing.assert_allclose(est.replicates, want, atol=1e-12, rtol=0)
    assert est.n == int((~np.isnan(x) & ~np.isnan(y)).sum())
    return est


def _study(rng, n, n_clusters, missing=0.15):
    cl = np.sort(rng.integers(0, n_clusters, n))
    latent = rng.normal(0, 1, n_clusters)[cl] + rng.normal(0, 0.7, n)
    x = np.clip(np.round(3 + latent + rng.normal(0, 1, n)), 1, 5)
    y = np.clip(np.round(3 + latent + rng.normal(0, 1, n)), 1, 5)
    x[rng.random(n) < missing] = np.nan
    y[rng.random(n) < missing] = np.nan
    return x, y, latent, cl


def test_integer_ratings_with_heavy_ties_and_nans(paths):
    rng = np.random.default_rng(1)
    x, y, _, cl = _study(rng, 150, 20)
    est = _check_bootstrap(x, (y + np.roll(y, 1)) / 2, cl, 20)  # a mean of two: half-integers
    assert np.isfinite(est.replicates).all()


def test_continuous_scores(paths):
    rng = np.random.default_rng(2)
    x, _, latent, cl = _study(rng, 120, 15)
    score = latent + rng.normal(0, 0.5, latent.size)
    _check_bootstrap(score, x, cl, 15)  # continuous against the grid
    _check_bootstrap(score, score**3 + rng.normal(0, 1, score.size), cl, 15)  # both continuous


def test_a_constant_variable_is_nan(paths):
    rng = np.random.default_rng(3)
    x, _, _, cl = _study(rng, 60, 10)
    est = rs.spearman_bootstrap(np.full(60, 4.0), x, cl, 10, **KW)
    assert np.isnan(est.estimate) and np.isnan(est.replicates).all()
    # constant in some replicates only: two clusters, one of them all 1s, the other all 2s
    cl2 = np.repeat([0, 1], 5)
    est = _check_bootstrap(np.repeat([1.0, 2.0], 5), np.arange(10.0), cl2, 2)
    assert np.isnan(est.replicates).any() and np.isfinite(est.replicates).any()


def test_a_single_unit_is_nan(paths):
    est = rs.spearman_bootstrap([3.0], [2.0], [0], 1, **KW)
    assert np.isnan(est.estimate) and np.isnan(est.replicates).all() and est.n == 1
    est = rs.spearman_bootstrap([3.0, np.nan], [2.0, 1.0], [0, 1], 2, **KW)
    assert np.isnan(est.estimate) and np.isnan(est.replicates).all() and est.n == 1


def test_unit_weights_equal_scipy_on_the_expanded_sample(paths):
    rng = np.random.default_rng(4)
    x, y, latent, _ = _study(rng, 50, 8)
    w = rng.integers(0, 4, (7, 50)).astype(float)
    for v in (y, latent):
        got = rs.spearman_weighted(x, v, w)
        want = [_expanded_rho(x, v, np.repeat(np.arange(50), w[b].astype(int))) for b in range(7)]
        np.testing.assert_allclose(got, want, atol=1e-12, rtol=0)


def test_jackknife_leaves_each_cluster_out(paths):
    rng = np.random.default_rng(5)
    x, y, _, cl = _study(rng, 90, 12)
    got = rs.spearman_jackknife(x, y, cl)
    present = np.unique(cl[~np.isnan(x) & ~np.isnan(y)])
    want = [_expanded_rho(x, y, np.flatnonzero(cl != c)) for c in present]
    np.testing.assert_allclose(got, want, atol=1e-12, rtol=0)
    h = np.column_stack([x, y, np.roll(x, 3)])
    present = np.unique(cl[(~np.isnan(h)).sum(axis=1) >= 2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = [
            np.nanmean(
                [
                    _expanded_rho(h[:, a], h[:, b], np.flatnonzero(cl != c))
                    for a, b in ((0, 1), (0, 2), (1, 2))
                ]
            )
            for c in present
        ]
    np.testing.assert_allclose(rs.pairwise_spearman_jackknife(h, cl), want, atol=1e-12, rtol=0)


def _loo_by_hand(r, h, clusters, n_clusters):
    """Per replicate and held-out human: scipy on the expanded sample of the units used."""
    draws = _draws(clusters, n_clusters, KW["replicates"], KW["seed"])
    a_all, b_all = [], []
    for j in range(h.shape[1]):
        others = np.delete(h, j, axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            m = np.nanmean(others, axis=1)
        sel = ~np.isnan(r) & ~np.isnan(h[:, j]) & ~np.isnan(m)
        idx = np.flatnonzero(sel)
        if np.isnan(_expanded_rho(r, m, idx)) or np.isnan(_expanded_rho(h[:, j], m, idx)):
            continue
        a_all.append([_expanded_rho(r, m, t[sel[t]]) for t in draws])
        b_all.append([_expanded_rho(h[:, j], m, t[sel[t]]) for t in draws])
    a, b = np.array(a_all), np.array(b_all)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(a, 0), np.nanmean(b, 0), np.nanmean(a - b, 0), len(a_all)


def test_loo_gap_equals_a_per_replicate_loop(paths):
    rng = np.random.default_rng(6)
    n, n_clusters = 80, 10
    x, y, latent, cl = _study(rng, n, n_clusters, missing=0.1)
    h = np.column_stack([x, y, np.clip(np.round(3 + latent + rng.normal(0, 1, n)), 1, 5)])
    h[rng.random(h.shape) < 0.1] = np.nan
    judge = np.clip(np.round(3 + latent + rng.normal(0, 1.2, n)), 1, 5)
    judge[:6] = np.nan
    rm = latent + rng.normal(0, 0.8, n)
    systems = [judge, rm, judge.copy()]  # the copy shares the judge's human sides
    got = rs.loo_spearman_bootstrap_systems(systems, h, cl, n_clusters, **KW)
    for r, res in zip(systems, got, strict=True):
        ra, rb, rg, k = _loo_by_hand(r, h, cl, n_clusters)
        np.testing.assert_allclose(res.rater.replicates, ra, atol=1e-12, rtol=0)
        np.testing.assert_allclose(res.human.replicates, rb, atol=1e-12, rtol=0)
        np.testing.assert_allclose(res.gap.replicates, rg, atol=1e-12, rtol=0)
        assert res.n_holdouts == k == 3
        one = rs.loo_spearman_bootstrap(r, h, cl, n_clusters, **KW)
        np.testing.assert_array_equal(one.gap.replicates, res.gap.replicates)
        assert (one.gap.estimate, one.gap.ci_low, one.gap.ci_high) == (
            res.gap.estimate,
            res.gap.ci_low,
            res.gap.ci_high,
        )
        np.testing.assert_allclose(
            rs.loo_spearman(r, h),
            [res.rater.estimate, res.human.estimate, res.gap.estimate],
            atol=1e-12,
        )


@settings(
    max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(
    n=st.integers(1, 60),
    n_clusters=st.integers(1, 8),
    levels=st.sampled_from([2, 3, 5, 9, 1000]),
    missing=st.sampled_from([0.0, 0.2, 0.6]),
    seed=st.integers(0, 2**16),
)
def test_bootstrap_replicates_equal_scipy_on_generated_studies(
    n, n_clusters, levels, missing, seed
):
    """Any shape: ratings on a grid of ``levels`` values (1000: nearly continuous), NaNs, few
    units and clusters (undefined replicates are NaN in both)."""
    rng = np.random.default_rng(seed)
    cl = rng.integers(0, n_clusters, n)
    x = rng.integers(0, levels, n).astype(float)
    y = np.where(rng.random(n) < 0.5, x, rng.integers(0, levels, n)).astype(float)
    x[rng.random(n) < missing] = np.nan
    y[rng.random(n) < missing] = np.nan
    kw = {"replicates": 6, "seed": seed, "confidence": 0.9}
    est = rs.spearman_bootstrap(x, y, cl, n_clusters, **kw)
    want = [_expanded_rho(x, y, t) for t in _draws(cl, n_clusters, 6, seed)]
    np.testing.assert_allclose(est.replicates, want, atol=1e-12, rtol=0)
    np.testing.assert_allclose(est.estimate, _expanded_rho(x, y, np.arange(n)), atol=1e-12, rtol=0)
