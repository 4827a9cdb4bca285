"""What the raw files of a study are: the kind (schema and key) of every core and model file,
and how a loaded study is held (:class:`Study` of :class:`LoadedFile` of :class:`Record`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recenter import layout
from recenter.errors import LocatedError

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "raw"


class StudyDataError(LocatedError):
    """A raw study file breaks the canonical format. ``str()`` reads
    ``<file>, line <n>, field '<field>': <what was expected and found>``."""


# ---- file kinds ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FileKind:
    """How one kind of raw file is checked: its schema and the fields that form its key."""

    schema: str
    key: tuple[str, ...]


CORE_KINDS: dict[str, FileKind] = {
    "users.jsonl": FileKind("users", ("user_id",)),
    "conversations.jsonl": FileKind("conversations", ("conversation_id",)),
    "attributes.jsonl": FileKind("attributes", ("attribute_id",)),
    "attribute_judgments.jsonl": FileKind("attribute_judgments", ("attribute_id", "annotator_id")),
    "failure_modes.jsonl": FileKind("failure_modes", ("attribute_id", "labeler")),
    "prompts.jsonl": FileKind("prompts", ("prompt_id",)),
    "relevance_items.jsonl": FileKind("relevance_items", ("item_id",)),
    "relevance_judgments.jsonl": FileKind("relevance_judgments", ("item_id", "annotator_id")),
    "response_ratings.jsonl": FileKind(
        "response_ratings", ("response_item_id", "attribute_id", "annotator_id")
    ),
    "mention_flags.jsonl": FileKind(
        "mention_flags", ("response_item_id", "attribute_id", "flagger")
    ),
}
assert tuple(CORE_KINDS) == layout.CORE_FILES


def model_kind(model: layout.ModelFile) -> FileKind:
    if model.role == "verifier":
        return FileKind("model_verifier", ("attribute_id",))
    if model.role == "relevance":
        return FileKind("model_relevance", ("item_id",))
    if model.role == "generator":
        return FileKind("model_generator", ("response_item_id",))
    return FileKind(f"model_judge_{model.kind}", ("response_item_id", "attribute_id"))


@dataclass
class Record:
    line: int
    data: dict[str, Any]


@dataclass
class LoadedFile:
    """Validated, de-duplicated records of one raw file and what was seen while reading it."""

    relpath: str
    kind: FileKind
    records: list[Record]
    sha256: str
    n_bytes: int
    n_lines: int
    n_duplicates_merged: int
    model: layout.ModelFile | None = None


@dataclass
class Study:
    """A validated study: study.json and every loaded file, keyed by relative path."""

    root: Path
    meta: dict[str, Any]
    meta_sha256: str
    meta_bytes: int
    files: dict[str, LoadedFile] = field(default_factory=dict)

    def records(self, relpath: str) -> list[Record]:
        loaded = self.files.get(relpath)
        return loaded.records if loaded else []

    def models(self, role: str) -> list[LoadedFile]:
        return [f for f in self.files.values() if f.model is not None and f.model.role == role]


def _display(root: Path, relpath: str) -> str:
    return str(root / relpath)
