"""Load a canonical study folder (data/raw/README.md) into a typed DuckDB database.

Every line of every file is parsed and checked against its JSON schema
(workflow/schemas/raw/), duplicate keys are merged when identical and refused when they
conflict, and every reference (user, prompt, attribute, item) must resolve. Every problem (up
to a limit) is reported in one :class:`StudyDataError` naming, for each, the file, the line,
the field and what was expected. A leading UTF-8 byte-order mark and blank lines at the end
of a file are accepted. The database is written to a temporary file and renamed into place
only when complete, so a failed load leaves nothing behind.

The code is split by concern: :mod:`.kinds` (the kinds of raw file and the loaded study),
:mod:`.validation` (schema checks and their messages), :mod:`.reading` (JSON Lines, files,
the study folder), :mod:`.references` (the table of references and the loop that checks it)
and :mod:`.database` (the tables and the atomic write). Every public name is re-exported here.
"""

from recenter.ingest.database import TABLES, build, write_database
from recenter.ingest.kinds import (
    CORE_KINDS,
    SCHEMA_DIR,
    FileKind,
    LoadedFile,
    Record,
    Study,
    StudyDataError,
    model_kind,
)
from recenter.ingest.reading import BOM, iter_json_lines, read_file, read_study
from recenter.ingest.references import REFERENCES, Reference, Target, check_references
from recenter.ingest.validation import _fast_check, _validator

__all__ = [
    "BOM",
    "CORE_KINDS",
    "REFERENCES",
    "SCHEMA_DIR",
    "TABLES",
    "FileKind",
    "LoadedFile",
    "Record",
    "Reference",
    "Study",
    "StudyDataError",
    "Target",
    "_fast_check",
    "_validator",
    "build",
    "check_references",
    "iter_json_lines",
    "model_kind",
    "read_file",
    "read_study",
    "write_database",
]
