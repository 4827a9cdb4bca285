"""What the scripts under workflow/scripts share: the preamble ``log_to_rule(snakemake)``, which
sends the ``logging`` records and any uncaught traceback to the rule's log file (so that a
failed job's log says why it failed; Snakemake prints the log's path), and :func:`table_job`,
the one body of the rules that write a single table (workflow/scripts/table.py)."""

from __future__ import annotations

import importlib
import logging
import sys
from collections.abc import Callable
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
