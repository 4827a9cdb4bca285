"""Stage-1 attribute quality: label shares per source dataset and real vs synthetic (Fig 2),
failure-mode shares of flagged attributes, and the annotators' agreement.

Every interval is a percentile cluster-bootstrap interval that resamples users (the Stage-1
cluster, paper.md conventions) with recenter.stats.bootstrap; statistics computed with the same
(users, replicates, seed) share their resamples. The real-minus-synthetic gap is tested by
permuting the real/synthetic label among users (recenter.stats.cluster_tests), since the label
belongs to the user and a user's attributes are dependent.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import polars as pl

from recenter.schemas import INTERVAL, RATER_COUNTS
from recenter.stage1.data import CATEGORIES, LABELS, JudgmentMatrix
from recenter.stats import agreement as ag
from recenter.stats import cluster_tests as ct
from recenter.stats import ordinal
from recenter.stats.bootstrap import (
    BootstrapConfig,
    cluster_bootstrap,
    cluster_sums,
    none_if_nan,
    percentile_interval,
)

PROBLEMATIC = "problematic"  # uncertain or rejected
REAL, SYNTHETIC, ALL = "real", "synthetic", "all"
GAP = "real minus synthetic"


# ---- Fig 2: label shares ---------------------------------------------------------------------
@dataclass(frozen=True)
class SharesResult:
    table: pl.DataFrame
    gap_estimate: float
    gap_replicates: np.ndarray  # (B,)
    gap_test: ct.ClusterTest


def gap_permutation_test(jm: JudgmentMatrix, seed: int) -> ct.ClusterTest:
    """Two-sided permutation test of the real-minus-synthetic gap in the problematic share:
    the real/synthetic label is permuted among users (each user keeps all its judgments), the
    statistic is the pooled problematic share of the 'real' users minus that of the others.
    Exact over all assignments when there are at most 100,000, else 9,999 seeded permutations
    (recenter.stats.cluster_tests.label_permutation_test)."""
    prob = (jm.codes >= 1).sum(axis=1).astype(float)  # problematic judgments per attribute
    judged = (~np.isnan(jm.codes)).sum(axis=1).astype(float)
    sums = cluster_sums(np.column_stack([prob, judged]), jm.clusters, jm.n_clusters)
    real = np.zeros(jm.n_clusters, dtype=bool)
    real[jm.clusters[jm.is_real]] = True
    has = sums[:, 1] > 0
    return ct.label_permutation_test(
        sums[has], real[has], ct.ratio_difference(sums[has]), seed=seed
    )


def _groups(jm: JudgmentMatrix) -> list[tuple[str, str, np.ndarray]]:
    """(group, group_kind, attribute mask): each dataset (sorted, real ones first), then the
    pooled real and synthetic users, then everyone."""
    datasets = sorted(set(jm.datasets), key=lambda d: (not _dataset_is_real(jm, d), d))
    ds = np.array(jm.datasets, dtype=object)
    out = [(d, "dataset", ds == d) for d in datasets]
    out.append((REAL, "pooled", jm.is_real.copy()))
    out.append((SYNTHETIC, "pooled", ~jm.is_real))
    out.append((ALL, "pooled", np.ones(len(jm.datasets), dtype=bool)))
    return out


def _dataset_is_real(jm: JudgmentMatrix, dataset: str) -> bool:
    return bool(jm.is_real[np.array(jm.datasets, dtype=object) == dataset].any())


def label_shares(jm: JudgmentMatrix, boot: BootstrapConfig) -> SharesResult:
    """Share of judgments accepted / uncertain / rejected / problematic (uncertain + rejected)
    per group, over all human judgments of the group's attributes:
    share_g,l = #judgments with label l / #judgments (pooled over attributes; every attribute
    weighs by its number of judgments). The gap row is the problematic share of real users
    minus that of synthetic users (the paper's value: s1.problematic_gap_real_synthetic in
    paper_values.yaml); undefined (empty) when a side has no user. Intervals resample users
    jointly across groups (one bootstrap), so the gap's interval comes from the same
    replicates as the shares."""
    groups = _groups(jm)
    onehot = np.stack([jm.codes == k for k in range(len(LABELS))], axis=-1).sum(axis=1)  # A × 3
    masks = np.stack([m for _, _, m in groups], axis=1).astype(float)  # A × G
    unit = masks[:, :, None] * onehot[:, None, :]  # A × G × 3
    sums = cluster_sums(unit, jm.clusters, jm.n_clusters)
    real_g = [g for g, _, _ in groups].index(REAL)
    synth_g = [g for g, _, _ in groups].index(SYNTHETIC)

    def stat(t):  # (b, G, 3) -> (b, G*4 + 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = t / t.sum(axis=-1, keepdims=True)
        prob = share[..., 1] + share[..., 2]
        gap = prob[:, real_g] - prob[:, synth_g]
        flat = np.concatenate([share, prob[..., None]], axis=-1).reshape(t.shape[0], -1)
        return np.concatenate([flat, gap[:, None]], axis=1)

    res = cluster_bootstrap(sums, stat, **boot.kwargs())
    totals = sums.sum(axis=0)  # G × 3
    user_of = jm.clusters
    rows = []
    names = [*LABELS, PROBLEMATIC]
    for g, (group, kind, mask) in enumerate(groups):
        n_judg = int(totals[g].sum())
        counts = [*totals[g], totals[g, 1] + totals[g, 2]]
        for k, label in enumerate(names):
            j = g * len(names) + k
            rows.append(
                {
                    "group": group,
                    "group_kind": kind,
                    "label": label,
                    "n_users": int(np.unique(user_of[mask]).size),
                    "n_attributes": int(mask.sum()),
                    "n_judgments": n_judg,
                    "n": int(counts[k]),
                    "share": none_if_nan(res.estimate[j]),
                    "ci_low": none_if_nan(res.ci_low[j]),
                    "ci_high": none_if_nan(res.ci_high[j]),
                }
            )
    real_mask, synth_mask = groups[real_g][2], groups[synth_g][2]
    test = gap_permutation_test(jm, boot.seed)
    rows.append(
        {
            "group": GAP,
            "group_kind": "difference",
            "label": PROBLEMATIC,
            "n_users": int(np.unique(user_of).size),
            "n_attributes": int((real_mask | synth_mask).sum()),
            "n_judgments": int(totals[real_g].sum() + totals[synth_g].sum()),
            "n": None,
            "share": none_if_nan(res.estimate[-1]),
            "ci_low": none_if_nan(res.ci_low[-1]),
            "ci_high": none_if_nan(res.ci_high[-1]),
            "p_permutation": none_if_nan(test.p),
            "test": test.method,
        }
    )
    dropped = np.isnan(res.replicates).sum(axis=0)  # per statistic
    for k, r in enumerate(rows):
        r["n_replicates_dropped"] = int(dropped[k]) if k < dropped.size else None
    table = pl.DataFrame(rows, schema=SHARES_SCHEMA)
    # groups without any attribute (e.g. no synthetic user) are left out, the gap row stays
    table = table.filter((pl.col("n_attributes") > 0) | (pl.col("group_kind") == "difference"))
    return SharesResult(table, float(res.estimate[-1]), res.replicates[:, -1], test)


SHARES_SCHEMA = {
    "group": pl.String,
    "group_kind": pl.String,
    "label": pl.String,
    "n_users": pl.Int64,
    "n_attributes": pl.Int64,
    "n_judgments": pl.Int64,
    "n": pl.Int64,
    "share": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "n_replicates_dropped": pl.Int64,
    "p_permutation": pl.Float64,
    "test": pl.String,
}


# ---- failure modes ---------------------------------------------------------------------------
def flagged_attributes(jm: JudgmentMatrix) -> set[str]:
    """Attributes at least one annotator did not accept (the paper's 'flagged')."""
    flagged = (jm.codes >= 1).any(axis=1)
    return {a for a, f in zip(jm.attribute_ids, flagged, strict=True) if f}


def flagged_failure_modes(modes: pl.DataFrame, jm: JudgmentMatrix) -> tuple[pl.DataFrame, int]:
    """The failure-mode labels of flagged attributes (at least one annotator did not accept)
    and the number of labels left out because their attribute was not flagged (or has no
    human judgment)."""
    flagged = sorted(flagged_attributes(jm))
    kept = modes.filter(pl.col("attribute_id").is_in(flagged))
    return kept, modes.height - kept.height


def failure_mode_shares(modes: pl.DataFrame, boot: BootstrapConfig) -> pl.DataFrame:
    """Share of each category among the attributes a labeler categorised (one table block per
    labeler): share_c = #attributes in c / #attributes labelled. Intervals resample users."""
    rows = []
    for labeler in sorted(modes["labeler"].unique().to_list()):
        m = modes.filter(pl.col("labeler") == labeler).sort("user_id", "attribute_id")
        keys, clusters = np.unique(m["user_id"].to_numpy().astype(str), return_inverse=True)
        cats = m["category"].to_list()
        unit = np.array([[c == k for k in CATEGORIES] for c in cats], dtype=float)
        sums = cluster_sums(unit, clusters, len(keys))

        def stat(t):
            with np.errstate(invalid="ignore", divide="ignore"):
                return t / t.sum(axis=-1, keepdims=True)

        res = cluster_bootstrap(sums, stat, **boot.kwargs())
        totals = sums.sum(axis=0)
        for k, cat in enumerate(CATEGORIES):
            rows.append(
                {
                    "labeler": labeler,
                    "category": cat,
                    "n": int(totals[k]),
                    "n_labelled": int(totals.sum()),
                    "n_users": len(keys),
                    "share": none_if_nan(res.estimate[k]),
                    "ci_low": none_if_nan(res.ci_low[k]),
                    "ci_high": none_if_nan(res.ci_high[k]),
                }
            )
    return pl.DataFrame(rows, schema=FAILURE_SCHEMA)


FAILURE_SCHEMA = {
    "labeler": pl.String,
    "category": pl.String,
    "n": pl.Int64,
    "n_labelled": pl.Int64,
    "n_users": pl.Int64,
    "share": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
}


# ---- agreement -------------------------------------------------------------------------------
def _mean_pairs(kappa: np.ndarray, pairs: list[tuple[int, int]]) -> np.ndarray:
    """Mean over pairs of kappa[..., i, j], skipping undefined (NaN) pairs."""
    if not pairs:
        return np.full(kappa.shape[:-2], np.nan)
    vals = np.stack([kappa[..., i, j] for i, j in pairs], axis=-1)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(vals, axis=-1)


def agreement_table(jm: JudgmentMatrix, boot: BootstrapConfig) -> pl.DataFrame:
    """Agreement of the Stage-1 annotators:

    - Krippendorff's alpha, ordinal (accepted < uncertain < rejected): estimate from the
      ``krippendorff`` package, interval from the coincidence-matrix form (stats.ordinal);
    - Krippendorff's alpha, nominal, on the binary *problematic* label;
    - mean pairwise Cohen's kappa on *problematic* over the annotator pairs with at least one
      common attribute and a defined kappa; its interval recomputes every pair on each
      replicate and averages.
    ``n``: attributes judged by at least two annotators (alpha) / summed common attributes of
    the pairs (kappa)."""
    k = len(LABELS)
    prob = jm.problematic()
    n_pairable = int(((~np.isnan(jm.codes)).sum(axis=1) >= 2).sum())
    rows = [
        _alpha_row(
            "Krippendorff's alpha (ordinal)",
            "accepted < uncertain < rejected",
            ordinal.krippendorff_alpha_ordinal(jm.codes.T, k),
            lambda: ordinal.unit_coincidences(jm.codes, k),
            ordinal.alpha_ordinal_from_coincidences,
            jm,
            n_pairable,
            boot,
        ),
        _alpha_row(
            "Krippendorff's alpha (nominal)",
            "problematic (uncertain or rejected) vs accepted",
            ag.krippendorff_alpha_nominal(prob.T),
            lambda: ag.alpha_binary_unit_stats(prob),
            ag.alpha_binary_from_sums,
            jm,
            n_pairable,
            boot,
        ),
        _kappa_row(jm, prob, boot),
    ]
    return pl.DataFrame(rows, schema=AGREEMENT_SCHEMA)


def _alpha_row(statistic, labels, res, unit_stats, from_sums, jm, n_pairable, boot) -> dict:
    """A Krippendorff's alpha row: the estimate ``res`` and, when it is defined, the interval
    of the cluster bootstrap of the per-attribute statistics ``unit_stats()`` (``from_sums``
    maps their cluster sums to alpha)."""
    low = high = None
    if res.reason is None:
        b = cluster_bootstrap(
            cluster_sums(unit_stats(), jm.clusters, jm.n_clusters), from_sums, **boot.kwargs()
        )
        low, high = none_if_nan(b.ci_low), none_if_nan(b.ci_high)
    return _agree_row(
        statistic, labels, res.alpha, low, high, len(jm.annotators), None, n_pairable, res.reason
    )


def _kappa_row(jm: JudgmentMatrix, prob: np.ndarray, boot: BootstrapConfig) -> dict:
    """The mean pairwise Cohen's kappa row (see agreement_table)."""
    counts = ag.pairwise_counts(prob, jm.clusters, jm.n_clusters)
    n_pair = counts.sum(axis=(0, 1))
    kappa_est = ag.kappa_matrix_from_counts(counts.sum(axis=0))
    pairs = [
        (i, j)
        for i, j in combinations(range(len(jm.annotators)), 2)
        if n_pair[i, j] > 0 and not np.isnan(kappa_est[i, j])
    ]
    est = float(_mean_pairs(kappa_est, pairs))
    low = high = None
    note = None if pairs else "no annotator pair with common attributes and a defined kappa"
    if pairs:
        b = cluster_bootstrap(counts, ag.kappa_matrix_from_counts, **boot.kwargs())
        lo, hi = percentile_interval(_mean_pairs(b.replicates, pairs), boot.confidence)
        low, high = none_if_nan(lo), none_if_nan(hi)
    return _agree_row(
        "mean pairwise Cohen's kappa",
        "problematic (uncertain or rejected) vs accepted",
        est,
        low,
        high,
        len({a for p in pairs for a in p}),
        len(pairs),
        int(sum(n_pair[i, j] for i, j in pairs)),
        note,
    )


def _agree_row(stat, labels, est, low, high, n_raters, n_pairs, n, note) -> dict:
    return {
        "statistic": stat,
        "labels": labels,
        "estimate": none_if_nan(est),
        "ci_low": low,
        "ci_high": high,
        "n_raters": n_raters,
        "n_pairs": n_pairs,
        "n": n,
        "note": note,
    }


AGREEMENT_SCHEMA = {"statistic": pl.String, "labels": pl.String, **INTERVAL, **RATER_COUNTS}
