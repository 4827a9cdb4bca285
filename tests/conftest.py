"""Shared test helpers: the fixture study and a throw-away workflow directory."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE_STUDY = REPO / "tests" / "fixtures" / "study"


def make_workdir(root: Path, rich_logger: bool = False) -> Path:
    """A directory that runs the repository's workflow on its own data/ and results/, as a
    checkout does: Snakefile, workflow/ and notebooks/ are linked, config/ is copied (tests may
    edit it), and so is the default workflow profile Snakemake reads by itself.

    Tests read which jobs ran from Snakemake's standard job listing, so the profile's terminal
    logger (``logger: [rich]``, a display for people) is left out unless ``rich_logger``; the
    tests of what a user sees on the terminal keep it."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("Snakefile", "workflow", "notebooks"):
        (root / name).symlink_to(REPO / name)
    shutil.copytree(REPO / "config", root / "config")
    profile = root / "profiles" / "default"
    profile.mkdir(parents=True)
    text = (REPO / "profiles" / "default" / "config.yaml").read_text(encoding="utf-8")
    if not rich_logger:
        text = "".join(ln for ln in text.splitlines(keepends=True) if not ln.startswith("logger:"))
    (profile / "config.yaml").write_text(text, encoding="utf-8")
    return root


def add_study(workdir: Path, source: Path = FIXTURE_STUDY, name: str | None = None) -> Path:
    dest = workdir / "data" / "raw" / (name or source.name)
    shutil.copytree(source, dest)
    return dest


def run_snakemake(workdir: Path, *args: str, check: bool = False) -> subprocess.CompletedProcess:
    """Run snakemake in ``workdir`` with this interpreter's environment."""
    exe = Path(sys.executable).with_name("snakemake")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run(
        [str(exe), *args], cwd=workdir, capture_output=True, text=True, env=env, timeout=1800
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"snakemake {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


@pytest.fixture
def fixture_workdir(tmp_path: Path) -> Path:
    """A workflow directory holding a copy of the fixture study as data/raw/study/."""
    workdir = make_workdir(tmp_path / "wf")
    add_study(workdir)
    return workdir


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that takes a workflow directory runs Snakemake: it is a workflow test (`make
    test-fast` leaves those out) even where its module forgot the marker."""
    for item in items:
        if "fixture_workdir" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.workflow)
