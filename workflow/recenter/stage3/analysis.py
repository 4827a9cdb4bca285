"""Stage-3 analyses: human agreement, Fig 5, Table 6, Fig 6, Fig 7, reward models and the
Stage-3 gaps rows. The cluster is the user (recenter.stage3.data explains why). Intervals are
percentile cluster-bootstrap intervals over users (recenter.stats.bootstrap), widened for few
clusters (``small_cluster_interval``: a generator's 16 items rest on at most 16 users); every
statistic bootstrapped with the same (clusters, replicates, seed) uses the same resamples, so
replicates of different statistics can be combined. Tests are cluster-level
(recenter.stats.cluster_tests); unit-level tests are kept only in columns named ``unit_*`` for
contrast, and Holm runs over the cluster-level p.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

from recenter import paper
from recenter.stage3.data import NEUTRAL, SCALE, Units
from recenter.stats import cluster_tests as ct
from recenter.stats import ratings as rs
from recenter.stats.bootstrap import BootstrapConfig

ALL = "all generators"
HUMANS = "humans (mean per unit)"

#: Paper values of the agreement rows (paper_values.yaml ids; the paper's weighted κ does not
#: say which weights, so both weightings are set beside it).
PAPER_AGREEMENT_IDS = {
    "mean pairwise Spearman rho": "s3.iaa_spearman",
    "mean pairwise weighted kappa (linear)": "s3.iaa_weighted_kappa",
    "mean pairwise weighted kappa (quadratic)": "s3.iaa_weighted_kappa",
}


def _f(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) else x


def _est_cols(e: rs.Estimate) -> dict:
    return {"estimate": _f(e.estimate), "ci_low": _f(e.ci_low), "ci_high": _f(e.ci_high)}


def _n_clusters(units: Units, mask) -> int:
    """Clusters (users) with at least one unit in ``mask``."""
    return int(np.unique(units.clusters[np.asarray(mask, dtype=bool)]).size)


def _small(e: rs.Estimate, units: Units, mask, boot, jackknife=None) -> rs.Estimate:
    """``e`` with its interval widened for the number of clusters behind it (BCa first when
    leave-one-cluster-out ``jackknife`` values are given)."""
    return rs.small_cluster(e, _n_clusters(units, mask), boot.confidence, jackknife)


# ---- agreement -------------------------------------------------------------------------------
AGREEMENT_SCHEMA = {
    "statistic": pl.String,
    "pair": pl.String,
    "estimate": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "n_units": pl.Int64,
    "n_pairs": pl.Int64,
    "n_replicates_dropped": pl.Int64,
    "paper": pl.Float64,
    "note": pl.String,
}


def agreement_table(annotators: list[str], h: np.ndarray, units: Units, boot) -> pl.DataFrame:
    """Human inter-annotator agreement on the 1–5 ratings: mean pairwise Spearman rho, mean
    pairwise Cohen's weighted kappa (linear and quadratic), Krippendorff's ordinal alpha, and
    each annotator pair's rho and kappas. Pairs are annotator ids on the units both rated."""
    kw = boot.kwargs()
    rows = []
    mean_rho, pairs_rho = rs.pairwise_spearman_bootstrap(h, units.clusters, units.n_clusters, **kw)
    kappas = {
        kind: rs.pairwise_weighted_kappa_bootstrap(
            h, SCALE, units.clusters, units.n_clusters, kind, **kw
        )
        for kind in ("linear", "quadratic")
    }
    pairable = (~np.isnan(h)).sum(axis=1) >= 2
    n_pairable = int(pairable.sum())

    def small(e):
        return _small(e, units, pairable, boot)

    jack = rs.pairwise_spearman_jackknife(h, units.clusters)
    mean_rho = _small(mean_rho, units, pairable, boot, jack)
    pairs_rho = [
        (
            a,
            b,
            _small(
                e, units, pairable, boot, rs.spearman_jackknife(h[:, a], h[:, b], units.clusters)
            ),
        )
        for a, b, e in pairs_rho
    ]
    kappas = {k: (small(m), [(a, b, small(e)) for a, b, e in ps]) for k, (m, ps) in kappas.items()}
    stats = [("mean pairwise Spearman rho", mean_rho, pairs_rho)]
    stats += [(f"mean pairwise weighted kappa ({k})", *kappas[k]) for k in ("linear", "quadratic")]
    for name, mean, pairs in stats:
        n_def = sum(not np.isnan(e.estimate) for _, _, e in pairs)
        rows.append(
            {
                "statistic": name,
                "pair": "mean over pairs",
                **_est_cols(mean),
                "n_units": n_pairable,
                "n_pairs": n_def,
                "n_replicates_dropped": rs.n_dropped(mean),
                "paper": paper.value(PAPER_AGREEMENT_IDS[name])
                if name in PAPER_AGREEMENT_IDS
                else None,
                "note": None if n_def else "no annotator pair rated two common units",
            }
        )
    alpha = small(rs.ordinal_alpha_bootstrap(h, SCALE, units.clusters, units.n_clusters, **kw))
    rows.append(
        {
            "statistic": "Krippendorff's alpha (ordinal)",
            "pair": "all annotators",
            **_est_cols(alpha),
            "n_units": alpha.n,
            "n_pairs": None,
            "n_replicates_dropped": rs.n_dropped(alpha),
            "paper": None,
            "note": None if not np.isnan(alpha.estimate) else "undefined: fewer than 2 values",
        }
    )
    for name, _, pairs in stats:
        for a, b, e in pairs:
            rows.append(
                {
                    "statistic": name.replace("mean pairwise ", ""),
                    "pair": f"{annotators[a]}|{annotators[b]}",
                    **_est_cols(e),
                    "n_units": e.n,
                    "n_pairs": 1,
                    "n_replicates_dropped": rs.n_dropped(e),
                    "paper": None,
                    "note": None if not np.isnan(e.estimate) else "undefined on the common units",
                }
            )
    return pl.DataFrame(rows, schema=AGREEMENT_SCHEMA)


def closest_kappa_to_paper(table: pl.DataFrame) -> str:
    """Which weighting of the mean pairwise kappa is nearer the paper's weighted κ in ``table``."""
    target = paper.value("s3.iaa_weighted_kappa")
    means = table.filter(
        pl.col("pair") == "mean over pairs", pl.col("statistic").str.contains("kappa")
    )
    best, dist = "undetermined", np.inf
    for r in means.iter_rows(named=True):
        if r["estimate"] is not None and abs(r["estimate"] - target) < dist:
            best, dist = r["statistic"], abs(r["estimate"] - target)
    return best


# ---- Fig 5 ---------------------------------------------------------------------------------
HUMAN_RATINGS_SCHEMA = {
    "generator": pl.String,
    "n_units": pl.Int64,
    "n_ratings": pl.Int64,
    "mean_rating": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "no_better_share": pl.Float64,
    "no_better_ci_low": pl.Float64,
    "no_better_ci_high": pl.Float64,
    "n_no_better": pl.Int64,
    "n_clusters": pl.Int64,
    "n_replicates_dropped": pl.Int64,
}


def human_ratings_table(h: np.ndarray, units: Units, boot) -> pl.DataFrame:
    """Mean human rating per generator and over all generators (mean over units of the unit's
    mean rating, units with at least one rating) and the share of units "no better than
    generic" (unit mean ≤ 3, paper.md), each with a cluster-bootstrap interval."""
    hmean = _unit_mean(h)
    rated = ~np.isnan(hmean)
    n_ratings = (~np.isnan(h)).sum(axis=1)
    gens = units.generators
    rows = []
    for name in [*sorted(set(gens.tolist())), ALL]:
        sel = rated & ((gens == name) if name != ALL else True)
        mean = rs.ratio_bootstrap(
            np.where(sel, hmean, 0.0), sel, units.clusters, units.n_clusters, **boot.kwargs()
        )
        nb = sel & (np.nan_to_num(hmean, nan=np.inf) <= NEUTRAL)
        share = rs.ratio_bootstrap(nb, sel, units.clusters, units.n_clusters, **boot.kwargs())
        mean, share = _small(mean, units, sel, boot), _small(share, units, sel, boot)
        rows.append(
            {
                "generator": name,
                "n_units": int(sel.sum()),
                "n_ratings": int(n_ratings[sel].sum()),
                "mean_rating": _f(mean.estimate),
                "ci_low": _f(mean.ci_low),
                "ci_high": _f(mean.ci_high),
                "no_better_share": _f(share.estimate),
                "no_better_ci_low": _f(share.ci_low),
                "no_better_ci_high": _f(share.ci_high),
                "n_no_better": int(nb.sum()),
                "n_clusters": _n_clusters(units, sel),
                "n_replicates_dropped": rs.n_dropped(mean),
            }
        )
    return pl.DataFrame(rows, schema=HUMAN_RATINGS_SCHEMA)


def _unit_mean(h):
    from recenter.stage3.data import unit_mean

    return unit_mean(h)


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
    - Spearman's rho with the mean human rating, and the like-for-like comparison: rho of the
      judge with the mean of 2 of the 3 humans minus rho of the held-out human with that same
      mean, averaged over held-out humans (``recenter.stats.ratings.loo_spearman_bootstrap``);
    - for LLM judges its mention gap (Fig 6).
    Reward-model scores are on their own scale: only the rhos are meaningful (the mean, the
    difference and the tests are left empty)."""
    kw = boot.kwargs()
    hmean = _unit_mean(h)
    both = ~np.isnan(rating) & ~np.isnan(hmean)
    cl = units.clusters

    def small(e):
        return _small(e, units, both, boot)

    rho = _small(
        rs.spearman_bootstrap(rating, hmean, cl, units.n_clusters, **kw),
        units,
        both,
        boot,
        rs.spearman_jackknife(rating, hmean, cl),
    )
    loo = rs.loo_spearman_bootstrap(rating, h, cl, units.n_clusters, **kw)
    loo_gap = small(loo.gap)
    dropped = [rs.n_dropped(rho), rs.n_dropped(loo.gap)]
    row: dict = {
        "system": system,
        "kind": kind,
        "n": int(both.sum()),
        "n_clusters": _n_clusters(units, both),
    }
    if kind == "llm_judge":
        mean = small(
            rs.ratio_bootstrap(np.where(both, rating, 0.0), both, cl, units.n_clusters, **kw)
        )
        num, _, denom = rs.paired_difference_grid(rating, h)
        diff = np.where(both, num / denom, 0.0)
        d = small(rs.ratio_bootstrap(diff, both, cl, units.n_clusters, **kw))
        dropped += [rs.n_dropped(mean), rs.n_dropped(d)]
        unit_stat, unit_p, unit_method = rs.wilcoxon_signed_rank(num[both])
        cw = ct.wilcoxon_cluster_means(num[both], denom, cl[both])
        totals = np.bincount(cl[both], weights=num[both], minlength=units.n_clusters)
        sf = ct.signflip_test(totals[np.unique(cl[both])], seed=boot.seed)
        row.update(
            {
                "mean_rating": _f(mean.estimate),
                "mean_ci_low": _f(mean.ci_low),
                "mean_ci_high": _f(mean.ci_high),
                "human_mean_same_units": _f(hmean[both].mean()) if both.any() else None,
                "difference": _f(d.estimate),
                "difference_ci_low": _f(d.ci_low),
                "difference_ci_high": _f(d.ci_high),
                "cluster_wilcoxon_statistic": _f(cw.statistic),
                "p_cluster_wilcoxon": _f(cw.p),
                "cluster_wilcoxon_method": cw.method,
                "p_signflip": _f(sf.p),
                "unit_wilcoxon_statistic": _f(unit_stat),
                "unit_wilcoxon_n_nonzero": int(np.sum(num[both] != 0)),
                "p_unit_wilcoxon": _f(unit_p),
                "unit_wilcoxon_method": unit_method,
            }
        )
    row.update(
        {
            "spearman": _f(rho.estimate),
            "spearman_ci_low": _f(rho.ci_low),
            "spearman_ci_high": _f(rho.ci_high),
            "spearman_loo": _f(loo.rater.estimate),
            "human_loo_spearman": _f(loo.human.estimate),
            "spearman_gap_like_for_like": _f(loo_gap.estimate),
            "spearman_gap_ci_low": _f(loo_gap.ci_low),
            "spearman_gap_ci_high": _f(loo_gap.ci_high),
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
        "n_clusters": _n_clusters(units, ok),
    }
    if yes.size == 0 or no.size == 0:
        empty = "explicit mention" if yes.size == 0 else "no mention"
        row["note"] = f"no unit rated by {rater} in the group '{empty}': Δ undefined"
        row["mean_mention"] = _f(yes.mean()) if yes.size else None
        row["mean_no_mention"] = _f(no.mean()) if no.size else None
        return pl.DataFrame([row], schema=GAP_SCHEMA)
    from scipy.stats import mannwhitneyu

    d = rs.difference_of_means_bootstrap(v, m, units.clusters, units.n_clusters, **boot.kwargs())
    d = _small(d, units, ok, boot)
    gee = ct.gee_test(v[ok], units.clusters[ok], m[ok])
    u = mannwhitneyu(yes, no, alternative="two-sided")
    row.update(
        {
            "mean_mention": float(yes.mean()),
            "mean_no_mention": float(no.mean()),
            "delta": _f(d.estimate),
            "ci_low": _f(d.ci_low),
            "ci_high": _f(d.ci_high),
            "gee_se": _f(gee.se),
            "p_gee": _f(gee.p),
            "unit_mannwhitney_u": float(u.statistic),
            "p_unit_mannwhitney": _f(u.pvalue),
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
        row = {"model": g, "n_units": n, "n_mention": k, "n_clusters": _n_clusters(units, sel)}
        if n:
            kc = np.bincount(
                units.clusters[sel],
                weights=(mention[sel] == 1).astype(float),
                minlength=units.n_clusters,
            )
            nc = np.bincount(units.clusters[sel], minlength=units.n_clusters)
            low, high = ct.korn_graubard_interval(kc, nc, boot.confidence)
            row.update(mention_rate=k / n, ci_low=_f(low), ci_high=_f(high))
        rows.append(row)
    return pl.DataFrame(rows, schema={k: MENTION_RATE_SCHEMA[k] for k in MENTION_RATE_SCHEMA})


def mention_vs_penalty(rates: pl.DataFrame, gaps: pl.DataFrame) -> tuple[pl.DataFrame, dict]:
    """Join each generator's mention rate (x) with the same model's Δ as a judge (y) and
    compute Spearman's rho over the models that have both: the exact permutation p-value
    (scipy.stats.permutation_test over all n! pairings, two-sided) next to scipy's asymptotic
    one (t distribution with n − 2 df). Returns (per-model table, summary)."""
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
    notes, used = [], []
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

    ra, rb = rankdata(a, axis=axis), rankdata(b, axis=axis)
    ra = ra - ra.mean(axis=axis, keepdims=True)
    rb = rb - rb.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (ra * rb).sum(axis) / np.sqrt((ra * ra).sum(axis) * (rb * rb).sum(axis))


def rank_correlation_summary(x, y, max_exact: int = 8, seed: int = 0) -> dict:
    """Spearman's rho of a few models with p-values: exact permutation (scipy.stats.
    permutation_test over every pairing, two-sided = twice the smaller tail, and one-sided
    for a positive association) next to scipy.stats.spearmanr's asymptotic two-sided p
    (t distribution, n − 2 df). With n = 5, rho = 0.9 gives exact p = 0.083 two-sided and
    0.042 one-sided, asymptotic 0.037: the paper's "p = 0.04" is one of the latter two. With
    more than ``max_exact`` models the permutation test is Monte Carlo (9,999 resamples,
    seeded) and says so. Fewer than 3 models: NA with the reason."""
    from scipy.stats import permutation_test, spearmanr

    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n = int(x.size)
    out = {
        "n_models": n,
        "spearman": None,
        "p_exact_permutation": None,
        "p_exact_one_sided": None,
        "p_asymptotic": None,
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
    p = {}
    for alternative in ("two-sided", "greater"):
        perm = permutation_test(
            (x, y),
            _spearman_along,
            permutation_type="pairings",
            vectorized=True,
            n_resamples=np.inf if exact else 9999,
            alternative=alternative,
            rng=np.random.default_rng(seed),
        )
        p[alternative] = float(perm.pvalue)
    out.update(
        spearman=float(res.statistic),
        p_exact_permutation=p["two-sided"],
        p_exact_one_sided=p["greater"],
        p_asymptotic=float(res.pvalue),
        permutation=(f"exact, all {n}! pairings" if exact else "Monte Carlo, 9,999 resamples"),
    )
    return out


# ---- gaps ------------------------------------------------------------------------------------
GAPS_SCHEMA = {
    "stage": pl.String,
    "comparison": pl.String,
    "statistic": pl.String,
    "estimate": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "n_replicates_dropped": pl.Int64,
}


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
    kw = boot.kwargs()
    hmean = _unit_mean(h)
    diffs, loo_j, loo_r = [], [], []
    used = np.zeros(units.n, dtype=bool)
    for r in judges.values():
        both = ~np.isnan(r) & ~np.isnan(hmean)
        used |= both
        num, _, denom = rs.paired_difference_grid(r, h)
        diffs.append(
            rs.ratio_bootstrap(
                np.where(both, num / denom, 0.0), both, units.clusters, units.n_clusters, **kw
            )
        )
        loo_j.append(rs.loo_spearman_bootstrap(r, h, units.clusters, units.n_clusters, **kw).gap)
    used_rm = np.zeros(units.n, dtype=bool)
    for r in rms.values():
        used_rm |= ~np.isnan(r) & ~np.isnan(hmean)
        loo_r.append(rs.loo_spearman_bootstrap(r, h, units.clusters, units.n_clusters, **kw).gap)

    def mean_of(es):
        """Mean over systems of the estimate and of each replicate (NaN ones skipped)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN replicate -> NaN
            est = np.nanmean([e.estimate for e in es])
            reps = np.nanmean(np.stack([e.replicates for e in es]), axis=0)
        return est, reps

    specs = []
    if judges:
        specs.append(
            (
                "LLM-judge mean rating minus human mean rating (mean over judges)",
                "difference of means (1–5 scale)",
                *mean_of(diffs),
                used,
            )
        )
        specs.append(
            (
                "Spearman like-for-like: judge vs mean of the other humans minus held-out "
                "human vs the same mean (mean over held-out humans and judges)",
                "difference of mean Spearman rho",
                *mean_of(loo_j),
                used,
            )
        )
    if rms:
        specs.append(
            (
                "Spearman like-for-like: reward model vs mean of the other humans minus "
                "held-out human vs the same mean (mean over held-out humans and models)",
                "difference of mean Spearman rho",
                *mean_of(loo_r),
                used_rm,
            )
        )
    rows = []
    for comparison, statistic, est, reps, mask in specs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = rs.small_cluster_interval(
                est, reps, boot.confidence, _n_clusters(units, mask)
            )
        rows.append(
            {
                "stage": "3 response generation",
                "comparison": comparison,
                "statistic": statistic,
                "estimate": _f(est),
                "ci_low": _f(low),
                "ci_high": _f(high),
                "n_replicates_dropped": int(np.isnan(reps).sum()),
            }
        )
    return pl.DataFrame(rows, schema=GAPS_SCHEMA)


__all__ = ["BootstrapConfig"]
