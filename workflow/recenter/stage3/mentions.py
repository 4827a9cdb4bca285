"""Stage-3 explicit mentions: the mention gap of a rater (Fig 6: mean rating of units whose
response names the attribute minus the rest, with a cluster-level GEE test) and Fig 7, each
generator's mention rate against the same model's gap as a judge (Spearman's rho as the effect,
an exact permutation test of Pearson's r over the models as the test). The cluster is the user
(recenter.stage3.data)."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from recenter.stage3 import common as c
from recenter.stage3.data import Units
from recenter.stats import cluster_tests as ct
from recenter.stats import ratings as rs
from recenter.stats.bootstrap import none_if_nan

# ---- mention gap (Fig 6) ---------------------------------------------------------------------
GAP_SCHEMA = {
    "rater": pl.String,
    "kind": pl.String,
    "n_mention": pl.Int64,
    "n_no_mention": pl.Int64,
    "n_clusters": pl.Int64,
    "mean_mention": pl.Float64,
    "mean_no_mention": pl.Float64,
    "delta": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "gee_se": pl.Float64,
    "p_gee": pl.Float64,
    "unit_mannwhitney_u": pl.Float64,
    "p_unit_mannwhitney": pl.Float64,
    "n_replicates_dropped": pl.Int64,
    "note": pl.String,
}


def mention_gap_row(rater, kind, values, mention, units: Units, boot) -> pl.DataFrame:
    """Δ = mean(values | explicit mention) − mean(values | no mention) over units with a value
    and a flag, with a cluster-bootstrap interval and a cluster-level test: the coefficient of
    the mention flag in a Gaussian GEE clustered by user (independence working correlation, so
    the coefficient is Δ itself; bias-reduced sandwich, t with C − 1 df;
    recenter.stats.cluster_tests.gee_test). The unit-level Mann–Whitney U
    (scipy.stats.mannwhitneyu, units treated as independent) is kept in ``unit_*`` columns
    for contrast. An empty group gives NA with the reason, never 0."""
    v = np.asarray(values, float)
    m = np.asarray(mention, float)
    ok = ~np.isnan(v) & ~np.isnan(m)
    yes, no = v[ok & (m == 1)], v[ok & (m == 0)]
    row = {
        "rater": rater,
        "kind": kind,
        "n_mention": int(yes.size),
        "n_no_mention": int(no.size),
        "n_clusters": c.n_clusters(units, ok),
    }
    if yes.size == 0 or no.size == 0:
        empty = "explicit mention" if yes.size == 0 else "no mention"
        row["note"] = f"no unit rated by {rater} in the group '{empty}': Δ undefined"
        row["mean_mention"] = none_if_nan(yes.mean()) if yes.size else None
        row["mean_no_mention"] = none_if_nan(no.mean()) if no.size else None
        return pl.DataFrame([row], schema=GAP_SCHEMA)
    from scipy.stats import mannwhitneyu

    d = rs.difference_of_means_bootstrap(v, m, units.clusters, units.n_clusters, **boot.kwargs())
    d = c.small(d, units, ok, boot)
    gee = ct.gee_test(v[ok], units.clusters[ok], m[ok])
    u = mannwhitneyu(yes, no, alternative="two-sided")
    row.update(
        {
            "mean_mention": float(yes.mean()),
            "mean_no_mention": float(no.mean()),
            "delta": none_if_nan(d.estimate),
            "ci_low": none_if_nan(d.ci_low),
            "ci_high": none_if_nan(d.ci_high),
            "gee_se": none_if_nan(gee.se),
            "p_gee": none_if_nan(gee.p),
            "unit_mannwhitney_u": float(u.statistic),
            "p_unit_mannwhitney": none_if_nan(u.pvalue),
            "n_replicates_dropped": rs.n_dropped(d),
            "note": None if not np.isnan(gee.p) else f"GEE test undefined: {gee.method}",
        }
    )
    return pl.DataFrame([row], schema=GAP_SCHEMA)


def mention_gap_table(human_row: pl.DataFrame, judge_rows: list[pl.DataFrame]) -> pl.DataFrame:
    """Fig 6: humans first, then the LLM judges (sorted), Holm across the judges' GEE p."""
    judges = (
        pl.concat(judge_rows, how="vertical").sort("rater")
        if judge_rows
        else pl.DataFrame(schema=GAP_SCHEMA)
    )
    adj = rs.holm(judges["p_gee"].fill_null(float("nan")).to_numpy())
    judges = judges.with_columns(pl.Series("p_holm", adj, dtype=pl.Float64).fill_nan(None))
    human = human_row.with_columns(pl.lit(None, dtype=pl.Float64).alias("p_holm"))
    return pl.concat([human, judges], how="vertical")


# ---- Fig 7 -----------------------------------------------------------------------------------
MENTION_RATE_SCHEMA = {
    "model": pl.String,
    "n_units": pl.Int64,
    "n_mention": pl.Int64,
    "mention_rate": pl.Float64,
    "n_clusters": pl.Int64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "judge_delta": pl.Float64,
    "judge_delta_ci_low": pl.Float64,
    "judge_delta_ci_high": pl.Float64,
    "in_correlation": pl.Boolean,
    "note": pl.String,
}


def mention_rates(mention: np.ndarray, units: Units, boot) -> pl.DataFrame:
    """Share of each generator's flagged units that mention the attribute explicitly, with the
    Korn–Graubard interval (Clopper–Pearson on the effective sample size of the clustered
    units, recenter.stats.cluster_tests.korn_graubard_interval): a percentile bootstrap of a
    rare share is [0, 0] at 0 mentions and under-covers, a plain Clopper–Pearson treats the
    units of a user as independent (both measured in bench/calibration.py)."""
    gens = units.generators
    rows = []
    for g in sorted(set(gens.tolist())):
        sel = (gens == g) & ~np.isnan(mention)
        k, n = int(np.sum(mention[sel] == 1)), int(sel.sum())
        row = {"model": g, "n_units": n, "n_mention": k, "n_clusters": c.n_clusters(units, sel)}
        if n:
            kc = np.bincount(
                units.clusters[sel],
                weights=(mention[sel] == 1).astype(float),
                minlength=units.n_clusters,
            )
            nc = np.bincount(units.clusters[sel], minlength=units.n_clusters)
            low, high = ct.korn_graubard_interval(kc, nc, boot.confidence)
            row.update(mention_rate=k / n, ci_low=none_if_nan(low), ci_high=none_if_nan(high))
        rows.append(row)
    return pl.DataFrame(rows, schema={k: MENTION_RATE_SCHEMA[k] for k in MENTION_RATE_SCHEMA})


def mention_vs_penalty(rates: pl.DataFrame, gaps: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
    """Join each generator's mention rate (x) with the same model's Δ as a judge (y) and
    summarize their association over the models that have both (``rank_correlation_summary``:
    Spearman's rho, and the exact permutation test of Pearson's r over all n! pairings).
    Returns (per-model table, summary)."""
    judge = gaps.filter(pl.col("kind") == "llm_judge").select(
        pl.col("rater").alias("model"),
        pl.col("delta").alias("judge_delta"),
        pl.col("ci_low").alias("judge_delta_ci_low"),
        pl.col("ci_high").alias("judge_delta_ci_high"),
        pl.col("note").alias("_gap_note"),
    )
    t = rates.drop(
        "judge_delta", "judge_delta_ci_low", "judge_delta_ci_high", "in_correlation", "note"
    ).join(judge, on="model", how="full", coalesce=True)
    notes: list[str | None] = []
    used: list[bool] = []
    for r in t.iter_rows(named=True):
        if r["n_units"] is None:
            notes.append("judge only: no generator file of this model")
        elif r["n_units"] == 0:
            notes.append("no flagged unit of this generator: mention rate undefined")
        elif r["_gap_note"] is not None or (r["judge_delta"] is None and r["_gap_note"] is None):
            notes.append(r["_gap_note"] or "generator only: no LLM-judge file of this model")
        else:
            notes.append(None)
        used.append(notes[-1] is None)
    t = (
        t.with_columns(pl.Series("in_correlation", used), pl.Series("note", notes, pl.String))
        .drop("_gap_note")
        .select(list(MENTION_RATE_SCHEMA))
        .sort("model")
    )
    summary = rank_correlation_summary(
        t.filter(pl.col("in_correlation"))["mention_rate"].to_numpy(),
        t.filter(pl.col("in_correlation"))["judge_delta"].to_numpy(),
    )
    return t, summary


def _spearman_along(a, b, axis=-1):
    """Spearman's rho along ``axis`` (mid-ranks, Pearson), vectorized for permutation_test."""
    from scipy.stats import rankdata

    return _pearson_along(rankdata(a, axis=axis), rankdata(b, axis=axis), axis)


def _pearson_along(a, b, axis=-1):
    """Pearson's r along ``axis``, vectorized for permutation_test."""
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    a = a - a.mean(axis=axis, keepdims=True)
    b = b - b.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a * b).sum(axis) / np.sqrt((a * a).sum(axis) * (b * b).sum(axis))


def rank_correlation_summary(x, y, max_exact: int = 8, seed: int = 0) -> dict:
    """Association of a few models' x and y. Effect: Spearman's rho (what the paper reports).
    Test (``p_permutation_pearson``, the one a verdict uses): exact permutation test of
    Pearson's r over every pairing of x with y (scipy.stats.permutation_test, "pairings",
    two-sided = twice the smaller tail). The units are the models; with distinct x and
    distinct y the n! pairings give n! distinct values of r (almost surely), so with n = 5 the
    test rejects at .05 on exactly 6 of the 120 pairings: size 0.05 under exchangeable models
    (ties make it conservative). Spearman's exact test is kept for contrast
    (``p_spearman_exact_conservative``, two-sided, and ``p_spearman_one_sided_conservative``
    for a positive association): rho takes only 21 values over 5 models, so its two-sided p
    is ≤ .05 only at rho = ±1 (size 2/120 = 0.017) and one-sided at rho ≥ 0.9 (5/120), far
    below the level; with rho = 0.9 its exact p is 0.083 two-sided, 0.042 one-sided.
    ``p_spearman_asymptotic``: scipy.stats.spearmanr's t approximation (n − 2 df),
    unreliable for 5 points. With more than ``max_exact`` models the permutation tests are
    Monte Carlo (9,999 resamples, seeded) and say so. Fewer than 3 models: NA with the
    reason."""
    from scipy.stats import permutation_test, spearmanr

    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n = int(x.size)
    out: dict[str, Any] = {
        "n_models": n,
        "spearman": None,
        "pearson": None,
        "p_permutation_pearson": None,
        "p_spearman_exact_conservative": None,
        "p_spearman_one_sided_conservative": None,
        "p_spearman_asymptotic": None,
        "permutation": None,
        "note": None,
    }
    if n < 3:
        out["note"] = f"{n} model(s) are both generator and judge with a defined Δ; need ≥ 3"
        return out
    res = spearmanr(x, y)
    if np.isnan(res.statistic):
        out["note"] = "Spearman undefined (a constant variable)"
        return out
    exact = n <= max_exact

    def perm(statistic, alternative):
        return permutation_test(
            (x, y),
            statistic,
            permutation_type="pairings",
            vectorized=True,
            n_resamples=np.inf if exact else 9999,
            alternative=alternative,
            rng=np.random.default_rng(seed),
        )

    pearson = perm(_pearson_along, "two-sided")
    out.update(
        spearman=float(res.statistic),
        pearson=float(pearson.statistic),
        p_permutation_pearson=float(pearson.pvalue),
        p_spearman_exact_conservative=float(perm(_spearman_along, "two-sided").pvalue),
        p_spearman_one_sided_conservative=float(perm(_spearman_along, "greater").pvalue),
        p_spearman_asymptotic=float(res.pvalue),
        permutation=(f"exact, all {n}! pairings" if exact else "Monte Carlo, 9,999 resamples"),
    )
    return out
