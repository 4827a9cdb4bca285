"""Load a canonical study folder (data/raw/README.md) into a typed DuckDB database.

Every line of every file is parsed and checked against its JSON schema
(workflow/schemas/raw/), duplicate keys are merged when identical and refused when they
conflict, and every reference (user, prompt, attribute, item) must resolve. Every problem (up
to a limit) is reported in one :class:`StudyDataError` naming, for each, the file, the line,
the field and what was expected. A leading UTF-8 byte-order mark and blank lines at the end
of a file are accepted. The database is written to a temporary file and renamed into place
only when complete, so a failed load leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from recenter import layout
from recenter.atomic import atomic_write
from recenter.errors import LocatedError, Problems

log = logging.getLogger(__name__)

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas" / "raw"


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


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "null": (type(None),),
}


@cache
def _fast_check(schema_name: str) -> Callable[[dict[str, Any]], bool] | None:
    """A quick test that accepts only records the JSON schema accepts (flat schemas only).

    Most records are valid; this spares them the jsonschema validator (about 60 us a record).
    A record it does not accept goes to jsonschema, which has the last word and the message.
    """
    schema = json.loads((SCHEMA_DIR / f"{schema_name}.schema.json").read_text(encoding="utf-8"))
    checks = []
    for name, prop in schema["properties"].items():
        if set(prop) - {"type", "enum", "minimum", "maximum", "minLength", "pattern"}:
            return None  # nested or unusual: leave it to jsonschema
        if "pattern" in prop:
            return None
        kinds = prop.get("type")
        types = None
        if kinds is not None:
            kinds = [kinds] if isinstance(kinds, str) else kinds
            types = tuple(t for k in kinds for t in _JSON_TYPES[k])
        checks.append(
            (
                name,
                types,
                set(prop["enum"]) if "enum" in prop else None,
                prop.get("minimum"),
                prop.get("maximum"),
                prop.get("minLength"),
            )
        )
    required = frozenset(schema.get("required", ()))
    allowed = frozenset(schema["properties"])

    def check(record: dict[str, Any]) -> bool:
        keys = record.keys()
        if not required <= keys or not keys <= allowed:
            return False
        for name, types, enum, low, high, min_len in checks:
            if name not in record:
                continue
            value = record[name]
            if types is not None and type(value) not in types:
                return False
            if enum is not None and (type(value) is not str or value not in enum):
                return False
            if value is None:
                continue
            if low is not None and value < low:
                return False
            if high is not None and value > high:
                return False
            if min_len is not None and len(value) < min_len:
                return False
        return True

    return check


@cache
def _validator(schema_name: str):
    from jsonschema import Draft202012Validator

    schema = json.loads((SCHEMA_DIR / f"{schema_name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


# ---- reading ------------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _describe_schema_error(err) -> tuple[str | None, str]:
    """(field path, message) of a jsonschema ValidationError, in the study's words."""
    path = ".".join(str(p) for p in err.absolute_path) or None
    kind = err.validator
    if kind == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        name = f"{path}.{missing}" if path else missing
        return name, "required field is missing"
    if kind == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        name = f"{path}.{extra[0]}" if path else extra[0]
        allowed = ", ".join(sorted(err.schema.get("properties", {})))
        return name, f"unknown field (misspelt?); allowed fields: {allowed}"
    if kind == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        return path, f"expected {want}, got {err.instance!r} ({_type_name(err.instance)})"
    if kind == "enum":
        allowed = ", ".join(repr(v) for v in err.validator_value)
        return path, f"expected one of {allowed}; got {err.instance!r}"
    if kind in {"minimum", "maximum"}:
        bound = "at least" if kind == "minimum" else "at most"
        return path, f"expected a value {bound} {err.validator_value}, got {err.instance!r}"
    if kind == "minLength":
        return path, "expected a non-empty string"
    if kind == "minItems":
        return path, f"expected at least {err.validator_value} element(s)"
    if kind == "pattern":
        return path, f"expected text matching {err.validator_value}, got {err.instance!r}"
    return path, err.message


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
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            bad = raw[exc.start : exc.start + 4]
            refuse(
                StudyDataError(
                    display,
                    number,
                    None,
                    f"bytes {bad!r} at byte {exc.start + 1} of the line are not valid UTF-8; "
                    "expected a UTF-8 encoded file",
                )
            )
            continue
        text = text.removesuffix("\r")
        if not text.strip():
            refuse(
                StudyDataError(
                    display,
                    number,
                    None,
                    "blank line; expected a JSON object (blank lines are allowed only at the "
                    "end of a file)",
                )
            )
            continue
        try:
            obj = json.loads(text, parse_constant=_NonFinite)
        except json.JSONDecodeError as exc:
            refuse(
                StudyDataError(
                    display, number, None, f"malformed JSON ({exc.msg} at column {exc.colno})"
                )
            )
            continue
        if not isinstance(obj, dict):
            refuse(
                StudyDataError(
                    display, number, None, f"expected a JSON object, got {_type_name(obj)}"
                )
            )
            continue
        bad_field = _non_finite_field(obj)
        if bad_field is not None:
            refuse(
                StudyDataError(
                    display,
                    number,
                    bad_field,
                    "NaN or Infinity is not a JSON number; expected a finite number or null",
                )
            )
            continue
        yield number, obj


class _NonFinite(str):
    """What ``NaN``, ``Infinity`` and ``-Infinity`` parse to (Python's json accepts them)."""


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


# ---- the whole study ----------------------------------------------------------------------


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


def _ids(study: Study, relpath: str, key: str) -> set[str]:
    return {r.data[key] for r in study.records(relpath)}


def _require(
    study: Study,
    relpath: str,
    records: Iterable[Record],
    field_name: str,
    known: set | dict,
    what: str,
    source: str,
    problems: Problems,
) -> list[Record]:
    """Add a problem for each record whose ``field_name`` is not in ``known``; return the
    records that passed."""
    ok = []
    for rec in records:
        value = rec.data[field_name]
        if value in known:
            ok.append(rec)
            continue
        absent = "" if source in study.files else f" ({source} is absent)"
        problems.add(
            StudyDataError(
                _display(study.root, relpath),
                rec.line,
                field_name,
                f"unknown {what} {value!r}; expected an id defined in {source}{absent}",
            )
        )
    return ok


def check_references(study: Study, problems: Problems | None = None) -> None:
    """Every id a record refers to must exist, and belong where it is used. Problems are
    added to ``problems`` (raised at the end when none is given)."""
    own = problems is None
    problems = Problems() if own else problems
    users = _ids(study, "users.jsonl", "user_id")
    prompts = _ids(study, "prompts.jsonl", "prompt_id")
    attr_user = {
        r.data["attribute_id"]: r.data["user_id"] for r in study.records("attributes.jsonl")
    }
    items = _ids(study, "relevance_items.jsonl", "item_id")

    def require(rel, recs, field_name, known, what, source):
        return _require(study, rel, recs, field_name, known, what, source, problems)

    for rel in ("conversations.jsonl", "attributes.jsonl"):
        require(rel, study.records(rel), "user_id", users, "user", "users.jsonl")
    for rel in ("attribute_judgments.jsonl", "failure_modes.jsonl"):
        require(rel, study.records(rel), "attribute_id", attr_user, "attribute", "attributes.jsonl")
    rel = "relevance_items.jsonl"
    recs = require(rel, study.records(rel), "user_id", users, "user", "users.jsonl")
    recs = require(rel, recs, "prompt_id", prompts, "prompt", "prompts.jsonl")
    recs = require(rel, recs, "attribute_id", attr_user, "attribute", "attributes.jsonl")
    _check_attribute_owner(study, rel, recs, attr_user, problems)
    require(
        "relevance_judgments.jsonl",
        study.records("relevance_judgments.jsonl"),
        "item_id",
        items,
        "relevance item",
        "relevance_items.jsonl",
    )
    for loaded in study.models("verifier"):
        require(
            loaded.relpath,
            loaded.records,
            "attribute_id",
            attr_user,
            "attribute",
            "attributes.jsonl",
        )
    for loaded in study.models("relevance"):
        require(
            loaded.relpath,
            loaded.records,
            "item_id",
            items,
            "relevance item",
            "relevance_items.jsonl",
        )

    # Stage 3: response items are defined across the generator files.
    units: set[tuple[str, str]] = set()
    item_file: dict[str, str] = {}
    for loaded in study.models("generator"):
        recs = require(loaded.relpath, loaded.records, "user_id", users, "user", "users.jsonl")
        recs = require(loaded.relpath, recs, "prompt_id", prompts, "prompt", "prompts.jsonl")
        for rec in recs:
            rid = rec.data["response_item_id"]
            if rid in item_file:
                problems.add(
                    StudyDataError(
                        _display(study.root, loaded.relpath),
                        rec.line,
                        "response_item_id",
                        f"{rid!r} is already defined in {item_file[rid]}; "
                        "expected ids unique across generator files",
                    )
                )
                continue
            item_file[rid] = loaded.relpath
            for i, aid in enumerate(rec.data["attribute_ids"]):
                owner = attr_user.get(aid)
                if owner is None:
                    problems.add(
                        StudyDataError(
                            _display(study.root, loaded.relpath),
                            rec.line,
                            f"attribute_ids.{i}",
                            f"unknown attribute {aid!r}; expected an id defined in "
                            "attributes.jsonl",
                        )
                    )
                elif owner != rec.data["user_id"]:
                    problems.add(
                        StudyDataError(
                            _display(study.root, loaded.relpath),
                            rec.line,
                            f"attribute_ids.{i}",
                            f"attribute {aid!r} belongs to user {owner!r}, "
                            f"expected an attribute of {rec.data['user_id']!r}",
                        )
                    )
                units.add((rid, aid))
    unit_files = [
        ("response_ratings.jsonl", study.records("response_ratings.jsonl")),
        ("mention_flags.jsonl", study.records("mention_flags.jsonl")),
        *((f.relpath, f.records) for f in study.models("judge")),
    ]
    for rel, recs in unit_files:
        recs = require(
            rel, recs, "response_item_id", item_file, "response item", "models/generator/*.jsonl"
        )
        for rec in recs:
            if (rec.data["response_item_id"], rec.data["attribute_id"]) not in units:
                problems.add(
                    StudyDataError(
                        _display(study.root, rel),
                        rec.line,
                        "attribute_id",
                        f"{rec.data['attribute_id']!r} is not among the attribute_ids of "
                        f"response item {rec.data['response_item_id']!r}; expected one of the "
                        "attributes it was given",
                    )
                )

    # A rater id must name one rater: an annotator or a system, never both.
    annotators = {r.data["annotator_id"] for r in study.records("relevance_judgments.jsonl")}
    for loaded in study.models("relevance"):
        assert loaded.model is not None
        if loaded.model.system in annotators:
            problems.add(
                StudyDataError(
                    _display(study.root, loaded.relpath),
                    None,
                    None,
                    f"system name {loaded.model.system!r} is also an annotator id in "
                    "relevance_judgments.jsonl; expected distinct rater ids",
                )
            )
    if own:
        problems.check()


def _check_attribute_owner(study, rel, recs, attr_user, problems: Problems) -> None:
    for rec in recs:
        owner = attr_user[rec.data["attribute_id"]]
        if owner != rec.data["user_id"]:
            problems.add(
                StudyDataError(
                    _display(study.root, rel),
                    rec.line,
                    "attribute_id",
                    f"attribute {rec.data['attribute_id']!r} belongs to user {owner!r}, "
                    f"expected an attribute of {rec.data['user_id']!r}",
                )
            )


# ---- writing the database -----------------------------------------------------------------


def _sql(name: str) -> str:
    return resources.files("recenter").joinpath("sql", name).read_text(encoding="utf-8")


def _rows(study: Study) -> dict[str, tuple[list[str], list[tuple]]]:
    """Table name -> (columns, rows), in a fixed order."""

    def recs(rel):
        return [r.data for r in study.records(rel)]

    out: dict[str, tuple[list[str], list[tuple]]] = {}
    m = study.meta
    out["study"] = (
        ["name", "data_kind", "description", "source"],
        [(m["name"], m["data_kind"], m["description"], m.get("source"))],
    )
    out["users"] = (
        ["user_id", "source_dataset", "is_real"],
        [(d["user_id"], d["source_dataset"], d["is_real"]) for d in recs("users.jsonl")],
    )
    convs = recs("conversations.jsonl")
    out["conversations"] = (
        ["conversation_id", "user_id"],
        [(d["conversation_id"], d["user_id"]) for d in convs],
    )
    out["conversation_turns"] = (
        ["conversation_id", "turn_index", "role", "text"],
        [
            (d["conversation_id"], i, t["role"], t["text"])
            for d in convs
            for i, t in enumerate(d["turns"])
        ],
    )
    out["attributes"] = (
        ["attribute_id", "user_id", "text", "extractor", "confidence"],
        [
            (d["attribute_id"], d["user_id"], d.get("text"), d["extractor"], d.get("confidence"))
            for d in recs("attributes.jsonl")
        ],
    )
    out["attribute_judgments"] = (
        ["attribute_id", "annotator_id", "label"],
        [
            (d["attribute_id"], d["annotator_id"], d["label"])
            for d in recs("attribute_judgments.jsonl")
        ],
    )
    out["failure_modes"] = (
        ["attribute_id", "labeler", "category"],
        [(d["attribute_id"], d["labeler"], d["category"]) for d in recs("failure_modes.jsonl")],
    )
    out["verifier_predictions"] = (
        ["system", "verifier_kind", "attribute_id", "problematic", "score"],
        [
            (
                f.model.system,
                f.model.kind,
                r.data["attribute_id"],
                r.data["problematic"],
                r.data.get("score"),
            )
            for f in study.models("verifier")
            for r in f.records
        ],
    )
    out["prompts"] = (
        ["prompt_id", "text", "source"],
        [(d["prompt_id"], d["text"], d["source"]) for d in recs("prompts.jsonl")],
    )
    out["relevance_items"] = (
        ["item_id", "user_id", "prompt_id", "attribute_id"],
        [
            (d["item_id"], d["user_id"], d["prompt_id"], d["attribute_id"])
            for d in recs("relevance_items.jsonl")
        ],
    )
    votes = [
        (d["item_id"], d["annotator_id"], "human", d["relevant"], None)
        for d in recs("relevance_judgments.jsonl")
    ]
    votes += [
        (r.data["item_id"], f.model.system, f.model.kind, r.data["relevant"], r.data.get("score"))
        for f in study.models("relevance")
        for r in f.records
    ]
    out["relevance_votes"] = (["item_id", "rater_id", "rater_kind", "relevant", "score"], votes)
    gens = [(f.model.system, r.data) for f in study.models("generator") for r in f.records]
    out["response_items"] = (
        [
            "response_item_id",
            "generator",
            "user_id",
            "prompt_id",
            "generic_response",
            "personalized_response",
        ],
        [
            (
                d["response_item_id"],
                g,
                d["user_id"],
                d["prompt_id"],
                d["generic_response"],
                d["personalized_response"],
            )
            for g, d in gens
        ],
    )
    out["response_item_attributes"] = (
        ["response_item_id", "attribute_id"],
        [(d["response_item_id"], a) for _, d in gens for a in d["attribute_ids"]],
    )
    ratings = [
        (
            d["response_item_id"],
            d["attribute_id"],
            d["annotator_id"],
            "human",
            float(d["rating"]),
            d.get("personalized_position"),
        )
        for d in recs("response_ratings.jsonl")
    ]
    ratings += [
        (
            r.data["response_item_id"],
            r.data["attribute_id"],
            f.model.system,
            f.model.kind,
            float(r.data["rating"]),
            None,
        )
        for f in study.models("judge")
        for r in f.records
    ]
    out["preference_ratings"] = (
        [
            "response_item_id",
            "attribute_id",
            "rater_id",
            "rater_kind",
            "rating",
            "personalized_position",
        ],
        ratings,
    )
    out["mention_flags"] = (
        ["response_item_id", "attribute_id", "flagger", "explicit_mention"],
        [
            (d["response_item_id"], d["attribute_id"], d["flagger"], d["explicit_mention"])
            for d in recs("mention_flags.jsonl")
        ],
    )
    prov = [("study.json", study.meta_sha256, study.meta_bytes, 1, 1, 0, "study", None, None)]
    for rel in sorted(study.files):
        f = study.files[rel]
        role = f.model.role if f.model else f.kind.schema
        prov.append(
            (
                rel,
                f.sha256,
                f.n_bytes,
                f.n_lines,
                len(f.records),
                f.n_duplicates_merged,
                role,
                f.model.system if f.model else None,
                f.model.kind if f.model else None,
            )
        )
    out["provenance"] = (
        [
            "path",
            "sha256",
            "n_bytes",
            "n_lines",
            "n_records",
            "n_duplicates_merged",
            "role",
            "system",
            "system_kind",
        ],
        prov,
    )
    return out


def write_database(study: Study, db_path: str | os.PathLike) -> None:
    """Write the study's tables and views to ``db_path`` atomically."""
    atomic_write(db_path, lambda tmp: _fill_database(study, tmp), fresh=True, companions=[".wal"])


def _fill_database(study: Study, path: Path) -> None:
    """Create the database at ``path`` (which must not exist) with every table and view."""
    import duckdb
    import polars as pl

    con = duckdb.connect(str(path))
    try:
        con.execute(_sql("schema.sql"))
        for table, (columns, rows) in _rows(study).items():
            if not rows:
                continue
            frame = pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)
            cols = ", ".join(columns)
            con.register("incoming", frame.to_arrow())
            try:
                con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")
            finally:
                con.unregister("incoming")
        con.execute(_sql("views.sql"))
        con.execute("CHECKPOINT")
    finally:
        con.close()


def build(study_dir: str | os.PathLike, db_path: str | os.PathLike, progress=None) -> Study:
    """Validate ``study_dir`` and write its database to ``db_path``."""
    study = read_study(study_dir, progress=progress)
    write_database(study, db_path)
    return study
