"""recenter.outputs.write_study_table, the read-compute-write of the jobs that make one table:
its files against the same table written by hand with write_table under the study's data
kind, read from a small database written here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl
import pytest

from recenter.outputs import write_study_table, write_table


@pytest.fixture
def study_db(tmp_path: Path) -> Path:
    path = tmp_path / "study.duckdb"
    with duckdb.connect(str(path)) as con:
        con.sql("CREATE TABLE study (data_kind VARCHAR)")
        con.sql("INSERT INTO study VALUES ('fixture')")
        con.sql("CREATE TABLE ratings (x INTEGER)")
        con.sql("INSERT INTO ratings VALUES (3), (1), (2)")
    return path


def _ratings(con) -> pl.DataFrame:
    return con.sql("SELECT x FROM ratings ORDER BY x").pl()


@dataclass(frozen=True)
class Summary:
    table: pl.DataFrame
    total: int


def test_a_frame_is_written_as_write_table_writes_it(study_db: Path, tmp_path: Path) -> None:
    (tmp_path / "job").mkdir()
    (tmp_path / "hand").mkdir()
    job = tmp_path / "job" / "doubled.csv", tmp_path / "job" / "doubled.md"
    hand = tmp_path / "hand" / "doubled.csv", tmp_path / "hand" / "doubled.md"
    out = write_study_table(
        study_db,
        _ratings,
        lambda f: f.with_columns(twice=pl.col("x") * 2),
        *job,
        title="Doubled",
        notes="Some notes.",
    )
    expected = pl.DataFrame({"x": [1, 2, 3], "twice": [2, 4, 6]}, schema_overrides={"x": pl.Int32})
    assert out.equals(expected)
    write_table(expected, *hand, title="Doubled", data_kind="fixture", notes="Some notes.")
    for ours, theirs in zip(job, hand, strict=True):
        assert ours.read_bytes() == theirs.read_bytes()
    assert pl.read_csv(job[0])["data_kind"].to_list() == ["fixture"] * 3


def test_a_result_holding_its_table_with_notes_that_quote_it(
    study_db: Path, tmp_path: Path
) -> None:
    csv, md = tmp_path / "summary.csv", tmp_path / "summary.md"
    out = write_study_table(
        study_db,
        _ratings,
        lambda f: Summary(f, int(f["x"].sum())),
        csv,
        md,
        title="Summary",
        notes=lambda s: f"The ratings add up to {s.total}.",
    )
    assert out.total == 6
    assert pl.read_csv(csv)["x"].to_list() == [1, 2, 3]
    text = md.read_text(encoding="utf-8")
    assert text.startswith("# Summary\n") and "The ratings add up to 6." in text
