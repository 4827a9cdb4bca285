"""What the two variance-components rules share (stage2_variance_components,
stage3_variance_components; workflow/scripts/variance_components.py): their settings, taken from
the rule once (:class:`VarianceRun`), and their outputs, the table and the kept bootstrap
replicates of the shares that the stage's notebook reads (:func:`write_components`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import polars as pl

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VarianceRun:
    """One variance job: the study database, its outputs (table .csv/.md, replicates
    parquet) and the bootstrap's settings; ``threads`` is what the rule was given."""

    db: str
    csv: str
    md: str
    shares: str
    replicates: int
    seed: int
    confidence: float
    threads: int = 1

    @classmethod
    def from_rule(cls, snakemake: Any) -> VarianceRun:
        return cls(
            db=snakemake.input.db,
            csv=snakemake.output.csv,
            md=snakemake.output.md,
            shares=snakemake.output.shares,
            replicates=int(snakemake.params.replicates),
            seed=int(snakemake.params.bootstrap["seed"]),
            confidence=float(snakemake.params.bootstrap["confidence"]),
            threads=int(snakemake.threads),
        )


def write_components(
    run: VarianceRun, kind: str, table: pl.DataFrame, kept: pl.DataFrame, title: str, notes: str
) -> None:
    """The kept replicates (parquet, atomic), then the table with its notes (write_table)."""
    from recenter.atomic import atomic_write
    from recenter.outputs import write_table

    atomic_write(run.shares, lambda p: kept.write_parquet(p))
    write_table(table, run.csv, run.md, title=title, data_kind=kind, notes=notes)
    log.info("%s", table.select("component", "share").to_dicts())
