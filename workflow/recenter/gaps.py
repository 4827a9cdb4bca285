"""The rows each stage adds to the cross-stage gaps summary (``tables/gaps_stage<k>``): one
schema and one builder for the three stages, so their tables stack (recenter.claims.gaps reads
them together). A stage computes its comparisons; this module only turns them into rows:
estimates and interval ends are floats, NaN or None, and an undefined one is an empty cell,
never 0 (recenter.stats.bootstrap.none_if_nan), with the stage's reason in ``note``.
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


#: Why a comparison's estimate is undefined on a study, when it is (last column of the table).
NOTE = {"note": pl.String}


def gaps_table(
    stage: str,
    rows: Iterable[tuple],
    extra: Mapping[str, type[pl.DataType]] | None = None,
    reasons: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """A stage's gaps table: one row per ``(comparison, statistic, estimate, ci_low, ci_high,
    *extra values)``, the stage name (``"1 attribute extraction"``, …) in ``stage``, the
    columns of GAPS_SCHEMA followed by those of ``extra`` (name -> dtype, values in order) and
    ``note``: for a row whose estimate is undefined, ``reasons[comparison]`` (the stage knows
    why its statistic can be undefined); empty for a defined one."""
    extra = dict(extra or {})
    reasons = dict(reasons or {})
    records = []
    for comparison, statistic, estimate, low, high, *more in rows:
        if len(more) != len(extra):
            raise ValueError(
                f"gaps row {comparison!r} has {len(more)} extra values for the columns "
                f"{list(extra)}"
            )
        value = _cell(estimate)
        records.append(
            {
                "stage": stage,
                "comparison": comparison,
                "statistic": statistic,
                "estimate": value,
                "ci_low": _cell(low),
                "ci_high": _cell(high),
                **dict(zip(extra, more, strict=True)),
                "note": None if value is not None else _reason(reasons, comparison),
            }
        )
    return pl.DataFrame(records, schema={**GAPS_SCHEMA, **extra, **NOTE})


def _reason(reasons: Mapping[str, str], comparison: str) -> str:
    if comparison not in reasons:
        raise ValueError(f"gaps row {comparison!r} is undefined and its stage gives no reason")
    return reasons[comparison]
