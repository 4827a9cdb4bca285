"""Figures of Stage 1 (altair). Imported only by plotting jobs; they read the tables the compute
jobs wrote, so restyling a figure never reruns a bootstrap."""

from __future__ import annotations

import altair as alt
import polars as pl

from recenter.charts import in_words, interval_tooltip, prf_chart

LABEL_COLORS = {"accepted": "#2ca02c", "uncertain": "#ff7f0e", "rejected": "#d62728"}


def attribute_quality_chart(table: pl.DataFrame) -> alt.TopLevelMixin:
    """Fig 2: stacked shares accepted / uncertain / rejected per group (datasets, then pooled
    real / synthetic / all), and the problematic share with its 95% interval as a point."""
    groups = table.filter(pl.col("group_kind") != "difference")
    order = list(dict.fromkeys(groups["group"].to_list()))
    labels = list(LABEL_COLORS)
    stacked = groups.filter(pl.col("label").is_in(labels)).with_columns(
        pl.col("label").replace_strict({k: i for i, k in enumerate(labels)}).alias("order")
    )
    y = alt.Y("group:N", sort=order, title=None)
    bars = (
        alt.Chart(alt.Data(values=stacked.to_dicts()))
        .mark_bar()
        .encode(
            y=y,
            x=alt.X(
                "share:Q", stack="zero", title="share of judgments", scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color(
                "label:N",
                scale=alt.Scale(domain=labels, range=list(LABEL_COLORS.values())),
                title="label",
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                "group:N",
                "label:N",
                *interval_tooltip("share"),
                "n:Q",
                "n_judgments:Q",
            ],
        )
    )
    prob = groups.filter(pl.col("label") == "problematic").with_columns(
        (1 - pl.col("share")).alias("accepted_edge"),
        (1 - pl.col("ci_low")).alias("edge_high"),
        (1 - pl.col("ci_high")).alias("edge_low"),
    )
    # the accepted/non-accepted boundary sits at 1 - problematic share: its interval
    errs = (
        alt.Chart(alt.Data(values=prob.to_dicts()))
        .mark_errorbar(ticks=True, color="black")
        .encode(y=y, x=alt.X("edge_low:Q", title="share of judgments"), x2="edge_high:Q")
    )
    gap = table.filter(pl.col("group_kind") == "difference")
    title = "Fig 2: attribute quality by source dataset (95% cluster-bootstrap CI, users)"
    if gap.height and gap["share"][0] is not None:
        title += f"; problematic gap real - synthetic {gap['share'][0]:+.3f}"
    return alt.layer(bars, errs).properties(title=title, width=420)


def failure_modes_chart(table: pl.DataFrame) -> alt.TopLevelMixin:
    """Share of each failure-mode category among categorised attributes, with intervals."""
    table = table.with_columns(in_words("category"))
    # largest share first; ties by name, so the spec is the same bytes run to run
    order = (
        table.group_by("category")
        .agg(pl.col("share").max())
        .sort(["share", "category"], descending=[True, False], nulls_last=True)["category"]
        .to_list()
    )
    base = alt.Chart(alt.Data(values=table.to_dicts()))
    y = alt.Y("category:N", sort=order, title=None)
    # one title for both layers: the interval layer's own default title ("ci_low") would be
    # joined to the bars' one
    x_title = "share of categorised attributes"
    bars = base.mark_bar(color="#4c78a8").encode(
        y=y,
        x=alt.X("share:Q", title=x_title, scale=alt.Scale(domain=[0, 1])),
        tooltip=[
            "labeler:N",
            "category:N",
            alt.Tooltip("share:Q", format=".3f"),
            "n:Q",
            "n_labelled:Q",
        ],
    )
    errs = base.mark_errorbar(ticks=True).encode(
        y=y, x=alt.X("ci_low:Q", title=x_title), x2="ci_high:Q"
    )
    chart = alt.layer(bars, errs).properties(width=380)
    if table["labeler"].n_unique() > 1:
        chart = chart.facet(row=alt.Row("labeler:N", title="labelled by"))
    return chart.properties(title="Failure modes of flagged attributes (95% CI, users)")


def verifier_prf_chart(table: pl.DataFrame) -> alt.TopLevelMixin:
    """Table 2 as a figure: precision, recall and F1 of every verifier with intervals."""
    return prf_chart(
        table,
        title="Table 2: verifiers vs human 'problematic' label (95% cluster-bootstrap CI)",
        legend_title="verifier kind",
    )
