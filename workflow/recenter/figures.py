"""Every figure of the workflow, in one registry: its name (the file stem under
results/<study>/figures/, the rule ``<name>_figure`` and the caption workflow/report/<name>.rst),
the part of the paper it belongs to, the tables it is drawn from and the chart function that
draws it. workflow/rules/figures.smk makes one rule per entry and workflow/scripts/figure.py
renders any of them with :func:`plot_job`.

To add a figure: write the chart function (a polars frame per table in, an altair chart out),
add an entry here, register its paths with ``register_output`` next to its table, and write
its caption. Nothing here imports altair or polars, so the Snakefile stays quick to parse."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXTENSIONS = ("vl.json", "png", "svg")


@dataclass(frozen=True)
class Figure:
    name: str
    #: the report category (the part of the paper)
    stage: str
    #: results/<study>/tables/<table>.csv read, in the order the chart function takes them
    tables: tuple[str, ...]
    #: "module:function"; called as function(*frames, **{k: context[k] for k in needs})
    chart: str
    #: keyword arguments the chart function takes from the job's context
    #: (``db``: the study database path, ``study``, ``confidence``)
    needs: tuple[str, ...] = ()
    #: raw-file patterns whose contents the figure shows through the database (Fig 1 counts);
    #: the figure's rule lists the matching raw files so that a change of one re-draws it
    raw: tuple[str, ...] = ()

    @property
    def rule(self) -> str:
        return f"{self.name}_figure"

    @property
    def caption(self) -> str:
        return f"{self.name}.rst"

    def function(self) -> Callable[..., Any]:
        module, name = self.chart.split(":")
        return getattr(importlib.import_module(module), name)


_ALL = (
    Figure(
        "fig2_attribute_quality",
        "Stage 1",
        ("fig2_attribute_quality",),
        "recenter.stage1.plots:attribute_quality_chart",
    ),
    Figure(
        "failure_modes", "Stage 1", ("failure_modes",), "recenter.stage1.plots:failure_modes_chart"
    ),
    Figure(
        "tab2_verifiers", "Stage 1", ("tab2_verifiers",), "recenter.stage1.plots:verifier_prf_chart"
    ),
    Figure(
        "relevance_rates",
        "Stage 2",
        ("relevance_rates",),
        "recenter.stage2.plots:relevance_rates_chart",
    ),
    Figure(
        "fig3_kappa_matrix",
        "Stage 2",
        ("fig3_kappa_matrix",),
        "recenter.stage2.plots:kappa_heatmap",
    ),
    Figure(
        "fig4_relevance_prf",
        "Stage 2",
        ("tab3_relevance_alignment",),
        "recenter.stage2.plots:relevance_prf_chart",
    ),
    Figure(
        "fig5_human_ratings",
        "Stage 3",
        ("fig5_human_ratings",),
        "recenter.stage3.plots:human_ratings_chart",
    ),
    Figure("tab6_judges", "Stage 3", ("tab6_judges",), "recenter.stage3.plots:judges_chart"),
    Figure(
        "fig6_mention_gap",
        "Stage 3",
        ("fig6_mention_gap",),
        "recenter.stage3.plots:mention_gap_chart",
    ),
    Figure(
        "fig7_mention_vs_penalty",
        "Stage 3",
        ("fig7_mention_vs_penalty",),
        "recenter.stage3.plots:mention_vs_penalty_chart",
    ),
    Figure(
        "gaps_summary",
        "Claims ledger",
        ("gaps_summary",),
        "recenter.claims_plots:gaps_forest_chart",
        needs=("confidence",),
    ),
    Figure(
        "fig1_pipeline",
        "Claims ledger",
        (),
        "recenter.claims_plots:fig1_chart",
        needs=("db", "study"),
        # the files behind recenter.claims.study_counts (not the failure modes, mention flags,
        # prompts or trained/baseline relevance models: Fig 1 counts none of them)
        raw=(
            "users.jsonl",
            "conversations.jsonl",
            "attributes.jsonl",
            "attribute_judgments.jsonl",
            "models/verifier/*/*.jsonl",
            "relevance_items.jsonl",
            "relevance_judgments.jsonl",
            "models/relevance/llm/*.jsonl",
            "models/generator/*.jsonl",
            "response_ratings.jsonl",
            "models/judge/*/*.jsonl",
        ),
    ),
)
FIGURES: dict[str, Figure] = {f.name: f for f in _ALL}


def plot_job(
    name: str, tables: list[str], stem: str, *, db: str, study: str, confidence: float
) -> None:
    """Render figure ``name`` from its tables (and, where it needs it, the database) as
    ``<stem>.vl.json``, ``.png`` and ``.svg``, with the data-kind banner of its first table
    (of the database for a figure drawn from no table)."""
    import polars as pl

    from recenter.outputs import save_chart

    figure = FIGURES.get(name)
    if figure is None:
        raise ValueError(f"unknown figure {name!r} (known: {', '.join(FIGURES)})")
    if len(tables) != len(figure.tables):
        raise ValueError(f"figure {name} reads {len(figure.tables)} tables, got {tables}")
    frames = [pl.read_csv(t, infer_schema_length=None) for t in tables]
    if frames:
        kind = frames[0]["data_kind"][0]
    else:
        from recenter.stage1.data import connect, data_kind

        with connect(db) as con:
            kind = data_kind(con)
    context = {"db": db, "study": study, "confidence": confidence}
    chart = figure.function()(
        *(f.drop("data_kind") for f in frames), **{k: context[k] for k in figure.needs}
    )
    Path(stem).parent.mkdir(parents=True, exist_ok=True)
    save_chart(chart, stem, data_kind=kind)
