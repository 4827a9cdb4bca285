"""Atomic writes: a file is written under a temporary name in its folder and renamed into
place, so a failure never leaves a half-written file under the real name.

The one writer of the project: results (:mod:`recenter.outputs`), the importer's raw studies
(:mod:`recenter.importers.annotation_tool`) and the study database (:mod:`recenter.ingest`)
all go through :func:`atomic_write`. A file written this way gets the permissions the umask
gives a new file (``mkstemp`` alone would make it 0600, unreadable to a colleague or a web
server).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path


def current_umask() -> int:
    """The process's umask (os.umask can only be read by setting it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """The mode a plainly created file gets: 0666 less the umask (0644 under umask 022)."""
    return 0o666 & ~current_umask()


def atomic_write(
    path: str | os.PathLike,
    write: Callable[[Path], None],
    *,
    fresh: bool = False,
    companions: Iterable[str] = (),
) -> None:
    """Call ``write(tmp)``, then rename ``tmp`` to ``path`` (same folder: atomic).

    ``fresh=True``: the temporary name is reserved but no file is left there, for writers
    that refuse an existing file (DuckDB will not open an empty file as a database).
    ``companions``: suffixes of files the writer may leave beside ``tmp`` (DuckDB's
    ``.wal``), removed with it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    if fresh:
        tmp_path.unlink()
    try:
        write(tmp_path)
        os.chmod(tmp_path, file_mode())
        os.replace(tmp_path, path)
    finally:
        tmp_path.unlink(missing_ok=True)
        for suffix in companions:
            Path(str(tmp_path) + suffix).unlink(missing_ok=True)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    atomic_write(path, lambda p: p.write_text(text, encoding="utf-8"))
