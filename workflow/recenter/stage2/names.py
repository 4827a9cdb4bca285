"""Names of the Stage-2 systems the workflow computes itself (light: no heavy imports, the
Snakefile reads it to plan jobs)."""

from __future__ import annotations

BM25 = "bm25"


def lsa_name(dimensions: int) -> str:
    """System name of the LSA embedding baseline with ``dimensions`` components."""
    return f"embedding-lsa-{dimensions}"


def baseline_systems(dimensions: int) -> list[str]:
    """Names of the baselines the workflow computes (system names in Table 3)."""
    return [BM25, lsa_name(dimensions)]
