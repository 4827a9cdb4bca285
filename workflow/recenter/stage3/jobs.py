"""Stage-3 jobs: what each Snakemake script does, as functions of paths and parameters
(the scripts only unpack ``snakemake`` and call these)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import polars as pl

from recenter.outputs import atomic_write, write_table
from recenter.stage3 import analysis, data
from recenter.stats.bootstrap import BootstrapConfig

log = logging.getLogger(__name__)


def _boot_note(boot: BootstrapConfig) -> str:
    return boot.note("response items")


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


def _humans(con):
    units = data.load_units(con)
    annotators, h = data.human_matrix(con, units)
    return units, annotators, h


def agreement_job(db: str, csv: str, md: str, boot: BootstrapConfig) -> None:
    """stage3_agreement: human inter-annotator agreement on the 1–5 ratings."""
    with data.connect(db) as con:
        kind = data.data_kind(con)
        units, annotators, h = _humans(con)
    table = analysis.agreement_table(annotators, h, units, boot)
    closest = analysis.closest_kappa_to_paper(table)
    write_table(
        table,
        csv,
        md,
        title="Stage 3: human inter-annotator agreement on preference ratings",
        data_kind=kind,
        notes=(
            "Pairs are annotator ids, each on the units (response item, attribute) both rated "
            "(`n_units`); the group rows average the pairs whose statistic is defined, and "
            "their interval averages the pairs on every replicate. Spearman's ρ is "
            "tie-corrected (mid-ranks). Weighted κ is Cohen's (1968) with linear |i−j|/4 or "
            "quadratic ((i−j)/4)² disagreement weights on the 1–5 scale. Krippendorff's α "
            "uses the ordinal metric (all annotators; n = units with ≥ 2 ratings). "
            "The paper reports 'weighted κ 0.310' without the weights; the simulator's "
            "population (calibrated to Spearman .325) has linear 0.21 and quadratic 0.33, so "
            "the paper's value is most likely the **quadratic** κ. In this study the "
            f"weighting closest to 0.310 is: {closest}. " + _boot_note(boot)
        ),
    )
    log.info("agreement: %s", table.head(4).to_dicts())


def human_ratings_job(db: str, csv: str, md: str, boot: BootstrapConfig) -> None:
    """fig5_human_ratings: mean human rating per generator and overall, share no better."""
    with data.connect(db) as con:
        kind = data.data_kind(con)
        units, _, h = _humans(con)
    table = analysis.human_ratings_table(h, units, boot)
    write_table(
        table,
        csv,
        md,
        title="Fig 5: mean human rating of the personalized response, per generator",
        data_kind=kind,
        notes=(
            "Rating 1–5: how much more the annotator likes the personalized response for this "
            "attribute (3 = no difference). mean_rating = mean over units of the unit's mean "
            "human rating (units with at least one rating, `n_units`). no_better_share = "
            "share of units whose mean human rating is ≤ 3 ('no better than generic'). "
            "Paper: overall mean 3.176, 54.6% no better. " + _boot_note(boot)
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
    res = analysis.judge_analysis(system, kind, rating, data.unit_mean(h), mention, units, boot)
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
            "Each judge on the units it shares with the humans (n). mean_rating: the judge's "
            "mean; human_mean_same_units: the mean human rating per unit averaged on those "
            "units; difference = mean of (judge − mean human rating) per unit. Wilcoxon "
            "signed-rank test of these paired differences (two-sided, zero differences "
            "dropped; exact null distribution for ≤ 50 non-zero differences without ties, "
            "otherwise the tie-corrected normal approximation: `wilcoxon_method`), p_holm = "
            "Holm-adjusted across the judges of this table (statsmodels multipletests). "
            "spearman: Spearman's ρ of the judge's rating with the mean human rating per "
            "unit. Paper (mean / ρ): Claude 3.428/.362, GPT-5.4 3.523/.312, Llama-3.3-70B "
            "4.019/.376, Qwen3.5-27B 3.487/.182, Gemma-4-31B 3.409/.111; every judge "
            "significantly above humans. Units are not independent within a response item: "
            "the Wilcoxon p treats them as independent, the intervals do not. " + _boot_note(boot)
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
            "on the units both have (n). Paper: all ≈ 0.3. " + _boot_note(boot)
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
            "as a mention if any flagged it). Humans: the mean human rating per unit. Test: "
            "two-sided Mann–Whitney U (scipy) of the two groups of units, which treats units "
            "as independent (the interval resamples response items); p_holm: Holm across the "
            "LLM judges. An empty group leaves Δ empty with the reason in `note`. Paper: "
            "humans +0.03, GPT-5.4 −0.07, Claude −0.39 (the only significant penalty), "
            "open-weight judges positive. " + _boot_note(boot)
        ),
    )


def mention_vs_penalty_job(db: str, gap_csv: str, csv: str, md: str, boot) -> None:
    """fig7_mention_vs_penalty: mention rate as generator vs Δ as judge, per model."""
    with data.connect(db) as con:
        kind = data.data_kind(con)
        units = data.load_units(con)
        mention, _ = data.mention_vector(con, units)
    rates = analysis.mention_rates(mention, units, boot)
    gaps = pl.read_csv(gap_csv).drop("data_kind")
    table, summary = analysis.mention_vs_penalty(rates, gaps)
    summary_row = pl.DataFrame(
        [
            {
                "model": "Spearman over models with in_correlation",
                "n_units": summary["n_models"],
                "note": summary["note"],
                "spearman": summary["spearman"],
                "p_exact_permutation": summary["p_exact_permutation"],
                "p_exact_one_sided": summary["p_exact_one_sided"],
                "p_asymptotic": summary["p_asymptotic"],
                "permutation": summary["permutation"],
            }
        ],
        schema={
            "model": pl.String,
            "n_units": pl.Int64,
            "note": pl.String,
            "spearman": pl.Float64,
            "p_exact_permutation": pl.Float64,
            "p_exact_one_sided": pl.Float64,
            "p_asymptotic": pl.Float64,
            "permutation": pl.String,
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
            "(ci_*: cluster bootstrap; exact_ci_*: Clopper–Pearson, units independent). "
            "y: the same model's Δ as a judge (Fig 6). The last row is Spearman's ρ over the "
            "models that are both (in_correlation): p_exact_permutation from "
            "scipy.stats.permutation_test over all n! pairings (two-sided; exact for ≤ 8 "
            "models; p_exact_one_sided: for a positive association), p_asymptotic from "
            "scipy.stats.spearmanr (t approximation, unreliable for n = 5). Paper: r = 0.90, "
            "p = 0.04 over 5 models; with 5 models r = 0.90 has exact two-sided p = 0.083, "
            "one-sided 0.042 and asymptotic two-sided 0.037, so the paper's p is one of the "
            "last two. Claude mentions attributes in 5% of its responses. " + _boot_note(boot)
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
    write_table(
        table,
        csv,
        md,
        title="Stage 3 rows of the gaps summary (LLM judges and reward models vs humans)",
        data_kind=kind,
        notes="Intervals from the joint bootstrap replicates (same resamples for every "
        "statistic). " + _boot_note(boot),
    )


def plot_job(chart: str, tables: list[str], stem: str) -> None:
    """Render one Stage-3 figure from its table(s)."""
    from recenter.outputs import save_chart
    from recenter.stage3 import plots

    frames = [pl.read_csv(t) for t in tables]
    kind = frames[0]["data_kind"][0]
    frames = [f.drop("data_kind") for f in frames]
    charts = {
        "fig5_human_ratings": plots.human_ratings_chart,
        "tab6_judges": plots.judges_chart,
        "fig6_mention_gap": plots.mention_gap_chart,
        "fig7_mention_vs_penalty": plots.mention_vs_penalty_chart,
    }
    if chart not in charts:
        raise ValueError(f"unknown Stage-3 chart {chart!r}")
    Path(stem).parent.mkdir(parents=True, exist_ok=True)
    save_chart(charts[chart](*frames), stem, data_kind=kind)
