"""Figures of Stage 1 (altair). Imported only by plotting jobs; they read the tables the compute
jobs wrote, so restyling a figure never reruns a bootstrap."""

from __future__ import annotations

import altair as alt
import polars as pl

from recenter.charts import in_words, interval_tooltip, prf_chart

LABEL_COLORS = {"accepted": "#2ca02c", "uncertain": "#ff7f0e", "rejected": "#d62728"}
PROBLEMATIC_COLOR = "#8c564b"


def _gap_line(gap: pl.DataFrame) -> str:
    """Fig 2's statement of the real-minus-synthetic gap in the problematic share."""
    if gap.height == 0 or gap["share"][0] is None:
        return "problematic gap real − synthetic: undefined on this study"
    g = gap.row(0, named=True)
    points = [100 * g[c] if g[c] is not None else None for c in ("share", "ci_low", "ci_high")]
    line = f"problematic gap real − synthetic: {points[0]:+.1f} percentage points"
    if points[1] is not None and points[2] is not None:
        line += f" [{points[1]:+.1f}, {points[2]:+.1f}]"
    else:
        line += " (no interval: too few users to resample)"
    if g.get("p_permutation") is not None:
        line += f", permutation p = {g['p_permutation']:.3g}"
    return line


def attribute_quality_chart(table: pl.DataFrame) -> alt.TopLevelMixin:
    """Fig 2: the shares accepted / uncertain / rejected and problematic (uncertain +
    rejected) per group (datasets, then pooled real / synthetic / all), one panel per label,
    each share with its 95% interval; the subtitle states the real-minus-synthetic gap in the
    problematic share with its interval."""
    groups = table.filter(pl.col("group_kind") != "difference").with_columns(
        pl.when(pl.col("group_kind") == "pooled")
        .then(pl.format("{} (pooled)", pl.col("group")))
        .otherwise(in_words("group"))
        .alias("group")
    )
    order = list(dict.fromkeys(groups["group"].to_list()))
    labels = [*LABEL_COLORS, "problematic"]
    panels = {k: k if k != "problematic" else "problematic (uncertain + rejected)" for k in labels}
    df = groups.filter(pl.col("label").is_in(labels)).with_columns(
        pl.col("label").replace_strict(panels).alias("panel")
    )
    colors = [*LABEL_COLORS.values(), PROBLEMATIC_COLOR]
    y = alt.Y("group:N", sort=order, title=None)
    x_title = "share of judgments"
    bars = (
        alt.Chart()
        .mark_bar()
        .encode(
            y=y,
            x=alt.X("share:Q", title=x_title, scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "panel:N", scale=alt.Scale(domain=list(panels.values()), range=colors), legend=None
            ),
            tooltip=["group:N", "label:N", *interval_tooltip("share"), "n:Q", "n_judgments:Q"],
        )
    )
    errs = (
        alt.Chart()
        .mark_errorbar(ticks=True, color="black")
        .encode(y=y, x=alt.X("ci_low:Q", title=x_title), x2="ci_high:Q")
    )
    gap = table.filter(pl.col("group_kind") == "difference")
    return (
        alt.layer(bars, errs, data=alt.Data(values=df.to_dicts()))
        .properties(width=170)
        .facet(column=alt.Column("panel:N", sort=list(panels.values()), title=None))
        .properties(
            title=[
                "Fig 2: attribute quality by source dataset (95% cluster-bootstrap CI, users)",
                _gap_line(gap),
            ]
        )
    )


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
