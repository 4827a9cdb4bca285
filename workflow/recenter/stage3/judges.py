"""Stage-3 judges: one LLM judge or reward model against the humans on the units both rated
(Table 6: mean rating, paired difference with cluster-level tests, Spearman's rho and its
like-for-like comparison with a held-out human), Table 6 itself with Holm across judges, and
the reward-model table. The cluster is the user (recenter.stage3.data)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from recenter.stage3 import common as c
from recenter.stage3.data import Units, unit_mean
from recenter.stage3.mentions import GAP_SCHEMA, mention_gap_row
from recenter.stats import cluster_tests as ct
from recenter.stats import ratings as rs
from recenter.stats.bootstrap import none_if_nan

# ---- one judge (Table 6, Fig 6) or reward model ---------------------------------------------
JUDGE_SCHEMA = {
    "system": pl.String,
    "kind": pl.String,
    "n": pl.Int64,
    "n_clusters": pl.Int64,
    "mean_rating": pl.Float64,
    "mean_ci_low": pl.Float64,
    "mean_ci_high": pl.Float64,
    "human_mean_same_units": pl.Float64,
    "human_mean_ci_low": pl.Float64,
    "human_mean_ci_high": pl.Float64,
    "difference": pl.Float64,
    "difference_ci_low": pl.Float64,
    "difference_ci_high": pl.Float64,
    "cluster_wilcoxon_statistic": pl.Float64,
    "p_cluster_wilcoxon": pl.Float64,
    "cluster_wilcoxon_method": pl.String,
    "p_signflip": pl.Float64,
    "unit_wilcoxon_statistic": pl.Float64,
    "unit_wilcoxon_n_nonzero": pl.Int64,
    "p_unit_wilcoxon": pl.Float64,
    "unit_wilcoxon_method": pl.String,
    "spearman": pl.Float64,
    "spearman_ci_low": pl.Float64,
    "spearman_ci_high": pl.Float64,
    "spearman_loo": pl.Float64,
    "human_loo_spearman": pl.Float64,
    "spearman_gap_like_for_like": pl.Float64,
    "spearman_gap_ci_low": pl.Float64,
    "spearman_gap_ci_high": pl.Float64,
    "n_replicates_dropped": pl.Int64,
}


@dataclass(frozen=True)
class JudgeResult:
    row: pl.DataFrame  # one row, JUDGE_SCHEMA
    gap: pl.DataFrame  # one row, GAP_SCHEMA (LLM judges only; empty for reward models)


def _difference_columns(rating, h, hmean, both, units: Units, boot) -> tuple[dict, list[int]]:
    """Table 6's columns of an LLM judge on the units it shares with the humans (``both``):
    its mean rating and the paired difference judge − mean human rating, with the tests of
    that difference (see judge_analysis); and the replicates each bootstrap dropped."""
    kw = boot.kwargs()
    cl = units.clusters

    def small(e):
        return c.small(e, units, both, boot)

    mean = small(rs.ratio_bootstrap(np.where(both, rating, 0.0), both, cl, units.n_clusters, **kw))
    # the humans' mean on the same units, from the same resampled users (same seed)
    human = small(rs.ratio_bootstrap(np.where(both, hmean, 0.0), both, cl, units.n_clusters, **kw))
    num, _, denom = rs.paired_difference_grid(rating, h)
    diff = np.where(both, num / denom, 0.0)
    d = small(rs.ratio_bootstrap(diff, both, cl, units.n_clusters, **kw))
    unit_stat, unit_p, unit_method = rs.wilcoxon_signed_rank(num[both])
    cw = ct.wilcoxon_cluster_means(num[both], denom, cl[both])
    totals = np.bincount(cl[both], weights=num[both], minlength=units.n_clusters)
    sf = ct.signflip_test(totals[np.unique(cl[both])], seed=boot.seed)
    columns = {
        "mean_rating": none_if_nan(mean.estimate),
        "mean_ci_low": none_if_nan(mean.ci_low),
        "mean_ci_high": none_if_nan(mean.ci_high),
        "human_mean_same_units": none_if_nan(hmean[both].mean()) if both.any() else None,
        "human_mean_ci_low": none_if_nan(human.ci_low),
        "human_mean_ci_high": none_if_nan(human.ci_high),
        "difference": none_if_nan(d.estimate),
        "difference_ci_low": none_if_nan(d.ci_low),
        "difference_ci_high": none_if_nan(d.ci_high),
        "cluster_wilcoxon_statistic": none_if_nan(cw.statistic),
        "p_cluster_wilcoxon": none_if_nan(cw.p),
        "cluster_wilcoxon_method": cw.method,
        "p_signflip": none_if_nan(sf.p),
        "unit_wilcoxon_statistic": none_if_nan(unit_stat),
        "unit_wilcoxon_n_nonzero": int(np.sum(num[both] != 0)),
        "p_unit_wilcoxon": none_if_nan(unit_p),
        "unit_wilcoxon_method": unit_method,
    }
    return columns, [rs.n_dropped(mean), rs.n_dropped(human), rs.n_dropped(d)]


def judge_analysis(
    system: str,
    kind: str,
    rating: np.ndarray,
    h: np.ndarray,
    mention: np.ndarray,
    units: Units,
    boot,
) -> JudgeResult:
    """One judge file against the humans (``h``: units × annotators) on the units both rated.

    - its mean rating and the paired difference judge − mean human rating per unit (mean
      with interval);
    - tests of that difference, all two-sided: the **Wilcoxon signed-rank test of the
      per-user mean differences** (cluster level, the Table's test, Holm across judges), an
      exact sign-flip test of the per-user sums (the unit-weighted mean the table reports),
      and the unit-level Wilcoxon (``unit_*``, treats dependent units as independent; shown
      for contrast only). Differences are exact (integers on a common grid), so ties are
      ties;
    - Spearman's rho with the mean human rating (interval: bias-corrected leave-one-user-out
      jackknife on Fisher's z, ``recenter.stats.bootstrap.jackknife_fisher_z_interval``; the
      widened BCa bootstrap interval covered 0.920 at 16 users, this one 0.953), and the
      like-for-like comparison: rho of the judge with the mean of 2 of the 3 humans minus rho
      of the held-out human with that same mean, averaged over held-out humans
      (``recenter.stats.ratings.loo_spearman_bootstrap``; widened percentile interval);
    - for LLM judges its mention gap (Fig 6).
    Reward-model scores are on their own scale: only the rhos are meaningful (the mean, the
    difference and the tests are left empty)."""
    kw = boot.kwargs()
    hmean = unit_mean(h)
    both = ~np.isnan(rating) & ~np.isnan(hmean)
    cl = units.clusters

    def small(e):
        return c.small(e, units, both, boot)

    # rho with the mean human: bias-corrected jackknife on Fisher's z, as the agreement rows
    # (recenter.stats.bootstrap.jackknife_fisher_z_interval says why)
    rho = rs.jackknife_z(
        rs.spearman_bootstrap(rating, hmean, cl, units.n_clusters, **kw),
        rs.spearman_jackknife(rating, hmean, cl),
        boot.confidence,
    )
    loo = rs.loo_spearman_bootstrap(rating, h, cl, units.n_clusters, **kw)
    loo_gap = small(loo.gap)
    dropped = [rs.n_dropped(rho), rs.n_dropped(loo.gap)]
    row: dict = {
        "system": system,
        "kind": kind,
        "n": int(both.sum()),
        "n_clusters": c.n_clusters(units, both),
    }
    if kind == "llm_judge":
        cols, more = _difference_columns(rating, h, hmean, both, units, boot)
        row.update(cols)
        dropped += more
    row.update(
        {
            "spearman": none_if_nan(rho.estimate),
            "spearman_ci_low": none_if_nan(rho.ci_low),
            "spearman_ci_high": none_if_nan(rho.ci_high),
            "spearman_loo": none_if_nan(loo.rater.estimate),
            "human_loo_spearman": none_if_nan(loo.human.estimate),
            "spearman_gap_like_for_like": none_if_nan(loo_gap.estimate),
            "spearman_gap_ci_low": none_if_nan(loo_gap.ci_low),
            "spearman_gap_ci_high": none_if_nan(loo_gap.ci_high),
            "n_replicates_dropped": int(max(dropped)),
        }
    )
    frame = pl.DataFrame([row], schema=JUDGE_SCHEMA)
    gap = (
        mention_gap_row(system, kind, rating, mention, units, boot)
        if kind == "llm_judge"
        else pl.DataFrame(schema=GAP_SCHEMA)
    )
    return JudgeResult(frame, gap)


def judges_table(rows: list[pl.DataFrame]) -> pl.DataFrame:
    """Table 6: LLM-judge rows, Holm-adjusted cluster-level Wilcoxon p across the judges."""
    if not rows:
        return pl.DataFrame(schema={**JUDGE_SCHEMA, "p_holm": pl.Float64})
    t = pl.concat(rows, how="vertical").sort("system")
    adj = rs.holm(t["p_cluster_wilcoxon"].fill_null(float("nan")).to_numpy())
    return t.with_columns(pl.Series("p_holm", adj).fill_nan(None))


REWARD_MODEL_COLUMNS = [
    "system",
    "n",
    "n_clusters",
    "spearman",
    "spearman_ci_low",
    "spearman_ci_high",
    "spearman_loo",
    "human_loo_spearman",
    "spearman_gap_like_for_like",
    "spearman_gap_ci_low",
    "spearman_gap_ci_high",
    "n_replicates_dropped",
]


def reward_models_table(rows: list[pl.DataFrame]) -> pl.DataFrame:
    cols = REWARD_MODEL_COLUMNS
    if not rows:
        return pl.DataFrame(schema={c: JUDGE_SCHEMA[c] for c in cols})
    return pl.concat(rows, how="vertical").sort("system").select(cols)
