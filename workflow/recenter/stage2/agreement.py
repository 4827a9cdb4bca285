"""Stage-2 agreement: relevance rates and over-selection, the pairwise kappa matrix, group
means of kappa, Krippendorff's alpha per group, the consensus summary and the gaps rows.

All intervals are percentile cluster-bootstrap intervals over users (stage2.data.CLUSTER;
recenter.stats.bootstrap). Functions that bootstrap with the same (clusters, replicates, seed)
share their resamples, so their replicates can be combined (gaps_rows).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np
import polars as pl

from recenter.gaps import gaps_table, n_dropped
from recenter.schemas import INTERVAL, RATER_COUNTS
from recenter.stage2.data import CONSENSUS, HUMAN, LLM, LabelMatrix
from recenter.stats import agreement as ag
from recenter.stats.bootstrap import (
    BootstrapConfig,
    cluster_bootstrap,
    cluster_sums,
    none_if_nan,
    percentile_interval,
)


# ---- consensus ---------------------------------------------------------------------------
def consensus_summary(items: pl.DataFrame, consensus: pl.DataFrame) -> pl.DataFrame:
    """Counts behind the human consensus: items, excluded items (no human label), ties
    (counted as not relevant), relevant items and the distribution of the number of labels."""
    n_items = items.height
    in_items = consensus.join(items.select("item_id"), on="item_id", how="semi")
    n_cons = in_items.height
    rows = [
        ("items", n_items, None),
        ("items with a consensus (at least one human label)", n_cons, n_cons / n_items),
        ("items excluded: no human label", n_items - n_cons, (n_items - n_cons) / n_items),
        ("ties (counted as not relevant)", int(in_items["is_tie"].sum()), None),
        ("consensus relevant", int(in_items["relevant"].sum()), None),
    ]
    if n_cons:
        rows[3] = (rows[3][0], rows[3][1], rows[3][1] / n_cons)
        rows[4] = (rows[4][0], rows[4][1], rows[4][1] / n_cons)
    counts = in_items.group_by("n_human_labels").len().sort("n_human_labels")
    for k, n in counts.iter_rows():
        rows.append((f"items with {k} human label{'s' if k != 1 else ''}", n, n / n_cons))
    return pl.DataFrame(
        rows,
        schema={"quantity": pl.String, "n": pl.Int64, "share": pl.Float64},
        orient="row",
    )


def check_consensus_view(votes: pl.DataFrame, consensus: pl.DataFrame) -> None:
    """Raise if the SQL view disagrees with recenter.stats.agreement.majority_vote."""
    human = votes.filter(pl.col("rater_kind") == HUMAN)
    grouped = human.group_by("item_id").agg(pl.col("relevant")).sort("item_id")
    view = {r["item_id"]: r for r in consensus.iter_rows(named=True)}
    if grouped.height != len(view):
        raise ValueError(f"consensus view has {len(view)} items, votes {grouped.height}")
    for item_id, labels in grouped.iter_rows():
        vote = ag.majority_vote(labels)
        row = view[item_id]
        if (vote.relevant, vote.is_tie, vote.n_labels) != (
            row["relevant"],
            row["is_tie"],
            row["n_human_labels"],
        ):
            raise ValueError(f"consensus view disagrees with majority_vote on item {item_id}")


# ---- rates -------------------------------------------------------------------------------
@dataclass(frozen=True)
class RatesResult:
    table: pl.DataFrame
    raters: list[str]  # raters then CONSENSUS, order of the replicates
    rate_estimates: np.ndarray  # (R+1,)
    rate_replicates: np.ndarray  # (B, R+1)
    note: str = ""  # what the table leaves out, and why


def relevance_rates(lm: LabelMatrix, consensus: np.ndarray, boot: BootstrapConfig) -> RatesResult:
    """Share of items marked relevant per rater (items the rater labelled) and per consensus,
    and each rater's over-selection ratio to the consensus on the items both have:
    ratio = (#rater relevant) / (#consensus relevant) over common items, which equals
    rate_rater / rate_consensus on those items."""
    x = np.column_stack([lm.labels, consensus])
    cons = consensus[:, None]
    labelled = ~np.isnan(x)
    common = labelled & ~np.isnan(cons)
    unit = np.stack(
        [labelled, x == 1, common, (x == 1) & common, (cons == 1) & common], axis=-1
    ).astype(float)  # items × (R+1) × 5
    sums = cluster_sums(unit, lm.clusters, lm.n_clusters)

    def stat(t):
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = t[..., 1] / t[..., 0]
            # a replicate without any consensus-relevant item leaves the ratio undefined
            ratio = np.where(t[..., 4] > 0, t[..., 3] / t[..., 4], np.nan)
        return np.stack([rate, ratio], axis=-1)

    res = cluster_bootstrap(sums, stat, **boot.kwargs())
    totals = sums.sum(axis=0)
    names = [*lm.raters, CONSENSUS]
    kinds = [*lm.kinds, "consensus"]
    humans = [j for j, k in enumerate(lm.kinds) if k == HUMAN]
    # With one human rater the majority vote is that rater's label (equal by construction,
    # checked against the SQL view on every run): its row would repeat the consensus row.
    single = humans[0] if len(humans) == 1 else None
    note = (
        ""
        if single is None
        else f"The study has one human rater ({names[single]}): the majority vote of one rater "
        "is that rater's label, so its rate is the human-consensus row (not listed twice)."
    )
    rows = []
    for j, (name, kind) in enumerate(zip(names, kinds, strict=True)):
        if j == single:
            continue
        is_cons = name == CONSENSUS
        rows.append(
            {
                "rater": name,
                "rater_kind": kind,
                "n": int(totals[j, 0]),
                "n_relevant": int(totals[j, 1]),
                "rate": none_if_nan(res.estimate[j, 0]),
                "ci_low": none_if_nan(res.ci_low[j, 0]),
                "ci_high": none_if_nan(res.ci_high[j, 0]),
                "n_common_with_consensus": None if is_cons else int(totals[j, 2]),
                "ratio_to_consensus": None if is_cons else none_if_nan(res.estimate[j, 1]),
                "ratio_ci_low": None if is_cons else none_if_nan(res.ci_low[j, 1]),
                "ratio_ci_high": None if is_cons else none_if_nan(res.ci_high[j, 1]),
            }
        )
    table = pl.DataFrame(rows, schema=_RATE_SCHEMA)
    return RatesResult(
        table=table,
        raters=names,
        rate_estimates=res.estimate[..., 0],
        rate_replicates=res.replicates[..., 0],
        note=note,
    )


_RATE_SCHEMA = {
    "rater": pl.String,
    "rater_kind": pl.String,
    "n": pl.Int64,
    "n_relevant": pl.Int64,
    "rate": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "n_common_with_consensus": pl.Int64,
    "ratio_to_consensus": pl.Float64,
    "ratio_ci_low": pl.Float64,
    "ratio_ci_high": pl.Float64,
}


# ---- kappa -------------------------------------------------------------------------------
GROUPS = ("human_human", "llm_llm", "llm_human")


def group_pairs(kinds: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Unordered rater pairs (i < j) of each group: within humans, within LLMs, between."""
    out: dict[str, list[tuple[int, int]]] = {g: [] for g in GROUPS}
    for i, j in combinations(range(len(kinds)), 2):
        pair = {kinds[i], kinds[j]}
        if pair == {HUMAN}:
            out["human_human"].append((i, j))
        elif pair == {LLM}:
            out["llm_llm"].append((i, j))
        elif pair == {HUMAN, LLM}:
            out["llm_human"].append((i, j))
    return out


@dataclass(frozen=True)
class KappaResult:
    matrix: pl.DataFrame  # long: rater_a, rater_b, kappa, ci_low, ci_high, n
    groups: pl.DataFrame
    group_replicates: dict[str, np.ndarray]  # group -> (B,) mean kappa per replicate


def _group_mean(kappa: np.ndarray, pairs: list[tuple[int, int]]) -> np.ndarray:
    """Mean kappa over pairs (NaN kappas, e.g. pairs without common items, are skipped)."""
    if not pairs:
        return np.full(kappa.shape[:-2], np.nan)
    vals = np.stack([kappa[..., i, j] for i, j in pairs], axis=-1)
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(vals, axis=-1)


def _group_note(pairs: list[tuple[int, int]], estimate: float) -> str | None:
    """Why a group's mean kappa is undefined (None when it is defined)."""
    if not pairs:
        return "no rater pair in this group"
    if np.isnan(estimate):
        return (
            "kappa undefined for every pair of the group: no item labelled by both, or one "
            "label throughout (chance agreement 1)"
        )
    return None


def kappa_analysis(lm: LabelMatrix, boot: BootstrapConfig) -> KappaResult:
    """Pairwise Cohen's kappa of all raters with intervals, group means of kappa whose
    intervals recompute every pair on each replicate and average (not averaged intervals),
    and Krippendorff's nominal alpha per group (humans, LLMs, all)."""
    counts = ag.pairwise_counts(lm.labels, lm.clusters, lm.n_clusters)
    res = cluster_bootstrap(counts, ag.kappa_matrix_from_counts, **boot.kwargs())
    totals = counts.sum(axis=0)
    n_pair = totals.sum(axis=0)  # R × R: items both labelled
    rows = []
    for i, a in enumerate(lm.raters):
        for j, b in enumerate(lm.raters):
            rows.append(
                {
                    "rater_a": a,
                    "kind_a": lm.kinds[i],
                    "rater_b": b,
                    "kind_b": lm.kinds[j],
                    "kappa": none_if_nan(res.estimate[i, j]),
                    "ci_low": none_if_nan(res.ci_low[i, j]),
                    "ci_high": none_if_nan(res.ci_high[i, j]),
                    "n": int(n_pair[i, j]),
                }
            )
    matrix = pl.DataFrame(rows, schema=_KAPPA_SCHEMA)

    pairs = group_pairs(lm.kinds)
    group_rows, group_reps = [], {}
    for g in GROUPS:
        est = float(_group_mean(res.estimate, pairs[g]))
        reps = _group_mean(res.replicates, pairs[g])
        group_reps[g] = reps
        low, high = percentile_interval(reps, boot.confidence)
        n_items = int(sum(n_pair[i, j] for i, j in pairs[g]))
        group_rows.append(
            {
                "group": g,
                "statistic": "mean pairwise Cohen's kappa",
                "estimate": none_if_nan(est),
                "ci_low": none_if_nan(low),
                "ci_high": none_if_nan(high),
                "n_raters": len({k for p in pairs[g] for k in p}),
                "n_pairs": len(pairs[g]),
                "n": n_items,
                "note": _group_note(pairs[g], est),
            }
        )
    for name, members in (
        ("humans", [k == HUMAN for k in lm.kinds]),
        ("llms", [k == LLM for k in lm.kinds]),
        ("all", [k in (HUMAN, LLM) for k in lm.kinds]),
    ):
        group_rows.append(_alpha_row(lm, np.array(members, dtype=bool), name, boot))
    groups = pl.DataFrame(group_rows, schema=_GROUP_SCHEMA)
    return KappaResult(matrix=matrix, groups=groups, group_replicates=group_reps)


def _alpha_row(lm: LabelMatrix, members: np.ndarray, name: str, boot: BootstrapConfig) -> dict:
    """Krippendorff's nominal alpha of a group: the estimate from the krippendorff package,
    the interval from the binary sufficient-statistic form bootstrapped over pairs."""
    data = lm.labels[:, members]
    result = ag.krippendorff_alpha_nominal(data.T)
    unit = ag.alpha_binary_unit_stats(data) if data.shape[1] else np.zeros((data.shape[0], 3))
    n_pairable = int((unit[:, 0] > 0).sum())
    low = high = None
    if result.reason is None:
        sums = cluster_sums(unit, lm.clusters, lm.n_clusters)
        res = cluster_bootstrap(sums, ag.alpha_binary_from_sums, **boot.kwargs())
        low, high = none_if_nan(res.ci_low), none_if_nan(res.ci_high)
    return {
        "group": name,
        "statistic": "Krippendorff's alpha (nominal)",
        "estimate": none_if_nan(result.alpha),
        "ci_low": low,
        "ci_high": high,
        "n_raters": int(members.sum()),
        "n_pairs": None,
        "n": n_pairable,
        "note": result.reason,
    }


_KAPPA_SCHEMA = {
    "rater_a": pl.String,
    "kind_a": pl.String,
    "rater_b": pl.String,
    "kind_b": pl.String,
    "kappa": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
    "n": pl.Int64,
}
_GROUP_SCHEMA = {"group": pl.String, "statistic": pl.String, **INTERVAL, **RATER_COUNTS}


# ---- gaps --------------------------------------------------------------------------------
def gaps_rows(rates: RatesResult, kappa: KappaResult, kinds: list[str], boot) -> pl.DataFrame:
    """Rows of the cross-stage gaps summary for Stage 2 (LLM vs human), each with an interval
    from the joint replicates of the rates and kappa bootstraps (same resamples)."""
    reps = rates.rate_replicates  # (B, R+1), last column = consensus
    llm = [i for i, k in enumerate(kinds) if k == LLM]
    hum = [i for i, k in enumerate(kinds) if k == HUMAN]
    cons = len(kinds)
    est = rates.rate_estimates[None, :]

    def mean_cols(x, cols):
        if not cols:
            return np.full(x.shape[0], np.nan)
        with np.errstate(invalid="ignore"):
            return np.nanmean(x[:, cols], axis=1)

    def ratio(x, den):
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, mean_cols(x, llm) / den, np.nan)

    specs = [
        (
            "LLM/human relevance-rate ratio (mean LLM rate / human consensus rate)",
            "ratio",
            lambda x: ratio(x, x[:, cons]),
        ),
        (
            "LLM/human relevance-rate ratio (mean LLM rate / mean human annotator rate)",
            "ratio",
            lambda x: ratio(x, mean_cols(x, hum)),
        ),
    ]
    rows = []
    for comparison, statistic, fn in specs:
        e = fn(est)[0]
        low, high = percentile_interval(fn(reps), boot.confidence)
        rows.append((comparison, statistic, e, low, high, n_dropped(fn(reps))))
    reasons = {
        comparison: "a rate of the ratio is undefined or 0 (no label, or none marked relevant)"
        for comparison, _, _ in specs
    }
    g = kappa.groups.filter(pl.col("statistic").str.starts_with("mean"))
    g_est = dict(zip(g["group"], g["estimate"], strict=True))
    g_note = dict(zip(g["group"], g["note"], strict=True))
    for a, b, label in (
        ("llm_human", "human_human", "κ LLM–human minus κ human–human"),
        ("llm_llm", "human_human", "κ LLM–LLM minus κ human–human"),
    ):
        ea, eb = g_est[a], g_est[b]
        e = np.nan if ea is None or eb is None else ea - eb
        diff = kappa.group_replicates[a] - kappa.group_replicates[b]
        low, high = percentile_interval(diff, boot.confidence)
        rows.append((label, "difference of mean Cohen's kappa", e, low, high, n_dropped(diff)))
        why = [f"{grp}: {g_note[grp]}" for grp in (a, b) if g_note[grp]]
        reasons[label] = "; ".join(why) or "a group's mean kappa is undefined"
    return gaps_table("2 relevance matching", rows, reasons=reasons, replicates=boot.replicates)
