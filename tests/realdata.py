"""Where the authors' annotation-tool export is (../shared beside the repository, or
$RECENTER_SHARED), and what a test does when it is absent: skip outside CI, fail in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    """``$RECENTER_SHARED`` if set, else ``../shared`` beside the repository."""
    env = os.environ.get("RECENTER_SHARED")
    return Path(env) if env else REPO.parent / "shared"


def annotation_tool_export() -> Path:
    """The export folder; skips the test when absent (fails instead when ``CI=true``)."""
    export = shared_dir() / "realdata" / "annotation-tool"
    if not export.is_dir():
        why = f"the authors' annotation-tool export is not at {export} (set RECENTER_SHARED)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    return export
