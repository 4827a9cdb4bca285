"""The claims ledger: claim by claim, does the paper hold on this study's data?

One row per entry of ``workflow/resources/paper_values.yaml`` (recenter.paper), built from the
result tables the stage jobs wrote (``results/<study>/tables/*.csv``) and from counts in the
study database. Each row has the paper's value, ours with its interval, and ``consistent``:

- a number: true when the paper's value, widened by its printed rounding (half a unit of the
  last digit it prints, or the entry's ``tolerance`` for "about" values), meets our interval;
  without an interval, when our estimate lies within that rounding;
- a range (the paper's "x–y%" or "x–y×"): true when our interval overlaps the range;
- a design count: true when the study has the same count;
- a directional claim: whether the same conclusion follows, by the test named in ``test``;
- empty, with the reason in ``note``, when the study's data cannot support the claim (output
  skipped, system absent, not checkable by any released or simulated data, no paper value).

Column names of the stage tables are read in one place, :data:`COLUMNS` (``columns``): if a
stage table renames or adds a column, adapt the candidates there (the first candidate present
is used).

Modules: ``columns`` (where statistics live), ``model`` (Outcome, Context, compare, the check
registry), ``design``/``stage1``/``stage2``/``stage3`` (the checks, by claim id), ``truth``
(simulated population values), ``ledger`` (rows, summary, Markdown), ``numbers``
(numbers.json/.tex), ``gaps`` (the gaps summary), ``jobs`` (the rules' jobs). Their public
names are importable from ``recenter.claims``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recenter.claims.columns import COLUMNS, MODEL_NAMES, MODEL_TOKENS, TABLES
    from recenter.claims.design import COUNT_SOURCES, study_counts
    from recenter.claims.gaps import GAP_CLAIMS, GAPS_SUMMARY_SCHEMA, gaps_summary, gaps_summary_job
    from recenter.claims.jobs import ledger_job, write_ledger
    from recenter.claims.ledger import build_ledger, ledger_markdown, summary
    from recenter.claims.model import (
        CHECKS,
        LEDGER_COLUMNS,
        STAGE_NAMES,
        Check,
        Context,
        MissingColumn,
        Outcome,
        band,
        check,
        column,
        compare,
        find_system,
        half_unit,
        not_supported,
    )
    from recenter.claims.numbers import macro_name, numbers, numbers_tex
    from recenter.claims.truth import (
        CALIBRATION_TOLERANCE,
        TRUTH_PATHS,
        _split_truth_path,
        truth_value,
    )

#: Where each public name lives. The names are imported on first use (PEP 562), not with the
#: package: the Snakefile reads ``columns`` in every invocation, and importing the whole
#: ledger (polars among it) made a quarter of a no-op run.
_HOME = {
    **dict.fromkeys(["COLUMNS", "MODEL_NAMES", "MODEL_TOKENS", "TABLES"], "columns"),
    **dict.fromkeys(["COUNT_SOURCES", "study_counts"], "design"),
    **dict.fromkeys(
        ["GAP_CLAIMS", "GAPS_SUMMARY_SCHEMA", "gaps_summary", "gaps_summary_job"], "gaps"
    ),
    **dict.fromkeys(["ledger_job", "write_ledger"], "jobs"),
    **dict.fromkeys(["build_ledger", "ledger_markdown", "summary"], "ledger"),
    **dict.fromkeys(
        [
            "CHECKS",
            "LEDGER_COLUMNS",
            "STAGE_NAMES",
            "Check",
            "Context",
            "MissingColumn",
            "Outcome",
            "band",
            "check",
            "column",
            "compare",
            "find_system",
            "half_unit",
            "not_supported",
        ],
        "model",
    ),
    **dict.fromkeys(["macro_name", "numbers", "numbers_tex"], "numbers"),
    **dict.fromkeys(
        ["CALIBRATION_TOLERANCE", "TRUTH_PATHS", "_split_truth_path", "truth_value"], "truth"
    ),
}

#: The modules whose import registers their checks in CHECKS.
_CHECK_MODULES = ("design", "stage1", "stage2", "stage3")


def _load_all() -> None:
    """Import every module and bind every public name, as an eager ``__init__`` would: the
    checks register before any ledger is built, and ``numbers`` (a module and a function) ends
    up the function."""
    for module in (*_CHECK_MODULES, *sorted(set(_HOME.values()))):
        importlib.import_module(f"{__name__}.{module}")
    for name, home in _HOME.items():
        globals()[name] = getattr(importlib.import_module(f"{__name__}.{home}"), name)


def __getattr__(name: str) -> Any:
    if name == "columns" or _HOME.get(name) == "columns":
        columns = importlib.import_module(f"{__name__}.columns")
        return columns if name == "columns" else getattr(columns, name)
    if name not in _HOME and name not in _CHECK_MODULES and name not in _HOME.values():
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    _load_all()
    return globals()[name]


__all__ = [
    "CALIBRATION_TOLERANCE",
    "CHECKS",
    "COLUMNS",
    "COUNT_SOURCES",
    "GAPS_SUMMARY_SCHEMA",
    "GAP_CLAIMS",
    "LEDGER_COLUMNS",
    "MODEL_NAMES",
    "MODEL_TOKENS",
    "STAGE_NAMES",
    "TABLES",
    "TRUTH_PATHS",
    "Check",
    "Context",
    "MissingColumn",
    "Outcome",
    "_split_truth_path",
    "band",
    "build_ledger",
    "check",
    "column",
    "compare",
    "find_system",
    "gaps_summary",
    "gaps_summary_job",
    "half_unit",
    "ledger_job",
    "ledger_markdown",
    "macro_name",
    "not_supported",
    "numbers",
    "numbers_tex",
    "study_counts",
    "summary",
    "truth_value",
    "write_ledger",
]
