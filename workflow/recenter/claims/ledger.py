"""Building the ledger (one row per paper value), its summary and Markdown page, writing it with
numbers.json/.tex, and the rule's job."""

from __future__ import annotations

import polars as pl

from recenter import paper
from recenter.claims.model import (
    CHECKS,
    STAGE_NAMES,
    Context,
    fmt,
    fmt_ci,
    not_supported,
    num,
)
from recenter.claims.stage1 import _DIVERSITY
from recenter.claims.stage2 import _TAB3
from recenter.claims.truth import _truth_note, truth_value
from recenter.outputs import banner, markdown_table


def build_ledger(ctx: Context, values: dict[str, paper.PaperValue] | None = None) -> pl.DataFrame:
    """One row per paper value (file order), LEDGER_COLUMNS."""
    values = values if values is not None else paper.values()
    rows = []
    for pv in values.values():
        fn = CHECKS.get(pv.id)
        if fn is None:
            out = not_supported("no check of this claim is implemented yet", "—")
        elif not pv.checkable and pv.id not in _DIVERSITY:
            out = not_supported(pv.why or "not checkable", "—")
        else:
            out = fn(ctx, pv)
        if pv.status == "unknown" and out.consistent is not None:
            out.consistent = None
        t = truth_value(ctx.truth, pv.id) if ctx.data_kind == "simulated" else None
        if t is not None and out.value is not None:
            out.note = "; ".join(x for x in (out.note, _truth_note(pv, out, t, ctx)) if x)
        elif ctx.data_kind == "simulated" and out.consistent is False and pv.id in _TAB3:
            out.note = "; ".join(
                x
                for x in (
                    out.note,
                    "the simulator does not calibrate the text baselines: their F1 follows from "
                    "its text model",
                )
                if x
            )
        rows.append(
            {
                "claim_id": pv.id,
                "claim": pv.claim,
                "stage": STAGE_NAMES[pv.stage],
                "figure": pv.figure,
                "status": pv.status,
                "kind": pv.kind,
                "source": out.source,
                "paper_value": pv.paper_text or "",
                "value": num(out.value),
                "ci_low": num(out.ci_low),
                "ci_high": num(out.ci_high),
                "consistent": out.consistent,
                "test": out.test,
                "note": out.note,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "claim_id": pl.String,
            "claim": pl.String,
            "stage": pl.String,
            "figure": pl.String,
            "status": pl.String,
            "kind": pl.String,
            "source": pl.String,
            "paper_value": pl.String,
            "value": pl.Float64,
            "ci_low": pl.Float64,
            "ci_high": pl.Float64,
            "consistent": pl.Boolean,
            "test": pl.String,
            "note": pl.String,
        },
    )


def summary(ledger: pl.DataFrame) -> dict[str, int]:
    c = ledger["consistent"]
    return {
        "claims": ledger.height,
        "consistent": int((c == True).sum()),  # noqa: E712 (polars comparison)
        "not_consistent": int((c == False).sum()),  # noqa: E712
        "not_checked": int(c.is_null().sum()),
    }


def _test_note(r: dict) -> str:
    parts = []
    if r["test"]:
        parts.append(f"*test:* {r['test']}")
    if r["note"]:
        parts.append(f"*note:* {r['note']}")
    return "; ".join(parts)


def _mark(v: bool | None) -> str:
    return {True: "yes", False: "**no**", None: "—"}[v]


def ledger_markdown(ledger: pl.DataFrame, ctx: Context) -> str:
    s = summary(ledger)
    lines = [
        f"# Claims ledger: study `{ctx.study}`",
        "",
        f"> **{banner(ctx.data_kind)}**",
        "",
        f"{s['claims']} claims of the paper: **{s['consistent']} consistent**, "
        f"**{s['not_consistent']} not consistent**, {s['not_checked']} that these data cannot "
        f"check (reason in the note). Intervals: {ctx.level()} percentile cluster bootstrap "
        "(see each source table's notes for the cluster).",
        "",
        "consistent: numbers — the paper's value, widened by its printed rounding, lies in our "
        "interval (or, without an interval, our estimate is within that rounding); ranges — "
        "our interval overlaps the paper's; design counts — equal; directional claims — the "
        "same conclusion follows by the test named in the row.",
        "",
    ]
    for stage in STAGE_NAMES.values():
        part = ledger.filter(pl.col("stage") == stage)
        if part.height == 0:
            continue
        lines += [f"## {'Study design' if stage == 'design' else 'Stage ' + stage}", ""]
        view = part.select(
            pl.col("claim_id"),
            pl.col("figure"),
            pl.col("claim"),
            pl.col("paper_value").alias("paper"),
            pl.struct("value", "ci_low", "ci_high")
            .map_elements(
                lambda r: (
                    ""
                    if r["value"] is None
                    else (
                        fmt(r["value"])
                        + ("" if r["ci_low"] is None else " " + fmt_ci(r["ci_low"], r["ci_high"]))
                    )
                ),
                return_dtype=pl.String,
            )
            .alias("ours"),
            pl.col("consistent").map_elements(_mark, return_dtype=pl.String, skip_nulls=False),
            pl.struct("test", "note")
            .map_elements(_test_note, return_dtype=pl.String)
            .alias("test / note"),
        )
        lines += [markdown_table(view), ""]
    return "\n".join(lines) + "\n"
