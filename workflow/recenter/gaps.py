"""The rows each stage adds to the cross-stage gaps summary (``tables/gaps_stage<k>``): one
schema and one builder for the three stages, so their tables stack (recenter.claims.gaps reads
them together). A stage computes its comparisons; this module only turns them into rows:
estimates and interval ends are floats, NaN or None, and an undefined one is an empty cell,
never 0 (recenter.stats.bootstrap.none_if_nan).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

from recenter.schemas import INTERVAL
from recenter.stats.bootstrap import none_if_nan

#: Columns every stage's gaps table has, in this order (a stage may append its own, ``extra``).
GAPS_SCHEMA: dict[str, type[pl.DataType]] = {
    "stage": pl.String,
    "comparison": pl.String,
    "statistic": pl.String,
    **INTERVAL,
}


def _cell(x) -> float | None:
    return None if x is None else none_if_nan(x)


def gaps_table(
    stage: str,
    rows: Iterable[tuple],
    extra: Mapping[str, type[pl.DataType]] | None = None,
) -> pl.DataFrame:
    """A stage's gaps table: one row per ``(comparison, statistic, estimate, ci_low, ci_high,
    *extra values)``, the stage name (``"1 attribute extraction"``, …) in ``stage``, the
    columns of GAPS_SCHEMA followed by those of ``extra`` (name -> dtype, values in order)."""
    extra = dict(extra or {})
    records = []
    for comparison, statistic, estimate, low, high, *more in rows:
        if len(more) != len(extra):
            raise ValueError(
                f"gaps row {comparison!r} has {len(more)} extra values for the columns "
                f"{list(extra)}"
            )
        records.append(
            {
                "stage": stage,
                "comparison": comparison,
                "statistic": statistic,
                "estimate": _cell(estimate),
                "ci_low": _cell(low),
                "ci_high": _cell(high),
                **dict(zip(extra, more, strict=True)),
            }
        )
    return pl.DataFrame(records, schema={**GAPS_SCHEMA, **extra})
