"""The rows each stage adds to the cross-stage gaps summary (``tables/gaps_stage<k>``): one
schema and one builder for the three stages, so their tables stack (recenter.claims.gaps reads
them together). A stage computes its comparisons; this module only turns them into rows:
estimates and interval ends are floats, NaN or None, and an undefined one is an empty cell,
never 0 (recenter.stats.bootstrap.none_if_nan), with the stage's reason in ``note``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

import numpy as np
import polars as pl

from recenter.outputs import write_table
from recenter.schemas import INTERVAL
from recenter.stats.bootstrap import none_if_nan

#: Columns every stage's gaps table has, in this order (a stage may append its own, ``extra``):
#: ``n_replicates_dropped`` counts the bootstrap replicates in which the statistic was
#: undefined (the interval rests on the others).
GAPS_SCHEMA: dict[str, type[pl.DataType]] = {
    "stage": pl.String,
    "comparison": pl.String,
    "statistic": pl.String,
    **INTERVAL,
    "n_replicates_dropped": pl.Int64,
}


def _cell(x) -> float | None:
    return None if x is None else none_if_nan(x)


#: Why a comparison's estimate is undefined on a study, when it is (last column of the table).
NOTE = {"note": pl.String}


def n_dropped(replicates: np.ndarray | None) -> int | None:
    """Replicates in which a statistic is undefined (NaN); None without replicates."""
    return None if replicates is None else int(np.isnan(np.asarray(replicates, float)).sum())


def write_gaps(
    table: pl.DataFrame,
    csv: str,
    md: str,
    *,
    title: str,
    data_kind: str,
    notes: Iterable[str],
    row_notes: Iterable[str] = (),
) -> None:
    """Write one stage's rows of the gaps summary. The table notes are ``notes`` then
    ``row_notes`` (what was left out of individual rows, and why), joined by spaces; each row
    note is also logged, so the job's log says it."""
    row_notes = list(row_notes)
    for note in row_notes:
        logging.getLogger(__name__).info(note)
    write_table(
        table, csv, md, title=title, data_kind=data_kind, notes=" ".join([*notes, *row_notes])
    )


def gaps_table(
    stage: str,
    rows: Iterable[tuple],
    extra: Mapping[str, type[pl.DataType]] | None = None,
    reasons: Mapping[str, str] | None = None,
    replicates: int | None = None,
) -> pl.DataFrame:
    """A stage's gaps table: one row per ``(comparison, statistic, estimate, ci_low, ci_high,
    n_replicates_dropped, *extra values)``, the stage name (``"1 attribute extraction"``, …)
    in ``stage``, the columns of GAPS_SCHEMA followed by those of ``extra`` (name -> dtype,
    values in order) and ``note``: for a row whose estimate is undefined,
    ``reasons[comparison]`` (the stage knows why its statistic can be undefined); for a
    defined one whose interval dropped more than 1% of the ``replicates``, how many; else
    empty."""
    extra = dict(extra or {})
    reasons = dict(reasons or {})
    records = []
    for row in rows:
        if len(row) != 6 + len(extra):
            raise ValueError(
                f"gaps row {row[0]!r} has {len(row)} values: (comparison, statistic, estimate, "
                f"ci_low, ci_high, n_replicates_dropped) and the columns {list(extra)}"
            )
        comparison, statistic, estimate, low, high, dropped, *more = row
        value = _cell(estimate)
        records.append(
            {
                "stage": stage,
                "comparison": comparison,
                "statistic": statistic,
                "estimate": value,
                "ci_low": _cell(low),
                "ci_high": _cell(high),
                "n_replicates_dropped": dropped,
                **dict(zip(extra, more, strict=True)),
                "note": _reason(reasons, comparison)
                if value is None
                else _dropped_note(dropped, replicates),
            }
        )
    return pl.DataFrame(records, schema={**GAPS_SCHEMA, **extra, **NOTE})


def _dropped_note(dropped: int | None, replicates: int | None) -> str | None:
    if dropped is None or replicates is None or dropped <= 0.01 * replicates:
        return None
    return (
        f"{dropped} of {replicates} bootstrap replicates dropped (statistic undefined in the "
        "resample); the interval rests on the others"
    )


def _reason(reasons: Mapping[str, str], comparison: str) -> str:
    if comparison not in reasons:
        raise ValueError(f"gaps row {comparison!r} is undefined and its stage gives no reason")
    return reasons[comparison]
