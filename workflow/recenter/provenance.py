"""The provenance of a run, for the report: the configuration, the raw files with their
checksums (from the study database's provenance table), the package versions of the lock file
as installed, and the git revision of the workflow."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
from pathlib import Path

from recenter.outputs import atomic_write_text, banner, markdown_table


def repo_root(repo: str | Path) -> Path:
    """The checkout holding the workflow: the folder of the (symlink-resolved) Snakefile."""
    root = Path(repo)
    snakefile = root / "Snakefile"
    return snakefile.resolve().parent if snakefile.exists() else root


def git_revision(repo: str | Path) -> str:
    """``<commit>`` (plus ``-dirty`` with uncommitted changes) of the repository holding
    ``repo``'s Snakefile, or ``unknown`` outside a git checkout."""
    root = repo_root(repo)
    try:
        rev = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (not a git checkout)"
    return rev + ("-dirty" if dirty else "")


def locked_versions(lock: str | Path) -> list[tuple[str, str, str]]:
    """(package, locked version, installed version) for every ``name==version`` line."""
    rows = []
    for line in Path(lock).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" not in line:
            continue
        name, version = (p.strip() for p in line.split("==", 1))
        name = name.split("[", 1)[0]
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            installed = "not installed"
        rows.append((name, version, installed))
    return rows


def provenance_job(db: str, md: str, config: dict, repo: str | Path) -> None:
    import duckdb
    import polars as pl

    with duckdb.connect(str(db), read_only=True) as con:
        study = con.sql("SELECT name, data_kind, source FROM study").fetchall()[0]
        files = con.sql(
            "SELECT path, sha256, n_bytes, n_records FROM provenance ORDER BY path"
        ).pl()
    lock = repo_root(repo) / "requirements.lock"
    rows = locked_versions(lock) if lock.exists() else []
    versions = pl.DataFrame(rows, schema=["package", "locked", "installed"], orient="row")
    mismatched = versions.filter(pl.col("locked") != pl.col("installed"))
    page = [
        f"# Provenance of study `{study[0]}`",
        "",
        f"> **{banner(study[1])}**",
        "",
        f"- workflow git revision: `{git_revision(repo)}`",
        f"- study source: {study[2] or 'not recorded'}",
        f"- raw files: {files.height}; packages in requirements.lock: {versions.height}, "
        f"{mismatched.height} installed at another version",
        "",
        "## Configuration",
        "",
        "```json",
        json.dumps(config, indent=2, sort_keys=True, default=str),
        "```",
        "",
        "## Raw files (SHA-256)",
        "",
        markdown_table(files),
        "",
        "## Package versions (requirements.lock, and as installed)",
        "",
        markdown_table(versions),
        "",
    ]
    atomic_write_text(md, "\n".join(page))
