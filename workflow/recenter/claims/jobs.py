"""What the claims rules do: write the ledger (claims.csv/.md, numbers.json/.tex) from the
study database and the stage tables."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from recenter.claims.design import study_counts
from recenter.claims.ledger import build_ledger, ledger_markdown
from recenter.claims.model import Context
from recenter.claims.numbers import numbers, numbers_tex
from recenter.outputs import atomic_write_text


def write_ledger(ctx: Context, csv: str, md: str, json_path: str, tex: str) -> pl.DataFrame:
    from recenter.outputs import write_table

    ledger = build_ledger(ctx)
    write_table(
        ledger,
        csv,
        None,
        title="Claims ledger",
        data_kind=ctx.data_kind,
    )
    atomic_write_text(md, ledger_markdown(ledger, ctx))
    atomic_write_text(json_path, json.dumps(numbers(ledger, ctx), indent=2, sort_keys=True) + "\n")
    atomic_write_text(tex, numbers_tex(ledger, ctx))
    return ledger


def ledger_job(*, db, skipped, truth, tables, study, confidence, csv, md, json_path, tex):
    """rule claims_ledger: read the database counts, skipped.csv, truth.json (simulated), and
    write claims.csv/.md, numbers.json/.tex. ``tables`` are the stage tables the rule waits
    for (the ledger reads them by name from their folder)."""
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        counts = study_counts(con)
        data_kind = con.sql("SELECT data_kind FROM study").fetchall()[0][0]
    skip = pl.read_csv(skipped) if Path(skipped).stat().st_size else None
    reasons = {}
    if skip is not None and skip.height:
        reasons = dict(skip.select("output", "reason").iter_rows())
    truth_doc = json.loads(Path(truth[0]).read_text(encoding="utf-8")) if truth else None
    tables_dir = Path(csv).parent / "tables"
    for t in tables:
        if Path(t).parent != tables_dir:
            raise ValueError(f"{t} is not in {tables_dir}")
    ctx = Context(tables_dir, counts, float(confidence), data_kind, study, reasons, truth_doc)
    return write_ledger(ctx, csv, md, json_path, tex)
