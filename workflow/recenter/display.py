"""A result table as a reader sees it: the one place that decides how a number is printed.

:func:`reader_view` turns a result frame (what the CSV holds, full precision, every column)
into a polars frame of strings: an estimate and its interval in one cell ("0.39 [0.28, 0.49]"),
p-values as "< 0.001" or 3 significant digits, other numbers at 3 decimals (2 significant
digits below 0.01), counts as integers with thousands separators, the ``*_text`` twins of the
p-values and the ``data_kind`` column dropped, column labels in words. The compact view (the
``.md`` pages) also drops what only an auditor needs: the mechanics of a test (its statistic,
its method), the bootstrap's bookkeeping, the raw confusion counts; it never drops a column a
claim of the ledger reads (recenter.claims.columns).

:func:`markdown` renders the compact view as a Markdown table; recenter.display_html renders a
reader view as HTML (great-tables: the notebooks and the report's table pages).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

__all__ = [
    "LABELS",
    "fmt",
    "fmt_ci",
    "fmt_p",
    "interval_columns",
    "is_p_column",
    "label",
    "markdown",
    "reader_view",
]

MISSING = "—"

#: the frequent column names in words; any other name reads with its underscores as spaces
LABELS: dict[str, str] = {
    "n": "n",
    "n_clusters": "clusters",
    "n_users": "users",
    "n_units": "units",
    "n_items": "items",
    "n_pairs": "pairs",
    "n_raters": "raters",
    "n_levels": "levels",
    "n_ratings": "ratings",
    "n_attributes": "attributes",
    "n_judgments": "judgments",
    "n_conversations": "conversations",
    "n_labelled": "labelled",
    "n_relevant": "relevant",
    "n_mention": "units with a mention",
    "n_no_mention": "units without a mention",
    "n_no_better": "units no better",
    "n_common_with_consensus": "items shared with the consensus",
    "n_predictions": "predictions",
    "n_scored": "scored",
    "n_replicates": "bootstrap replicates",
    "n_replicates_dropped": "replicates dropped",
    "n_dropped": "replicates dropped",
    "p_cluster_wilcoxon": "p (cluster Wilcoxon)",
    "p_unit_wilcoxon": "p (unit Wilcoxon)",
    "p_signflip": "p (sign-flip)",
    "p_holm": "p (Holm)",
    "p_cluster_holm": "p (cluster, Holm)",
    "p_gee": "p (GEE)",
    "p_unit_mannwhitney": "p (unit Mann–Whitney)",
    "p_permutation_pearson": "p (exact permutation, Pearson r)",
    "p_spearman_exact_conservative": "Spearman p exact (discrete, conservative)",
    "p_spearman_one_sided_conservative": "Spearman p exact one-sided (discrete)",
    "p_spearman_asymptotic": "Spearman p asymptotic (unreliable)",
    "pearson": "Pearson r",
    "p_permutation": "p (permutation)",
    "spearman": "Spearman ρ",
    "spearman_loo": "Spearman ρ (leave-one-out)",
    "human_loo_spearman": "human Spearman ρ (leave-one-out)",
    "spearman_gap_like_for_like": "Spearman ρ gap (like-for-like)",
    "kappa": "κ",
    "f1": "F1",
    "average_precision": "average precision",
    "mean_rating": "mean rating",
    "human_mean_same_units": "human mean (same units)",
    "no_better_share": "share no better",
    "mention_rate": "mention rate",
    "judge_delta": "judge Δ",
    "delta": "Δ",
    "diversity_tfidf_cosine": "diversity (TF-IDF cosine)",
    "distinct_2": "distinct-2",
    "source_dataset": "dataset",
    "claim_id": "claim",
    "paper_value": "paper",
    "paper": "paper",
    "rater_a": "rater A",
    "rater_b": "rater B",
    "kind_a": "kind A",
    "kind_b": "kind B",
    "gee_se": "GEE s.e.",
    "in_correlation": "in the correlation",
    "unit_mannwhitney_u": "unit Mann–Whitney U",
    "moment_share": "share (moments)",
    "ratio_to_consensus": "ratio to consensus",
}

#: dropped from every view: bookkeeping, not results
ALWAYS_DROP = ("data_kind",)

#: dropped from the compact view of every table (the CSV and the notebooks keep them)
COMPACT_DROP = ("n_replicates",)
#: the mechanics of a test: its statistic and its method (the notes say which test it is)
COMPACT_DROP_SUFFIXES = ("_method", "_statistic")
#: dropped from the compact view only when no row dropped a replicate: a dropped one is news
COMPACT_DROP_WHEN_ZERO = ("n_replicates_dropped", "n_dropped")
#: per table: what only an auditor reads (raw confusion counts, model files, a system's name
#: split into its parts, a test's own statistic)
COMPACT_DROP_BY_TABLE: dict[str, tuple[str, ...]] = {
    "tab2_verifiers": (
        "base_system",
        "prompt_variant",
        "n_scored",
        "tp",
        "fp",
        "fn",
        "tn",
        "model",
        "n_predictions",
    ),
    "tab3_relevance_alignment": ("n_scored", "tp", "fp", "fn", "tn", "model"),
    "tab6_judges": ("unit_wilcoxon_n_nonzero",),
    "fig6_mention_gap": ("gee_se", "unit_mannwhitney_u"),
    "fig7_mention_vs_penalty": ("permutation",),
}

#: estimates a bare ``ci_low``/``ci_high`` pair belongs to, first present wins
_BARE_INTERVAL_OWNERS = (
    "estimate",
    "value",
    "share",
    "rate",
    "mean_rating",
    "mean",
    "kappa",
    "delta",
    "mention_rate",
    "ratio",
)


# ---- one value --------------------------------------------------------------------------------
def fmt(value: Any, digits: int = 3) -> str:
    """A number for a reader: ``digits`` decimals (2 significant digits for a value below
    10^-(digits-1), so that 0.00025 does not print as 0.000), integers with thousands
    separators, yes/no for booleans, missing as an em dash."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return _fmt_float(value, digits)
    return str(value)


def _decimals(value: float, digits: int) -> int | None:
    """How many decimals ``value`` prints with: ``digits``, or enough for 2 significant digits
    below 10^-(digits-1); None: scientific notation (below 10^-6)."""
    size = abs(value)
    if size == 0 or size >= 10.0 ** -(digits - 1) or not math.isfinite(size):
        return digits
    if size < 1e-6:
        return None
    return 1 - math.floor(math.log10(size))


def _fmt_float(value: float, digits: int, decimals: int | None = None) -> str:
    if math.isnan(value):
        return MISSING
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    if value.is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    places = _decimals(value, digits) if decimals is None else decimals
    if places is None:
        return f"{value:.1e}"
    return f"{value:,.{places}f}"


def fmt_p(p: Any) -> str:
    """A p-value: "< 0.001", or 3 significant digits ("0.0412", "0.500"); missing: an em dash."""
    if p is None or (isinstance(p, float) and math.isnan(p)) or p == "":
        return MISSING
    try:
        p = float(p)
    except (TypeError, ValueError):  # a reason in place of a p-value
        return str(p)
    if math.isnan(p):
        return MISSING
    return "< 0.001" if p < 0.001 else f"{p:#.3g}"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_ci(estimate: Any, low: Any, high: Any, digits: int = 3) -> str:
    """ "0.39 [0.28, 0.49]": an estimate and its interval in one cell, the bounds with the
    estimate's decimals (the estimate alone when the interval is missing)."""
    if _missing(low) or _missing(high):
        return fmt(estimate, digits)
    bounds = [fmt(low, digits), fmt(high, digits)]
    if isinstance(estimate, float) and math.isfinite(estimate):
        places = _decimals(estimate, digits)
        if places is not None:
            bounds = [
                _fmt_float(float(b), digits, places) if isinstance(b, int | float) else fmt(b)
                for b in (low, high)
            ]
    return f"{fmt(estimate, digits)} [{bounds[0]}, {bounds[1]}]"


def fmt_range(low: Any, high: Any, digits: int = 3) -> str:
    """ "[0.215, 0.225]" (a band, such as the paper's value ± its rounding)."""
    if _missing(low) or _missing(high):
        return MISSING
    return f"[{fmt(low, digits)}, {fmt(high, digits)}]"


def label(name: str) -> str:
    """A column name in words: 'n_clusters' -> 'clusters', 'p_holm' -> 'p (Holm)'; any other
    name with its underscores as spaces ('ci_low' -> 'ci low')."""
    if name in LABELS:
        return LABELS[name]
    if name.startswith("p_") and len(name) > 2:
        return f"p ({name[2:].replace('_', ' ')})"
    return name.replace("_", " ")


def is_p_column(name: str) -> bool:
    return name == "p" or name.startswith("p_") or name.endswith("_p") or "p_value" in name


# ---- which columns --------------------------------------------------------------------------
def interval_columns(cols: Sequence[str]) -> dict[str, tuple[str, str]]:
    """estimate column -> (its ci_low column, its ci_high column): `<x>` with `<x>_ci_low` and
    `<x>_ci_high` (or a column starting `<x>_`: mean_ci_low belongs to mean_rating), a bare
    `ci_low`/`ci_high` with the first of estimate, value, share, rate, ... present."""
    cols = list(cols)
    merged: dict[str, tuple[str, str]] = {}
    for low in [c for c in cols if c.endswith("ci_low")]:
        high = low[: -len("low")] + "high"
        if high not in cols:
            continue
        prefix = low[: -len("ci_low")].rstrip("_")
        if prefix:
            candidates = [prefix] + [c for c in cols if c.startswith(prefix + "_")]
        else:
            candidates = list(_BARE_INTERVAL_OWNERS)
        candidates = [c for c in candidates if c in cols and c not in (low, high)]
        candidates = [c for c in candidates if not c.endswith(("ci_low", "ci_high"))]
        if candidates and candidates[0] not in merged:
            merged[candidates[0]] = (low, high)
    return merged


def _band_columns(cols: Sequence[str], taken: set[str]) -> dict[str, tuple[str, str]]:
    """`<x>_low`/`<x>_high` pairs that are no interval of an estimate (paper_low/paper_high):
    shown as one band column labelled '<x> band' where `<x>_low` stood."""
    bands: dict[str, tuple[str, str]] = {}
    for low in cols:
        if not low.endswith("_low") or low.endswith("ci_low") or low in taken:
            continue
        high = low[: -len("low")] + "high"
        if high in cols and high not in taken:
            bands[low] = (low, high)
    return bands


@dataclass(frozen=True)
class Column:
    """One column of a reader view: its label, the column(s) it shows, how it is printed."""

    label: str
    source: str
    low: str | None = None
    high: str | None = None
    kind: str = "number"  # number | p | interval | band | text

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


def _all_zero(frame: pl.DataFrame, name: str) -> bool:
    values = [v for v in frame[name].to_list() if not _missing(v)]
    return all(v == 0 for v in values)


def _compact_drops(frame: pl.DataFrame, table: str | None) -> set[str]:
    cols = frame.columns
    drop = {c for c in COMPACT_DROP if c in cols}
    drop |= {c for c in cols if c.endswith(COMPACT_DROP_SUFFIXES)}
    drop |= {c for c in COMPACT_DROP_WHEN_ZERO if c in cols and _all_zero(frame, c)}
    drop |= set(COMPACT_DROP_BY_TABLE.get(table or "", ())) & set(cols)
    # a column without a single value has nothing to read (the notes say why it is empty)
    drop |= {c for c in cols if frame.height and frame[c].null_count() == frame.height}
    return drop


def dropped_columns(
    frame: pl.DataFrame, *, table: str | None = None, compact: bool = False
) -> list[str]:
    """The columns of ``frame`` its reader view does not show (in their order), apart from
    data_kind, the `*_text` twins and the interval bounds shown beside their estimate."""
    shown = {c.source for c in columns(frame, table=table, compact=compact)}
    hidden = {x for c in columns(frame, table=table, compact=compact) for x in (c.low, c.high)}
    cols = [c for c in frame.columns if c not in ALWAYS_DROP and not _is_twin(c, frame.columns)]
    return [c for c in cols if c not in shown and c not in hidden]


def _is_twin(name: str, cols: Sequence[str]) -> bool:
    return name.endswith("_text") and name[: -len("_text")] in cols


def columns(
    frame: pl.DataFrame,
    *,
    table: str | None = None,
    compact: bool = False,
    drop: Sequence[str] = ALWAYS_DROP,
) -> list[Column]:
    """The columns of the reader view of ``frame`` (a result table named ``table``)."""
    cols = [c for c in frame.columns if c not in drop and not _is_twin(c, frame.columns)]
    if compact:
        gone = _compact_drops(frame.select(cols), table)
        cols = [c for c in cols if c not in gone]
    merged = interval_columns(cols)
    hidden = {x for pair in merged.values() for x in pair}
    bands = _band_columns(cols, hidden | set(merged))
    hidden |= {high for _, high in bands.values()}
    out: list[Column] = []
    used: set[str] = set()
    for c in cols:
        if c in hidden:
            continue
        if c in merged:
            col = Column(label(c) + " [CI]", c, *merged[c], kind="interval")
        elif c in bands:
            stem = c[: -len("_low")]
            col = Column(label(stem) + " band", c, *bands[c], kind="band")
        elif is_p_column(c):
            col = Column(label(c), c, kind="p")
        elif frame.schema[c] == pl.String:
            col = Column(label(c), c, kind="text")
        else:
            col = Column(label(c), c)
        if col.label in used:  # two names in the same words: the second keeps its own name
            col = Column(c, col.source, col.low, col.high, col.kind)
        used.add(col.label)
        out.append(col)
    return out


# ---- the view --------------------------------------------------------------------------------
def _cell(col: Column, row: dict[str, Any], digits: int) -> str:
    value = row[col.source]
    if col.kind == "interval":
        return fmt_ci(value, row[col.low or ""], row[col.high or ""], digits)
    if col.kind == "band":
        return fmt_range(value, row[col.high or ""], digits)
    if col.kind == "p":
        return fmt_p(value)
    if col.kind == "text":
        return "" if value is None else str(value)
    return fmt(value, digits)


def reader_view(
    frame: pl.DataFrame,
    *,
    table: str | None = None,
    compact: bool = False,
    digits: int = 3,
    drop: Sequence[str] = ALWAYS_DROP,
) -> pl.DataFrame:
    """``frame`` as a reader sees it: a frame of strings, labelled in words, every row (see
    the module's docstring). ``compact``: the view of the ``.md`` pages."""
    cols = columns(frame, table=table, compact=compact, drop=drop)
    rows = frame.rows(named=True)
    data = {c.label: [_cell(c, r, digits) for r in rows] for c in cols}
    return pl.DataFrame(data, schema={c.label: pl.String for c in cols})


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(
    frame: pl.DataFrame, *, table: str | None = None, compact: bool = True, digits: int = 3
) -> str:
    """The reader view of ``frame`` as a Markdown table, numbers aligned right."""
    cols = columns(frame, table=table, compact=compact)
    view = reader_view(frame, table=table, compact=compact, digits=digits)
    head = "| " + " | ".join(_md_cell(c.label) for c in cols) + " |"
    rule = "|" + "|".join("---:" if c.numeric else "---" for c in cols) + "|"
    rows = ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in view.iter_rows()]
    return "\n".join([head, rule, *rows])
