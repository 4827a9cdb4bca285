"""Krippendorff's alpha for ordinal data: a wrapper of the ``krippendorff`` package and a
coincidence-matrix form whose per-unit statistics add up, for the cluster bootstrap.

Labels are integer category codes 0..K−1 in their order (e.g. accepted < uncertain <
rejected), ``NaN`` for "this rater did not label this unit".

Formulas (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability", §A and §C):
each unit u with m_u ≥ 2 labels adds n_uc·(n_uk − [c = k]) / (m_u − 1) to the coincidence
matrix o_ck (n_uc: labels c in u); n_c = Σ_k o_ck, n = Σ_c n_c; the ordinal distance is
δ²_ck = (Σ_{g=c..k} n_g − (n_c + n_k)/2)²; alpha = 1 − (n − 1)·Σ o_ck δ²_ck / Σ n_c n_k δ²_ck.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from recenter.stats.agreement import AlphaResult, krippendorff_alpha


def unit_coincidences(labels: ArrayLike, n_categories: int) -> np.ndarray:
    """Per-unit coincidence matrices (units × K × K) of ordinal codes (units × raters, NaN
    missing). Units with fewer than two labels contribute zeros. Summing over units (or over
    the units of a cluster) gives the coincidence matrix of those units."""
    labels = np.asarray(labels, dtype=float)
    counts = np.stack([(labels == c).sum(axis=1) for c in range(n_categories)], axis=-1).astype(
        float
    )  # units × K
    m = counts.sum(axis=1)
    pairs = counts[:, :, None] * counts[:, None, :] - counts[:, :, None] * np.eye(n_categories)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pairs / (m - 1)[:, None, None]
    return np.where((m >= 2)[:, None, None], out, 0.0)


def ordinal_distance(marginals: ArrayLike) -> np.ndarray:
    """Squared ordinal distances δ²_ck (..., K, K) from the category totals n_c (..., K)."""
    n = np.asarray(marginals, dtype=float)
    cum = np.cumsum(n, axis=-1)
    # Σ_{g=c..k} n_g for c ≤ k = cum_k − cum_c + n_c; symmetric in (c, k)
    lo = np.minimum.outer(np.arange(n.shape[-1]), np.arange(n.shape[-1]))
    hi = np.maximum.outer(np.arange(n.shape[-1]), np.arange(n.shape[-1]))
    span = np.take(cum, hi, axis=-1) - np.take(cum, lo, axis=-1) + np.take(n, lo, axis=-1)
    half = (n[..., :, None] + n[..., None, :]) / 2
    return np.asarray((span - half) ** 2)


def alpha_ordinal_from_coincidences(coincidences: ArrayLike) -> np.ndarray:
    """Ordinal alpha from summed coincidence matrices (..., K, K), vectorized over leading
    axes. NaN when the expected disagreement is zero (one category only, or no pairable
    unit): undefined, never forced to 1."""
    o = np.asarray(coincidences, dtype=float)
    nc = o.sum(axis=-1)
    n = nc.sum(axis=-1)
    d2 = ordinal_distance(nc)
    observed = (o * d2).sum(axis=(-2, -1))
    expected = (nc[..., :, None] * nc[..., None, :] * d2).sum(axis=(-2, -1))
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = 1 - (n - 1) * observed / expected
    return np.where(expected > 0, alpha, np.nan)


def alpha_ordinal(labels: ArrayLike, n_categories: int) -> float:
    """Ordinal alpha of units × raters codes (NaN missing) through the coincidence matrix."""
    return float(alpha_ordinal_from_coincidences(unit_coincidences(labels, n_categories).sum(0)))


def krippendorff_alpha_ordinal(reliability: ArrayLike, n_categories: int) -> AlphaResult:
    """Ordinal Krippendorff's alpha via the ``krippendorff`` package.

    ``reliability``: raters × units (the package's orientation), codes 0..K−1, NaN missing.
    Passes ``level_of_measurement="ordinal"`` and the full value domain 0..K−1 (categories
    nobody used do not change alpha). NaN with a reason instead of the package's exceptions
    when there are fewer than two raters, no unit has two labels, or a single value is used.
    """
    return krippendorff_alpha(
        reliability, level_of_measurement="ordinal", value_domain=list(range(n_categories))
    )
