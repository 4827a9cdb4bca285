"""The study database (``data/processed/<study>/study.duckdb``, written by
:mod:`recenter.ingest`) as the analysis stages open it: read-only, and with the kind of data
it holds, which every output states."""

from __future__ import annotations

from pathlib import Path


def connect(db_path: str | Path):
    """Read-only connection to a study database."""
    import duckdb

    return duckdb.connect(str(db_path), read_only=True)


def data_kind(con) -> str:
    """``simulated`` | ``real`` | ``fixture`` from the study table."""
    return con.sql("SELECT data_kind FROM study").pl()["data_kind"][0]
