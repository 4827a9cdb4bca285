"""Figures of Stage 3 (altair). Imported only by plotting jobs; they read the tables the
compute jobs wrote, so restyling a figure never reruns a bootstrap."""

from __future__ import annotations

import altair as alt
import polars as pl

from recenter.charts import in_words, kind_color

NEUTRAL = 3.0
CI = "95% cluster-bootstrap CI over users"


def _data(df: pl.DataFrame) -> alt.Data:
    return alt.Data(values=df.to_dicts())


def _pct(col: pl.Expr) -> pl.Expr:
    """A share as a percentage with one decimal (text); an undefined share as '–'."""
    return (col.cast(pl.Float64) * 100).round(1).cast(pl.String).fill_null("–")


def _n(n: int, one: str) -> str:
    return f"{n} {one}" + ("" if n == 1 else "s")


def _rule(value: float, axis: str = "x") -> alt.Chart:
    enc = {axis: alt.datum(value)}
    return alt.Chart(alt.Data(values=[{}])).mark_rule(strokeDash=[4, 3], color="#555").encode(**enc)


def human_ratings_chart(table: pl.DataFrame) -> alt.TopLevelMixin:
    """Fig 5: mean human rating per generator and overall with intervals, on the 1–5 scale of
    the ratings with 3 ('no difference' between personalized and generic) dashed; beside it,
    the share of units rated no better than generic (≤ 3) with its interval."""
    df = table.with_columns(
        (pl.col("generator") == "all generators").alias("overall"),
        pl.format(
            "{}%  [{}, {}]",
            *(
                _pct(pl.col(c))
                for c in ("no_better_share", "no_better_ci_low", "no_better_ci_high")
            ),
        ).alias("no_better_label"),
    )
    order = df["generator"].to_list()
    y = alt.Y("generator:N", sort=order, title=None)
    # the ratings' own scale, its five points as ticks; an interval reaching past it (a
    # degenerate study's few clusters) is cut at the scale's end rather than widening it
    x_scale = alt.Scale(domain=[1, 5], nice=False)
    x_axis = alt.Axis(
        values=[1, 2, 3, 4, 5],
        format="d",
        labelExpr="datum.value == 3 ? '3 = no difference' : datum.label",
    )
    x_title = "mean human rating on the 1–5 scale"
    x = alt.X("mean_rating:Q", scale=x_scale, axis=x_axis, title=x_title)
    base = alt.Chart(_data(df))
    points = base.mark_point(filled=True, size=80, clip=True).encode(
        y=y,
        x=x,
        color=alt.condition("datum.overall", alt.value("#d62728"), alt.value("#1f77b4")),
        tooltip=[
            "generator:N",
            alt.Tooltip("mean_rating:Q", format=".3f"),
            alt.Tooltip("no_better_share:Q", format=".1%"),
            "n_units:Q",
        ],
    )
    errs = base.mark_rule(strokeWidth=2, clip=True).encode(
        y=y, x=alt.X("ci_low:Q", scale=x_scale, axis=x_axis, title=x_title), x2="ci_high:Q"
    )
    neutral = _rule(NEUTRAL).encode(x=alt.datum(NEUTRAL, scale=x_scale))
    dots = alt.layer(neutral, errs, points).properties(width=380)
    shares = (
        base.mark_text(align="left", fontSize=11)
        .encode(
            y=alt.Y("generator:N", sort=order, axis=None),
            x=alt.value(0),
            text="no_better_label:N",
        )
        .properties(
            width=170,
            view=alt.ViewConfig(stroke=None),
            title=alt.TitleParams("rated no better than generic (≤ 3)", fontSize=11),
        )
    )
    title = [f"Fig 5: mean human rating per generator ({CI})"]
    # the reason stated only where it is the reason: fewer than 2 users to resample
    few = df.filter(pl.col("ci_low").is_null() & (pl.col("n_clusters") < 2))
    if few.height:
        title.append(
            "no interval for "
            + ", ".join(
                f"{g} ({_n(k, 'user')})"
                for g, k in few.select("generator", "n_clusters").iter_rows()
            )
            + ": a cluster bootstrap needs at least 2 users"
        )
    if df.filter(pl.col("ci_low").is_null() & (pl.col("n_clusters") >= 2)).height:
        title.append("an interval left out is undefined in the table (see its notes)")
    return alt.hconcat(dots, shares, spacing=12).properties(title=title)


def judges_chart(table: pl.DataFrame) -> alt.TopLevelMixin:
    """Table 6 as a figure: each judge's mean rating next to the humans' mean on the same
    units, with intervals, its Spearman rho with the mean human rating, and the like-for-like
    gap (rho with the mean of the other humans, judge minus held-out human; 0 = as close to
    the humans as a human is)."""
    rows = []
    for r in table.iter_rows(named=True):
        rows.append(
            {
                "system": r["system"],
                "rater": "judge",
                "value": r["mean_rating"],
                "ci_low": r["mean_ci_low"],
                "ci_high": r["mean_ci_high"],
                "panel": "mean rating (1–5)",
            }
        )
        rows.append(
            {
                "system": r["system"],
                "rater": "humans, same units",
                "value": r["human_mean_same_units"],
                "ci_low": r.get("human_mean_ci_low"),
                "ci_high": r.get("human_mean_ci_high"),
                "panel": "mean rating (1–5)",
            }
        )
        rows.append(
            {
                "system": r["system"],
                "rater": "judge",
                "value": r["spearman"],
                "ci_low": r["spearman_ci_low"],
                "ci_high": r["spearman_ci_high"],
                "panel": "Spearman ρ with mean human rating",
            }
        )
        rows.append(
            {
                "system": r["system"],
                "rater": "judge",
                "value": r.get("spearman_gap_like_for_like"),
                "ci_low": r.get("spearman_gap_ci_low"),
                "ci_high": r.get("spearman_gap_ci_high"),
                "panel": "like-for-like ρ gap: judge − held-out human (0 = human-like)",
            }
        )
    y = alt.Y("system:N", sort=table["system"].to_list(), title=None)
    base = alt.Chart()
    points = base.mark_point(filled=True, size=60).encode(
        y=y,
        # padded: a point at the extent of a panel's values no longer sits on its edge
        x=alt.X("value:Q", title=None, scale=alt.Scale(zero=False, nice=False, padding=16)),
        color=alt.Color("rater:N", title=None),
        tooltip=["system:N", "rater:N", alt.Tooltip("value:Q", format=".3f")],
    )
    # judge and humans on their own line of a row: their intervals often touch
    offset = alt.YOffset("rater:N", sort=["judge", "humans, same units"])
    errs = base.mark_rule(strokeWidth=2).encode(
        y=y,
        yOffset=offset,
        x=alt.X("ci_low:Q", title=None),
        x2="ci_high:Q",
        color=alt.Color("rater:N", title=None),
    )
    return (
        alt.layer(errs, points.encode(yOffset=offset), data=alt.Data(values=rows))
        .properties(width=240)
        .facet(column=alt.Column("panel:N", title=None))
        .resolve_scale(x="independent")
        .properties(
            title=[
                f"Table 6: LLM judges vs human ratings ({CI})",
                "humans, same units: the humans' mean rating on the units the judge rated, its "
                "interval from the same resampled users as the judge's",
            ]
        )
    )


def mention_gap_chart(table: pl.DataFrame) -> alt.TopLevelMixin:
    """Fig 6: Δ = mean(mention) − mean(no mention) for humans and every judge; raters whose Δ
    is undefined are listed with their reason instead of a bar."""
    order = table["rater"].to_list()
    df = table.with_columns(
        in_words("kind"),
        pl.lit(0.0).alias("zero"),
        pl.when(pl.col("delta").is_null()).then(pl.col("note")).otherwise(None).alias("missing"),
    )
    y = alt.Y("rater:N", sort=order, title=None)
    base = alt.Chart(_data(df))
    bars = base.mark_bar().encode(
        y=y,
        x=alt.X("delta:Q", title="Δ rating: explicit mention − no mention"),
        color=kind_color(table["kind"].to_list(), "rater"),
        tooltip=[
            "rater:N",
            alt.Tooltip("delta:Q", format=".3f"),
            alt.Tooltip("p_gee:Q", format=".3g", title="p (GEE, clustered by user)"),
            "n_mention:Q",
            "n_no_mention:Q",
        ],
    )
    x_title = "Δ rating: explicit mention − no mention"
    errs = base.mark_rule(strokeWidth=2).encode(
        y=y, x=alt.X("ci_low:Q", title=x_title), x2="ci_high:Q"
    )
    text = (
        base.transform_filter("datum.missing != null")
        .mark_text(align="left", dx=4)
        .encode(y=y, x=alt.X("zero:Q", title=x_title), text="missing:N")
    )
    return alt.layer(_rule(0.0), bars, errs, text).properties(
        title=f"Fig 6: rating gap when the response names the attribute ({CI})", width=420
    )


def mention_vs_penalty_chart(table: pl.DataFrame) -> alt.TopLevelMixin:
    """Fig 7: each model's explicit-mention rate as generator (x) against its Δ as judge (y);
    the title carries Spearman's rho (the effect) and the p of the test, the exact permutation
    test of Pearson's r over the models (``rank_correlation_summary``)."""
    summary = table.filter(pl.col("mention_rate").is_null() & pl.col("spearman").is_not_null())
    models = table.filter(pl.col("in_correlation").fill_null(False))
    if summary.height:
        s = summary.row(0, named=True)
        sub = (
            f"Spearman ρ = {s['spearman']:.2f} over {s['n_units']} models; Pearson r = "
            f"{s['pearson']:.2f}, exact permutation p = {s['p_permutation_pearson']:.3g}"
        )
    else:
        note = table.filter(pl.col("mention_rate").is_null())["note"]
        sub = "Spearman ρ: " + (note[0] if note.len() and note[0] else "undefined")
    base = alt.Chart(_data(models))
    x_title = "explicit-mention rate as generator (Korn–Graubard CI, clustered by user)"
    y_title = "Δ as judge: mention − no mention (bootstrap CI)"
    x_axis = alt.Axis(labelFlush=False)  # flush end labels collided with their neighbours
    x = alt.X("mention_rate:Q", title=x_title, axis=x_axis)
    yy = alt.Y("judge_delta:Q", title=y_title)
    points = base.mark_point(filled=True, size=80).encode(
        x=x,
        y=yy,
        tooltip=[
            "model:N",
            alt.Tooltip("mention_rate:Q", format=".3f"),
            alt.Tooltip("judge_delta:Q", format=".3f"),
        ],
    )
    xerr = base.mark_rule().encode(
        x=alt.X("ci_low:Q", title=x_title, axis=x_axis), x2="ci_high:Q", y=yy
    )
    yerr = base.mark_rule().encode(
        y=alt.Y("judge_delta_ci_low:Q", title=y_title), y2="judge_delta_ci_high:Q", x=x
    )
    placed = _place_labels(models, FIG7_SIZE)
    # one pair of text layers per offset used (an offset is a mark property, not a channel);
    # a white outline under each label keeps it readable where an interval line crosses it
    labels = []
    for dy in sorted(set(placed["label_dy"].to_list())):
        at = alt.Chart(_data(placed.filter(pl.col("label_dy") == dy))).encode(
            x=x, y=yy, text="model:N"
        )
        style = {"align": "left", "dx": LABEL_DX, "dy": dy, "fontSize": 10}
        labels.append(at.mark_text(**style, stroke="white", strokeWidth=4, opacity=0.9))
        labels.append(at.mark_text(**style))
    return alt.layer(_rule(0.0, "y"), xerr, yerr, points, *labels).properties(
        title=["Fig 7: explicit-mention rate as generator vs mention gap as judge", sub],
        width=FIG7_SIZE[0],
        height=FIG7_SIZE[1],
    )


FIG7_SIZE = (420, 300)
LABEL_DX = 7
#: Vertical label offsets (pixels from the point) tried in order: above, below, further out.
LABEL_DYS = (-9, 11, -22, 24, -35, 37)


def label_boxes(frame: pl.DataFrame, size: tuple[int, int]) -> list[tuple[float, ...]]:
    """Approximate pixel box (left, top, right, bottom) of each point's label: positions from
    the data's extent on a plot of ``size`` (the chart's scales span the intervals too, so
    this errs towards finding overlaps), 6 px per character of 10-point text."""
    xs = frame["ci_low"].to_list() + frame["ci_high"].to_list() + frame["mention_rate"].to_list()
    ys = (
        frame["judge_delta_ci_low"].to_list()
        + frame["judge_delta_ci_high"].to_list()
        + frame["judge_delta"].to_list()
    )
    xs, ys = [v for v in xs if v is not None], [v for v in ys if v is not None]
    x0, x1 = min(xs, default=0.0), max(xs, default=1.0)
    y0, y1 = min(ys, default=0.0), max(ys, default=1.0)
    boxes: list[tuple[float, ...]] = []
    for r in frame.iter_rows(named=True):
        px = (r["mention_rate"] - x0) / ((x1 - x0) or 1.0) * size[0] + LABEL_DX
        py = (y1 - r["judge_delta"]) / ((y1 - y0) or 1.0) * size[1] + r.get("label_dy", 0)
        boxes.append((px, py - 6, px + 6 * len(r["model"]), py + 6))
    return boxes


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_labels(models: pl.DataFrame, size: tuple[int, int]) -> pl.DataFrame:
    """``models`` with ``label_dy``: for each label in turn (by model name, so the same data
    give the same placement), the first offset of LABEL_DYS whose box overlaps no label placed
    before it (the last offset if every one does)."""
    models = models.drop_nulls(["mention_rate", "judge_delta"]).sort("model")
    chosen: list[int] = []
    for i in range(models.height):
        for dy in LABEL_DYS:
            trial = [*chosen, dy] + [0] * (models.height - i - 1)
            boxes = label_boxes(models.with_columns(label_dy=pl.Series(trial)), size)
            if not any(_overlap(boxes[i], b) for b in boxes[:i]):
                break
        chosen.append(dy)
    return models.with_columns(pl.Series("label_dy", chosen, dtype=pl.Int64))
