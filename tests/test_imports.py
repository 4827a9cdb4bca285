"""Every ``from recenter... import name`` in the workflow scripts and benchmarks resolves.

Snakemake scripts and benchmarks are not imported by the other tests (scripts need the
``snakemake`` object, benchmarks are run by hand), so a renamed function would otherwise only
surface when a job or a benchmark runs.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from conftest import REPO

SOURCES = sorted(
    [*(REPO / "workflow").rglob("*.py"), *(REPO / "bench").rglob("*.py")],
    key=lambda p: p.as_posix(),
)


def recenter_imports(path: Path) -> list[tuple[str, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("recenter")
        for alias in node.names
    ]


def test_sources_are_found() -> None:
    assert sum(1 for p in SOURCES if p.parent.name == "scripts") >= 10
    assert any(p.parent.name == "bench" for p in SOURCES)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.relative_to(REPO).as_posix())
def test_recenter_imports_resolve(path: Path) -> None:
    missing = []
    for module, name in recenter_imports(path):
        mod = importlib.import_module(module)
        if not hasattr(mod, name):
            try:
                importlib.import_module(f"{module}.{name}")
            except ImportError:
                missing.append(f"{module}.{name}")
    assert missing == [], f"{path.name} imports names that do not exist: {missing}"
