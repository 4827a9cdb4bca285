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
    kept: np.ndarray  # (kept replicates,) index of each among the drawn resamples, 0-based


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
    workers: int = 1,
) -> BootstrapComponents:
    """``nested_components`` and its cluster-bootstrap replicates over the top-level groups.

    All resamples are drawn first (one ``rng.integers`` call per replicate), then refitted by
    ``workers`` processes; each refit depends only on its resample, so the result is the same
    for any number of workers."""
    y = np.asarray(y, dtype=float)
    top = np.asarray(top).astype(str)
    est = nested_components(y, top, nested, fixed, top_name)
    keys = np.unique(top)
    rng = np.random.default_rng(seed)
    draws = [rng.integers(len(keys), size=len(keys)) for _ in range(replicates)]
    problem = _Refit(
        y,
        [np.flatnonzero(top == k) for k in keys],
        {k: np.asarray(v) for k, v in nested.items()},
        {k: np.asarray(v) for k, v in fixed.items()},
        top_name,
        est.start,
    )

    def report(fits: Iterator[Components | None]) -> Iterator[Components | None]:
        for b, c in enumerate(fits):
            if progress and (b + 1) % max(1, replicates // 10) == 0:
                progress(f"variance components: {b + 1}/{replicates} replicates")
            yield c

    if workers <= 1 or replicates < 2:
        return _collect(est, report(problem(d) for d in draws), replicates)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _FORKED  # the forked workers inherit the arrays, not a pickle
    _FORKED = problem
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            min(workers, replicates), mp_context=ctx, initializer=_one_blas_thread
        ) as pool:
            chunk = max(1, replicates // (4 * workers))
            fits = pool.map(_forked_refit, draws, chunksize=chunk)
            return _collect(est, report(fits), replicates)
    finally:
        _FORKED = None


def _one_blas_thread() -> None:
    """Each worker is one core: BLAS threads on top of the workers would oversubscribe."""
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    global _LIMITS  # kept for the worker's lifetime
    _LIMITS = threadpool_limits(1)


_LIMITS: Any = None


def _forked_refit(draw: np.ndarray) -> Components | None:
    assert _FORKED is not None, "bootstrap_components sets the problem before forking"
    return _FORKED(draw)


@dataclass(frozen=True)
class _Refit:
    """One replicate's refit: the rows of the drawn groups, a group drawn twice made two groups
    (every row of the i-th draw is tagged i), started from the full-sample estimate."""

    y: np.ndarray
    rows_of: list[np.ndarray]
    nested: dict[str, np.ndarray]
    fixed: dict[str, np.ndarray]
    top_name: str
    start: np.ndarray | None

    def __call__(self, draw: np.ndarray) -> Components | None:
        take = np.concatenate([self.rows_of[d] for d in draw])
        tag = np.concatenate([np.full(len(self.rows_of[d]), i) for i, d in enumerate(draw)])
        try:
            c = nested_components(
                self.y[take],
                tag,
                {k: v[take] for k, v in self.nested.items()},
                {k: v[take] for k, v in self.fixed.items()},
                self.top_name,
                start=self.start,
            )
        except (np.linalg.LinAlgError, ValueError):
            return None
        return c if c.converged else None


_FORKED: _Refit | None = None


def _usable(c: Components | None) -> bool:
    return c is not None and c.converged and all(np.isfinite(list(c.variance.values())))


def _collect(
    est: Components, fits: Iterable[Components | None], replicates: int
) -> BootstrapComponents:
    """The bootstrap result of the replicate fits (None: the fit failed); fits that failed,
    did not converge or have a non-finite component are dropped and counted."""
    reps: dict[str, list[float]] = {k: [] for k in est.variance}
    shares: dict[str, list[float]] = {k: [] for k in est.variance}
    kept: list[int] = []
    dropped = 0
    for b, c in enumerate(fits):
        if c is None or not _usable(c):
            dropped += 1
            continue
        kept.append(b)
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
        kept=np.asarray(kept, dtype=np.int64),
    )


def share_replicate_columns(boot: BootstrapComponents) -> dict[str, np.ndarray]:
    """The kept bootstrap replicates of every component's share, as columns of one row per
    kept replicate: ``replicate`` (its index among the drawn resamples, 0-based: the dropped
    ones are the indices missing), then one column per component in the table's order. What
    the variance rules write beside their table, so that the notebooks can show the replicate
    distribution and re-compute the table's percentile intervals from it."""
    return {"replicate": boot.kept, **{k: boot.share_replicates[k] for k in boot.estimate.variance}}


def levels(nested: dict[str, str], *, annotator_statistic: str, residual: str) -> dict[str, str]:
    """The ``levels`` of :func:`components_table`: the stage's own levels (name -> what it
    is), then the two every decomposition here ends with, the annotator (a fixed leniency: its
    component is the variance, ddof 1, of the annotators' ``annotator_statistic``, e.g. their
    means) and the residual (``residual``: what one observation is)."""
    return {
        **nested,
        "annotator": (
            f"annotator (fixed leniency; variance of the annotators' {annotator_statistic}, ddof 1)"
        ),
        "residual": f"residual ({residual})",
    }


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
