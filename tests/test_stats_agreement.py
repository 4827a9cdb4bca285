"""recenter.stats.agreement against scikit-learn, the krippendorff package, Krippendorff's
(2011) worked examples and a pure-Python majority vote."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from recenter.stats import agreement as ag

NAN = np.nan

binary_pairs = st.integers(min_value=2, max_value=60).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
        st.lists(st.integers(0, 1), min_size=n, max_size=n),
    )
)


@settings(max_examples=200, deadline=None)
@given(binary_pairs)
def test_cohen_kappa_matches_sklearn(pair):
    a, b = pair
    ours = ag.cohen_kappa(a, b)
    pe = np.mean(a) * np.mean(b) + (1 - np.mean(a)) * (1 - np.mean(b))
    if pe == 1:  # both raters constant and equal: undefined, not forced to 1
        assert math.isnan(ours)
    else:
        assert ours == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)


def test_cohen_kappa_uses_only_units_both_labelled():
    a = [1, 0, 1, NAN, 1, 0, 0]
    b = [1, 0, 0, 1, NAN, 0, 1]
    keep = [0, 1, 2, 5, 6]
    expected = cohen_kappa_score(np.array(a)[keep], np.array(b)[keep])
    assert ag.cohen_kappa(a, b) == pytest.approx(expected)


def test_cohen_kappa_textbook_value():
    # Cohen-style 2×2 table: n11=20, n10=5, n01=10, n00=15 -> po=.7, pe=.5, kappa=.4
    assert float(ag.cohen_kappa_from_counts(20, 5, 10, 15)) == pytest.approx(0.4)


def test_pairwise_counts_and_kappa_matrix_match_sklearn():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, size=(300, 5)).astype(float)
    labels[rng.random(labels.shape) < 0.2] = NAN
    clusters = rng.integers(0, 17, size=300)
    counts = ag.pairwise_counts(labels, clusters)
    assert counts.shape == (17, 4, 5, 5)
    kappa = ag.kappa_matrix_from_counts(counts.sum(axis=0))
    for i in range(5):
        for j in range(5):
            both = ~np.isnan(labels[:, i]) & ~np.isnan(labels[:, j])
            assert counts[:, :, i, j].sum() == both.sum()
            if i != j:
                ref = cohen_kappa_score(labels[both, i], labels[both, j])
                assert kappa[i, j] == pytest.approx(ref, abs=1e-12)


def test_krippendorff_2011_nominal_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C:
    # 4 observers, 12 units, nominal alpha = 0.743
    data = np.array(
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
            [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
        ]
    )
    assert ag.krippendorff_alpha_nominal(data).alpha == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_2011_binary_example_both_implementations():
    # Krippendorff (2011), example A: two observers, ten binary units, alpha = 0.095
    data = np.array([[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]], float)
    assert ag.krippendorff_alpha_nominal(data).alpha == pytest.approx(0.095, abs=5e-4)
    sums = ag.alpha_binary_unit_stats(data.T).sum(axis=0)
    assert float(ag.alpha_binary_from_sums(sums)) == pytest.approx(0.095, abs=5e-4)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 6), st.integers(3, 80), st.floats(0, 0.5))
def test_binary_alpha_sufficient_statistics_match_package(seed, n_raters, n_units, p_missing):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=(n_units, n_raters)).astype(float)
    labels[rng.random(labels.shape) < p_missing] = NAN
    ours = float(ag.alpha_binary_from_sums(ag.alpha_binary_unit_stats(labels).sum(axis=0)))
    ref = ag.krippendorff_alpha_nominal(labels.T)
    if math.isnan(ref.alpha):
        assert math.isnan(ours)
    else:
        assert ours == pytest.approx(ref.alpha, abs=1e-9)


def test_alpha_reports_reasons_instead_of_raising():
    one_rater = ag.krippendorff_alpha_nominal(np.array([[1, 0, 1]], float))
    assert math.isnan(one_rater.alpha) and "2 raters" in one_rater.reason
    constant = ag.krippendorff_alpha_nominal(np.ones((3, 5)))
    assert math.isnan(constant.alpha) and "same value" in constant.reason
    unpaired = ag.krippendorff_alpha_nominal(np.array([[1, NAN], [NAN, 0]]))
    assert math.isnan(unpaired.alpha) and "two raters" in unpaired.reason


def _pure_python_majority(labels):
    present = [x for x in labels if x is not None]
    if not present:
        return None
    yes = sum(1 for x in present if x)
    no = len(present) - yes
    return (yes > no, yes == no)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), st.booleans()), min_size=0, max_size=7))
def test_majority_vote_matches_pure_python(labels):
    vote = ag.majority_vote(labels)
    ref = _pure_python_majority(labels)
    if ref is None:
        assert vote is None
    else:
        assert (vote.relevant, vote.is_tie) == ref
        assert vote.n_labels == sum(x is not None for x in labels)


def test_majority_vote_matrix_matches_scalar_version():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, size=(500, 4)).astype(float)
    labels[rng.random(labels.shape) < 0.3] = NAN
    relevant, tie, n = ag.majority_vote_matrix(labels)
    for row, r, t, k in zip(labels, relevant, tie, n, strict=True):
        vote = ag.majority_vote([None if math.isnan(x) else bool(x) for x in row])
        if vote is None:
            assert math.isnan(r) and k == 0 and not t
        else:
            assert (bool(r), bool(t), int(k)) == (vote.relevant, vote.is_tie, vote.n_labels)


def test_krippendorff_wrapper_refuses_to_guess_the_level() -> None:
    """The package silently defaults to interval; the wrapper makes the caller choose."""
    with pytest.raises(TypeError, match="level_of_measurement"):
        ag.krippendorff_alpha(np.array([[0.0, 1.0], [0.0, 1.0]]))
