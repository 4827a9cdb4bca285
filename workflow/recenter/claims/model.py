"""The ledger's model: a claim's Outcome, the Context the checks read (stage tables, database
counts, settings), the comparison of a paper value with our interval, the registry of checks
by claim id and the lookups the checks share."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, cast, overload

import polars as pl

from recenter import paper
from recenter.claims.columns import COLUMNS, MODEL_TOKENS

LEDGER_COLUMNS = (
    "claim_id",
    "claim",
    "stage",
    "figure",
    "status",
    "kind",
    "source",
    "paper_value",
    "value",
    "ci_low",
    "ci_high",
    "consistent",
    "test",
    "note",
)

STAGE_NAMES = {
    "design": "design",
    "1": "1 attribute extraction",
    "2": "2 relevance matching",
    "3": "3 response generation",
}


class MissingColumn(KeyError):
    """A stage table lacks every candidate column of a statistic (see COLUMNS)."""


@dataclass
class Outcome:
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    consistent: bool | None = None
    test: str = ""
    note: str = ""
    source: str = ""


@dataclass
class Context:
    """What the checks read: the stage tables, the database counts, the settings."""

    tables_dir: Path
    counts: dict[str, int]
    confidence: float
    data_kind: str
    study: str
    skipped: dict[str, str] = field(default_factory=dict)
    truth: dict | None = None
    _cache: dict[str, pl.DataFrame | None] = field(default_factory=dict)

    @property
    def alpha(self) -> float:
        return 1.0 - self.confidence

    def table(self, name: str) -> pl.DataFrame | None:
        if name not in self._cache:
            path = self.tables_dir / f"{name}.csv"
            frame = pl.read_csv(path, infer_schema_length=None) if path.exists() else None
            if frame is not None and "data_kind" in frame.columns:
                frame = frame.drop("data_kind")
            self._cache[name] = frame
        return self._cache[name]

    def why_missing(self, name: str) -> str:
        reason = self.skipped.get(name)
        if reason:
            return f"tables/{name} not made for this study: {reason}"
        return f"tables/{name}.csv is not there (not built for this study)"

    def level(self) -> str:
        return f"{self.confidence:.0%}"


@overload
def column(
    frame: pl.DataFrame, table: str, logical: str, optional: Literal[False] = False
) -> str: ...
@overload
def column(frame: pl.DataFrame, table: str, logical: str, optional: bool) -> str | None: ...
def column(frame: pl.DataFrame, table: str, logical: str, optional: bool = False) -> str | None:
    """The column of ``frame`` (a ``table``) that holds ``logical`` (see COLUMNS)."""
    for cand in COLUMNS[table][logical]:
        if cand in frame.columns:
            return cand
    if optional:
        return None
    raise MissingColumn(
        f"tables/{table}.csv has none of the columns {COLUMNS[table][logical]} for "
        f"{logical!r} (adapt recenter.claims.COLUMNS); its columns: {frame.columns}"
    )


def num(x) -> float | None:
    if x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "NA"
    if float(x).is_integer() and abs(x) >= 2:
        return f"{int(x):,}"
    return f"{x:.{digits}f}"


def signed(x) -> str:
    return "NA" if x is None else f"{x:+.3f}"


def fmt_p(x) -> str:
    return "NA" if x is None else f"{x:.2g}"


def fmt_ci(lo, hi) -> str:
    return f"[{fmt(lo)}, {fmt(hi)}]"


def half_unit(paper_text: str) -> float:
    """Half a unit of the last digit the paper prints, on the value's scale: '0.123' ->
    0.0005, '12.5%' -> 0.0005, '+7 points' -> 0.005, '2.345' -> 0.0005, '1,234' -> 0.5."""
    t = paper_text.replace(",", "")
    m = re.search(r"(\d*)\.?(\d*)", re.sub(r"^[^\d.]*", "", t))
    decimals = len(m.group(2)) if m and "." in t else 0
    scale = 0.01 if ("%" in t or "points" in t) else 1.0
    return 0.5 * 10.0 ** (-decimals) * scale


def band(pv: paper.PaperValue) -> tuple[float, float]:
    """The values the paper's statement covers."""
    if pv.kind == "range":
        lo, hi = cast(tuple[float, float], pv.value)
        return lo, hi
    v = float(cast(float, pv.value))
    t = pv.tolerance if pv.tolerance is not None else half_unit(pv.paper_text or str(v))
    return v - t, v + t


def compare(pv: paper.PaperValue, est, lo=None, hi=None, source: str = "", note: str = ""):
    """Outcome of a numeric claim: does the paper's value (with its rounding) meet our
    interval? Without an interval: is our estimate within the paper's rounding?"""
    est, lo, hi = num(est), num(lo), num(hi)
    if est is None:
        return Outcome(source=source, note=note or "our statistic is undefined on this study")
    b_lo, b_hi = band(pv)
    if lo is not None and hi is not None:
        ok = lo <= b_hi and hi >= b_lo
        if pv.kind == "range":
            test = "does our interval overlap the paper's range?"
        elif pv.kind == "lower_bound":
            ok = hi >= pv.value
            test = "does our interval reach the paper's bound?"
        else:
            test = "is the paper's value (± its printed rounding) in our interval?"
    else:
        ok = b_lo <= est <= b_hi
        test = "no interval: is our estimate within the paper's printed rounding?"
        if pv.kind == "range":
            test = "no interval: is our estimate within the paper's range?"
    return Outcome(est, lo, hi, ok, test, note, source)


def not_supported(reason: str, source: str = "", value=None, lo=None, hi=None) -> Outcome:
    return Outcome(num(value), num(lo), num(hi), None, "", reason, source)


def verdict(ok: bool | None, test: str, note: str, source: str, value=None) -> Outcome:
    """Outcome of a directional claim: whether the same conclusion follows (``ok``) by
    ``test``, without an interval."""
    return Outcome(num(value), None, None, ok, test, note, source)


def join_notes(*notes: str | None) -> str:
    """The non-empty ``notes``, joined with '; '."""
    return "; ".join(x for x in notes if x)


def compare_row(
    pv: paper.PaperValue,
    frame: pl.DataFrame,
    table: str,
    r: dict,
    source: str,
    note: str = "",
    cols: tuple[str, str, str] = ("estimate", "ci_low", "ci_high"),
) -> Outcome:
    """compare() of the row ``r`` of ``frame`` (a ``table``): its estimate and interval, read
    through COLUMNS under the logical names ``cols``."""
    est, lo, hi = (r[column(frame, table, c)] for c in cols)
    return compare(pv, est, lo, hi, source, note)


def compare_first(
    pv: paper.PaperValue,
    frame: pl.DataFrame,
    table: str,
    sel: pl.DataFrame,
    source: str,
    missing: str,
) -> Outcome:
    """compare_row() of the first row of ``sel`` (rows of ``frame`` selected for a claim), or
    not supported, saying ``missing``, when the selection is empty."""
    if sel.height == 0:
        return not_supported(missing, source)
    return compare_row(pv, frame, table, sel.row(0, named=True), source)


def find_system(names: list[str], key: str) -> tuple[str | None, str]:
    """The system name standing for a paper model ``key`` (MODEL_TOKENS), and a note when
    there is none or more than one."""
    tokens = MODEL_TOKENS[key]
    hits = sorted(n for n in names if all(t in n.lower() for t in tokens))
    if not hits:
        return None, f"no system matching {key!r} in this study"
    if len(hits) > 1:
        return hits[0], f"several systems match {key!r} ({', '.join(hits)}): using {hits[0]}"
    return hits[0], ""


# ---- the checks, by claim id ---------------------------------------------------------------
Check = Callable[[Context, paper.PaperValue], Outcome]
CHECKS: dict[str, Check] = {}


def check(*ids: str):
    def register(fn: Check) -> Check:
        for i in ids:
            CHECKS[i] = fn
        return fn

    return register


def table_check(table: str, *ids: str):
    """Register a check of the claims ``ids`` that reads the stage table ``table``: it is
    called as ``fn(ctx, pv, table, frame)``, and not at all when the study lacks the table
    (then the outcome says why, see Context.why_missing)."""

    def register(fn: Callable[..., Outcome]) -> Callable[..., Outcome]:
        def run(ctx: Context, pv: paper.PaperValue) -> Outcome:
            frame, miss = table_or_missing(ctx, table)
            return miss if miss else fn(ctx, pv, table, frame)

        check(*ids)(run)
        return fn

    return register


def first_row(frame: pl.DataFrame, **eq) -> dict | None:
    out = frame
    for col, val in eq.items():
        out = out.filter(pl.col(col) == val)
    return out.row(0, named=True) if out.height else None


def table_or_missing(ctx: Context, name: str) -> tuple[pl.DataFrame | None, Outcome | None]:
    frame = ctx.table(name)
    if frame is None:
        return None, not_supported(ctx.why_missing(name), f"tables/{name}.csv")
    return frame, None


def gap_row(ctx, stage: int, startswith: str):
    name = f"gaps_stage{stage}"
    frame = ctx.table(name)
    if frame is None:
        return None, not_supported(ctx.why_missing(name), f"tables/{name}.csv")
    comp = column(frame, "gaps", "comparison")
    sel = frame.filter(pl.col(comp).str.starts_with(startswith))
    source = f"tables/{name}.csv: {startswith}"
    if sel.height == 0:
        return None, not_supported(f"no row '{startswith}…' in tables/{name}", source)
    return sel.row(0, named=True), Outcome(source=source, note=sel[comp][0])


def gap_compare(ctx, pv, stage, startswith):
    r, out = gap_row(ctx, stage, startswith)
    if r is None:
        return out
    f = ctx.table(f"gaps_stage{stage}")
    return compare(
        pv,
        r[column(f, "gaps", "estimate")],
        r[column(f, "gaps", "ci_low")],
        r[column(f, "gaps", "ci_high")],
        out.source,
        out.note,
    )


def directional_gap(ctx, stage, startswith, sign: int, what: str) -> Outcome:
    r, out = gap_row(ctx, stage, startswith)
    if r is None:
        return out
    f = ctx.table(f"gaps_stage{stage}")
    est = num(r[column(f, "gaps", "estimate")])
    lo, hi = num(r[column(f, "gaps", "ci_low")]), num(r[column(f, "gaps", "ci_high")])
    if est is None or lo is None or hi is None:
        return not_supported("the difference or its interval is undefined here", out.source)
    ok = lo > 0 if sign > 0 else hi < 0
    side = "above" if sign > 0 else "below"
    return Outcome(
        est,
        lo,
        hi,
        ok,
        f"the {ctx.level()} bootstrap interval of {what} lies {side} 0",
        out.note,
        out.source,
    )


def system_metric(ctx, pv, name, system_key, metric, *, kind=None, variant=None):
    frame, miss = table_or_missing(ctx, name)
    if miss:
        return miss
    sel = frame
    if kind is not None:
        sel = sel.filter(pl.col(column(frame, name, "kind")) == kind)
    if variant is not None:
        pcol = column(frame, name, "prompt_variant")
        sel = sel.filter(pl.col(pcol) == variant)
    names = sel[column(frame, name, "system")].to_list()
    system, note = find_system(names, system_key)
    shown = system or (f"{system_key}_{variant}" if variant else system_key)
    source = f"tables/{name}.csv: {shown}, {metric}"
    if system is None:
        return not_supported(note, source)
    r = first_row(sel, **{column(frame, name, "system"): system})
    if metric not in r:
        raise MissingColumn(f"tables/{name}.csv has no column {metric!r}")
    return compare(
        pv, r[metric], r.get(f"{metric}_ci_low"), r.get(f"{metric}_ci_high"), source, note
    )
