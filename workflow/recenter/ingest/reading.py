"""Reading the raw files: JSON Lines parsed strictly (every bad line a located problem),
each record checked against its schema, duplicate keys merged or refused, then the whole study
folder with its references checked."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from recenter import layout
from recenter.errors import Problems
from recenter.ingest.kinds import (
    CORE_KINDS,
    FileKind,
    LoadedFile,
    Record,
    Study,
    StudyDataError,
    _display,
    model_kind,
)
from recenter.ingest.references import check_references
from recenter.ingest.validation import _describe_schema_error, _fast_check, _type_name, _validator

log = logging.getLogger("recenter.ingest")

BOM = b"\xef\xbb\xbf"


def iter_json_lines(
    data: bytes, display: str, problems: Problems | None = None
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) of a JSON Lines byte string; refuse anything else.

    A leading UTF-8 byte-order mark and blank lines at the end of the file are accepted; a
    blank line inside the file is not. Each bad line is raised, or added to ``problems`` (and
    skipped) when a collector is given.
    """

    def refuse(err: StudyDataError) -> None:
        if problems is None:
            raise err
        problems.add(err)

    data = data.removeprefix(BOM)
    lines = data.split(b"\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        refuse(
            StudyDataError(
                display,
                None,
                None,
                "file is empty; expected one JSON object per line "
                "(remove the file if the study has no such data)",
            )
        )
        return
    for number, raw in enumerate(lines, start=1):
        try:
            obj = _parse_line(raw, display, number)
        except StudyDataError as err:
            refuse(err)
            continue
        yield number, obj


def _parse_line(raw: bytes, display: str, number: int) -> dict[str, Any]:
    """The JSON object of line ``number``; a :class:`StudyDataError` saying what is wrong
    with the line if it is not one."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = raw[exc.start : exc.start + 4]
        raise StudyDataError(
            display,
            number,
            None,
            f"bytes {bad!r} at byte {exc.start + 1} of the line are not valid UTF-8; "
            "expected a UTF-8 encoded file",
        ) from None
    text = text.removesuffix("\r")
    if not text.strip():
        raise StudyDataError(
            display,
            number,
            None,
            "blank line; expected a JSON object (blank lines are allowed only at the "
            "end of a file)",
        )
    try:
        obj = _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise StudyDataError(
            display, number, None, f"malformed JSON ({exc.msg} at column {exc.colno})"
        ) from None
    if not isinstance(obj, dict):
        raise StudyDataError(
            display, number, None, f"expected a JSON object, got {_type_name(obj)}"
        )
    # NaN, Infinity and -Infinity are bare tokens: a line without those letters holds none,
    # and the walk over the record (a tenth of the reading time) is skipped
    bad_field = _non_finite_field(obj) if "NaN" in text or "Infinity" in text else None
    if bad_field is not None:
        raise StudyDataError(
            display,
            number,
            bad_field,
            "NaN or Infinity is not a JSON number; expected a finite number or null",
        )
    return _compact(obj)


#: Strings up to this length are interned when read: ids, labels and names repeat across
#: millions of records, free texts do not.
_INTERN_MAX = 64


def _compact(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` with its keys and short string values (also in lists of strings) interned.

    ``json.loads`` shares nothing between lines, so every record held its own copies of the
    same field names and ids; at scale 10 interning them takes a third off what the read
    records hold (the objects are equal, only shared)."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if type(value) is str:
            if len(value) <= _INTERN_MAX:
                value = sys.intern(value)
        elif type(value) is list and all(type(v) is str for v in value):
            value = [sys.intern(v) if len(v) <= _INTERN_MAX else v for v in value]
        out[sys.intern(key)] = value
    return out


class _NonFinite(str):
    """What ``NaN``, ``Infinity`` and ``-Infinity`` parse to (Python's json accepts them)."""


#: One decoder for every line: ``json.loads`` with an argument builds a new one per call.
_DECODER = json.JSONDecoder(parse_constant=_NonFinite)


def _non_finite_field(value: Any, path: str = "") -> str | None:
    if isinstance(value, _NonFinite):
        return path or "(record)"
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, inner in items:
        found = _non_finite_field(inner, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def read_file(
    path: Path, relpath: str, kind: FileKind, display: str, problems: Problems | None = None
) -> LoadedFile:
    """Read, validate and de-duplicate one raw file. Bad records are raised, or added to
    ``problems`` and left out when a collector is given."""
    own = problems is None
    problems = Problems() if own else problems
    data = path.read_bytes()
    validator = _validator(kind.schema)
    quick = _fast_check(kind.schema) or (lambda _record: False)
    by_key: dict[tuple, Record] = {}
    merged = 0
    n_lines = 0
    for number, obj in iter_json_lines(data, display, problems):
        n_lines += 1
        err = None
        if not quick(obj):
            errors = sorted(validator.iter_errors(obj), key=lambda e: list(e.path))
            err = errors[0] if errors else None
        if err is not None:
            field_name, message = _describe_schema_error(err)
            problems.add(StudyDataError(display, number, field_name, message))
            continue
        key = tuple(obj[k] for k in kind.key)
        earlier = by_key.get(key)
        if earlier is None:
            by_key[key] = Record(number, obj)
            continue
        if earlier.data == obj:
            merged += 1
            continue
        differing = sorted(
            k for k in set(obj) | set(earlier.data) if obj.get(k) != earlier.data.get(k)
        )
        key_text = ", ".join(f"{k}={v!r}" for k, v in zip(kind.key, key, strict=True))
        problems.add(
            StudyDataError(
                display,
                number,
                differing[0],
                f"conflicting duplicate of line {earlier.line} ({key_text}): "
                f"{earlier.data.get(differing[0])!r} there, {obj.get(differing[0])!r} here; "
                "expected one value per key (identical duplicates are merged)",
            )
        )
    if own:
        problems.check()
    return LoadedFile(
        relpath=relpath,
        kind=kind,
        records=list(by_key.values()),
        sha256=hashlib.sha256(data).hexdigest(),
        n_bytes=len(data),
        n_lines=n_lines,
        n_duplicates_merged=merged,
    )


def read_study(root: str | os.PathLike, progress: Callable[[str], None] | None = None) -> Study:
    """Read and validate every file of a study folder.

    Every problem is collected (up to :data:`recenter.errors.MAX_PROBLEMS`) and raised
    together as one :class:`StudyDataError` whose ``problems`` lists them. References are
    checked only when every file reads cleanly (a bad line would make its ids look missing).
    """
    root = Path(root)
    say = progress or log.info
    meta_path = root / "study.json"
    if not meta_path.is_file():
        raise StudyDataError(str(meta_path), None, None, "missing; every study needs study.json")
    meta_bytes = meta_path.read_bytes()
    try:
        meta = json.loads(meta_bytes.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise StudyDataError(str(meta_path), None, None, "not valid UTF-8") from None
    except json.JSONDecodeError as exc:
        raise StudyDataError(
            str(meta_path), exc.lineno, None, f"malformed JSON ({exc.msg} at column {exc.colno})"
        ) from None
    if not isinstance(meta, dict):
        raise StudyDataError(str(meta_path), None, None, "expected a JSON object")
    problems = Problems()
    for err in _validator("study").iter_errors(meta):
        field_name, message = _describe_schema_error(err)
        problems.add(StudyDataError(str(meta_path), None, field_name, message))
    problems.check()
    if meta["name"] != root.name:
        raise StudyDataError(
            str(meta_path),
            None,
            "name",
            f"expected the folder name {root.name!r}, got {meta['name']!r}",
        )
    study = Study(root, meta, hashlib.sha256(meta_bytes).hexdigest(), len(meta_bytes))

    relpaths = layout.existing_files(root)
    for rel in relpaths:
        if rel.startswith("models/"):
            continue
        if rel not in CORE_KINDS:
            problems.add(
                StudyDataError(
                    _display(root, rel),
                    None,
                    None,
                    f"unknown file; expected one of {', '.join(layout.CORE_FILES)} or models/...",
                )
            )
    for rel in layout.CORE_FILES:
        if rel in relpaths:
            loaded = read_file(root / rel, rel, CORE_KINDS[rel], _display(root, rel), problems)
            study.files[rel] = loaded
            say(f"read {rel}: {len(loaded.records)} records")
    for rel in relpaths:
        if not rel.startswith("models/"):
            continue
        try:
            model = layout.parse_model_path(rel)
        except layout.LayoutError as exc:
            problems.add(StudyDataError(_display(root, rel), None, None, str(exc)))
            continue
        loaded = read_file(root / rel, rel, model_kind(model), _display(root, rel), problems)
        loaded.model = model
        study.files[rel] = loaded
        say(f"read {rel}: {len(loaded.records)} records")
    problems.check()
    check_references(study, problems)
    problems.check()
    return study
