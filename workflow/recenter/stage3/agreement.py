"""Stage-3 human analyses: inter-annotator agreement on the 1–5 ratings (mean pairwise
Spearman rho, weighted kappa, Krippendorff's ordinal alpha) and Fig 5, the mean human rating
and the share "no better than generic" per generator. Intervals: percentile cluster bootstrap
over users, widened for few clusters (recenter.stage3.common.small); the Spearman agreement
rows: bias-corrected jackknife on Fisher's z (``agreement_table``)."""

from __future__ import annotations

import numpy as np
import polars as pl

from recenter import paper
from recenter.stage3 import common as c
from recenter.stage3.common import ALL
from recenter.stage3.data import NEUTRAL, SCALE, Units, unit_mean
from recenter.stats import ratings as rs
from recenter.stats.bootstrap import none_if_nan

#: Paper values of the agreement rows (paper_values.yaml ids; the paper's weighted κ does not
#: say which weights, so both weightings are set beside it).
PAPER_AGREEMENT_IDS = {
    "mean pairwise Spearman rho": "s3.iaa_spearman",
    "mean pairwise weighted kappa (linear)": "s3.iaa_weighted_kappa",
    "mean pairwise weighted kappa (quadratic)": "s3.iaa_weighted_kappa",
}


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
    each annotator pair's rho and kappas. Pairs are annotator ids on the units both rated.

    Intervals of the Spearman rows (the mean over pairs and each pair): leave-one-user-out
    jackknife on Fisher's z, about the jackknife bias-corrected z, ± t(G − 1) × the jackknife
    SE × the small-cluster factor sqrt(G/(G − 1)) t(G − 1)/z, back-transformed
    (``recenter.stats.bootstrap.jackknife_fisher_z_interval``). Rho of ratings clustered in
    few users is biased towards 0; the cluster bootstrap's BCa interval, widened, covered
    0.917 (mean) and 0.923 (pair) of the simulated truth at 16 users, this one 0.947 and
    0.960 (bench/agreement_intervals.py; bench/results/coverage.csv). The other rows: the
    percentile cluster bootstrap, widened for few users (``recenter.stage3.common.small``)."""
    pairable = (~np.isnan(h)).sum(axis=1) >= 2
    stats, alpha = _estimates(h, units, boot, pairable)
    return _table(annotators, stats, alpha, int(pairable.sum()))


def _estimates(h: np.ndarray, units: Units, boot, pairable: np.ndarray):
    """(statistic name, mean over pairs, [(a, b, estimate) per pair]) of Spearman's rho and the
    two weighted kappas, and Krippendorff's alpha, each with its interval (see
    :func:`agreement_table`)."""
    kw = boot.kwargs()
    mean_rho, pairs_rho = rs.pairwise_spearman_bootstrap(h, units.clusters, units.n_clusters, **kw)
    kappas = {
        kind: rs.pairwise_weighted_kappa_bootstrap(
            h, SCALE, units.clusters, units.n_clusters, kind, **kw
        )
        for kind in ("linear", "quadratic")
    }

    def small(e):
        return c.small(e, units, pairable, boot)

    # Spearman rows: bias-corrected jackknife on Fisher's z (agreement_table says why)
    jack = rs.pairwise_spearman_jackknife(h, units.clusters)
    mean_rho = rs.jackknife_z(mean_rho, jack, boot.confidence)
    pairs_rho = [
        (
            a,
            b,
            rs.jackknife_z(
                e, rs.spearman_jackknife(h[:, a], h[:, b], units.clusters), boot.confidence
            ),
        )
        for a, b, e in pairs_rho
    ]
    kappas = {k: (small(m), [(a, b, small(e)) for a, b, e in ps]) for k, (m, ps) in kappas.items()}
    stats = [("mean pairwise Spearman rho", mean_rho, pairs_rho)]
    stats += [(f"mean pairwise weighted kappa ({k})", *kappas[k]) for k in ("linear", "quadratic")]
    alpha = small(rs.ordinal_alpha_bootstrap(h, SCALE, units.clusters, units.n_clusters, **kw))
    return stats, alpha


def _table(annotators: list[str], stats, alpha, n_pairable: int) -> pl.DataFrame:
    """The agreement table's rows: each statistic's mean over pairs, alpha, then every pair."""
    rows = []
    for name, mean, pairs in stats:
        n_def = sum(not np.isnan(e.estimate) for _, _, e in pairs)
        rows.append(
            {
                "statistic": name,
                "pair": "mean over pairs",
                **c.est_cols(mean),
                "n_units": n_pairable,
                "n_pairs": n_def,
                "n_replicates_dropped": rs.n_dropped(mean),
                "paper": paper.value(PAPER_AGREEMENT_IDS[name])
                if name in PAPER_AGREEMENT_IDS
                else None,
                "note": None if n_def else "no annotator pair rated two common units",
            }
        )
    rows.append(
        {
            "statistic": "Krippendorff's alpha (ordinal)",
            "pair": "all annotators",
            **c.est_cols(alpha),
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
                    **c.est_cols(e),
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
    hmean = unit_mean(h)
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
        mean, share = c.small(mean, units, sel, boot), c.small(share, units, sel, boot)
        rows.append(
            {
                "generator": name,
                "n_units": int(sel.sum()),
                "n_ratings": int(n_ratings[sel].sum()),
                "mean_rating": none_if_nan(mean.estimate),
                "ci_low": none_if_nan(mean.ci_low),
                "ci_high": none_if_nan(mean.ci_high),
                "no_better_share": none_if_nan(share.estimate),
                "no_better_ci_low": none_if_nan(share.ci_low),
                "no_better_ci_high": none_if_nan(share.ci_high),
                "n_no_better": int(nb.sum()),
                "n_clusters": c.n_clusters(units, sel),
                "n_replicates_dropped": rs.n_dropped(mean),
            }
        )
    return pl.DataFrame(rows, schema=HUMAN_RATINGS_SCHEMA)
