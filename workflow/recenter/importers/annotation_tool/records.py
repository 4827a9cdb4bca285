"""Records and checks of the annotation-tool importer: the located :class:`ExportError`, the
counts of documented skips, reading JSON Lines, typed field access (``get``, ``as_int`` …),
the canonical ids and the study being built (:class:`StudyBuild`)."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recenter.errors import LocatedError, Problems

EXTRACTOR_UNKNOWN = "unknown"
PROMPT_SOURCE = "lima"


class ExportError(LocatedError):
    """A record of an export that cannot be mapped. ``str()`` reads
    ``<export file>, line <n>, field '<field>': <what was expected and found>``."""


# ---- counts of documented skips ----------------------------------------------------------

#: Every documented, counted event of an import: key -> what it means (README table).
COUNT_MEANINGS: dict[str, str] = {
    "annotator_line_superseded": "annotator record replaced by a later line with the same index",
    "flagged_record_skipped": "annotator record with flagged=true (item skipped as uncomfortable)",
    "task1_null_judgment": "task1 judgment null (attribute not judged): no record",
    "task3_null_vote": "task3 human vote null (unanswered): no record",
    "task3_converted_record": "task3 record converted by the authors from task2 (imported)",
    "task2_unrated_attribute": "task2 fallback: rating 'none' (unrated): no record",
    "task2_fallback_record": "task2 record used because the annotator has no task3 record",
    "task2_record_shadowed": "task2 record not used because a task3 record exists",
    "llm_null_vote": "LLM vote null (unparsed answer): no record",
    "duplicate_vote_merged": "identical vote repeated in one record: merged",
    "pilot_consensus_row_not_imported": "task3_relevance_clf row: not a rater, used for prompts",
    "ground_truth_null": "final ground_truth null (de-duplicated item): no consensus record",
    "generator_no_relevant_attribute": "task6 pair without any is_relevant attribute: skipped",
    "eval_response_not_imported": "eval_results personalized response (no generic): not imported",
    "task6_human_rating_record_not_imported": "human task6 rating record: not supported yet",
}


@dataclass
class Counts:
    """Counts of documented skips and merges, per study (``""`` = the whole export)."""

    values: Counter = field(default_factory=Counter)

    def add(self, study: str, key: str, n: int = 1) -> None:
        if key not in COUNT_MEANINGS:
            raise KeyError(f"undocumented count {key!r}")
        if n:
            self.values[(study, key)] += n

    def get(self, study: str, key: str) -> int:
        return self.values.get((study, key), 0)

    def rows(self) -> list[tuple[str, str, int, str]]:
        """(study, count, n, meaning) sorted, for the import report."""
        return [(s, k, n, COUNT_MEANINGS[k]) for (s, k), n in sorted(self.values.items())]


# ---- reading ------------------------------------------------------------------------------


#: The collector of the conversion running in this context (None: raise at the first problem).
_PROBLEMS: ContextVar[Problems | None] = ContextVar("import_problems", default=None)


@contextmanager
def _collecting() -> Iterator[None]:
    """Around the conversion of one record: an ExportError is added to the active collector
    (and the record skipped) instead of stopping the import, so that one run reports every
    bad record (up to the limit). Without a collector the error propagates."""
    try:
        yield
    except ExportError as exc:
        problems = _PROBLEMS.get()
        if problems is None:
            raise
        problems.add(exc)


def _refuse(err: ExportError) -> None:
    problems = _PROBLEMS.get()
    if problems is None:
        raise err
    problems.add(err)


def read_jsonl(path: Path, display: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) of a JSON Lines file; blank lines and a leading UTF-8
    byte-order mark are ignored."""
    data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            _refuse(
                ExportError(
                    display,
                    lineno,
                    None,
                    f"bytes {raw[exc.start : exc.start + 4]!r} at byte {exc.start + 1} of the "
                    "line are not valid UTF-8; expected a UTF-8 encoded file",
                )
            )
            continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            _refuse(ExportError(display, lineno, None, f"not valid JSON ({exc.msg})"))
            continue
        if not isinstance(record, dict):
            _refuse(ExportError(display, lineno, None, "expected a JSON object"))
            continue
        yield lineno, record


@dataclass(frozen=True)
class Where:
    """Location of a value, for error messages."""

    path: str
    line: int

    def error(self, field_name: str | None, message: str) -> ExportError:
        return ExportError(self.path, self.line, field_name, message)

    def str_field(self, record: dict, key: str) -> str:
        """``record[key]`` as a non-empty string; missing or empty is an error here."""
        return as_str(get(record, key, self), self, key)

    def int_field(self, record: dict, key: str) -> int:
        """``record[key]`` as an integer; missing is an error here."""
        return as_int(get(record, key, self), self, key)

    def entry_bool(self, entry: dict, key: str, fname: str, *, nullable: bool = False):
        """``entry[key]`` of the list entry ``fname`` as a bool (or None if nullable)."""
        return as_bool(
            get(entry, key, self, prefix=fname + "."), self, f"{fname}.{key}", nullable=nullable
        )

    def attribute_entries(self, record: dict, key: str) -> Iterator[tuple[str, dict, str]]:
        """(field name, entry, attribute text) of each object of the list ``record[key]``,
        every entry an object with a non-empty ``attribute``."""
        for pos, entry in enumerate(as_list(get(record, key, self), self, key)):
            fname = f"{key}[{pos}]"
            entry = as_dict(entry, self, fname)
            text = as_str(
                get(entry, "attribute", self, prefix=fname + "."), self, fname + ".attribute"
            )
            yield fname, entry, text


_MISSING = object()


def get(record: dict, key: str, where: Where, default: Any = _MISSING, *, prefix: str = "") -> Any:
    """``record[key]``; a missing key is an error naming ``prefix + key`` unless defaulted."""
    if key in record:
        return record[key]
    if default is _MISSING:
        raise where.error(prefix + key, "missing")
    return default


def as_int(value: Any, where: Where, name: str) -> int:
    """An int, also from a decimal string (``"index": "0"``); bools are refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?[0-9]+\s*", value):
        return int(value)
    raise where.error(name, f"expected an integer, got {value!r}")


def as_bool(value: Any, where: Where, name: str, *, nullable: bool = False) -> bool | None:
    """A bool, also from ``"true"``/``"false"`` strings (any case); ``None`` if nullable."""
    if isinstance(value, bool):
        return value
    if value is None and nullable:
        return None
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    expected = "true, false or null" if nullable else "true or false"
    raise where.error(name, f"expected {expected}, got {value!r}")


def as_str(value: Any, where: Where, name: str) -> str:
    if isinstance(value, str) and value != "":
        return value
    raise where.error(name, f"expected a non-empty string, got {value!r}")


def as_list(value: Any, where: Where, name: str) -> list:
    """A JSON list, also from a JSON-encoded string of a list."""
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except json.JSONDecodeError:
            decoded = None
        if isinstance(decoded, list):
            return decoded
    raise where.error(name, f"expected a list, got {type(value).__name__}")


def as_dict(value: Any, where: Where, name: str) -> dict:
    if isinstance(value, dict):
        return value
    raise where.error(name, f"expected an object, got {type(value).__name__}")


# ---- ids ----------------------------------------------------------------------------------


def text_key(text: str) -> str:
    """Short stable key of an attribute text (first 10 hex digits of its SHA-256)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def prompt_id(prompt_index: int) -> str:
    return f"lima-{prompt_index}"


def attribute_id(user_id: str, text: str) -> str:
    """Attribute of a user: the first 16 characters of the user id and the text key."""
    return f"{user_id[:16]}-{text_key(text)}"


def item_id(sample: int, text: str) -> str:
    """Stage-2 item: the sample (one user, one prompt) and the text key."""
    return f"s{sample:03d}-{text_key(text)}"


# ---- the study being built ----------------------------------------------------------------


@dataclass
class Sample:
    """One (user, prompt) sample of a round, keyed by the tool's sample index."""

    index: int
    user_id: str
    first_seen: Where
    prompt_index: int | None = None
    texts: dict[str, None] = field(default_factory=dict)  # ordered set of attribute texts


@dataclass
class StudyBuild:
    """Records of one study, by canonical file (relative path -> key -> record)."""

    name: str
    files: dict[str, dict[tuple, dict]] = field(default_factory=dict)

    def put(self, rel: str, key: tuple, record: dict, where: Where, field_name: str) -> bool:
        """Add a record; an identical repeat returns False, a conflicting one is an error."""
        table = self.files.setdefault(rel, {})
        old = table.get(key)
        if old is None:
            table[key] = record
            return True
        if old != record:
            raise where.error(
                field_name, f"conflicts with an earlier record for {key}: {old} vs {record}"
            )
        return False

    def put_user(self, user: str, where: Where, field_name: str) -> None:
        record = {"user_id": user, "source_dataset": "wildchat", "is_real": True}
        self.put("users.jsonl", (user,), record, where, field_name)

    def put_prompt(self, prompt_index: int, text: str, where: Where, field_name: str) -> str:
        """The prompt record of ``prompt_index``; returns its id."""
        pid = prompt_id(prompt_index)
        record = {"prompt_id": pid, "text": text, "source": PROMPT_SOURCE}
        self.put("prompts.jsonl", (pid,), record, where, field_name)
        return pid

    def put_attribute(self, user: str, text: str, confidence: float | None, where: Where) -> str:
        """The attribute record of ``user``'s ``text``; returns its id. One id naming two
        attributes (a text-key collision) is an error."""
        aid = attribute_id(user, text)
        attr = {
            "attribute_id": aid,
            "user_id": user,
            "text": text,
            "extractor": EXTRACTOR_UNKNOWN,
            "confidence": confidence,
        }
        old = self.files.setdefault("attributes.jsonl", {}).get((aid,))
        if old is not None and (old["user_id"], old["text"]) != (user, text):
            raise where.error("attribute", f"attribute id {aid} would name two attributes")
        self.put("attributes.jsonl", (aid,), attr, where, "attribute")
        return aid

    def put_item(
        self, sample: int, text: str, ids: tuple[str, str, str], where: Where, field_name: str
    ) -> None:
        """The Stage-2 item of ``text`` in ``sample``; ``ids`` = (user, prompt, attribute)."""
        iid = item_id(sample, text)
        user, pid, aid = ids
        record = {"item_id": iid, "user_id": user, "prompt_id": pid, "attribute_id": aid}
        self.put("relevance_items.jsonl", (iid,), record, where, field_name)

    def put_vote(self, rel: str, key_name: str, rec: dict, where: Where, counts: Counts) -> None:
        """A vote keyed by its item (and ``key_name``); an identical repeat is counted."""
        key = (rec["item_id"], rec[key_name]) if key_name else (rec["item_id"],)
        if not self.put(rel, key, rec, where, "relevant"):
            counts.add(self.name, "duplicate_vote_merged")

    def lines(self, rel: str) -> list[str]:
        return [
            json.dumps(r, ensure_ascii=False) for _, r in sorted(self.files.get(rel, {}).items())
        ]


class _Samples:
    """Samples of one round, checked for consistent user and prompt across files."""

    def __init__(self) -> None:
        self.by_index: dict[int, Sample] = {}

    def note(self, index: int, user_id: str, prompt_index: int | None, where: Where) -> Sample:
        s = self.by_index.get(index)
        if s is None:
            s = self.by_index[index] = Sample(index, user_id, where)
        elif s.user_id != user_id:
            raise where.error(
                "user_id",
                f"sample {index} belongs to another user in "
                f"{s.first_seen.path} line {s.first_seen.line}",
            )
        if prompt_index is not None:
            if s.prompt_index is None:
                s.prompt_index = prompt_index
            elif s.prompt_index != prompt_index:
                raise where.error(
                    "prompt_index",
                    f"sample {index} has prompt_index {s.prompt_index} elsewhere, "
                    f"{prompt_index} here",
                )
        return s
