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


def test_jsonschema_does_not_compile_the_iri_grammars_after_recenter() -> None:
    """Importing recenter first keeps jsonschema (and altair) from importing rfc3987-syntax,
    whose grammars take seconds to compile; checked in a fresh interpreter."""
    import subprocess
    import sys

    code = (
        "import sys, recenter, altair, jsonschema; "
        "print('lark' in sys.modules, 'iri' in jsonschema.FormatChecker.checkers)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False"]


def test_no_schema_uses_the_iri_formats_left_unchecked() -> None:
    """The formats jsonschema no longer checks (above) appear in none of our schemas."""
    texts = [p.read_text(encoding="utf-8") for p in (REPO / "workflow").rglob("*.json")]
    schemas = (REPO / "workflow" / "schemas").rglob("*")
    texts += [p.read_text(encoding="utf-8") for p in schemas if p.is_file()]
    assert texts
    assert not any('"iri' in t or "format: iri" in t for t in texts)
