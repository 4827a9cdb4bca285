"""Column groups that several result tables share, so that a table's schema is written from
the same parts wherever the same quantity appears."""

from __future__ import annotations

import polars as pl

#: A point estimate and its interval (the interval's method is in each table's notes).
INTERVAL: dict[str, type[pl.DataType]] = {
    "estimate": pl.Float64,
    "ci_low": pl.Float64,
    "ci_high": pl.Float64,
}

#: Behind an agreement statistic: raters, rater pairs, units, and why it is undefined.
RATER_COUNTS: dict[str, type[pl.DataType]] = {
    "n_raters": pl.Int64,
    "n_pairs": pl.Int64,
    "n": pl.Int64,
    "note": pl.String,
}
