"""Stage-3 rows of the cross-stage gaps summary (recenter.gaps): LLM judges and reward models
against the humans, each with an interval from the joint replicates (every statistic here is
bootstrapped over the same user resamples, so replicates of different systems can be
averaged), widened for few clusters."""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl

from recenter.gaps import GAPS_SCHEMA, NOTE, gaps_table, n_dropped
from recenter.stage3 import common as c
from recenter.stage3.data import Units, unit_mean
from recenter.stats import ratings as rs

STAGE = "3 response generation"
#: Stage 3's gaps table: the shared columns (recenter.gaps), nothing of its own.
STAGE3_GAPS_SCHEMA = {**GAPS_SCHEMA, **NOTE}

JUDGE_MEAN = "LLM-judge mean rating minus human mean rating (mean over judges)"
JUDGE_RHO = (
    "Spearman like-for-like: judge vs mean of the other humans minus held-out "
    "human vs the same mean (mean over held-out humans and judges)"
)
RM_RHO = (
    "Spearman like-for-like: reward model vs mean of the other humans minus "
    "held-out human vs the same mean (mean over held-out humans and models)"
)
RHO_GAP = "difference of mean Spearman rho"
_RHO_WHY = (
    "needs units rated by the system and at least two humans, with ratings that vary "
    "(Spearman's rho of constant ratings is undefined)"
)
REASONS = {
    JUDGE_MEAN: "no unit rated by both an LLM judge and a human",
    JUDGE_RHO: _RHO_WHY,
    RM_RHO: _RHO_WHY,
}


def _mean_of(es: list[rs.Estimate]) -> tuple[float, np.ndarray]:
    """Mean over systems of the estimate and of each replicate (NaN ones skipped)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN replicate -> NaN
        est = np.nanmean([e.estimate for e in es])
        reps = np.nanmean(np.stack([e.replicates for e in es]), axis=0)
    return float(est), reps


def _per_system(systems: dict[str, np.ndarray], h, hmean, units: Units, boot, paired: bool):
    """For each system: the paired difference system − mean human rating (when ``paired``)
    and the like-for-like Spearman gap, and the units any system shares with the humans. The
    gaps of all systems are one call: one resample stream, and the human side (held-out human
    vs the mean of the others) computed once for systems that rated the same units."""
    kw = boot.kwargs()
    diffs = []
    used = np.zeros(units.n, dtype=bool)
    for r in systems.values():
        both = ~np.isnan(r) & ~np.isnan(hmean)
        used |= both
        if paired:
            num, _, denom = rs.paired_difference_grid(r, h)
            diffs.append(
                rs.ratio_bootstrap(
                    np.where(both, num / denom, 0.0), both, units.clusters, units.n_clusters, **kw
                )
            )
    loo = rs.loo_spearman_bootstrap_systems(
        list(systems.values()), h, units.clusters, units.n_clusters, **kw
    )
    return diffs, [e.gap for e in loo], used


def gaps_rows(
    h: np.ndarray, judges: dict[str, np.ndarray], rms: dict[str, np.ndarray], units: Units, boot
) -> pl.DataFrame:
    """Stage-3 rows of the cross-stage gaps summary, each with an interval from the joint
    replicates (same resamples for every statistic): mean LLM-judge rating minus the human
    mean (averaged over judges, each on the units it shares with humans), and the
    like-for-like Spearman gap of the judges and of the reward models: rho(system, mean of the
    other humans) − rho(held-out human, the same mean), averaged over held-out humans and over
    systems (``recenter.stats.ratings.loo_spearman_bootstrap``). The earlier comparison,
    rho(system, mean of all humans) − mean pairwise human rho, set a mean of 3 raters against
    single raters and favoured the system (+0.1 for a rater interchangeable with the humans)."""
    hmean = unit_mean(h)
    diffs, loo_j, used = _per_system(judges, h, hmean, units, boot, paired=True)
    _, loo_r, used_rm = _per_system(rms, h, hmean, units, boot, paired=False)
    specs = []
    if judges:
        specs.append((JUDGE_MEAN, "difference of means (1–5 scale)", *_mean_of(diffs), used))
        specs.append((JUDGE_RHO, RHO_GAP, *_mean_of(loo_j), used))
    if rms:
        specs.append((RM_RHO, RHO_GAP, *_mean_of(loo_r), used_rm))
    rows = []
    for comparison, statistic, est, reps, mask in specs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = rs.small_cluster_interval(
                est, reps, boot.confidence, c.n_clusters(units, mask)
            )
        rows.append((comparison, statistic, est, low, high, n_dropped(reps)))
    return gaps_table(STAGE, rows, reasons=REASONS, replicates=boot.replicates)
