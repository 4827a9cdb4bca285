"""Stage-1 verifiers (Table 2): each verifier file's *problematic* flags against the human
label, and the Stage-1 rows of the cross-stage gaps summary.

Human reference [ours; the simulator's definition, truth.json / simulate README]: an attribute
is *problematic* when a strict majority of the annotators who judged it said *uncertain* or
*rejected* (with the paper's 3 annotators: at least 2 of 3). A tie (possible only with an even
number of judgments) is *not problematic*, as Stage 2 treats ties; attributes without any
judgment are left out. Metrics come from recenter.stats.classification through the Stage-2
alignment row (same columns), with a cluster bootstrap over users.
"""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from recenter.gaps import gaps_table, n_dropped
from recenter.stage1.data import JudgmentMatrix
from recenter.stats.agreement import majority_vote_matrix
from recenter.stats.bootstrap import (
    BootstrapConfig,
    cluster_bootstrap,
    cluster_sums,
    percentile_interval,
)
from recenter.stats.classification import metrics_stack, unit_confusion

#: How the human reference label of Table 2 is defined (the table notes say it).
REFERENCE_NOTE = (
    "Human label *problematic* = a strict majority of the attribute's annotators said "
    "uncertain or rejected (2 of 3 in the paper's design); a tie is not problematic "
    "[ours, the simulator's definition]."
)

VARIANT = re.compile(r"^(?P<base>.+)_(?P<variant>basic|optimized)$")
KIND_ORDER = ("llm", "trained", "human")


def human_reference(jm: JudgmentMatrix) -> tuple[np.ndarray, np.ndarray]:
    """(problematic 1/0 per attribute, NaN if unjudged; tie flag per attribute)."""
    problematic, is_tie, _ = majority_vote_matrix(jm.problematic())
    return problematic, is_tie


def split_variant(system: str) -> tuple[str, str | None]:
    """('claude-sonnet-4.6', 'optimized') from 'claude-sonnet-4.6_optimized'; no suffix: None."""
    m = VARIANT.match(system)
    return (m["base"], m["variant"]) if m else (system, None)


def verifier_row(
    jm: JudgmentMatrix,
    system: str,
    kind: str,
    predictions: pl.DataFrame,
    boot: BootstrapConfig,
) -> pl.DataFrame:
    """One verifier against the human reference: Table 3's alignment row (accuracy, P, R, F1,
    kappa with intervals, average precision if scored, confusion counts) plus the base model,
    the prompt variant and the verifier's flag rate on the compared attributes."""
    from recenter.stage1.data import aligned
    from recenter.stage2.alignment import alignment_row

    reference, _ = human_reference(jm)
    votes = aligned(jm, predictions, "problematic")
    scores = aligned(jm, predictions, "score")
    row = alignment_row(
        system=system,
        kind=kind,
        votes=votes,
        scores=scores,
        consensus=reference,
        clusters=jm.clusters,
        n_clusters=jm.n_clusters,
        boot=boot,
        model=f"model file models/verifier/{kind}/{system}.jsonl",
    )
    base, variant = split_variant(system)
    n = row["n"][0]
    flag_rate = (row["tp"][0] + row["fp"][0]) / n if n else None
    return row.with_columns(
        pl.lit(base).alias("base_system"),
        pl.lit(variant, dtype=pl.String).alias("prompt_variant"),
        pl.lit(flag_rate, dtype=pl.Float64).alias("flag_rate"),
        pl.lit(len(predictions), dtype=pl.Int64).alias("n_predictions"),
    )


def human_ceiling_rows(jm: JudgmentMatrix, boot: BootstrapConfig) -> list[pl.DataFrame]:
    """Table 2's human-ceiling rows: each annotator's *problematic* label against the strict
    majority of the other annotators (stage2.alignment.human_ceiling_rows; a tie is not
    problematic), with the Stage-1 columns of a verifier row."""
    from recenter.stage2.alignment import human_ceiling_rows as rows_of

    out = []
    for row in rows_of(jm.problematic(), jm.annotators, jm.clusters, jm.n_clusters, boot):
        n = row["n"][0]
        flag_rate = (row["tp"][0] + row["fp"][0]) / n if n else None
        out.append(
            row.with_columns(
                pl.col("system").alias("base_system"),
                pl.lit(None, dtype=pl.String).alias("prompt_variant"),
                pl.lit(flag_rate, dtype=pl.Float64).alias("flag_rate"),
                pl.lit(
                    int(
                        (
                            ~np.isnan(jm.problematic()[:, jm.annotators.index(row["system"][0])])
                        ).sum()
                    ),
                    dtype=pl.Int64,
                ).alias("n_predictions"),
            )
        )
    return out


def verifier_table(rows: list[pl.DataFrame]) -> pl.DataFrame:
    """Table 2: rows ordered by kind (llm, trained), then system; identity columns first."""
    if not rows:
        raise ValueError("no verifier rows")
    table = pl.concat(rows, how="vertical")
    order = {k: i for i, k in enumerate(KIND_ORDER)}
    table = (
        table.with_columns(pl.col("kind").replace_strict(order, default=len(order)).alias("_k"))
        .sort("_k", "system")
        .drop("_k")
    )
    first = ["system", "kind", "base_system", "prompt_variant", "n"]
    return table.select(first + [c for c in table.columns if c not in first])


# ---- gaps --------------------------------------------------------------------------------------
STAGE = "1 attribute extraction"
F1 = 3  # index of f1 in recenter.stats.classification.METRICS


def verifier_f1_replicates(
    jm: JudgmentMatrix, votes: np.ndarray, boot: BootstrapConfig
) -> tuple[float, np.ndarray]:
    """F1 of one verifier against the human reference and its bootstrap replicates (same
    resamples as every other statistic bootstrapped over these users with this seed)."""
    reference, _ = human_reference(jm)
    sums = cluster_sums(unit_confusion(votes, reference), jm.clusters, jm.n_clusters)
    res = cluster_bootstrap(sums, metrics_stack, **boot.kwargs())
    return float(res.estimate[F1]), res.replicates[:, F1]


SHARE_GAP = "problematic share (uncertain + rejected judgments): real minus synthetic users"


def gaps_rows(
    gap_estimate: float,
    gap_replicates: np.ndarray,
    f1: dict[tuple[str, str], tuple[float, np.ndarray]],
    boot: BootstrapConfig,
    jm: JudgmentMatrix | None = None,
    votes: dict[tuple[str, str], np.ndarray] | None = None,
) -> tuple[pl.DataFrame, list[str]]:
    """Stage-1 rows of the gaps summary and notes on rows left out.

    - problematic share (uncertain + rejected) of real users minus synthetic users;
    - best LLM verifier F1 minus best trained verifier F1 (best = highest point estimate on
      its own attributes). With ``jm`` and ``votes`` (each system's flags aligned to ``jm``) the
      difference is paired: both F1s on the attributes both verifiers scored, with joint
      bootstrap replicates (stage2.alignment.paired_difference); without them, the difference
      of the two F1s' replicates (same user resamples, each on its own attributes).
    """
    rows, notes = [], []
    low, high = percentile_interval(gap_replicates, boot.confidence)
    rows.append(
        (
            SHARE_GAP,
            "difference of shares",
            gap_estimate,
            low,
            high,
            n_dropped(gap_replicates),
        )
    )
    best = {}
    for kind in KIND_ORDER:
        cands = [(v[0], s) for (k, s), v in f1.items() if k == kind and not np.isnan(v[0])]
        if cands:
            best[kind] = max(cands)[1]
    if "llm" in best and "trained" in best and jm is not None and votes is not None:
        from recenter.stage2.alignment import paired_difference

        reference, _ = human_reference(jm)
        d = paired_difference(
            votes[("llm", best["llm"])],
            votes[("trained", best["trained"])],
            reference,
            jm.clusters,
            jm.n_clusters,
            boot,
        )
        rows.append(
            (
                f"verifier F1: best LLM ({best['llm']}) minus best trained ({best['trained']}), "
                f"paired on the {d['n']} attributes both scored",
                "difference of F1",
                d["estimate"],
                d["ci_low"],
                d["ci_high"],
                d["n_dropped"],
            )
        )
    elif "llm" in best and "trained" in best:
        e_l, r_l = f1[("llm", best["llm"])]
        e_t, r_t = f1[("trained", best["trained"])]
        low, high = percentile_interval(r_l - r_t, boot.confidence)
        rows.append(
            (
                f"verifier F1: best LLM ({best['llm']}) minus best trained ({best['trained']})",
                "difference of F1",
                e_l - e_t,
                low,
                high,
                n_dropped(r_l - r_t),
            )
        )
    else:
        notes.append("no LLM or no trained verifier with a defined F1: no verifier-gap row")
    reasons = {row[0]: "F1 undefined on the attributes the verifiers scored" for row in rows}
    reasons[SHARE_GAP] = "needs judged attributes of both real and synthetic users (one has none)"
    return gaps_table(STAGE, rows, reasons=reasons, replicates=boot.replicates), notes
