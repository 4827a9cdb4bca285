"""Stage-3 jobs: what each Snakemake script does, as functions of paths and parameters
(the scripts only unpack ``snakemake`` and call these)."""

from __future__ import annotations

import logging
from typing import NamedTuple

import numpy as np
import polars as pl

from recenter import paper
from recenter.gaps import write_gaps
from recenter.outputs import atomic_write, write_study_table, write_table
from recenter.stage3 import analysis, data
from recenter.stats.bootstrap import BootstrapConfig, dropped_replicates_note

log = logging.getLogger(__name__)

CLUSTER_NOTE = (
    "Cluster: the **user**. The 5 generators answered the same user–prompt pair, so its "
    "response items share the prompt and the rated attributes, and the pairs of one user "
    "share that user's profile attributes: units are dependent within a user (when every user "
    "has one pair, user and pair coincide). n_clusters = users behind a row."
)


#: (paper_values.yaml key, name) of the paper's five judges, in Table 6's order.
_PAPER_JUDGES = (
    ("claude", "Claude"),
    ("gpt", "GPT-5.4"),
    ("llama", "Llama-3.3-70B"),
    ("qwen", "Qwen3.5-27B"),
    ("gemma", "Gemma-4-31B"),
)


def _boot_note(
    boot: BootstrapConfig, *, spearman: bool = False, intervals: str = "Intervals"
) -> str:
    """The notes' sentences on the intervals: the widened cluster bootstrap, and for a table
    with Spearman ρ intervals (``spearman``) the jackknife those use instead."""
    text = (
        boot.note("users", intervals=intervals)
        + " Each interval is widened about the estimate by sqrt(G/(G−1))·t(G−1)/z for its G "
        "users (1.12 for 16; no interval with fewer than 2 users)."
    )
    if spearman:
        text += (
            " Intervals of a Spearman ρ "
            "(a judge's or reward model's ρ with the mean human, the human agreement's ρ) are a "
            "leave-one-user-out jackknife on Fisher's z instead: the bias-corrected z "
            "(G·z − (G−1)·mean of the leave-one-out z) ± t(G−1) × the jackknife SE × the same "
            "factor, back-transformed, since ρ of clustered ratings is biased towards 0 with few "
            "users (the widened BCa bootstrap interval used before covered about 0.92 of the "
            "simulated truth at 16 users, this one 0.95–0.96; bench/agreement_intervals.py)."
        )
    return text + " Coverage is measured in bench/results/coverage.csv."


def _dropped(table: pl.DataFrame, label: str, boot: BootstrapConfig) -> str:
    """Notes sentence naming rows whose statistic was undefined in > 1% of the replicates."""
    if "n_replicates_dropped" not in table.columns:
        return ""
    counts = {
        str(r[label]): int(r["n_replicates_dropped"])
        for r in table.iter_rows(named=True)
        if r["n_replicates_dropped"] is not None
    }
    return dropped_replicates_note(counts, boot.replicates)


def with_p_text(table: pl.DataFrame) -> pl.DataFrame:
    """Add ``<p>_text`` next to every p-value column: the exact value to 3 significant digits
    (CSV floats have 6 decimals and the Markdown 3, which would print a tiny p as 0)."""
    cols = [c for c in table.columns if c.startswith("p_") and table[c].dtype == pl.Float64]
    out = table.with_columns(
        pl.col(c).map_elements(lambda v: f"{v:.3g}", return_dtype=pl.String).alias(f"{c}_text")
        for c in cols
    )
    order = []
    for c in table.columns:
        order.append(c)
        if c in cols:
            order.append(f"{c}_text")
    return out.select(order)


class Humans(NamedTuple):
    """The human ratings of Stage 3: the units, the annotators, and the (unit x annotator)
    ratings (NaN: not rated)."""

    units: data.Units
    annotators: list[str]
    h: np.ndarray


def _humans(con) -> Humans:
    units = data.load_units(con)
    annotators, h = data.human_matrix(con, units)
    return Humans(units, annotators, h)


def agreement_job(db: str, csv: str, md: str, boot: BootstrapConfig) -> None:
    """stage3_agreement: human inter-annotator agreement on the 1–5 ratings."""

    def notes(table: pl.DataFrame) -> str:
        closest = analysis.closest_kappa_to_paper(table)
        return (
            "Pairs are annotator ids, each on the units (response item, attribute) both rated "
            "(`n_units`); the group rows average the pairs whose statistic is defined, and "
            "their bootstrap interval averages the pairs on every replicate. Spearman's ρ is "
            "tie-corrected (mid-ranks). **Intervals of the Spearman rows** (the mean over "
            "pairs and each pair): leave-one-user-out jackknife on Fisher's z = atanh ρ "
            "(below); the other rows: percentile cluster bootstrap, widened as below. "
            "Weighted κ is Cohen's (1968) with linear |i−j|/4 or "
            "quadratic ((i−j)/4)² disagreement weights on the 1–5 scale. Krippendorff's α "
            "uses the ordinal metric (all annotators; n = units with ≥ 2 ratings). "
            f"The paper reports 'weighted κ {paper.text('s3.iaa_weighted_kappa')}' without the "
            "weights; the simulator's population (calibrated to the paper's Spearman "
            f"{paper.text('s3.iaa_spearman')}) has linear 0.21 and quadratic 0.33, so the "
            "paper's value is most likely the **quadratic** κ. In this study the weighting "
            f"closest to {paper.text('s3.iaa_weighted_kappa')} is: {closest}. "
            + CLUSTER_NOTE
            + " "
            + _boot_note(boot, spearman=True)
            + _dropped(
                table.with_columns(label=pl.col("statistic") + " " + pl.col("pair")), "label", boot
            )
        )

    table = write_study_table(
        db,
        _humans,
        lambda hs: analysis.agreement_table(hs.annotators, hs.h, hs.units, boot),
        csv,
        md,
        title="Stage 3: human inter-annotator agreement on preference ratings",
        notes=notes,
    )
    log.info("agreement: %s", table.head(4).to_dicts())


def human_ratings_job(db: str, csv: str, md: str, boot: BootstrapConfig) -> None:
    """fig5_human_ratings: mean human rating per generator and overall, share no better."""
    write_study_table(
        db,
        _humans,
        lambda hs: analysis.human_ratings_table(hs.h, hs.units, boot),
        csv,
        md,
        title="Fig 5: mean human rating of the personalized response, per generator",
        notes=lambda table: (
            "Rating 1–5: how much more the annotator likes the personalized response for this "
            "attribute (3 = no difference). mean_rating = mean over units of the unit's mean "
            "human rating (units with at least one rating, `n_units`). no_better_share = "
            "share of units whose mean human rating is ≤ 3 ('no better than generic'). "
            f"Paper: overall mean {paper.text('s3.human_mean')}, "
            f"{paper.text('s3.no_better_share')} no better. "
            + CLUSTER_NOTE
            + " "
            + _boot_note(boot)
            + _dropped(table, "generator", boot)
        ),
    )


def judge_job(db: str, row_out: str, gap_out: str, system: str, kind: str, boot) -> None:
    """One judge file (LLM judge or reward model) against the humans -> one-row parquets."""
    with data.connect(db) as con:
        units, _, h = _humans(con)
        rating = data.ratings_of(con, units, system)
        mention, _ = data.mention_vector(con, units)
    if np.isnan(rating).all():
        raise ValueError(f"no ratings of {system!r} in {db}")
    res = analysis.judge_analysis(system, kind, rating, h, mention, units, boot)
    atomic_write(row_out, lambda p: res.row.write_parquet(p))
    atomic_write(gap_out, lambda p: res.gap.write_parquet(p))
    log.info("%s: %s", system, res.row.to_dicts())


def judges_table_job(db: str, parts: list[str], csv: str, md: str, boot) -> None:
    """tab6_judges from the per-judge parquets (Holm across judges)."""
    with data.connect(db) as con:
        kind = data.data_kind(con)
    table = analysis.judges_table([pl.read_parquet(p) for p in sorted(parts)])
    table = with_p_text(table.drop("kind"))
    write_table(
        table,
        csv,
        md,
        title="Table 6: LLM judges against the human ratings",
        data_kind=kind,
        notes=(
            "Each judge on the units it shares with the humans (n, over n_clusters users). "
            "mean_rating: the judge's mean; human_mean_same_units: the mean human rating per "
            "unit averaged on those units (its interval human_mean_ci_low/high from the same "
            "resampled users as the judge's); difference = mean of (judge − mean human rating) "
            "per unit, computed exactly (integers on a common grid, so equal differences tie). "
            "**Test (cluster level):** p_cluster_wilcoxon = two-sided Wilcoxon signed-rank test "
            "of the per-user mean differences (one value per user; scipy, exact null "
            "distribution without ties, else the tie-corrected normal approximation: "
            "cluster_wilcoxon_method); p_holm = Holm over these p across the judges of this "
            "table (statsmodels multipletests). p_signflip: exact sign-flip test of the per-user "
            "sums of differences (all 2^G sign patterns for G ≤ 20 users, else 9,999 seeded "
            "patterns), the test of the unit-weighted `difference` itself. p_unit_wilcoxon "
            "(unit level, units treated as independent) is shown **for contrast only**: with "
            "dependent units its type-I error is far above the nominal level "
            "(bench/results/calibration.csv). "
            "spearman: Spearman's ρ of the judge's rating with the mean human rating per unit "
            "(a mean of 3 raters, so not comparable with the human–human ρ). Like-for-like: "
            "spearman_loo = ρ(judge, mean of the other 2 humans) and human_loo_spearman = "
            "ρ(held-out human, the same mean) on the same units, each averaged over the 3 "
            "held-out humans; spearman_gap_like_for_like = their difference (0 in expectation "
            "for a judge interchangeable with a human). Paper (mean / ρ): "
            + ", ".join(
                f"{name} {paper.text(f's3.judge_mean_{key}')}/{paper.text(f's3.judge_rho_{key}')}"
                for key, name in _PAPER_JUDGES
            )
            + "; every judge significantly above humans. "
            + CLUSTER_NOTE
            + " "
            + _boot_note(boot, spearman=True)
            + " n_replicates_dropped: the most replicates in which one of the row's statistics "
            "was undefined." + _dropped(table, "system", boot)
        ),
    )


def reward_models_job(db: str, parts: list[str], csv: str, md: str, boot) -> None:
    """reward_models: Spearman of each reward model with the mean human rating."""
    with data.connect(db) as con:
        kind = data.data_kind(con)
    table = analysis.reward_models_table([pl.read_parquet(p) for p in sorted(parts)])
    write_table(
        table,
        csv,
        md,
        title="Reward models against the human ratings",
        data_kind=kind,
        notes=(
            "Spearman's ρ of each reward model's score with the mean human rating per unit, "
            "on the units both have (n). Like-for-like (as in Table 6): spearman_loo = "
            "ρ(model, mean of the other 2 humans), human_loo_spearman = ρ(held-out human, the "
            "same mean), averaged over held-out humans, and their difference. Paper: all ≈ 0.3. "
            + CLUSTER_NOTE
            + " "
            + _boot_note(boot, spearman=True)
            + _dropped(table, "system", boot)
        ),
    )


def mention_gap_job(db: str, parts: list[str], csv: str, md: str, boot) -> None:
    """fig6_mention_gap: Δ(explicit mention − none) for humans and every LLM judge."""
    with data.connect(db) as con:
        kind = data.data_kind(con)
        units, _, h = _humans(con)
        mention, flaggers = data.mention_vector(con, units)
    human = analysis.mention_gap_row(
        analysis.HUMANS, "human", data.unit_mean(h), mention, units, boot
    )
    table = with_p_text(
        analysis.mention_gap_table(human, [pl.read_parquet(p) for p in sorted(parts)])
    )
    write_table(
        table,
        csv,
        md,
        title="Fig 6: rating gap between responses that mention the attribute and those that don't",
        data_kind=kind,
        notes=(
            "Δ = mean rating on units flagged as explicit mention − mean on units not flagged "
            f"(flaggers: {', '.join(flaggers) or 'none'}; with several flaggers a unit counts "
            "as a mention if any flagged it). Humans: the mean human rating per unit. **Test "
            "(cluster level):** p_gee = the mention coefficient of a Gaussian GEE of the "
            "rating on the mention flag, clustered by user (statsmodels; independence working "
            "correlation, so the coefficient is Δ; Mancl–DeRouen bias-reduced sandwich; t with "
            "G − 1 df, G = n_clusters), gee_se its standard error; p_holm: Holm over p_gee "
            "across the LLM judges. p_unit_mannwhitney (two-sided Mann–Whitney U of the two "
            "groups of units, units treated as independent) is shown **for contrast only**. An "
            "empty group leaves Δ empty with the reason in `note`. Paper: humans "
            f"{paper.text('s3.mention_gap_humans')}, GPT-5.4 {paper.text('s3.mention_gap_gpt')}, "
            f"Claude {paper.text('s3.mention_gap_claude')} (the only significant penalty), "
            "open-weight judges positive. "
            + CLUSTER_NOTE
            + " "
            + _boot_note(boot)
            + _dropped(table, "rater", boot)
        ),
    )


#: The summary row's statistics (recenter.stage3.mentions.rank_correlation_summary).
FIG7_SUMMARY_COLUMNS = {
    "spearman": pl.Float64,
    "pearson": pl.Float64,
    "p_permutation_pearson": pl.Float64,
    "p_spearman_exact_conservative": pl.Float64,
    "p_spearman_one_sided_conservative": pl.Float64,
    "p_spearman_asymptotic": pl.Float64,
    "permutation": pl.String,
}


def mention_vs_penalty_job(db: str, parts: list[str], csv: str, md: str, boot) -> None:
    """fig7_mention_vs_penalty: mention rate as generator vs Δ as judge, per model. The Δs
    are the LLM judges' Fig-6 rows (``parts``, one parquet per judge) at full precision."""
    with data.connect(db) as con:
        kind = data.data_kind(con)
        units = data.load_units(con)
        mention, _ = data.mention_vector(con, units)
    rates = analysis.mention_rates(mention, units, boot)
    judges = [pl.read_parquet(p) for p in sorted(parts)]
    gaps = pl.concat(judges) if judges else pl.DataFrame(schema=analysis.GAP_SCHEMA)
    table, summary = analysis.mention_vs_penalty(rates, gaps)
    summary_row = pl.DataFrame(
        [
            {
                "model": "association over models with in_correlation",
                "n_units": summary["n_models"],
                "note": summary["note"],
                **{k: summary[k] for k in FIG7_SUMMARY_COLUMNS},
            }
        ],
        schema={
            "model": pl.String,
            "n_units": pl.Int64,
            "note": pl.String,
            **FIG7_SUMMARY_COLUMNS,
        },
    )
    out = with_p_text(pl.concat([table, summary_row], how="diagonal_relaxed"))
    write_table(
        out,
        csv,
        md,
        title="Fig 7: explicit-mention rate as generator vs rating gap Δ as judge",
        data_kind=kind,
        notes=(
            "x: share of the generator's flagged units that mention the attribute explicitly "
            "(ci_*: Korn–Graubard interval, i.e. Clopper–Pearson on the effective sample size of "
            "units clustered by user with a t(G − 1) adjustment; a percentile bootstrap of a "
            "rare share is [0, 0] at 0 mentions). "
            "y: the same model's Δ as a judge (Fig 6). The last row summarizes the models that "
            "are both (in_correlation); **the units of its test are the models** (5 points), "
            "not the users or the rated units. Effect: Spearman's ρ (the paper's statistic). "
            "**Test: p_permutation_pearson**, the exact permutation test of Pearson's r "
            "(column pearson) over all n! pairings of x with y (scipy.stats.permutation_test, "
            "two-sided; exact for ≤ 8 models): with distinct values r differs on each of the "
            "120 pairings of 5 models, so the test has size 0.05 when the models are exchangeable "
            "(measured in bench/calibration.py). Spearman's exact permutation p is kept for "
            "contrast only (p_spearman_exact_conservative, two-sided; "
            "p_spearman_one_sided_conservative, for a positive association): ρ over 5 models "
            "takes 21 values, so the two-sided test can reject at .05 only at ρ = ±1 (size "
            "2/120 = 0.017) and is conservative; p_spearman_asymptotic (scipy.stats.spearmanr, "
            "t approximation) is unreliable for n = 5. Neither is used for a verdict. Paper: "
            "Spearman r = 0.90, p = 0.04 over 5 models; with 5 models ρ = 0.90 has exact "
            "two-sided p = 0.083, one-sided 0.042 and asymptotic two-sided 0.037, so the "
            "paper's p is one of the last two. Claude mentions attributes in "
            f"{paper.text('s3.claude_mention_rate')} of its responses. "
            + CLUSTER_NOTE
            + " "
            + _boot_note(boot, intervals="Δ's interval (its Fig-6 row)")
        ),
    )
    log.info("fig7 summary: %s", summary)


def gaps_job(db: str, csv: str, md: str, boot) -> None:
    """gaps_stage3: Stage-3 rows (judges and reward models vs humans) of the gaps summary."""
    with data.connect(db) as con:
        kind = data.data_kind(con)
        units, _, h = _humans(con)
        judges = {j: data.ratings_of(con, units, j) for j in data.rater_ids(con, data.LLM_JUDGE)}
        rms = {k: data.ratings_of(con, units, k) for k in data.rater_ids(con, data.REWARD_MODEL)}
    table = analysis.gaps_rows(h, judges, rms, units, boot)
    write_gaps(
        table,
        csv,
        md,
        title="Stage 3 rows of the gaps summary (LLM judges and reward models vs humans)",
        data_kind=kind,
        notes=[
            "Intervals from the joint bootstrap replicates (same resamples for every "
            "statistic). The Spearman rows are like-for-like: each system against the mean of 2 "
            "humans, minus the held-out human against the same mean, averaged over the 3 "
            "held-out humans and the systems (a mean of 3 raters against single raters would "
            "favour the system by about +0.1). "
            + CLUSTER_NOTE
            + " "
            + _boot_note(boot)
            + _dropped(table, "comparison", boot)
        ],
    )
