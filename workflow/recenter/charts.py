"""Chart pieces shared by the stages (altair; imported only by plotting jobs)."""

from __future__ import annotations

from functools import cache
from importlib import resources

import altair as alt
import polars as pl

#: The one font of every figure: Roboto, shipped by the PyPI package ``font-roboto`` (pinned in
#: requirements.lock) and registered with vl-convert, so that a figure's PNG bytes do not
#: depend on the machine's fonts (a generic family such as "sans-serif" resolves to whatever
#: the system has: adding Debian's fonts-liberation changed every PNG). Roboto covers the
#: Greek and mathematical characters of the figures (κ, ρ, Δ, −, ≤, ·); Lato, used before,
#: lacks the Greek ones, which then fell back to a system font and changed with it.
FONT = "Roboto"


def font_directory() -> str:
    """Absolute path of the folder of the project's font files (in the font-roboto package)."""
    return str(resources.files("font_roboto").joinpath("files"))


@cache
def register_font() -> str:
    """Register :func:`font_directory` with vl-convert (once per process); returns FONT."""
    import vl_convert as vlc

    vlc.register_font_directory(font_directory())
    return FONT


def apply_font(spec: dict) -> dict:
    """Set the project's font as the default of every text (marks, axes, legends, titles) of
    a Vega-Lite spec, replacing whatever the chart named."""
    config = spec.setdefault("config", {})
    config["font"] = FONT
    return spec


#: The words a figure shows for the ids of the tables (kinds of rater or system, metrics,
#: failure-mode categories): the one mapping every figure uses, so that no legend, axis or
#: panel shows a raw id such as ``llm_judge``. An id not listed is shown as it is (rater and
#: model names, dataset names).
WORDS = {
    "human": "human annotator",
    "llm": "LLM",
    "llm_judge": "LLM judge",
    "reward_model": "reward model",
    "consensus": "human consensus",
    "baseline": "text baseline",
    "trained": "trained classifier",
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
    "overgeneralization": "overgeneralization",
    "missing_evidence": "missing evidence",
    "task_context_confusion": "task-context confusion",
    "not_standalone": "not standalone",
    "other": "other",
    "wildchat": "WildChat",
    "cupid": "CUPID",
    "prefeval": "PrefEval",
    "personalens": "PersonaLens",
}


def words(value: str | None) -> str | None:
    """The words a figure shows for the id ``value`` (:data:`WORDS`; other values unchanged)."""
    return WORDS.get(value, value) if value is not None else None


def in_words(column: str) -> pl.Expr:
    """Polars expression: the column's ids replaced by their :data:`WORDS` (same name)."""
    return pl.col(column).replace(WORDS)


#: One colour per kind of rater or system (keyed by id), the same in every figure.
KIND_COLORS = {
    "human": "#1f77b4",
    "llm": "#d62728",
    "llm_judge": "#d62728",
    "reward_model": "#8c564b",
    "consensus": "#2ca02c",
    "baseline": "#7f7f7f",
    "trained": "#9467bd",
}


def kind_color(kinds, title: str = "rater kind", field: str = "kind") -> alt.Color:
    """Colour encoding of ``field``, which holds the kinds in words (:func:`words`), restricted
    to the kinds present (``kinds``: ids or words)."""
    shown = {words(k) for k in kinds}
    present = [k for k in KIND_COLORS if words(k) in shown]
    return alt.Color(
        f"{field}:N",
        scale=alt.Scale(
            domain=[words(k) for k in present], range=[KIND_COLORS[k] for k in present]
        ),
        title=title,
    )


def prf_chart(table: pl.DataFrame, *, title: str, legend_title: str) -> alt.TopLevelMixin:
    """Precision, recall and F1 (columns ``<m>``, ``<m>_ci_low``, ``<m>_ci_high``) of every
    ``system`` of ``table``, one panel per metric, points coloured by ``kind``, with intervals."""
    metrics = ("precision", "recall", "f1")
    rows = []
    for r in table.iter_rows(named=True):
        for m in metrics:
            rows.append(
                {
                    "system": r["system"],
                    "kind": words(r["kind"]),
                    "metric": words(m),
                    "value": r[m],
                    "ci_low": r[f"{m}_ci_low"],
                    "ci_high": r[f"{m}_ci_high"],
                    "n": r["n"],
                }
            )
    order = table["system"].to_list()
    base = alt.Chart()
    y = alt.Y("system:N", sort=order, title=None)
    points = base.mark_point(filled=True, size=60).encode(
        y=y,
        x=alt.X("value:Q", scale=alt.Scale(domain=[0, 1]), title=None),
        color=kind_color(table["kind"].to_list(), legend_title),
        tooltip=["system:N", "metric:N", alt.Tooltip("value:Q", format=".3f"), "n:Q"],
    )
    errs = base.mark_errorbar(ticks=True).encode(
        y=y, x=alt.X("ci_low:Q", title=None), x2="ci_high:Q"
    )
    return (
        alt.layer(points, errs, data=alt.Data(values=rows))
        .properties(width=200)
        .facet(column=alt.Column("metric:N", sort=[WORDS.get(m, m) for m in metrics], title=None))
        .properties(title=title)
    )


def interval_tooltip(estimate: str) -> list[alt.Tooltip]:
    """Tooltip entries of an estimate and its interval (``ci_low``, ``ci_high``), 3 decimals."""
    return [alt.Tooltip(f"{f}:Q", format=".3f") for f in (estimate, "ci_low", "ci_high")]
