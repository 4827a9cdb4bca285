"""The provenance page's pieces: locked against installed versions, and the git revision."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

from recenter import provenance

REPO = Path(__file__).resolve().parents[1]


def test_locked_versions_compare_the_lock_with_what_is_installed(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    polars = importlib.metadata.version("polars")
    lock.write_text(
        f"# comment\npolars=={polars}\nno-such-package-xyz==1.0  # pinned\n\n", encoding="utf-8"
    )
    assert provenance.locked_versions(lock) == [
        ("polars", polars, polars),
        ("no-such-package-xyz", "1.0", "not installed"),
    ]


def test_git_revision_of_the_checkout_and_outside_one(tmp_path: Path) -> None:
    rev = provenance.git_revision(REPO)
    assert re.fullmatch(r"[0-9a-f]{40}(-dirty)?", rev) or rev.startswith("unknown")
    assert provenance.git_revision(tmp_path).startswith("unknown")
