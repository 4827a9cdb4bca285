"""Shared test helpers: the fixture study and a throw-away workflow directory."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
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


def digests(root: Path, workdir: Path | None = None) -> dict[str, str]:
    """SHA-256 of every file under ``root``. With ``workdir``, its absolute path is replaced by
    a placeholder first, so that runs in two folders can be compared (the rendered outputs are
    meant to name no absolute path; this keeps a comparison about the bytes that matter)."""

    def data(p: Path) -> bytes:
        raw = p.read_bytes()
        return raw.replace(str(workdir).encode(), b"<workdir>") if workdir else raw

    return {
        p.relative_to(root).as_posix(): hashlib.sha256(data(p)).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def raw_state(workdir: Path) -> dict[str, tuple[str, int]]:
    """Digest and modification time of every raw file (a rewrite with the same bytes shows)."""
    root = workdir / "data/raw"
    return {rel: (sha, (root / rel).stat().st_mtime_ns) for rel, sha in digests(root).items()}


FIXTURE_ARGS = ("--cores", "2", "--config", "study=study")
BUILD_UMASK = 0o027


@dataclass(frozen=True)
class Built:
    """The whole DAG run once on the fixture study, under umask 027 (so that the permission
    test can read what the workflow gave every file); the raw files' state before the run."""

    workdir: Path
    raw_before: dict[str, tuple[str, int]]
    stderr: str

    def copy(self, dest: Path) -> Path:
        """A copy of the built directory (modification times kept, Snakefile and workflow still
        linked): Snakemake sees it as up to date, as the original."""
        shutil.copytree(self.workdir, dest, symlinks=True)
        return dest


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One clean build of the fixture study per test process. A full build costs a minute or
    more on two cores; the tests that need a built study (second run, permissions, report,
    notebooks, SLURM, reference bytes for the interruption test) start from a copy of this one
    instead of building their own."""
    workdir = make_workdir(tmp_path_factory.mktemp("built") / "wf")
    add_study(workdir)
    before = raw_state(workdir)
    exe = Path(sys.executable).with_name("snakemake")
    proc = subprocess.run(
        [str(exe), *FIXTURE_ARGS],
        cwd=workdir,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        timeout=1800,
        preexec_fn=lambda: os.umask(BUILD_UMASK),
    )
    assert proc.returncode == 0, proc.stderr[-5000:]
    return Built(workdir, before, proc.stderr)


@pytest.fixture
def built_workdir(built: Built, tmp_path: Path) -> Path:
    """A private copy of the built fixture study, for a test that changes it."""
    return built.copy(tmp_path / "wf")


@pytest.fixture(scope="session")
def simulated_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workflow directory on the simulated default, shared by the tests of one process that
    build parts of it (each stage's recovery test builds its stage's targets): the simulation
    and the ingest, a large share of each test's cost, run once. The tests only read what they
    build."""
    return make_workdir(tmp_path_factory.mktemp("simulated") / "wf")


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
        uses = {"fixture_workdir", "built", "simulated_workdir"}
        if uses & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.workflow)
