"""Variance components of ratings and votes: how much of the variation is due to the response
item, the user-prompt pair, the user, the attribute, the annotator, and what is left.

``nested_components`` fits a linear mixed model with statsmodels' ``MixedLM`` (REML): a random
intercept for the top level (the independent groups: pairs in Stage 3, users in Stage 2),
variance components for levels nested in it (``VCSpec``: one indicator column per level member
within its group), and fixed effects (generator, annotator). The annotator enters as a fixed
effect, because with three annotators crossed with everything a random annotator effect cannot
be nested; its component is the variance (ddof 1) of the fitted annotator means, which is what a
three-level random effect estimates. Shares are each component / the sum of the components.

Intervals: percentile cluster bootstrap over the top-level groups (a group drawn twice enters
as two independent groups), refitting the model on each replicate; replicates whose fit fails
or does not converge are dropped and counted.
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

FIT_METHOD = ["lbfgs"]
RETRY_METHOD = ["powell", "lbfgs"]


@dataclass(frozen=True)
class Components:
    """Estimated variances per level (ordered), the fit's convergence and the number of rows."""

    variance: dict[str, float]
    converged: bool
    n: int
    start: np.ndarray | None = None  # MixedLM parameters, to start refits from

    @property
    def share(self) -> dict[str, float]:
        total = sum(self.variance.values())
        return {k: (v / total if total > 0 else float("nan")) for k, v in self.variance.items()}


def _codes(x: ArrayLike) -> np.ndarray:
    """Integer codes 0..K-1 of the values of ``x`` (any hashable dtype)."""
    x = np.asarray(x)
    if x.dtype.kind not in "iub":
        x = x.astype(str)
    return np.unique(x, return_inverse=True)[1].astype(np.int64).ravel()


def _design(fixed: dict[str, np.ndarray], n: int) -> tuple[np.ndarray, list[str], list[int]]:
    """Intercept plus treatment-coded columns of each categorical fixed effect; the index of the
    first column of the last factor (the annotator) for the annotator means."""
    cols, names = [np.ones(n)], ["intercept"]
    starts = []
    for name, values in fixed.items():
        codes = _codes(values)
        starts.append(len(cols))
        for k in range(1, codes.max() + 1):
            cols.append((codes == k).astype(float))
            names.append(f"{name}[{k}]")
    return np.column_stack(cols), names, starts


def _estimates_only_model() -> Any:
    """statsmodels' ``MixedLM`` whose ``fit`` never fails on a singular Hessian.

    After optimising, ``MixedLM.fit`` inverts the Hessian at the optimum for the standard
    errors of the parameters, and raises ``LinAlgError`` when it is exactly singular — which
    happens when a component sits at its boundary 0, and whether the matrix comes out exactly
    singular depends on the CPU's floating-point path. This module reports no standard error
    from that matrix (its intervals are cluster-bootstrap intervals), so a singular Hessian is
    replaced by -I for that inversion only: the estimates (variances, fixed effects, scale) are
    what the optimiser found, unchanged. ``tests/test_variance.py`` checks they equal a plain
    ``MixedLM`` fit's."""
    from statsmodels.regression.mixed_linear_model import MixedLM

    class EstimatesOnlyMixedLM(MixedLM):  # type: ignore[misc]  # statsmodels has no types
        def hessian(self, params: np.ndarray) -> tuple[np.ndarray, bool]:
            hess, sing = super().hessian(params)
            try:
                np.linalg.inv(-hess)
            except np.linalg.LinAlgError:
                return -np.eye(hess.shape[0]), True
            return hess, sing

    return EstimatesOnlyMixedLM


def nested_components(
    y: ArrayLike,
    top: np.ndarray,
    nested: dict[str, np.ndarray],
    fixed: dict[str, np.ndarray],
    top_name: str,
    annotator: str | None = "annotator",
    start: np.ndarray | None = None,
) -> Components:
    """REML variance components of ``y``.

    ``top``: the top-level group of each row (independent groups, a random intercept);
    ``nested``: name -> level member of each row, nested in ``top`` (the member's id need only
    be unique within its group); ``fixed``: name -> categorical fixed effect per row, the
    annotator factor named ``annotator`` (its component = variance of its fitted means).
    """
    from statsmodels.regression.mixed_linear_model import VCSpec

    y = np.asarray(y, dtype=float)
    n = y.size
    top_codes = _codes(top)
    order = np.argsort(top_codes, kind="stable")  # VCSpec wants groups in sorted order
    y, top_codes = y[order], top_codes[order]
    exog, _, starts = _design({k: np.asarray(v)[order] for k, v in fixed.items()}, n)
    bounds = np.r_[0, np.flatnonzero(np.diff(top_codes)) + 1, n]
    names, colnames, mats = [], [], []
    for name, member in nested.items():
        member = np.asarray(member).astype(str)[order]
        names.append(name)
        cn, mt = [], []
        for a, b in itertools.pairwise(bounds):
            levels, idx = np.unique(member[a:b], return_inverse=True)
            mat = np.zeros((b - a, len(levels)))
            mat[np.arange(b - a), idx] = 1.0
            cn.append([f"{name}{k}" for k in range(len(levels))])
            mt.append(mat)
        colnames.append(cn)
        mats.append(mt)
    model = _estimates_only_model()(
        y, exog, top_codes, exog_re=np.ones((n, 1)), exog_vc=VCSpec(names, colnames, mats)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = model.fit(reml=True, method=FIT_METHOD, start_params=start)
        if not res.converged:  # mostly a component at its boundary 0: the slower Powell
            res = model.fit(reml=True, method=RETRY_METHOD, start_params=start)
    variance = {top_name: float(np.asarray(res.cov_re)[0, 0])}
    for k, name in enumerate(names):
        variance[name] = float(res.vcomp[k])
    if annotator is not None and annotator in fixed:
        k0 = starts[list(fixed).index(annotator)]
        n_levels = len(np.unique(np.asarray(fixed[annotator]).astype(str)))
        means = np.r_[0.0, np.asarray(res.fe_params)[k0 : k0 + n_levels - 1]]
        variance["annotator"] = float(np.var(means, ddof=1)) if n_levels > 1 else 0.0
    variance["residual"] = float(res.scale)
    return Components(
        variance=variance, converged=bool(res.converged), n=n, start=np.asarray(res.params)
    )


@dataclass(frozen=True)
class BootstrapComponents:
    estimate: Components
    replicates: dict[str, np.ndarray]  # level -> (kept replicates,) variances
    share_replicates: dict[str, np.ndarray]
    n_replicates: int
    n_dropped: int


def bootstrap_components(
    y: ArrayLike,
    top: np.ndarray,
    nested: dict[str, np.ndarray],
    fixed: dict[str, np.ndarray],
    top_name: str,
    *,
    replicates: int,
    seed: int,
    progress: Callable[[str], None] | None = None,
) -> BootstrapComponents:
    """``nested_components`` and its cluster-bootstrap replicates over the top-level groups."""
    y = np.asarray(y, dtype=float)
    top = np.asarray(top).astype(str)
    est = nested_components(y, top, nested, fixed, top_name)
    keys = np.unique(top)
    rows_of = {k: np.flatnonzero(top == k) for k in keys}
    rng = np.random.default_rng(seed)

    def refits() -> Iterator[Components | None]:
        for b in range(replicates):
            draw = rng.integers(len(keys), size=len(keys))
            take = np.concatenate([rows_of[keys[d]] for d in draw])
            # a group drawn twice becomes two groups: prefix every level id with the draw number
            tag = np.concatenate([np.full(len(rows_of[keys[d]]), i) for i, d in enumerate(draw)])
            try:
                c = nested_components(
                    y[take],
                    tag,
                    {k: v[take] for k, v in nested.items()},
                    {k: np.asarray(v)[take] for k, v in fixed.items()},
                    top_name,
                    start=est.start,
                )
            except (np.linalg.LinAlgError, ValueError):
                yield None
                continue
            yield c if c.converged else None
            if progress and _usable(c) and (b + 1) % max(1, replicates // 10) == 0:
                progress(f"variance components: {b + 1}/{replicates} replicates")

    return _collect(est, refits(), replicates)


def _usable(c: Components | None) -> bool:
    return c is not None and c.converged and all(np.isfinite(list(c.variance.values())))


def _collect(
    est: Components, fits: Iterable[Components | None], replicates: int
) -> BootstrapComponents:
    """The bootstrap result of the replicate fits (None: the fit failed); fits that failed,
    did not converge or have a non-finite component are dropped and counted."""
    reps: dict[str, list[float]] = {k: [] for k in est.variance}
    shares: dict[str, list[float]] = {k: [] for k in est.variance}
    dropped = 0
    for c in fits:
        if c is None or not _usable(c):
            dropped += 1
            continue
        for k, v in c.variance.items():
            reps[k].append(v)
        for k, v in c.share.items():
            shares[k].append(v)
    return BootstrapComponents(
        estimate=est,
        replicates={k: np.asarray(v) for k, v in reps.items()},
        share_replicates={k: np.asarray(v) for k, v in shares.items()},
        n_replicates=replicates,
        n_dropped=dropped,
    )


# ---- moment (ANOVA-type) estimator -------------------------------------------------------------
def _pair_sum(r: np.ndarray, codes: np.ndarray) -> tuple[float, float]:
    """(sum of r_i r_j, number of pairs) over ordered pairs i != j of rows sharing a code."""
    s = np.bincount(codes, weights=r)
    q = np.bincount(codes, weights=r * r)
    n = np.bincount(codes).astype(float)
    return float((s**2 - q).sum()), float((n**2 - n).sum())


def _ratio(t: tuple[float, float]) -> float:
    return t[0] / t[1] if t[1] > 0 else float("nan")


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
    cell = np.zeros(y.size, dtype=np.int64)
    for values in fixed.values():
        codes = _codes(values)
        cell = cell * (codes.max() + 1) + codes
    cell = _codes(cell)
    means = np.bincount(cell, weights=y) / np.bincount(cell)
    r = y - means[cell]
    t_top = _pair_sum(r, _codes(top))
    t_unit = _pair_sum(r, _codes(unit))
    names = list(levels)
    t_lev = [_pair_sum(r, _codes(levels[k])) for k in names]
    variance: dict[str, float] = {}
    if len(names) == 1:
        c_top = _ratio((t_top[0] - t_lev[0][0], t_top[1] - t_lev[0][1]))
        c_a = _ratio((t_lev[0][0] - t_unit[0], t_lev[0][1] - t_unit[1]))
        c_unit = _ratio(t_unit)
        variance[top_name] = c_top
        variance[names[0]] = c_a - c_top
        variance[unit_name] = c_unit - c_a
    elif len(names) == 2:
        (ta, na), (tb, nb) = t_lev
        c_top = _ratio((t_top[0] - ta - tb + t_unit[0], t_top[1] - na - nb + t_unit[1]))
        c_a = _ratio((ta - t_unit[0], na - t_unit[1]))
        c_b = _ratio((tb - t_unit[0], nb - t_unit[1]))
        c_unit = _ratio(t_unit)
        variance[top_name] = c_top
        variance[names[0]] = c_a - c_top
        variance[names[1]] = c_b - c_top
        variance[unit_name] = c_unit - c_a - c_b + c_top
    else:
        raise ValueError("moment_components takes one or two levels between top and unit")
    if annotator is not None and annotator in fixed:
        codes = _codes(fixed[annotator])
        ann_means = np.bincount(codes, weights=y) / np.bincount(codes)
        variance["annotator"] = float(np.var(ann_means, ddof=1)) if ann_means.size > 1 else 0.0
    variance["residual"] = float(np.mean(r**2)) - c_unit
    return Components(variance=variance, converged=True, n=int(y.size))


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
) -> BootstrapComponents:
    """``moment_components`` and its cluster-bootstrap replicates over the ``top`` groups (a
    group drawn twice enters as two groups: every level code is made unique per draw)."""
    y = np.asarray(y, dtype=float)
    est = moment_components(y, fixed, top, levels, unit, top_name, unit_name)
    top_codes = _codes(top)
    n_top = int(top_codes.max()) + 1
    order = np.argsort(top_codes, kind="stable")
    starts = np.r_[0, np.cumsum(np.bincount(top_codes, minlength=n_top))]
    lev_codes = {k: _codes(v) for k, v in levels.items()}
    unit_codes = _codes(unit)
    fixed_codes = {k: _codes(v) for k, v in fixed.items()}
    rng = np.random.default_rng(seed)

    def refits() -> Iterator[Components]:
        for _ in range(replicates):
            draw = rng.integers(n_top, size=n_top)
            take = np.concatenate([order[starts[d] : starts[d + 1]] for d in draw])
            tag = np.repeat(np.arange(n_top), starts[draw + 1] - starts[draw])
            yield moment_components(
                y[take],
                {k: v[take] for k, v in fixed_codes.items()},
                tag,
                {k: tag * (v.max() + 1) + v[take] for k, v in lev_codes.items()},
                tag * (unit_codes.max() + 1) + unit_codes[take],
                top_name,
                unit_name,
            )

    return _collect(est, refits(), replicates)


def components_table(
    boot: BootstrapComponents,
    confidence: float,
    levels_count: dict[str, int],
    levels: dict[str, str],
    extra: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One row per component: its description (``levels``), the number of members of the
    level, share and variance with percentile intervals, the replicates kept / dropped, then
    the ``extra`` columns (column -> component -> value), in that column order."""
    alpha = (1 - confidence) / 2
    rows = []
    for k, v in boot.estimate.variance.items():
        reps, sreps = boot.replicates[k], boot.share_replicates[k]
        lo, hi = np.quantile(reps, [alpha, 1 - alpha]) if reps.size else (np.nan, np.nan)
        slo, shi = np.quantile(sreps, [alpha, 1 - alpha]) if sreps.size else (np.nan, np.nan)
        row = {
            "component": k,
            "level": levels[k],
            "n_levels": levels_count.get(k),
            "share": float(boot.estimate.share[k]),
            "share_ci_low": float(slo),
            "share_ci_high": float(shi),
            "variance": float(v),
            "variance_ci_low": float(lo),
            "variance_ci_high": float(hi),
            "n_replicates": boot.n_replicates - boot.n_dropped,
            "n_dropped": boot.n_dropped,
        }
        row.update({column: values[k] for column, values in (extra or {}).items()})
        rows.append(row)
    return rows
