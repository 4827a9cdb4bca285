"""The preamble of every script under workflow/scripts: ``log_to_rule(snakemake)`` sends the
``logging`` records and any uncaught traceback to the rule's log file, so that a failed job's
log says why it failed (Snakemake prints the log's path)."""

from __future__ import annotations

import logging
import sys
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
