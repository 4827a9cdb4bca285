"""Figures of Stage 2 (altair). Imported only by plotting jobs; they read the tables the
compute jobs wrote, so restyling a figure never reruns a bootstrap."""

from __future__ import annotations

import altair as alt
import polars as pl

from recenter.charts import in_words, interval_tooltip, kind_color, prf_chart, words


def relevance_rates_chart(rates: pl.DataFrame) -> alt.TopLevelMixin:
    """Share of items marked relevant per rater, with 95% bootstrap intervals; the dashed
    line is the human consensus rate."""
    df = rates.select(
        "rater", in_words("rater_kind").alias("kind"), "rate", "ci_low", "ci_high", "n"
    )
    order = df["rater"].to_list()
    cons = df.filter(pl.col("kind") == words("consensus"))["rate"]
    base = alt.Chart(alt.Data(values=df.to_dicts()))
    y = alt.Y("rater:N", sort=order, title=None)
    bars = base.mark_bar().encode(
        y=y,
        x=alt.X("rate:Q", title="share of items marked relevant", scale=alt.Scale(domain=[0, 1])),
        color=kind_color(df["kind"].to_list()),
        tooltip=["rater:N", "kind:N", alt.Tooltip("rate:Q", format=".3f"), "n:Q"],
    )
    errs = base.mark_errorbar(ticks=True).encode(
        y=y, x=alt.X("ci_low:Q", title="share of items marked relevant"), x2="ci_high:Q"
    )
    layers = [bars, errs]
    if cons.len() and cons[0] is not None:
        rule = (
            alt.Chart(alt.Data(values=[{"rate": cons[0]}]))
            .mark_rule(strokeDash=[4, 3])
            .encode(x="rate:Q")
        )
        layers.append(rule)
    return alt.layer(*layers).properties(
        title="Stage 2: relevance rate per rater (95% cluster-bootstrap CI)", width=420
    )


def kappa_heatmap(matrix: pl.DataFrame) -> alt.TopLevelMixin:
    """Fig 3: pairwise Cohen's kappa between all raters (humans first, then LLMs)."""
    order = list(dict.fromkeys(matrix["rater_a"].to_list()))
    # A column that is undefined (empty) everywhere is read back from CSV as text.
    numeric = matrix.with_columns(pl.col("kappa", "ci_low", "ci_high").cast(pl.Float64))
    df = numeric.select(
        "rater_a",
        "rater_b",
        "kappa",
        "ci_low",
        "ci_high",
        "n",
        pl.col("kappa").round(2).alias("label"),
    )
    base = alt.Chart(alt.Data(values=df.to_dicts())).encode(
        x=alt.X("rater_b:N", sort=order, title=None),
        y=alt.Y("rater_a:N", sort=order, title=None),
    )
    rect = base.mark_rect().encode(
        color=alt.Color(
            "kappa:Q", scale=alt.Scale(scheme="blues", domain=[0, 1]), title="Cohen's κ"
        ),
        tooltip=[
            "rater_a:N",
            "rater_b:N",
            *interval_tooltip("kappa"),
            "n:Q",
        ],
    )
    text = base.mark_text(fontSize=10).encode(
        text=alt.Text("label:Q", format=".2f"),
        color=alt.condition("datum.kappa > 0.6", alt.value("white"), alt.value("black")),
    )
    return (rect + text).properties(
        title="Fig 3: pairwise Cohen's κ of relevance votes",
        width=40 * len(order) + 60,
        height=40 * len(order) + 60,
    )


def relevance_prf_chart(table: pl.DataFrame) -> alt.TopLevelMixin:
    """Fig 4: precision, recall and F1 of every system against the human consensus. The
    oracle protocol's rows say on the axis that they are an upper bound, not a baseline."""
    from recenter.stage2.names import TOP_K_ORACLE

    oracle = pl.col("system").str.ends_with(f".{TOP_K_ORACLE}")
    table = table.with_columns(
        pl.when(oracle)
        .then(pl.col("system") + " (upper bound)")
        .otherwise(pl.col("system"))
        .alias("system")
    )
    return prf_chart(
        table,
        title="Fig 4: relevance votes vs human consensus (95% cluster-bootstrap CI)",
        legend_title="rater kind",
    ).configure_axisY(labelLimit=420)  # baseline names are long: never cut them
