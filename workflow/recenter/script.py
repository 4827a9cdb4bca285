"""What the scripts under workflow/scripts share: the preamble ``log_to_rule(snakemake)``, which
sends the ``logging`` records and any uncaught traceback to the rule's log file (so that a
failed job's log says why it failed; Snakemake prints the log's path), and :func:`table_job`,
the one body of the rules that write a single table (workflow/scripts/table.py)."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

FORMAT = "%(asctime)s %(levelname)s %(message)s"


def log_to_rule(snakemake: Any, log: str | None = None) -> logging.Logger:
    """Log to ``log`` (default: the rule's first log file, ``snakemake.log[0]``), truncated, at
    INFO; an uncaught exception is written there with its traceback before Python prints it
    to stderr as usual. ``SystemExit`` is not an error here: a script that refuses its input
    prints its own messages and exits (recenter.errors.report_refusal)."""
    path = str(log if log is not None else snakemake.log[0])
    logging.basicConfig(filename=path, filemode="w", level=logging.INFO, format=FORMAT, force=True)
    previous = sys.excepthook

    def hook(kind: type[BaseException], err: BaseException, tb: TracebackType | None) -> None:
        logging.critical("uncaught exception", exc_info=(kind, err, tb))
        logging.shutdown()
        previous(kind, err, tb)

    sys.excepthook = hook
    return logging.getLogger()


def bootstrap(snakemake: Any):
    """The rule's ``params.bootstrap`` mapping as a BootstrapConfig."""
    from recenter.stats.bootstrap import BootstrapConfig

    return BootstrapConfig.from_mapping(snakemake.params.bootstrap)


def job_function(reference: str) -> Callable[..., Any]:
    """The function named by ``"package.module:function"``."""
    module, name = reference.split(":")
    return getattr(importlib.import_module(module), name)


def table_job(snakemake: Any) -> None:
    """The rules that write one table (.csv and .md) from the database: call the job function
    named in ``params.job`` as ``job(db, [parts], csv, md, [bootstrap])``: with the list of
    gathered files if the rule has an input ``parts``, with the bootstrap settings if it has
    ``params.bootstrap``."""
    args: list[Any] = [snakemake.input.db]
    if "parts" in snakemake.input.keys():
        args.append(list(snakemake.input.parts))
    args += [snakemake.output.csv, snakemake.output.md]
    if "bootstrap" in snakemake.params.keys():
        args.append(bootstrap(snakemake))
    job_function(snakemake.params.job)(*args)


@contextmanager
def refusal(
    snakemake: Any,
    what: str,
    error: type[Exception],
    *,
    results: Iterable[str] = (),
    redact: Callable[[str], str] | None = None,
) -> Iterator[None]:
    """Run the block that reads the job's input; if it raises ``error`` (the input is refused):
    the messages go to the terminal, the trace to the rule's log and the messages to the
    rule's ``log.problems`` file (which the Snakefile's onerror prints again as the run's last
    lines: recenter.errors), each folder of ``results`` is set aside as ``<folder>.stale/``
    (it no longer matches the raw files), and the job exits non-zero. ``redact`` is applied to
    everything written to a file (the importer's pseudonyms)."""
    from recenter.errors import report_refusal
    from recenter.outputs import set_aside_results

    problems = Path(snakemake.log.problems)
    problems.unlink(missing_ok=True)
    hide = redact or (lambda text: text)
    try:
        yield
    except error as exc:
        report_refusal(what, exc, problems, redact=hide)  # type: ignore[arg-type]
        for folder in results:
            stale = set_aside_results(folder, hide(str(exc)))
            if stale is None:
                continue
            note = f"earlier results moved to {stale}/ (they do not match the raw files)"
            logging.error(note)
            print(f"recenter: {note}\n", file=sys.stderr)
            with open(problems, "a", encoding="utf-8") as fh:
                fh.write(f"  {note}\n")
        sys.exit(1)
