"""Checking a study's references: every id a record refers to must be defined, and belong
where it is used.

The references are a table, :data:`REFERENCES`, of (file, field, target) rows checked by one
loop: every record of the file must have its field defined in the target. A file is a core
file or ``models/<role>`` (each model file of the role). The rows of a file apply in order,
each to the records that passed the rows before it, so a record is refused for its first
dangling id only. After its rows, a file's records get the checks that a row cannot say
(:data:`RECORD_CHECKS`: an attribute belongs to the item's user, response items are defined
once across the generator files, a rated attribute is one the response item was given).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from recenter.errors import Problems
from recenter.ingest.kinds import Record, Study, StudyDataError, _display


@dataclass(frozen=True)
class Target:
    """Ids a reference may name: what they are called in messages and where they are defined."""

    what: str
    source: str


USER = Target("user", "users.jsonl")
PROMPT = Target("prompt", "prompts.jsonl")
ATTRIBUTE = Target("attribute", "attributes.jsonl")
ITEM = Target("relevance item", "relevance_items.jsonl")
RESPONSE_ITEM = Target("response item", "models/generator/*.jsonl")


@dataclass(frozen=True)
class Reference:
    """Every record of ``file`` (a core file, or ``models/<role>``: each model file of the
    role) must have its ``field`` defined in ``target``."""

    file: str
    field: str
    target: Target


REFERENCES: tuple[Reference, ...] = (
    Reference("conversations.jsonl", "user_id", USER),
    Reference("attributes.jsonl", "user_id", USER),
    Reference("attribute_judgments.jsonl", "attribute_id", ATTRIBUTE),
    Reference("failure_modes.jsonl", "attribute_id", ATTRIBUTE),
    Reference("relevance_items.jsonl", "user_id", USER),
    Reference("relevance_items.jsonl", "prompt_id", PROMPT),
    Reference("relevance_items.jsonl", "attribute_id", ATTRIBUTE),
    Reference("relevance_judgments.jsonl", "item_id", ITEM),
    Reference("models/verifier", "attribute_id", ATTRIBUTE),
    Reference("models/relevance", "item_id", ITEM),
    Reference("models/generator", "user_id", USER),
    Reference("models/generator", "prompt_id", PROMPT),
    Reference("response_ratings.jsonl", "response_item_id", RESPONSE_ITEM),
    Reference("mention_flags.jsonl", "response_item_id", RESPONSE_ITEM),
    Reference("models/judge", "response_item_id", RESPONSE_ITEM),
)


@dataclass
class _Check:
    """What the checks of one study share: the defined ids of every target, and the problems.
    The response items (and their (item, attribute) units) are filled in by the generator
    files' record check, which the table runs before the files that refer to them."""

    study: Study
    problems: Problems
    attr_user: dict[str, str] = field(default_factory=dict)
    item_file: dict[str, str] = field(default_factory=dict)
    units: set[tuple[str, str]] = field(default_factory=set)
    known: dict[Target, set[str] | dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        study = self.study
        self.attr_user = {
            r.data["attribute_id"]: r.data["user_id"] for r in study.records("attributes.jsonl")
        }
        self.known = {
            USER: _ids(study, "users.jsonl", "user_id"),
            PROMPT: _ids(study, "prompts.jsonl", "prompt_id"),
            ATTRIBUTE: self.attr_user,
            ITEM: _ids(study, "relevance_items.jsonl", "item_id"),
            RESPONSE_ITEM: self.item_file,
        }

    def refuse(self, rel: str, line: int | None, field_name: str | None, message: str) -> None:
        display = _display(self.study.root, rel)
        self.problems.add(StudyDataError(display, line, field_name, message))

    def require(self, rel: str, records: list[Record], ref: Reference) -> list[Record]:
        """The records whose ``ref.field`` is defined; a problem for each of the others."""
        known = self.known[ref.target]
        source = ref.target.source
        ok = []
        for rec in records:
            value = rec.data[ref.field]
            if value in known:
                ok.append(rec)
                continue
            absent = "" if source in self.study.files else f" ({source} is absent)"
            self.refuse(
                rel,
                rec.line,
                ref.field,
                f"unknown {ref.target.what} {value!r}; expected an id defined in {source}{absent}",
            )
        return ok


def _ids(study: Study, relpath: str, key: str) -> set[str]:
    return {r.data[key] for r in study.records(relpath)}


def _files(study: Study, selector: str) -> Iterator[tuple[str, list[Record]]]:
    """(relative path, records) of the file a table row names: a core file, or each model
    file of a role (``models/<role>``)."""
    if selector.startswith("models/"):
        role = selector.removeprefix("models/")
        for loaded in study.models(role):
            yield loaded.relpath, loaded.records
    else:
        yield selector, study.records(selector)


# ---- checks a row cannot say ----------------------------------------------------------------


def _attribute_owner(chk: _Check, rel: str, records: list[Record]) -> None:
    """A relevance item's attribute belongs to the item's user."""
    for rec in records:
        owner = chk.attr_user[rec.data["attribute_id"]]
        if owner != rec.data["user_id"]:
            chk.refuse(
                rel,
                rec.line,
                "attribute_id",
                f"attribute {rec.data['attribute_id']!r} belongs to user {owner!r}, "
                f"expected an attribute of {rec.data['user_id']!r}",
            )


def _response_items(chk: _Check, rel: str, records: list[Record]) -> None:
    """Response items are defined once across the generator files, each given attributes of
    its user; notes the items and their (item, attribute) units."""
    for rec in records:
        rid = rec.data["response_item_id"]
        if rid in chk.item_file:
            chk.refuse(
                rel,
                rec.line,
                "response_item_id",
                f"{rid!r} is already defined in {chk.item_file[rid]}; "
                "expected ids unique across generator files",
            )
            continue
        chk.item_file[rid] = rel
        for i, aid in enumerate(rec.data["attribute_ids"]):
            owner = chk.attr_user.get(aid)
            if owner is None:
                chk.refuse(
                    rel,
                    rec.line,
                    f"attribute_ids.{i}",
                    f"unknown attribute {aid!r}; expected an id defined in attributes.jsonl",
                )
            elif owner != rec.data["user_id"]:
                chk.refuse(
                    rel,
                    rec.line,
                    f"attribute_ids.{i}",
                    f"attribute {aid!r} belongs to user {owner!r}, "
                    f"expected an attribute of {rec.data['user_id']!r}",
                )
            chk.units.add((rid, aid))


def _rated_unit(chk: _Check, rel: str, records: list[Record]) -> None:
    """A rated or flagged attribute is one of the attributes its response item was given."""
    for rec in records:
        if (rec.data["response_item_id"], rec.data["attribute_id"]) not in chk.units:
            chk.refuse(
                rel,
                rec.line,
                "attribute_id",
                f"{rec.data['attribute_id']!r} is not among the attribute_ids of "
                f"response item {rec.data['response_item_id']!r}; expected one of the "
                "attributes it was given",
            )


RECORD_CHECKS: dict[str, Callable[[_Check, str, list[Record]], None]] = {
    "relevance_items.jsonl": _attribute_owner,
    "models/generator": _response_items,
    "response_ratings.jsonl": _rated_unit,
    "mention_flags.jsonl": _rated_unit,
    "models/judge": _rated_unit,
}


def _distinct_rater_ids(chk: _Check) -> None:
    """A rater id names one rater: an annotator or a system, never both."""
    annotators = {r.data["annotator_id"] for r in chk.study.records("relevance_judgments.jsonl")}
    for loaded in chk.study.models("relevance"):
        assert loaded.model is not None
        if loaded.model.system in annotators:
            chk.refuse(
                loaded.relpath,
                None,
                None,
                f"system name {loaded.model.system!r} is also an annotator id in "
                "relevance_judgments.jsonl; expected distinct rater ids",
            )


def check_references(study: Study, problems: Problems | None = None) -> None:
    """Every id a record refers to must exist, and belong where it is used. Problems are
    added to ``problems`` (raised at the end when none is given)."""
    own = problems is None
    chk = _Check(study, Problems() if problems is None else problems)
    for selector, rows in groupby(REFERENCES, key=lambda ref: ref.file):
        refs = list(rows)
        for rel, records in _files(study, selector):
            for ref in refs:
                records = chk.require(rel, records, ref)
            if selector in RECORD_CHECKS:
                RECORD_CHECKS[selector](chk, rel, records)
    _distinct_rater_ids(chk)
    if own:
        chk.problems.check()
