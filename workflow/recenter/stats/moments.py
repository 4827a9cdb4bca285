"""Moment (ANOVA-type) estimator of nested variance components and its cluster bootstrap.

``moment_components`` works on the rows directly: rows are centred by the cell means of the
fixed factors, and a level's component is the mean product of centred rows that share the level
and nothing below it, net of the levels above.

``bootstrap_moments`` gets the same numbers for every replicate without touching the rows again.
Every quantity of the estimator is a sum over the top-level groups of per-group sums once the
cell means are fixed, and the cell means are ratios of such sums. For a centred row
r = y − m[cell], the sum over ordered pairs of rows sharing a level code c is
(Σ_c r)² − Σ_c r², and (Σ_c r)² = (Σ_c y)² − 2 Σ_k m_k n_ck Σ_c y + Σ_kl m_k m_l n_ck n_cl,
with n_ck the number of rows of code c in cell k. So each group contributes a short vector
(per level: Σ(Σy)², Σ(Σy)·n_k, Σ n_k n_l and the number of pairs; per cell: n, Σy, Σy²), a
replicate in which group g is drawn w_g times is the weighted sum Σ_g w_g · stats_g, and all
replicates are one matrix product. A group drawn twice enters as two groups (its level codes are
never shared with its copy), as in a bootstrap that re-labels every draw. The replicates equal
``moment_components`` on the explicitly resampled rows to rounding (tests/test_variance.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from recenter.stats.variance import BootstrapComponents, Components, _codes, _collect

#: (sum of r_i r_j over ordered pairs of rows sharing a code, number of such pairs): floats for
#: the rows themselves, arrays of one entry per replicate in the bootstrap.
PairSum = tuple[float | np.ndarray, float | np.ndarray]


def _pair_sum(r: np.ndarray, codes: np.ndarray) -> tuple[float, float]:
    """(sum of r_i r_j, number of pairs) over ordered pairs i != j of rows sharing a code."""
    s = np.bincount(codes, weights=r)
    q = np.bincount(codes, weights=r * r)
    n = np.bincount(codes).astype(float)
    return float((s**2 - q).sum()), float((n**2 - n).sum())


def _ratio(t: PairSum) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.asarray(t[1]) > 0, np.asarray(t[0]) / np.asarray(t[1]), np.nan)


def _combine(
    t_top: PairSum,
    t_lev: Sequence[PairSum],
    t_unit: PairSum,
    names: list[str],
    top_name: str,
    unit_name: str,
) -> dict[str, np.ndarray]:
    """The components from the pair sums (sum, pairs) of the top level, the one or two levels
    between top and unit, and the unit; scalars or arrays (one entry per replicate)."""
    if len(names) == 1:
        c_top = _ratio((t_top[0] - t_lev[0][0], t_top[1] - t_lev[0][1]))
        c_a = _ratio((t_lev[0][0] - t_unit[0], t_lev[0][1] - t_unit[1]))
        c_unit = _ratio(t_unit)
        return {top_name: c_top, names[0]: c_a - c_top, unit_name: c_unit - c_a, "_unit": c_unit}
    if len(names) == 2:
        (ta, na), (tb, nb) = t_lev
        c_top = _ratio((t_top[0] - ta - tb + t_unit[0], t_top[1] - na - nb + t_unit[1]))
        c_a = _ratio((ta - t_unit[0], na - t_unit[1]))
        c_b = _ratio((tb - t_unit[0], nb - t_unit[1]))
        c_unit = _ratio(t_unit)
        return {
            top_name: c_top,
            names[0]: c_a - c_top,
            names[1]: c_b - c_top,
            unit_name: c_unit - c_a - c_b + c_top,
            "_unit": c_unit,
        }
    raise ValueError("moment_components takes one or two levels between top and unit")


def _cells(fixed: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Code of each row's cell of the fixed factors (their combination)."""
    cell = np.zeros(n, dtype=np.int64)
    for values in fixed.values():
        codes = _codes(values)
        cell = cell * (codes.max() + 1) + codes
    return _codes(cell)


def moment_components(
    y: ArrayLike,
    fixed: dict[str, np.ndarray],
    top: np.ndarray,
    levels: dict[str, np.ndarray],
    unit: np.ndarray,
    top_name: str,
    unit_name: str,
    annotator: str | None = "annotator",
) -> Components:
    """Moment estimator of the variance components on the scale of ``y`` (for binary ``y``:
    the linear probability scale).

    Rows are centred by the cell means of the fixed factors (e.g. annotator); a level's
    component is the mean product of centred rows that share that level and nothing below it,
    net of the levels above (the covariance definition of ``recenter.simulate.model``):
    ``top`` (independent groups) > one or two ``levels`` nested in top, crossed with each other
    when there are two (Stage 2: attribute x pair within a user) > ``unit`` (the rows of a unit
    share every level: ratings of one item by different annotators) > residual. Level codes
    must be globally unique (an attribute id belongs to one user). The annotator component is
    the variance (ddof 1) of the annotators' mean ``y``.
    """
    y = np.asarray(y, dtype=float)
    cell = _cells(fixed, y.size)
    means = np.bincount(cell, weights=y) / np.bincount(cell)
    r = y - means[cell]
    t_unit = _pair_sum(r, _codes(unit))
    names = list(levels)
    t_lev = [_pair_sum(r, _codes(levels[k])) for k in names]
    parts = _combine(_pair_sum(r, _codes(top)), t_lev, t_unit, names, top_name, unit_name)
    c_unit = float(parts.pop("_unit"))
    variance = {k: float(v) for k, v in parts.items()}
    if annotator is not None and annotator in fixed:
        codes = _codes(fixed[annotator])
        ann_means = np.bincount(codes, weights=y) / np.bincount(codes)
        variance["annotator"] = float(np.var(ann_means, ddof=1)) if ann_means.size > 1 else 0.0
    variance["residual"] = float(np.mean(r**2)) - c_unit
    return Components(variance=variance, converged=True, n=int(y.size))


# ---- the bootstrap on per-group sums ------------------------------------------------------------
@dataclass(frozen=True)
class _LevelSums:
    """Per top-level group: Σ_c (Σ_c y)², Σ_c (Σ_c y) n_ck (G × C), Σ_c n_ck n_cl (G × C·C) and
    the number of ordered pairs of rows sharing a code (G,), over the level's codes c."""

    sq: np.ndarray
    cross: np.ndarray
    outer: np.ndarray
    pairs: np.ndarray


def _level_sums(
    y: np.ndarray,
    cell: np.ndarray,
    n_cells: int,
    group: np.ndarray,
    n_groups: int,
    code: np.ndarray,
) -> _LevelSums:
    # a code is made unique per group, so a group's copy in a replicate never shares it
    code = _codes(group * (int(code.max()) + 1) + code)
    n_codes = int(code.max()) + 1
    code_group = np.zeros(n_codes, dtype=np.int64)
    code_group[code] = group
    s = np.bincount(code, weights=y, minlength=n_codes)
    n_ck = np.bincount(code * n_cells + cell, minlength=n_codes * n_cells).reshape(n_codes, -1)
    n_c = n_ck.sum(axis=1).astype(float)

    def per_group(weights: np.ndarray) -> np.ndarray:
        return np.bincount(code_group, weights=weights, minlength=n_groups)

    cross = np.column_stack([per_group(s * n_ck[:, k]) for k in range(n_cells)])
    outer = np.column_stack(
        [per_group(n_ck[:, k] * n_ck[:, m]) for k in range(n_cells) for m in range(n_cells)]
    )
    return _LevelSums(per_group(s * s), cross, outer, per_group(n_c * n_c - n_c))


def _draw_weights(n_groups: int, replicates: int, seed: int) -> np.ndarray:
    """(replicates × groups) draw counts: each replicate draws ``n_groups`` groups uniformly
    with replacement, one ``rng.integers`` call per replicate (the stream of the row-level
    bootstrap this replaced, so the same seed gives the same resamples)."""
    rng = np.random.default_rng(seed)
    w = np.empty((replicates, n_groups))
    for b in range(replicates):
        w[b] = np.bincount(rng.integers(n_groups, size=n_groups), minlength=n_groups)
    return w


def _replicate_pair_sums(
    w: np.ndarray, s: _LevelSums, m: np.ndarray, q: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(sum of r_i r_j over ordered pairs sharing a code, number of pairs) per replicate."""
    n_cells = m.shape[1]
    outer = (w @ s.outer).reshape(-1, n_cells, n_cells)
    sq = w @ s.sq - 2 * np.einsum("bk,bk->b", m, w @ s.cross)
    sq += np.einsum("bk,bkl,bl->b", m, outer, m)
    return sq - q, w @ s.pairs


def bootstrap_moments(
    y: ArrayLike,
    fixed: dict[str, np.ndarray],
    top: np.ndarray,
    levels: dict[str, np.ndarray],
    unit: np.ndarray,
    top_name: str,
    unit_name: str,
    *,
    replicates: int,
    seed: int,
    annotator: str | None = "annotator",
) -> BootstrapComponents:
    """``moment_components`` and its cluster-bootstrap replicates over the ``top`` groups (a
    group drawn twice enters as two groups), computed from per-group sums (module docstring)."""
    y = np.asarray(y, dtype=float)
    est = moment_components(y, fixed, top, levels, unit, top_name, unit_name, annotator)
    group = _codes(top)
    n_groups = int(group.max()) + 1
    cell = _cells(fixed, y.size)
    n_cells = int(cell.max()) + 1
    sums = [_level_sums(y, cell, n_cells, group, n_groups, group)]
    sums += [_level_sums(y, cell, n_cells, group, n_groups, _codes(levels[k])) for k in levels]
    sums.append(_level_sums(y, cell, n_cells, group, n_groups, _codes(unit)))
    gc = group * n_cells + cell
    per_cell = [
        np.bincount(gc, weights=v, minlength=n_groups * n_cells).reshape(n_groups, n_cells)
        for v in (np.ones_like(y), y, y * y)
    ]
    w = _draw_weights(n_groups, replicates, seed)
    n_k, sy_k, syy_k = (w @ p for p in per_cell)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(n_k > 0, sy_k / np.where(n_k > 0, n_k, 1), 0.0)
    q = (syy_k - 2 * m * sy_k + n_k * m * m).sum(axis=1)  # Σ r² of each replicate
    t = [_replicate_pair_sums(w, s, m, q) for s in sums]
    parts = _combine(t[0], t[1:-1], t[-1], list(levels), top_name, unit_name)
    c_unit = parts.pop("_unit")
    parts_all = dict(parts)
    if annotator is not None and annotator in fixed:
        parts_all["annotator"] = _annotator_variance(fixed[annotator], cell, n_k, sy_k)
    parts_all["residual"] = q / n_k.sum(axis=1) - c_unit

    def fits() -> Iterator[Components]:
        for b in range(replicates):
            variance = {k: float(v[b]) for k, v in parts_all.items()}
            yield Components(variance=variance, converged=True, n=int(n_k[b].sum()))

    return _collect(est, fits(), replicates)


def _annotator_variance(
    values: np.ndarray, cell: np.ndarray, n_k: np.ndarray, sy_k: np.ndarray
) -> np.ndarray:
    """Per replicate: variance (ddof 1) of the mean ``y`` of the annotators present in it, 0
    with fewer than two (as ``moment_components``)."""
    ann = _codes(values)
    cell_ann = np.zeros(int(cell.max()) + 1, dtype=np.int64)
    cell_ann[cell] = ann  # each cell belongs to one annotator (the annotator is a fixed factor)
    to_ann = np.eye(int(ann.max()) + 1)[cell_ann]  # cells × annotators
    n_a, sy_a = n_k @ to_ann, sy_k @ to_ann
    present = n_a > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(present, sy_a / np.where(present, n_a, 1), 0.0)
    k = present.sum(axis=1)
    mean = means.sum(axis=1) / np.maximum(k, 1)
    ss = (np.where(present, means - mean[:, None], 0.0) ** 2).sum(axis=1)
    return np.where(k > 1, ss / np.maximum(k - 1, 1), 0.0)
