"""recenter.stats.ordinal (ordinal Krippendorff's alpha) against Krippendorff's (2011) worked
example and the krippendorff package."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recenter.stats import ordinal
from recenter.stats.bootstrap import cluster_bootstrap, cluster_sums

NAN = np.nan

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", §C: 4 observers × 12
# units, values 1..5, missing data. Published: ordinal alpha = 0.815.
TEXTBOOK = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
        [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN],
    ]
)


def test_textbook_ordinal_alpha():
    codes = TEXTBOOK - 1  # 0..4
    assert ordinal.alpha_ordinal(codes.T, 5) == pytest.approx(0.815, abs=5e-4)
    assert ordinal.krippendorff_alpha_ordinal(codes, 5).alpha == pytest.approx(0.815, abs=5e-4)


def test_textbook_coincidence_matrix_totals():
    # the example's pairable values: n = 40 (unit 12 has a single value and drops out)
    o = ordinal.unit_coincidences((TEXTBOOK - 1).T, 5).sum(axis=0)
    assert o.sum() == pytest.approx(40)
    np.testing.assert_allclose(o, o.T)
    # value counts n_c of the textbook's coincidence table: 9, 13, 10, 5, 3
    np.testing.assert_allclose(o.sum(axis=1), [9, 13, 10, 5, 3])


def test_ordinal_distance_textbook():
    # Krippendorff (2011) §C, ordinal metric with n_c = 9, 13, 10, 5, 3:
    # δ²(1,2) = (9/2 + 13/2)² = 121, δ²(1,3) = (9/2 + 13 + 10/2)² = 506.25
    d2 = ordinal.ordinal_distance(np.array([9.0, 13, 10, 5, 3]))
    assert d2[0, 1] == pytest.approx(121)
    assert d2[0, 2] == pytest.approx(506.25)
    assert d2[3, 1] == pytest.approx((13 / 2 + 10 + 5 / 2) ** 2)  # symmetric: δ²(4,2)
    assert np.all(np.diag(d2) == 0)


matrices = st.tuples(st.integers(2, 5), st.integers(2, 40), st.integers(0, 2**31 - 1)).map(
    lambda t: _random_codes(*t)
)


def _random_codes(raters, units, seed):
    rng = np.random.default_rng(seed)
    codes = rng.integers(0, 3, size=(units, raters)).astype(float)
    codes[rng.random(codes.shape) < 0.25] = NAN
    return codes


@settings(max_examples=150, deadline=None)
@given(matrices)
def test_matches_krippendorff_package(codes):
    ours = ordinal.alpha_ordinal(codes, 3)
    wrapped = ordinal.krippendorff_alpha_ordinal(codes.T, 3)
    pairable = (~np.isnan(codes)).sum(axis=1) >= 2
    values = np.unique(codes[pairable][~np.isnan(codes[pairable])])
    if not pairable.any() or values.size < 2:
        assert math.isnan(ours)
        assert math.isnan(wrapped.alpha) and wrapped.reason
        return
    ref = krippendorff.alpha(
        reliability_data=codes.T, level_of_measurement="ordinal", value_domain=[0, 1, 2]
    )
    assert ours == pytest.approx(ref, abs=1e-9)
    assert wrapped.alpha == pytest.approx(ref, abs=1e-9)


def test_undefined_cases_give_reasons_not_exceptions():
    assert "2 raters" in ordinal.krippendorff_alpha_ordinal(np.array([[0, 1, 2]]), 3).reason
    one_each = np.array([[0, NAN], [NAN, 1]])
    assert "two raters" in ordinal.krippendorff_alpha_ordinal(one_each, 3).reason
    same = np.array([[1, 1, 1], [1, 1, 1]])
    assert math.isnan(ordinal.krippendorff_alpha_ordinal(same, 3).alpha)
    assert math.isnan(ordinal.alpha_ordinal(same.T, 3))  # never forced to 1


def test_bootstrap_replicate_equals_alpha_of_resampled_units():
    """The coincidence form is additive: a replicate's alpha equals the package's alpha on the
    units of the resampled clusters, stacked."""
    codes = _random_codes(3, 60, 11)
    clusters = np.repeat(np.arange(12), 5)
    sums = cluster_sums(ordinal.unit_coincidences(codes, 3), clusters, 12)
    res = cluster_bootstrap(
        sums, ordinal.alpha_ordinal_from_coincidences, replicates=3, seed=5, confidence=0.95
    )
    from recenter.stats.bootstrap import resample_counts

    weights = next(resample_counts(12, 3, 5))
    for b in range(3):
        rows = np.concatenate(
            [codes[clusters == c] for c in range(12) for _ in range(int(weights[b, c]))]
        )
        ref = krippendorff.alpha(
            reliability_data=rows.T, level_of_measurement="ordinal", value_domain=[0, 1, 2]
        )
        assert res.replicates[b] == pytest.approx(ref, abs=1e-9)
