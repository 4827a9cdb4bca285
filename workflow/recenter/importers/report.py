"""The import report: counts of documented skips and merges, and records written, per study."""

from __future__ import annotations

from pathlib import Path

from recenter.importers.annotation_tool import COUNT_MEANINGS, ImportResult


def count_rows(result: ImportResult, study: str) -> list[dict]:
    """One row per written file (records) and per documented count of ``study``, sorted."""
    rows = []
    st = result.studies[study]
    for rel in sorted(st.files):
        rows.append(
            {"kind": "records written", "name": rel, "n": len(st.files[rel]), "meaning": ""}
        )
    for s, key, n, meaning in result.counts.rows():
        if s == study:
            rows.append({"kind": "import count", "name": key, "n": n, "meaning": meaning})
    return rows


def write_counts(result: ImportResult, paths: list[str]) -> None:
    """Write ``results/<study>/tables/import_counts.{csv,md}`` for each study of ``paths``."""
    import polars as pl

    from recenter.outputs import write_table

    by_study = {Path(p).parents[1].name: p for p in paths if p.endswith(".csv")}
    for study, csv_path in sorted(by_study.items()):
        df = pl.DataFrame(
            count_rows(result, study),
            schema={"kind": pl.String, "name": pl.String, "n": pl.Int64, "meaning": pl.String},
        )
        notes = (
            "Counts of the annotation-tool import; every count is documented in "
            "workflow/recenter/importers/README.md:\n\n"
            + "\n".join(f"- `{k}`: {v}" for k, v in COUNT_MEANINGS.items())
        )
        write_table(
            df,
            csv_path,
            csv_path[: -len(".csv")] + ".md",
            title=f"Import of the annotation-tool export: {study}",
            data_kind="real",
            notes=notes,
        )
