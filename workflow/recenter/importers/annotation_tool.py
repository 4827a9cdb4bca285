"""Importer of the authors' annotation-tool exports (placeholder until it lands)."""

from pathlib import Path


def plan(export_dir: Path, study: str) -> dict[str, list[str]]:
    """study name -> raw files (relative to data/raw/<study>/) the import writes."""
    raise NotImplementedError("the annotation-tool importer is not written yet")
