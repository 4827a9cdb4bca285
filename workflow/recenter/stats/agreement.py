"""Agreement between raters: Cohen's kappa, Krippendorff's alpha (nominal) and majority vote.

Every function works on plain numpy arrays so that all three stages can use it. Labels are
binary (1/0) with ``NaN`` for "this rater did not label this unit" where missing labels are
allowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike


# ---- Cohen's kappa ----------------------------------------------------------------------
def cohen_kappa_from_counts(
    n11: ArrayLike, n10: ArrayLike, n01: ArrayLike, n00: ArrayLike
) -> np.ndarray:
    """Unweighted Cohen's kappa of two binary raters from their 2×2 table (vectorized).

    ``n11``: both say 1, ``n10``: rater A 1 and B 0, ``n01``: A 0 and B 1, ``n00``: both 0.
    kappa = (p_o − p_e) / (1 − p_e), p_o = (n11 + n00)/n, p_e = p_A1·p_B1 + p_A0·p_B0
    (Cohen 1960, *Educ. Psychol. Meas.* 20:37). Undefined (NaN) when n = 0 or p_e = 1
    (both raters constant and equal), never forced to 1. Works elementwise on arrays.
    """
    n11, n10, n01, n00 = (np.asarray(x, dtype=float) for x in (n11, n10, n01, n00))
    n = n11 + n10 + n01 + n00
    with np.errstate(invalid="ignore", divide="ignore"):
        po = (n11 + n00) / n
        a1 = (n11 + n10) / n
        b1 = (n11 + n01) / n
        pe = a1 * b1 + (1 - a1) * (1 - b1)
        kappa = (po - pe) / (1 - pe)
    return np.where((n > 0) & (pe < 1), kappa, np.nan)


def cohen_kappa(a: ArrayLike, b: ArrayLike) -> float:
    """Cohen's kappa of two binary label vectors on the units both labelled (NaN = missing)."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    both = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[both], b[both]
    return float(
        cohen_kappa_from_counts(
            np.sum((a == 1) & (b == 1)),
            np.sum((a == 1) & (b == 0)),
            np.sum((a == 0) & (b == 1)),
            np.sum((a == 0) & (b == 0)),
        )
    )


def pairwise_counts(
    labels: ArrayLike, clusters: ArrayLike | None = None, n_clusters: int | None = None
) -> np.ndarray:
    """2×2 tables of every rater pair, optionally per cluster.

    ``labels``: units × raters, values 1/0/NaN. ``clusters``: integer cluster code per unit
    (0..C−1) or None for one cluster; ``n_clusters`` defaults to max code + 1. Returns an
    array (C, 4, R, R) whose [:, k, a, b] holds n11, n10, n01, n00 (k = 0..3) of raters a and
    b over the units both labelled.
    """
    from recenter.stats.bootstrap import cluster_sums

    labels = np.asarray(labels, dtype=float)
    n_units = labels.shape[0]
    if clusters is None:
        clusters = np.zeros(n_units, dtype=np.int64)
    ones = (labels == 1).astype(np.float64)
    zeros = (labels == 0).astype(np.float64)
    tables = np.stack(
        [
            x[:, :, None] * y[:, None, :]
            for x, y in ((ones, ones), (ones, zeros), (zeros, ones), (zeros, zeros))
        ],
        axis=1,
    )  # units × 4 × R × R
    return cluster_sums(tables, clusters, n_clusters)


def kappa_matrix_from_counts(counts: ArrayLike) -> np.ndarray:
    """Kappa of every rater pair from tables shaped (..., 4, R, R) (see pairwise_counts)."""
    counts = np.asarray(counts, dtype=float)
    return cohen_kappa_from_counts(
        counts[..., 0, :, :], counts[..., 1, :, :], counts[..., 2, :, :], counts[..., 3, :, :]
    )


# ---- Krippendorff's alpha ---------------------------------------------------------------
@dataclass(frozen=True)
class AlphaResult:
    """Krippendorff's alpha, or NaN with the reason it is undefined."""

    alpha: float
    reason: str | None = None


def krippendorff_alpha_nominal(reliability: ArrayLike) -> AlphaResult:
    """Krippendorff's alpha for nominal data via the ``krippendorff`` package.

    ``reliability``: raters × units (the package's orientation; a transposed matrix gives a
    silently wrong number), NaN for missing. Always passes ``level_of_measurement="nominal"``
    (the package defaults to interval). Returns NaN with a reason instead of raising when the
    group has fewer than two raters, no unit has two labels, or every label is the same value
    (alpha = 0/0; never forced to 1).
    """
    return krippendorff_alpha(reliability, level_of_measurement="nominal")


def krippendorff_alpha(reliability: ArrayLike, **options: Any) -> AlphaResult:
    """``krippendorff.alpha`` of raters × units ``reliability`` (NaN missing) with ``options``
    (``level_of_measurement`` is required: the package's default is interval), or NaN with
    the reason instead of the package's exceptions: fewer than two raters, no unit with two
    labels, or a single value used (alpha = 0/0, never forced to 1)."""
    import krippendorff

    if "level_of_measurement" not in options:
        raise TypeError("pass level_of_measurement explicitly (the package defaults to interval)")
    data = np.asarray(reliability, dtype=float)
    if data.ndim != 2 or data.shape[0] < 2:
        n = 0 if data.ndim != 2 else data.shape[0]
        return AlphaResult(float("nan"), f"needs at least 2 raters, group has {n}")
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if not pairable.any():
        return AlphaResult(float("nan"), "no unit was labelled by two raters of the group")
    values = np.unique(data[:, pairable][~np.isnan(data[:, pairable])])
    if values.size < 2:
        return AlphaResult(float("nan"), "every label is the same value (alpha undefined)")
    return AlphaResult(float(krippendorff.alpha(reliability_data=data, **options)))


def alpha_binary_unit_stats(labels: ArrayLike) -> np.ndarray:
    """Per-unit sufficient statistics of nominal alpha for binary labels.

    ``labels``: units × raters, 1/0/NaN. Returns (units × 3): m_u (number of labels if the
    unit is pairable, m_u ≥ 2, else 0), ones_u (labels 1 among them) and the unit's observed
    disagreement d_u = 2·ones_u·zeros_u/(m_u − 1). Sums over units feed alpha_binary_from_sums.
    """
    labels = np.asarray(labels, dtype=float)
    m = (~np.isnan(labels)).sum(axis=1).astype(float)
    ones = (labels == 1).sum(axis=1).astype(float)
    pairable = m >= 2
    m = np.where(pairable, m, 0.0)
    ones = np.where(pairable, ones, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(pairable, 2 * ones * (m - ones) / (m - 1), 0.0)
    return np.stack([m, ones, d], axis=-1)


def alpha_binary_from_sums(sums: ArrayLike) -> np.ndarray:
    """Nominal alpha for binary data from summed unit statistics (..., 3), vectorized.

    With n = Σ m_u pairable values, n_1 = Σ ones_u, n_0 = n − n_1 and the coincidence-matrix
    disagreement D_o ∝ Σ d_u, alpha = 1 − (n − 1)·Σ d_u / (2·n_1·n_0)
    (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability", §C nominal data).
    NaN when n_1·n_0 = 0.
    """
    sums = np.asarray(sums, dtype=float)
    n, n1, d = sums[..., 0], sums[..., 1], sums[..., 2]
    n0 = n - n1
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = 1 - (n - 1) * d / (2 * n1 * n0)
    return np.where(n1 * n0 > 0, alpha, np.nan)


# ---- majority vote ----------------------------------------------------------------------
@dataclass(frozen=True)
class Vote:
    """Majority vote of one unit: the decision and the counts behind it."""

    relevant: bool
    is_tie: bool
    n_labels: int
    n_relevant: int


def majority_vote(labels: Iterable[Any]) -> Vote | None:
    """Majority of the binary labels present (None/NaN ignored).

    Relevant iff more than half of the labels are 1; a tie (possible with an even number of
    labels) is *not relevant* and flagged; no label at all returns None (the unit is excluded).
    Convention of the project (docs/paper.md); the SQL view ``human_relevance_consensus`` in
    views.sql computes the same thing and is tested against this function.
    """
    present = [int(bool(x)) for x in labels if x is not None and not _isnan(x)]
    if not present:
        return None
    k, n = sum(present), len(present)
    return Vote(relevant=2 * k > n, is_tie=2 * k == n, n_labels=n, n_relevant=k)


def majority_vote_matrix(labels: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorized majority_vote over units × raters (1/0/NaN).

    Returns (relevant, is_tie, n_labels): relevant is NaN for units without any label.
    """
    labels = np.asarray(labels, dtype=float)
    n = (~np.isnan(labels)).sum(axis=1)
    k = (labels == 1).sum(axis=1)
    relevant = np.where(n > 0, (2 * k > n).astype(float), np.nan)
    return relevant, (n > 0) & (2 * k == n), n


def _isnan(x: object) -> bool:
    return isinstance(x, float) and x != x
