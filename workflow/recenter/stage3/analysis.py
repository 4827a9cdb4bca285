"""Stage-3 analyses: human agreement, Fig 5, Table 6, Fig 6, Fig 7, reward models and the
Stage-3 gaps rows. Intervals are percentile cluster-bootstrap intervals over response items
(recenter.stats.bootstrap); every statistic bootstrapped with the same (clusters, replicates,
seed) uses the same resamples, so replicates of different statistics can be combined.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import polars as pl

from recenter.stage3.data import NEUTRAL, SCALE, Units
from recenter.stats import ratings as rs
from recenter.stats.bootstrap import BootstrapConfig

ALL = "all generators"
HUMANS = "humans (mean per unit)"

#: Paper values (paper.md, Stage-3 rows).
PAPER_AGREEMENT = {
    "mean pairwise Spearman rho": 0.325,
    "mean pairwise weighted kappa (linear)": 0.310,
    "mean pairwise weighted kappa (quadratic)": 0.310,
}


def _f(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) else x


def _est_cols(e: rs.Estimate) -> dict:
    return {"estimate": _f(e.estimate), "ci_low": _f(e.ci_low), "ci_high": _f(e.ci_high)}


# ---- agreement -------------------------------------------------------------------------------
AGREEMENT_SCHEMA = {
    "statistic": pl.String,
    "pair": pl.String,
    "estimate": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "n_units": pl.Int64,
    "n_pairs": pl.Int64,
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
    n_pairable = int(((~np.isnan(h)).sum(axis=1) >= 2).sum())
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
                "paper": PAPER_AGREEMENT.get(name),
                "note": None if n_def else "no annotator pair rated two common units",
            }
        )
    alpha = rs.ordinal_alpha_bootstrap(h, SCALE, units.clusters, units.n_clusters, **kw)
    rows.append(
        {
            "statistic": "Krippendorff's alpha (ordinal)",
            "pair": "all annotators",
            **_est_cols(alpha),
            "n_units": alpha.n,
            "n_pairs": None,
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
                    "paper": None,
                    "note": None if not np.isnan(e.estimate) else "undefined on the common units",
                }
            )
    return pl.DataFrame(rows, schema=AGREEMENT_SCHEMA)


def closest_kappa_to_paper(table: pl.DataFrame) -> str:
    """Which weighting of the mean pairwise kappa is nearer the paper's 0.310 in ``table``."""
    means = table.filter(
        pl.col("pair") == "mean over pairs", pl.col("statistic").str.contains("kappa")
    )
    best, dist = "undetermined", np.inf
    for r in means.iter_rows(named=True):
        if r["estimate"] is not None and abs(r["estimate"] - 0.310) < dist:
            best, dist = r["statistic"], abs(r["estimate"] - 0.310)
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
    "mean_rating": pl.Float64,
    "mean_ci_low": pl.Float64,
    "mean_ci_high": pl.Float64,
    "human_mean_same_units": pl.Float64,
    "difference": pl.Float64,
    "difference_ci_low": pl.Float64,
    "difference_ci_high": pl.Float64,
    "wilcoxon_statistic": pl.Float64,
    "wilcoxon_n_nonzero": pl.Int64,
    "p_wilcoxon": pl.Float64,
    "wilcoxon_method": pl.String,
    "spearman": pl.Float64,
    "spearman_ci_low": pl.Float64,
    "spearman_ci_high": pl.Float64,
}


@dataclass(frozen=True)
class JudgeResult:
    row: pl.DataFrame  # one row, JUDGE_SCHEMA
    gap: pl.DataFrame  # one row, GAP_SCHEMA (LLM judges only; empty for reward models)


def judge_analysis(
    system: str,
    kind: str,
    rating: np.ndarray,
    hmean: np.ndarray,
    mention: np.ndarray,
    units: Units,
    boot,
) -> JudgeResult:
    """One judge file against the humans on the units both rated: its mean rating, the paired
    difference judge − mean human rating (mean with interval; two-sided Wilcoxon signed-rank
    test), Spearman's rho with the mean human rating; for LLM judges also its mention gap.
    Reward-model scores are on their own scale: only rho is meaningful (the mean and the
    difference are left empty)."""
    kw = boot.kwargs()
    both = ~np.isnan(rating) & ~np.isnan(hmean)
    rho = rs.spearman_bootstrap(rating, hmean, units.clusters, units.n_clusters, **kw)
    row: dict = {"system": system, "kind": kind, "n": int(both.sum())}
    if kind == "llm_judge":
        mean = rs.ratio_bootstrap(
            np.where(both, rating, 0.0), both, units.clusters, units.n_clusters, **kw
        )
        diff = np.where(both, rating - hmean, np.nan)
        d = rs.ratio_bootstrap(np.nan_to_num(diff), both, units.clusters, units.n_clusters, **kw)
        stat, p, method = rs.wilcoxon_signed_rank(diff[both])
        row.update(
            {
                "mean_rating": _f(mean.estimate),
                "mean_ci_low": _f(mean.ci_low),
                "mean_ci_high": _f(mean.ci_high),
                "human_mean_same_units": _f(hmean[both].mean()) if both.any() else None,
                "difference": _f(d.estimate),
                "difference_ci_low": _f(d.ci_low),
                "difference_ci_high": _f(d.ci_high),
                "wilcoxon_statistic": _f(stat),
                "wilcoxon_n_nonzero": int(np.sum(diff[both] != 0)),
                "p_wilcoxon": _f(p),
                "wilcoxon_method": method,
            }
        )
    row.update(
        {
            "spearman": _f(rho.estimate),
            "spearman_ci_low": _f(rho.ci_low),
            "spearman_ci_high": _f(rho.ci_high),
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
    """Table 6: LLM-judge rows, Holm-adjusted Wilcoxon p-values across the judges."""
    if not rows:
        return pl.DataFrame(schema={**JUDGE_SCHEMA, "p_holm": pl.Float64})
    t = pl.concat(rows, how="vertical").sort("system")
    adj = rs.holm(t["p_wilcoxon"].fill_null(float("nan")).to_numpy())
    return t.with_columns(pl.Series("p_holm", adj).fill_nan(None))


def reward_models_table(rows: list[pl.DataFrame]) -> pl.DataFrame:
    cols = ["system", "n", "spearman", "spearman_ci_low", "spearman_ci_high"]
    if not rows:
        return pl.DataFrame(schema={c: JUDGE_SCHEMA[c] for c in cols})
    return pl.concat(rows, how="vertical").sort("system").select(cols)


# ---- mention gap (Fig 6) ---------------------------------------------------------------------
GAP_SCHEMA = {
    "rater": pl.String,
    "kind": pl.String,
    "n_mention": pl.Int64,
    "n_no_mention": pl.Int64,
    "mean_mention": pl.Float64,
    "mean_no_mention": pl.Float64,
    "delta": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "mannwhitney_u": pl.Float64,
    "p_mannwhitney": pl.Float64,
    "note": pl.String,
}


def mention_gap_row(rater, kind, values, mention, units: Units, boot) -> pl.DataFrame:
    """Δ = mean(values | explicit mention) − mean(values | no mention) over units with a value
    and a flag, with a cluster-bootstrap interval and a two-sided Mann–Whitney U test
    (scipy.stats.mannwhitneyu; units treated as independent, so its p ignores the clustering
    that the interval respects). An empty group gives NA with the reason, never 0."""
    v = np.asarray(values, float)
    m = np.asarray(mention, float)
    ok = ~np.isnan(v) & ~np.isnan(m)
    yes, no = v[ok & (m == 1)], v[ok & (m == 0)]
    row = {"rater": rater, "kind": kind, "n_mention": int(yes.size), "n_no_mention": int(no.size)}
    if yes.size == 0 or no.size == 0:
        empty = "explicit mention" if yes.size == 0 else "no mention"
        row["note"] = f"no unit rated by {rater} in the group '{empty}': Δ undefined"
        row["mean_mention"] = _f(yes.mean()) if yes.size else None
        row["mean_no_mention"] = _f(no.mean()) if no.size else None
        return pl.DataFrame([row], schema=GAP_SCHEMA)
    from scipy.stats import mannwhitneyu

    d = rs.difference_of_means_bootstrap(v, m, units.clusters, units.n_clusters, **boot.kwargs())
    u = mannwhitneyu(yes, no, alternative="two-sided")
    row.update(
        {
            "mean_mention": float(yes.mean()),
            "mean_no_mention": float(no.mean()),
            "delta": _f(d.estimate),
            "ci_low": _f(d.ci_low),
            "ci_high": _f(d.ci_high),
            "mannwhitney_u": float(u.statistic),
            "p_mannwhitney": _f(u.pvalue),
            "note": None,
        }
    )
    return pl.DataFrame([row], schema=GAP_SCHEMA)


def mention_gap_table(human_row: pl.DataFrame, judge_rows: list[pl.DataFrame]) -> pl.DataFrame:
    """Fig 6: humans first, then the LLM judges (sorted), Holm across the judges' p-values."""
    judges = (
        pl.concat(judge_rows, how="vertical").sort("rater")
        if judge_rows
        else pl.DataFrame(schema=GAP_SCHEMA)
    )
    adj = rs.holm(judges["p_mannwhitney"].fill_null(float("nan")).to_numpy())
    judges = judges.with_columns(pl.Series("p_holm", adj, dtype=pl.Float64).fill_nan(None))
    human = human_row.with_columns(pl.lit(None, dtype=pl.Float64).alias("p_holm"))
    return pl.concat([human, judges], how="vertical")


# ---- Fig 7 -----------------------------------------------------------------------------------
MENTION_RATE_SCHEMA = {
    "model": pl.String,
    "n_units": pl.Int64,
    "n_mention": pl.Int64,
    "mention_rate": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "exact_ci_low": pl.Float64,
    "exact_ci_high": pl.Float64,
    "judge_delta": pl.Float64,
    "judge_delta_ci_low": pl.Float64,
    "judge_delta_ci_high": pl.Float64,
    "in_correlation": pl.Boolean,
    "note": pl.String,
}


def mention_rates(mention: np.ndarray, units: Units, boot) -> pl.DataFrame:
    """Share of each generator's flagged units that mention the attribute explicitly, with a
    cluster-bootstrap interval and the Clopper–Pearson exact interval (units independent; the
    bootstrap interval of a 0/n share is [0, 0], the exact one is not)."""
    from scipy.stats import binomtest

    gens = units.generators
    rows = []
    for g in sorted(set(gens.tolist())):
        sel = (gens == g) & ~np.isnan(mention)
        k, n = int(np.sum(mention[sel] == 1)), int(sel.sum())
        row = {"model": g, "n_units": n, "n_mention": k}
        if n:
            e = rs.ratio_bootstrap(
                np.where(sel, mention == 1, 0.0),
                sel,
                units.clusters,
                units.n_clusters,
                **boot.kwargs(),
            )
            ci = binomtest(k, n).proportion_ci(confidence_level=boot.confidence, method="exact")
            row.update(
                mention_rate=k / n,
                ci_low=_f(e.ci_low),
                ci_high=_f(e.ci_high),
                exact_ci_low=float(ci.low),
                exact_ci_high=float(ci.high),
            )
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
}


def gaps_rows(
    h: np.ndarray, judges: dict[str, np.ndarray], rms: dict[str, np.ndarray], units: Units, boot
) -> pl.DataFrame:
    """Stage-3 rows of the cross-stage gaps summary, each with an interval from the joint
    replicates (same resamples for every statistic): mean LLM-judge rating minus the human
    mean (averaged over judges, each on the units it shares with humans), mean judge–human
    Spearman minus mean human–human Spearman, and the same for reward models."""
    kw = boot.kwargs()
    hmean = _unit_mean(h)
    hh, _ = rs.pairwise_spearman_bootstrap(h, units.clusters, units.n_clusters, **kw)
    diffs, rhos = [], []
    for r in judges.values():
        both = ~np.isnan(r) & ~np.isnan(hmean)
        diffs.append(
            rs.ratio_bootstrap(
                np.where(both, r - np.nan_to_num(hmean), 0.0),
                both,
                units.clusters,
                units.n_clusters,
                **kw,
            )
        )
        rhos.append(rs.spearman_bootstrap(r, hmean, units.clusters, units.n_clusters, **kw))
    rm_rhos = [
        rs.spearman_bootstrap(r, hmean, units.clusters, units.n_clusters, **kw)
        for r in rms.values()
    ]

    def mean_of(es):
        """Mean over systems of the estimate and of each replicate (NaN ones skipped)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN replicate -> NaN
            est = np.nanmean([e.estimate for e in es])
            reps = np.nanmean(np.stack([e.replicates for e in es]), axis=0)
        return est, reps

    rows = []
    specs = []
    if judges:
        specs.append(
            (
                "LLM-judge mean rating minus human mean rating (mean over judges)",
                "difference of means (1–5 scale)",
                *mean_of(diffs),
                0.0,
                None,
            )
        )
        specs.append(
            (
                "Spearman judge–human mean minus human–human (mean over judges)",
                "difference of mean Spearman rho",
                *mean_of(rhos),
                hh.estimate,
                hh.replicates,
            )
        )
    if rms:
        specs.append(
            (
                "Spearman reward model–human mean minus human–human (mean over models)",
                "difference of mean Spearman rho",
                *mean_of(rm_rhos),
                hh.estimate,
                hh.replicates,
            )
        )
    for comparison, statistic, est, reps, ref_est, ref_reps in specs:
        e = est - ref_est
        r = reps - ref_reps if ref_reps is not None else reps
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            low, high = rs.percentile_interval(r, boot.confidence)
        rows.append(
            {
                "stage": "3 response generation",
                "comparison": comparison,
                "statistic": statistic,
                "estimate": _f(e),
                "ci_low": _f(low),
                "ci_high": _f(high),
            }
        )
    return pl.DataFrame(rows, schema=GAPS_SCHEMA)


__all__ = ["BootstrapConfig"]
