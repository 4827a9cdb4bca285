"""The study database (``data/processed/<study>/study.duckdb``, written by
:mod:`recenter.ingest`) as the analysis stages open it: read-only, and with the kind of data
it holds, which every output states."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def connect(db_path: str | Path):
    """Read-only connection to a study database."""
    import duckdb

    return duckdb.connect(str(db_path), read_only=True)


def data_kind(con) -> str:
    """``simulated`` | ``real`` | ``fixture`` from the study table."""
    return con.sql("SELECT data_kind FROM study").pl()["data_kind"][0]


def read(db_path: str | Path, load: Callable[[Any], T]) -> tuple[str, T]:
    """``(data_kind, load(con))`` of a study database: what a job that writes one output
    reads first (the kind for the output's banner, the data for its computation)."""
    with connect(db_path) as con:
        return data_kind(con), load(con)
