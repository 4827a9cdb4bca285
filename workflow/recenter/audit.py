"""What the audit notebooks (notebooks/*.ipynb) share: showing SQL and its rows, readable HTML
tables, the check of an independent re-derivation against the workflow's value, and a small SVG
histogram of bootstrap replicates.

Nothing here computes a statistic of the paper: the notebooks re-derive every headline number
with scipy, scikit-learn, krippendorff or statsmodels in their own cells, so that the workflow's
code (recenter.stats, recenter.stage*) is audited against something independent, never against
itself. The only arithmetic here is drawing cluster indices for a bootstrap (numpy), the
percentile interval of replicates the workflow wrote (numpy ``quantile``) and formatting.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from recenter import display, display_html

#: a disagreement beyond this (and beyond the tables' rounding, see check) fails the notebook
TOLERANCE = 1e-9


class AuditError(AssertionError):
    """An independent re-derivation disagrees with the workflow's value."""


def _display(obj) -> None:
    from IPython.display import display

    display(obj)


def md(text: str) -> None:
    from IPython.display import Markdown

    _display(Markdown(text))


def _html(text: str) -> None:
    from IPython.display import HTML

    _display(HTML(text))


# ---- numbers and tables -------------------------------------------------------------------
# how a number reads is decided once, in recenter.display (the .md tables use it too)
fmt = display.fmt
fmt_p = display.fmt_p
fmt_ci = display.fmt_ci
label = display.label


def table(
    frame: pl.DataFrame,
    *,
    digits: int = 3,
    caption: str | None = None,
    max_rows: int | None = None,
    drop: Sequence[str] = ("data_kind",),
) -> None:
    """Display ``frame`` as a readable table (great-tables, recenter.display's reader view):
    every `<x>` with `<x>_ci_low`/`<x>_ci_high` (or `ci_low`/`ci_high` beside `estimate`/
    `value`) shown as "x [low, high]", p-value columns as "< 0.001", `*_text` twins dropped,
    labels in words. Every row and every other column unless ``max_rows``."""
    total = frame.height
    shown = frame if max_rows is None else frame.head(max_rows)
    rendered = display_html.html_table(shown, digits=digits, caption=caption, drop=drop)
    if max_rows is not None and total > max_rows:
        rendered += f"<p><i>first {max_rows} of {total:,} rows</i></p>"
    _html(rendered)


# ---- inputs ---------------------------------------------------------------------------------
def sql(con, query: str, *, rows: int = 5, params: list | None = None) -> pl.DataFrame:
    """Show ``query``, run it on the study database, show its row count and first rows; return
    every row."""
    md(f"```sql\n{query.strip()}\n```")
    frame = con.sql(query, params=params).pl() if params else con.sql(query).pl()
    md(f"**{frame.height:,} rows**; the first {min(rows, frame.height)}:")
    table(frame, max_rows=rows, drop=())
    return frame


# ---- the check ------------------------------------------------------------------------------
_CHECKS: list[tuple[str, float, float]] = []


def check(
    what: str, ours: Any, workflow: Any, tol: float = TOLERANCE, decimals: int | None = 6
) -> None:
    """Show the independent value beside the workflow's and fail (AuditError) when they differ
    by more than ``tol``; two missing values (NaN/None) agree, one missing value does not.

    The workflow's CSV tables carry 6 decimals (recenter.outputs.write_table): ``ours`` agrees
    when a value within ``tol`` of it prints as the workflow's, that is when they differ by at
    most half a unit of the last decimal plus ``tol`` (``decimals=None`` for exact values such
    as counts). Rounding ``ours`` first and comparing within ``tol`` instead failed whenever
    the two fell on either side of a rounding boundary (0.93759350 from the workflow and
    0.93759350 plus 1e-15 from the notebook print as ...593 and ...594)."""
    exact = float("nan") if ours is None else float(ours)
    a = exact
    if decimals is not None and not math.isnan(a):
        a = float(f"{a:.{decimals}f}")
    b = float("nan") if workflow is None else float(workflow)
    allowed = tol if decimals is None else tol + 0.5 * 10.0**-decimals
    both_missing = math.isnan(exact) and math.isnan(b)
    diff = 0.0 if both_missing else abs(exact - b)
    ok = both_missing or (not math.isnan(diff) and diff <= allowed)
    _CHECKS.append((what, a, b))
    boundary = ""
    if ok and not both_missing and abs(a - b) > tol:
        boundary = f" (unrounded {exact!r}: the two sit either side of a rounding boundary)"
    mark = "✓ agrees" if ok else "✗ DISAGREES"
    color = "#1e7b34" if ok else "#b00020"
    _html(
        f'<div style="font-size:13px;margin:1px 0"><b style="color:{color}">{mark}</b> · '
        f"{html.escape(what)}: independent <code>{a:.12g}</code>, workflow "
        f"<code>{b:.12g}</code>, |difference| {abs(a - b):.1e}{boundary}</div>"
    )
    if not ok:
        raise AuditError(
            f"{what}: the independent value {exact!r} and the workflow's {b!r} differ by "
            f"{diff:.3g} (allowed {allowed:g}: the table's rounding and a tolerance of {tol:g})"
        )


def checks_done() -> int:
    return len(_CHECKS)


def write_checks(path) -> None:
    """The notebook's checks (what, independent value, workflow value) as a CSV: the output
    of rule run_notebook."""
    from recenter.outputs import atomic_write_text

    lines = ["check,independent,workflow"]
    for what, a, b in _CHECKS:
        lines.append(f'"{what.replace(chr(34), chr(39))}",{a!r},{b!r}')
    atomic_write_text(path, "\n".join(lines) + "\n")
    md(f"**{len(_CHECKS)} independent re-derivations, all agree with the workflow.**")


# ---- uncertainty ----------------------------------------------------------------------------
def _cluster_codes(clusters: Iterable) -> tuple[int, np.ndarray]:
    """The number of distinct clusters and each unit's cluster as an index into them, in
    sorted order (``np.unique``'s): the order of every function below."""
    uniques, codes = np.unique(np.asarray(list(clusters)), return_inverse=True)
    return len(uniques), codes


def _draws(clusters: Iterable, replicates: int, seed: int):
    """The number of clusters, the units' cluster codes, and each replicate's draw of
    clusters: int64 draws, one replicate after another, the same stream as the workflow's
    resamples for the same (clusters, seed), so the intervals can be compared."""
    n, codes = _cluster_codes(clusters)
    rng = np.random.default_rng(seed)
    draws = (rng.integers(0, n, size=n, dtype=np.int64) for _ in range(replicates))
    return n, codes, draws


def _kept(values: Iterable) -> tuple[np.ndarray, int]:
    kept, dropped = [], 0
    for v in values:
        if v is None or not np.isfinite(v):
            dropped += 1
        else:
            kept.append(float(v))
    return np.asarray(kept), dropped


def bootstrap(
    clusters: Iterable, statistic: Callable[[np.ndarray], float], replicates: int, seed: int
) -> tuple[np.ndarray, int]:
    """Resample whole clusters with replacement ``replicates`` times (numpy) and evaluate
    ``statistic(unit indices)`` on each; returns (finite replicate values, number dropped
    because the statistic was undefined there)."""
    n, codes, draws = _draws(clusters, replicates, seed)
    members = [np.flatnonzero(codes == k) for k in range(n)]
    return _kept(
        statistic(np.concatenate([members[k] for k in draw]) if n else np.array([], int))
        for draw in draws
    )


def cluster_sums(clusters: Iterable, values: np.ndarray) -> np.ndarray:
    """Column sums of ``values`` (rows × columns, or one column) within each cluster: one row
    per distinct cluster, in sorted order (``np.unique``'s, the order of
    :func:`bootstrap_counts`'s counts)."""
    n, codes = _cluster_codes(clusters)
    x = np.asarray(values, dtype=float)
    flat = x.reshape(len(codes), -1)
    out = np.stack([np.bincount(codes, weights=col, minlength=n) for col in flat.T], axis=1)
    return out.reshape((n, *x.shape[1:]))


def cluster_products(clusters: Iterable, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``[k, i, j]``: the sum over cluster k's rows of ``p[:, i] * q[:, j]`` (clusters in
    sorted order, as :func:`cluster_sums`), one column pair at a time, so that no rows × i × j
    array is built."""
    n, codes = _cluster_codes(clusters)
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    out = np.empty((n, p.shape[1], q.shape[1]))
    for i in range(p.shape[1]):
        for j in range(q.shape[1]):
            out[:, i, j] = np.bincount(codes, weights=p[:, i] * q[:, j], minlength=n)
    return out


def bootstrap_counts(
    clusters: Iterable, statistic: Callable[[np.ndarray], float], replicates: int, seed: int
) -> tuple[np.ndarray, int]:
    """The resamples of :func:`bootstrap`, given to ``statistic`` as how many times each
    cluster was drawn (one count per distinct cluster, in sorted order: ``np.unique``'s). For
    a statistic built from sums (counts, means, 2 × 2 tables), each replicate is then a
    count-weighted sum of per-cluster sums computed once, the same value as over the resampled
    rows without copying them."""
    n, _, draws = _draws(clusters, replicates, seed)
    return _kept(statistic(np.bincount(draw, minlength=n).astype(float)) for draw in draws)


def histogram(
    values: np.ndarray,
    *,
    estimate: float,
    interval: tuple[float, float] | None,
    title: str,
    dropped: int = 0,
    bins: int = 30,
    confidence: float = 0.95,
    why_dropped: str = "statistic undefined in the resample",
) -> None:
    """A small SVG histogram of bootstrap replicates, the estimate (black) and the workflow's
    interval (red dashed) marked, our percentile interval (blue dotted); deterministic bytes.
    ``dropped`` replicates are counted, with ``why_dropped``."""
    values = np.asarray(values, dtype=float)
    estimate = float("nan") if estimate is None else float(estimate)  # an undefined estimate
    width, height, pad = 460, 150, 28
    if values.size == 0:
        md(f"*{title}: no finite replicate ({dropped} dropped).*")
        return
    marks = [estimate] + ([] if interval is None else [v for v in interval if v is not None])
    marks = [m for m in marks if m is not None and np.isfinite(m)]
    lo = float(min(values.min(), *marks)) if marks else float(values.min())
    hi = float(max(values.max(), *marks)) if marks else float(values.max())
    if hi <= lo:
        hi = lo + 1e-6
    counts, edges = np.histogram(values, bins=bins, range=(lo, hi))
    top = counts.max() or 1

    def x(v: float) -> float:
        return pad + (v - lo) / (hi - lo) * (width - 2 * pad)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height + 30}" '
        f'font-family="sans-serif" font-size="11">'
    ]
    for c, e0, e1 in zip(counts, edges[:-1], edges[1:], strict=True):
        h = c / top * (height - pad)
        parts.append(
            f'<rect x="{x(e0):.2f}" y="{height - h:.2f}" width="{max(x(e1) - x(e0) - 1, 0.5):.2f}" '
            f'height="{h:.2f}" fill="#9bb7d4"/>'
        )
    alpha = (1 - confidence) / 2
    ours = np.quantile(values, [alpha, 1 - alpha])
    for v in ours:
        parts.append(
            f'<line x1="{x(v):.2f}" x2="{x(v):.2f}" y1="{pad / 2}" y2="{height}" '
            'stroke="#1f4e99" stroke-dasharray="2,2"/>'
        )
    if interval is not None:
        for v in interval:
            if v is not None and np.isfinite(v):
                parts.append(
                    f'<line x1="{x(v):.2f}" x2="{x(v):.2f}" y1="{pad / 2}" y2="{height}" '
                    'stroke="#c0392b" stroke-width="2" stroke-dasharray="5,3"/>'
                )
    if np.isfinite(estimate):
        parts.append(
            f'<line x1="{x(estimate):.2f}" x2="{x(estimate):.2f}" y1="{pad / 2}" y2="{height}" '
            'stroke="black" stroke-width="2"/>'
        )
    parts.append(
        f'<line x1="{pad}" x2="{width - pad}" y1="{height}" y2="{height}" stroke="#444"/>'
        f'<text x="{pad}" y="{height + 14}">{fmt(lo)}</text>'
        f'<text x="{width - pad}" y="{height + 14}" text-anchor="end">{fmt(hi)}</text>'
        f'<text x="{pad}" y="11">{html.escape(title)}</text></svg>'
    )
    _html("".join(parts))
    wf = "—" if interval is None else f"[{fmt(interval[0])}, {fmt(interval[1])}]"
    md(
        f"{values.size:,} replicates kept, **{dropped} dropped** ({why_dropped}). "
        f"Black: estimate {fmt(estimate)}; red dashed: the workflow's interval {wf}; "
        f"blue dotted: the percentile interval of these replicates [{fmt(ours[0])}, "
        f"{fmt(ours[1])}]{_same(ours, interval)}."
    )


def variance_replicates(
    vc: pl.DataFrame, path: Path, *, confidence: float, why_dropped: str
) -> None:
    """The uncertainty part of a variance-components section: the workflow's kept replicates
    (``path``, one row per replicate, a column per component's share) counted against the
    table ``vc``, each share's percentile interval recomputed from them (numpy ``quantile``,
    linear interpolation) and checked against the table's, and a histogram per component.
    ``why_dropped`` says why a replicate is not kept."""
    if not path.exists():
        md(
            "*The workflow's replicates were not written for this study (a run that predates "
            "them): the table's interval is shown alone.*"
        )
        return
    reps = pl.read_parquet(path)
    kept, dropped = reps.height, int(vc["n_dropped"][0])
    check(
        "replicates kept (rows of the replicates file)", kept, vc["n_replicates"][0], decimals=None
    )
    gone = sorted(set(range(kept + dropped)) - set(reps["replicate"].to_list()))
    named = ""
    if gone and kept:
        more = f" and {len(gone) - 20:,} more" if len(gone) > 20 else ""
        named = f": replicates {', '.join(map(str, gone[:20]))}{more}"
    md(f"{kept:,} replicates kept, {dropped:,} dropped ({why_dropped}){named}.")
    alpha = (1 - confidence) / 2
    for r in vc.iter_rows(named=True):
        x = reps[r["component"]].to_numpy()
        low, high = np.quantile(x, [alpha, 1 - alpha]) if x.size else (np.nan, np.nan)
        for end, ours, theirs in (
            ("low", low, r["share_ci_low"]),
            ("high", high, r["share_ci_high"]),
        ):
            check(
                f"{r['component']}: share interval, {end} (numpy, the written replicates)",
                ours,
                theirs,
            )
    if kept == 0:
        md(
            "*No replicate was kept: the table's intervals are undefined (empty, as the checks "
            "above confirm) and there is no distribution to draw.*"
        )
        return
    for r in vc.iter_rows(named=True):
        x = reps[r["component"]].to_numpy()
        if not np.isfinite(x).all():
            md(
                f"*{int((~np.isfinite(x)).sum())} kept replicates have no {r['component']} "
                "share (every component 0 in the resample): not drawn.*"
            )
        histogram(
            x[np.isfinite(x)],
            estimate=r["share"],
            dropped=dropped,
            interval=(r["share_ci_low"], r["share_ci_high"]),
            confidence=confidence,
            title=f"share of the {r['component']}",
            why_dropped=why_dropped,
        )


def _same(ours, interval) -> str:
    if interval is None or any(v is None or not np.isfinite(v) for v in interval):
        return ""
    diff = max(abs(float(ours[0]) - interval[0]), abs(float(ours[1]) - interval[1]))
    if diff <= 5e-7:  # the tables are written with 6 decimals
        return " — the same interval as the workflow's (same resamples)"
    return f" (differs from the workflow's by up to {diff:.2g})"


# ---- context ----------------------------------------------------------------------------------
def claims(results: Path, ids: Sequence[str]) -> None:
    """The claims ledger's rows for ``ids`` and a sentence on each verdict."""
    path = results / "claims.csv"
    if not path.exists():
        md("*The claims ledger (`claims.csv`) was not built for this study.*")
        return
    ledger = pl.read_csv(path, infer_schema_length=None).filter(pl.col("claim_id").is_in(ids))
    if ledger.height == 0:
        md("*The claims ledger has no row for this analysis.*")
        return
    lines = []
    for r in ledger.iter_rows(named=True):
        verdict = {True: "**holds**", False: "**does not hold**", None: "cannot be checked"}[
            r.get("consistent")
        ]
        value = r.get("paper_value")
        said = f" (paper {value})" if value not in (None, "") else " (a conclusion, no number)"
        lines.append(f"- *{r['claim']}*{said}: {verdict} on these data.")
    md("Claims ledger:\n\n" + "\n".join(lines))


def read_table(results: Path, name: str) -> pl.DataFrame | None:
    path = results / "tables" / f"{name}.csv"
    return pl.read_csv(path, infer_schema_length=None) if path.exists() else None


def figure(results: Path, name: str, width: int = 760) -> bool:
    from IPython.display import Image

    path = results / "figures" / f"{name}.png"
    if not path.exists():
        return False
    _display(Image(filename=str(path), width=width))
    return True


def skipped_reason(results: Path, name: str) -> str:
    path = results / "skipped.csv"
    if path.exists():
        reasons = dict(pl.read_csv(path).select("output", "reason").iter_rows())
        if name in reasons:
            return reasons[name]
    return "the output was not made for this study"


def undefined_on_refusal(statistic: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    """``statistic(*args, **kwargs)`` of an independent library, or NaN where the library
    refuses the data as leaving its statistic undefined (a ValueError: krippendorff.alpha with
    no unit coded twice, one value in the domain). The workflow reports such a statistic as an
    empty cell with its reason, and :func:`check` lets two undefined values agree."""
    try:
        return float(statistic(*args, **kwargs))
    except ValueError:
        return float("nan")
