"""Errors that point at a place in an input file, and how a refused input is reported.

A check that finds a problem adds it to a :class:`Problems` collector and goes on, so that one
run reports every bad line (up to :data:`MAX_PROBLEMS`), not only the first. The collector
raises one error of the first problem's class whose ``problems`` holds them all.
:func:`report_refusal` is what a rule's script calls when its input is refused: the full trace
goes to the rule's log, a compact block of ``file, line, field`` messages to the terminal and
to a summary file that the Snakefile's ``onerror`` handler prints as the run's last lines.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

#: A run stops collecting after this many problems (the rest are likely of the same kind).
MAX_PROBLEMS = 20


class LocatedError(ValueError):
    """A problem at a place in a file. ``str()`` reads
    ``<file>, line <n>, field '<field>': <what was expected and found>``
    (line and field are left out when they do not apply). An error raised by
    :class:`Problems` carries every problem found in ``problems`` and ``str()`` gives one
    line per problem."""

    def __init__(self, path: str, line: int | None, field_name: str | None, message: str):
        self.path, self.line, self.field, self.message = path, line, field_name, message
        where = path
        if line is not None:
            where += f", line {line}"
        if field_name:
            where += f", field '{field_name}'"
        self.located = f"{where}: {message}"
        self.problems: list[LocatedError] = [self]
        self.truncated = False
        super().__init__(self.located)

    def lines(self) -> list[str]:
        """One line per problem, and a last line if collection stopped at the limit."""
        out = [p.located for p in self.problems]
        if self.truncated:
            out.append(f"(stopped after {len(self.problems)} problems; there may be more)")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


class Problems:
    """Collects located errors; raises them together at :meth:`check` or at the limit."""

    def __init__(self, limit: int = MAX_PROBLEMS):
        self.errors: list[LocatedError] = []
        self.limit = limit

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, err: LocatedError) -> None:
        self.errors.append(err)
        if len(self.errors) >= self.limit:
            raise self.combined(truncated=True)

    def combined(self, *, truncated: bool = False) -> LocatedError:
        first = self.errors[0]
        exc = type(first)(first.path, first.line, first.field, first.message)
        exc.problems = list(self.errors)
        exc.truncated = truncated
        return exc

    def check(self) -> None:
        """Raise the collected problems, if any."""
        if self.errors:
            raise self.combined()


def refusal_block(what: str, err: LocatedError) -> str:
    """The compact message a user sees: what was refused, then one line per problem."""
    n = len(err.problems)
    head = f"recenter: {what}: {n} problem{'s' if n != 1 else ''}"
    return "\n".join([head, *(f"  {line}" for line in err.lines())])


def report_refusal(
    what: str,
    err: LocatedError,
    summary_path: str | Path | None,
    *,
    redact: Callable[[str], str] = lambda text: text,
) -> None:
    """Log the full trace, print the compact block to stderr and write it to
    ``summary_path`` (read by the Snakefile's ``onerror``); the caller then exits non-zero.
    ``redact`` is applied to everything written to a file (the importer replaces raw annotator
    names by their pseudonyms there; the terminal gets the real paths)."""
    block = refusal_block(what, err)
    logging.error("%s", redact(block))
    logging.error("trace:\n%s", redact(_trace(err)))
    print("\n" + block + "\n", file=sys.stderr)
    if summary_path is not None:
        from recenter.outputs import atomic_write_text

        atomic_write_text(summary_path, redact(block) + "\n")


def _trace(err: BaseException) -> str:
    import traceback

    return "".join(traceback.format_exception(err))


def print_refusals(logs: str | Path, since: float) -> None:
    """Print to stderr the messages of every input refused since ``since`` (the
    ``*.problems.txt`` logs written by :func:`report_refusal`), each with the log that holds
    its full trace. The Snakefile's ``onerror`` registers it to run at exit, so that these are
    the terminal's last lines, after Snakemake's own report of the failed jobs."""
    for path in sorted(Path(logs).glob("**/*.problems.txt")):
        stat = path.stat()
        if stat.st_mtime >= since - 1 and stat.st_size:
            trace = path.with_name(path.name[: -len(".problems.txt")] + ".log")
            text = path.read_text(encoding="utf-8").rstrip()
            print(f"\n{text}\n  (full trace: {trace})", file=sys.stderr)
