"""recenter.stats.classification and .bootstrap against scikit-learn and direct resampling."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    cohen_kappa_score,
    f1_score,
    precision_score,
    recall_score,
)

from recenter.stats import bootstrap as bs
from recenter.stats import classification as cl

pairs = st.integers(min_value=1, max_value=80).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_metrics_match_sklearn(pair):
    pred, ref = pair
    m = cl.metrics_from_counts(cl.confusion_counts(pred, ref))
    assert float(m["accuracy"]) == pytest.approx(accuracy_score(ref, pred))
    for name, fn in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
        ours = float(m[name])
        theirs = fn(ref, pred, zero_division=np.nan)
        if math.isnan(theirs):
            assert math.isnan(ours)
        else:
            assert ours == pytest.approx(theirs)
    if len(set(pred)) > 1 or len(set(ref)) > 1 or pred[0] != ref[0]:
        assert float(m["kappa"]) == pytest.approx(cohen_kappa_score(pred, ref), abs=1e-12)


def test_unit_confusion_sums_to_confusion_counts():
    rng = np.random.default_rng(0)
    pred = rng.integers(0, 2, 200).astype(float)
    ref = rng.integers(0, 2, 200).astype(float)
    pred[:10] = np.nan
    ref[190:] = np.nan
    assert np.array_equal(cl.unit_confusion(pred, ref).sum(0), cl.confusion_counts(pred, ref))
    assert cl.confusion_counts(pred, ref).sum() == 180


@settings(max_examples=200, deadline=None)
@given(
    st.integers(2, 60).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 6), min_size=n, max_size=n),  # coarse scores: many ties
            st.lists(st.integers(0, 1), min_size=n, max_size=n),
        )
    )
)
def test_average_precision_matches_sklearn(data):
    scores, labels = data
    if sum(labels) == 0:
        assert math.isnan(cl.average_precision(scores, labels))
    else:
        ref = average_precision_score(labels, scores)
        assert cl.average_precision(scores, labels) == pytest.approx(ref, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(2, 40).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 9), min_size=n, max_size=n),
            st.lists(st.integers(0, 1), min_size=n, max_size=n),
        )
    )
)
def test_best_f1_threshold_is_a_brute_force_maximum(data):
    scores, labels = np.array(data[0], float), np.array(data[1])
    t = cl.best_f1_threshold(scores, labels)
    if labels.sum() == 0:
        assert t == math.inf
        return
    best = max(f1_score(labels, scores >= c, zero_division=0.0) for c in set(scores))
    assert f1_score(labels, scores >= t, zero_division=0.0) == pytest.approx(best)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.lists(st.one_of(st.integers(0, 9), st.just(math.nan)), min_size=n, max_size=n),
            st.lists(st.sampled_from([0.0, 1.0, math.nan]), min_size=n, max_size=n),
        )
    )
)
def test_score_rules_count_every_distinct_rule_by_brute_force(data):
    """One rule per distinct score of the items with both a score and a label, highest
    first; its true and predicted positives counted item by item."""
    scores, labels = np.array(data[0], float), np.array(data[1], float)
    rules = cl.score_rules(scores, labels)
    both = ~np.isnan(scores) & ~np.isnan(labels)
    s, y = scores[both], labels[both] == 1
    assert rules.n_pos == int(y.sum())
    if rules.n_pos == 0:
        assert rules.threshold.size == rules.tp.size == rules.predicted.size == 0
        return
    assert rules.threshold.tolist() == sorted(set(s.tolist()), reverse=True)
    for t, tp, predicted in zip(rules.threshold, rules.tp, rules.predicted, strict=True):
        assert tp == sum(1 for v, pos in zip(s, y, strict=True) if v >= t and pos)
        assert predicted == sum(1 for v in s if v >= t)


def test_cluster_sums_match_loop():
    rng = np.random.default_rng(4)
    values = rng.random((50, 3, 2))
    clusters = rng.integers(0, 7, 50)
    out = bs.cluster_sums(values, clusters, 8)
    for c in range(8):
        assert np.allclose(out[c], values[clusters == c].sum(axis=0))


def test_cluster_bootstrap_equals_explicit_resampling_of_clusters():
    """The vectorized bootstrap reproduces, replicate by replicate, the statistic computed
    on an explicitly resampled list of clusters with the same draw counts."""
    rng = np.random.default_rng(5)
    n_units = 400
    clusters = rng.integers(0, 30, n_units)
    pred = rng.integers(0, 2, n_units)
    ref = (rng.random(n_units) < 0.3 + 0.4 * pred).astype(int)
    sums = bs.cluster_sums(cl.unit_confusion(pred, ref), clusters, 30)
    res = bs.cluster_bootstrap(
        sums, lambda t: cl.metrics_stack(t), replicates=50, seed=11, confidence=0.9
    )
    draws = np.concatenate(list(bs.resample_counts(30, 50, 11)))
    for b in (0, 17, 49):
        idx = np.concatenate(
            [np.flatnonzero(clusters == c) for c in range(30) for _ in range(int(draws[b, c]))]
        )
        ref_kappa = cohen_kappa_score(pred[idx], ref[idx])
        ref_f1 = f1_score(ref[idx], pred[idx])
        assert res.replicates[b, cl.METRICS.index("kappa")] == pytest.approx(ref_kappa)
        assert res.replicates[b, cl.METRICS.index("f1")] == pytest.approx(ref_f1)
    assert res.estimate[4] == pytest.approx(cohen_kappa_score(pred, ref))
    lo, hi = np.quantile(res.replicates, [0.05, 0.95], axis=0)
    assert np.allclose(res.ci_low, lo) and np.allclose(res.ci_high, hi)


def test_resample_counts_is_seeded_and_chunk_independent():
    a = np.concatenate(list(bs.resample_counts(13, 30, 3, chunk=7)))
    b = np.concatenate(list(bs.resample_counts(13, 30, 3, chunk=500)))
    assert np.array_equal(a, b)
    assert np.all(a.sum(axis=1) == 13)
    c = np.concatenate(list(bs.resample_counts(13, 30, 4)))
    assert not np.array_equal(a, c)


def test_bootstrap_interval_covers_truth_of_kappa_in_most_simulations():
    """Coverage of the percentile cluster bootstrap on a known kappa: two raters who copy a
    latent label with probability q and guess (probability p of 1) otherwise; over 60
    simulated studies the 90% interval should cover the population kappa ~90% of the time."""
    q, p = 0.6, 0.3
    # P(a=b=1) = p² + q²·p(1−p) and both margins are p, so kappa = q² exactly
    true_kappa = q**2
    covered = 0
    for s in range(60):
        r = np.random.default_rng(100 + s)
        n_clusters, per = 40, 10
        latent = r.random(n_clusters * per) < p
        a = np.where(r.random(latent.size) < q, latent, r.random(latent.size) < p)
        b = np.where(r.random(latent.size) < q, latent, r.random(latent.size) < p)
        sums = bs.cluster_sums(cl.unit_confusion(a, b), np.repeat(np.arange(n_clusters), per))
        res = bs.cluster_bootstrap(
            sums, lambda t: cl.metrics_stack(t)[..., 4], replicates=300, seed=s, confidence=0.9
        )
        covered += res.ci_low <= true_kappa <= res.ci_high
    assert covered >= 48  # 90% nominal: 54 expected, binomial sd ~2.3
