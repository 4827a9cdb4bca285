"""Figures of the verdict layer (altair): the gaps-summary forest plot and Fig 1, the pipeline
schematic with the study's counts. Imported only by plotting jobs."""

from __future__ import annotations

import altair as alt
import polars as pl

from recenter.charts import interval_tooltip

PAPER_COLOR = "#d62728"
OURS_COLOR = "#1f77b4"

_STAGE_SHORT = {"1": "Stage 1", "2": "Stage 2", "3": "Stage 3"}


def _label(stage: str, comparison: str) -> str:
    return f"{_STAGE_SHORT.get(stage[:1], stage)} · {comparison}"


_NUMERIC = ("estimate", "ci_low", "ci_high", "paper_low", "paper_high")


def gaps_forest_chart(table: pl.DataFrame, confidence: float) -> alt.TopLevelMixin:
    """Every gap of the study with its interval (blue) and the paper's value (red diamond, or
    a red bar over the paper's range); differences and ratios in separate panels, each with
    its line of no gap (0 or 1)."""
    level = f"{confidence:.0%}"
    # a numeric column that is empty in every row reads back from the CSV as text
    numeric = [c for c in _NUMERIC if c in table.columns]
    table = table.with_columns(pl.col(numeric).cast(pl.Float64))
    df = table.with_columns(
        pl.struct("stage", "comparison", "estimate")
        .map_elements(
            lambda r: (
                _label(r["stage"], r["comparison"])
                + (" (undefined on this study)" if r["estimate"] is None else "")
            ),
            return_dtype=pl.String,
        )
        .alias("label"),
        pl.when(pl.col("statistic") == "ratio")
        .then(pl.lit("ratio (1 = no gap)"))
        .otherwise(pl.lit("difference (0 = no gap)"))
        .alias("panel"),
        ((pl.col("paper_low") + pl.col("paper_high")) / 2).alias("paper_mid"),
        ((pl.col("paper_high") - pl.col("paper_low")) > 0.02).alias("paper_is_range"),
    )
    panels = []
    for panel, ref in (("difference (0 = no gap)", 0.0), ("ratio (1 = no gap)", 1.0)):
        part = df.filter(pl.col("panel") == panel)
        if part.height == 0:
            continue
        order = part["label"].to_list()
        data = alt.Data(values=part.to_dicts())
        y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=520))
        x_title = f"{panel}: our estimate with {level} interval; paper in red"
        base = alt.Chart(data)
        rule = (
            alt.Chart(alt.Data(values=[{"ref": ref}]))
            .mark_rule(strokeDash=[4, 3], color="#555")
            .encode(x="ref:Q")
        )
        errs = base.mark_rule(strokeWidth=2, color=OURS_COLOR).encode(
            y=y, x=alt.X("ci_low:Q", title=x_title), x2="ci_high:Q"
        )
        points = base.mark_point(filled=True, size=70, color=OURS_COLOR).encode(
            y=y,
            x="estimate:Q",
            tooltip=[
                "label:N",
                *interval_tooltip("estimate"),
                "paper_value:N",
            ],
        )
        paper_range = (
            base.transform_filter("datum.paper_is_range")
            .mark_rule(strokeWidth=6, opacity=0.35, color=PAPER_COLOR)
            .encode(y=y, x="paper_low:Q", x2="paper_high:Q")
        )
        paper_point = (
            base.transform_filter("datum.paper_mid != null && !datum.paper_is_range")
            .mark_point(shape="diamond", size=90, color=PAPER_COLOR, strokeWidth=2)
            .encode(y=y, x="paper_mid:Q")
        )
        panels.append(
            alt.layer(rule, paper_range, errs, points, paper_point).properties(
                width=380, title=panel
            )
        )
    return alt.vconcat(*panels).properties(
        title=f"Gaps summary: every synthetic-vs-human and LLM-vs-human gap ({level} intervals)"
    )


# ---- Fig 1 -----------------------------------------------------------------------------------
def _fmt(n: int) -> str:
    return f"{n:,}"


def _n(n: int, one: str, many: str | None = None) -> str:
    """'1 annotator', '3 annotators'."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def pipeline_boxes(counts: dict[str, int]) -> list[dict]:
    """The three boxes of Fig 1 with the study's counts (recenter.claims.study_counts)."""
    c = counts
    return [
        {
            "stage": "Stage 1: attribute extraction",
            "lines": [
                f"{_fmt(c['users'])} users ({_fmt(c['users_real'])} real)",
                f"{_fmt(c['conversations'])} conversations",
                f"{_fmt(c['attributes'])} attributes",
                f"{_fmt(c['s1_judgments'])} human judgments",
                f"{_n(c['s1_annotators'], 'annotator')}, {_n(c['s1_verifiers'], 'verifier')}",
            ],
            "question": "Can this attribute be inferred?",
        },
        {
            "stage": "Stage 2: relevance matching",
            "lines": [
                f"{_fmt(c['s2_prompts'])} prompts, {_fmt(c['s2_pairs'])} user-prompt pairs",
                f"{_fmt(c['s2_items'])} (attribute, pair) items",
                f"{_fmt(c['s2_judgments'])} human judgments",
                f"{_n(c['s2_annotators'], 'annotator')}, {_n(c['s2_llms'], 'LLM rater')}",
            ],
            "question": "Should it change the answer?",
        },
        {
            "stage": "Stage 3: response generation",
            "lines": [
                f"{_fmt(c['s3_items'])} response items, {_fmt(c['s3_units'])} units",
                f"{_fmt(c['s3_judgments'])} human ratings (1–5)",
                f"{_n(c['s3_annotators'], 'annotator')}, {_n(c['s3_generators'], 'generator')}",
                f"{_n(c['s3_judges'], 'LLM judge')}, {_n(c['s3_reward_models'], 'reward model')}",
            ],
            "question": "Is the personalized answer better?",
        },
    ]


def pipeline_chart(counts: dict[str, int], study: str) -> alt.TopLevelMixin:
    """Fig 1: the three stages as boxes joined by arrows, each with this study's counts."""
    boxes = pipeline_boxes(counts)
    width, gap, height = 250.0, 50.0, 170.0
    rects, texts, arrows = [], [], []
    for i, box in enumerate(boxes):
        x0 = i * (width + gap)
        rects.append({"x": x0, "x2": x0 + width, "y": 0.0, "y2": height})
        texts.append({"x": x0 + 10, "y": height - 18, "text": box["stage"], "weight": "bold"})
        texts.append({"x": x0 + 10, "y": height - 40, "text": box["question"], "weight": "italic"})
        for k, line in enumerate(box["lines"]):
            texts.append(
                {"x": x0 + 10, "y": height - 66 - 20 * k, "text": line, "weight": "normal"}
            )
        if i < len(boxes) - 1:
            arrows.append({"x": x0 + width + 4, "x2": x0 + width + gap - 10, "y": height / 2})
    total = counts["judgments_total"]
    span = len(boxes) * width + (len(boxes) - 1) * gap
    x = alt.X("x:Q", scale=alt.Scale(domain=[0, span]), axis=None)
    y = alt.Y("y:Q", scale=alt.Scale(domain=[-30, height + 5]), axis=None)
    rect = (
        alt.Chart(alt.Data(values=rects))
        .mark_rect(fill="#f4f6fb", stroke="#1f77b4", strokeWidth=1.5, cornerRadius=6)
        .encode(x=x, x2="x2:Q", y=y, y2="y2:Q")
    )

    def text_layer(weight: str, size: int) -> alt.Chart:
        return (
            alt.Chart(alt.Data(values=[t for t in texts if t["weight"] == weight]))
            .mark_text(
                align="left",
                baseline="middle",
                fontSize=size,
                fontWeight="bold" if weight == "bold" else "normal",
                fontStyle="italic" if weight == "italic" else "normal",
            )
            .encode(x=x, y=y, text="text:N")
        )

    shaft = (
        alt.Chart(alt.Data(values=arrows))
        .mark_rule(strokeWidth=2.5, color="#555")
        .encode(x=x, x2="x2:Q", y=y)
    )
    head = (
        alt.Chart(alt.Data(values=arrows))
        .mark_point(shape="triangle-right", filled=True, size=160, color="#555", opacity=1)
        .encode(x=alt.X("x2:Q", scale=alt.Scale(domain=[0, span]), axis=None), y=y)
    )
    footer = (
        alt.Chart(
            alt.Data(
                values=[
                    {
                        "x": 0,
                        "y": -18,
                        "text": f"study {study}: {_fmt(total)} human judgments in all "
                        "(counts read from the study database)",
                    }
                ]
            )
        )
        .mark_text(align="left", fontSize=11, color="#333")
        .encode(x=x, y=y, text="text:N")
    )
    return (
        alt.layer(
            rect,
            shaft,
            head,
            text_layer("bold", 13),
            text_layer("italic", 11),
            text_layer("normal", 11),
            footer,
        )
        .properties(
            width=span, height=220, title="Fig 1: the three-stage pipeline with this study's counts"
        )
        .configure_view(stroke=None)
    )


def fig1_chart(*, db: str, study: str) -> alt.TopLevelMixin:
    """Fig 1 with the counts of the study database ``db`` (recenter.figures draws it)."""
    import duckdb

    from recenter.claims import study_counts

    with duckdb.connect(str(db), read_only=True) as con:
        counts = study_counts(con)
    return pipeline_chart(counts, study)
