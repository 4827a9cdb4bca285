"""Importer of the study authors' annotation-tool exports into canonical studies.

An export (format: ``../shared/docs/annotation-tool-format.md``; mapping of every file and
field: ``workflow/recenter/importers/README.md``) holds two rounds that cannot share a study
without mixing their Stage-2 items, so it becomes two studies:

* ``<study>-pilot``: pilot Stage-1 judgments (``*_task1.jsonl``, aligned by position, no
  attribute text), pilot Stage-2 human votes (``*_task3.jsonl``, with ``*_task2.jsonl`` as a
  fallback) and the pilot LLM votes (``relevance_task3/<model>.jsonl``);
* ``<study>-final``: the final Stage-2 samples (``extracted/task5_items.jsonl``), the final LLM
  votes (``relevance_task5/<model>.jsonl``), the human consensus (``ground_truth`` of
  ``task6/eval_results_task5_gt_attributes_*.jsonl``, one rater ``consensus``) and the Stage-3
  response pairs (``extracted/task6_items.jsonl``, one generator file per ``model_tag``).

:func:`plan` lists the files an import writes from the export's file listing (cheap, called
when the Snakemake DAG is built); :func:`convert` reads and checks every record and returns
the studies in memory; :func:`write_studies` writes them (file by file, atomically). The
Snakemake rules (``workflow/rules/import.smk``) convert each final-round LLM vote file in its
own job (:func:`final_vote_files`, :func:`convert_final_vote_file`). A record that cannot be
mapped is an :class:`ExportError` naming the export file, the line and the field; :func:`convert`
goes on with the next record and raises them together (up to
:data:`recenter.errors.MAX_PROBLEMS`, ``problems`` lists them). The skips the README documents
are counted in :class:`Counts` instead.

Privacy: annotator names and Prolific ids never leave this module. Each raw name becomes
``H<k>``, ``k`` its rank in the sorted list of every annotator name of the export; the
mapping is not written anywhere (``recenter-import --show-pseudonyms`` prints it).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recenter import layout
from recenter.errors import LocatedError, Problems

#: Sub-folders of an export, relative to its root.
LLM_PILOT_DIR = "relevance_task3"
LLM_FINAL_DIR = "relevance_task5"
TASK5_ITEMS = "extracted/task5_items.jsonl"
TASK6_ITEMS = "extracted/task6_items.jsonl"
PILOT_CONSENSUS = "task3_relevance_clf.jsonl"
GROUND_TRUTH_GLOB = "task6/eval_results_task5_gt_attributes_*.jsonl"
#: Annotator files: ``<annotator>_task<N>.jsonl`` one folder below the root
#: (``annotations_v0/``, ``relevance_debug/``, …).
ANNOTATOR_FILE = re.compile(r"^(?P<name>.+)_task(?P<task>[0-9]+)\.jsonl$")
#: A Prolific participant id: 24 hexadecimal digits.
PROLIFIC_ID = re.compile(r"[0-9a-f]{24}")
ANNOTATOR_SKIP_DIRS = frozenset({"extracted", "task6", LLM_PILOT_DIR, LLM_FINAL_DIR})

CONSENSUS_RATER = "consensus"
PILOT_SUFFIX = "-pilot"
FINAL_SUFFIX = "-final"
EXTRACTOR_UNKNOWN = "unknown"
PROMPT_SOURCE = "lima"

TASK1_LABELS = {"ok": "accepted", "unsure": "uncertain", "bad": "rejected"}
#: task2 ratings and the binary label the authors' task2 -> task3 conversion gives them.
TASK2_RELEVANT = {
    "necessary_explicit": True,
    "necessary_implicit": True,
    "optional": True,
    "unnecessary": False,
    "forbidden": False,
}
TASK2_UNRATED = "none"
CONVERTED_NOTE = "[converted from task2]"


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


# ---- file discovery -----------------------------------------------------------------------


@dataclass(frozen=True)
class AnnotatorFile:
    path: Path
    rel: str  # relative to the export root
    name: str  # raw annotator name (file-name prefix) -- never written out
    task: str


@dataclass
class ExportFiles:
    """The files of an export the importer reads, by role (paths relative to the root)."""

    root: Path
    annotator: list[AnnotatorFile] = field(default_factory=list)
    llm_pilot: list[str] = field(default_factory=list)
    llm_final: list[str] = field(default_factory=list)
    task5_items: str | None = None
    task6_items: str | None = None
    pilot_consensus: str | None = None
    ground_truth: list[str] = field(default_factory=list)

    def of_task(self, task: str) -> list[AnnotatorFile]:
        return [f for f in self.annotator if f.task == task]

    def all_rel(self) -> list[str]:
        rels = [f.rel for f in self.annotator] + self.llm_pilot + self.llm_final
        rels += self.ground_truth
        rels += [r for r in (self.task5_items, self.task6_items, self.pilot_consensus) if r]
        return sorted(rels)


def discover(export_dir: str | os.PathLike) -> ExportFiles:
    """Sort the files of an export into roles, from the file listing only."""
    root = Path(export_dir)
    if not root.is_dir():
        raise ExportError(str(root), None, None, "annotation-tool export folder not found")
    files = ExportFiles(root)
    for sub in sorted(p for p in root.iterdir() if p.is_dir()):
        if sub.name in ANNOTATOR_SKIP_DIRS:
            continue
        for path in sorted(sub.glob("*.jsonl")):
            m = ANNOTATOR_FILE.match(path.name)
            if m:
                rel = path.relative_to(root).as_posix()
                files.annotator.append(AnnotatorFile(path, rel, m["name"], m["task"]))
    for folder, target in ((LLM_PILOT_DIR, files.llm_pilot), (LLM_FINAL_DIR, files.llm_final)):
        target.extend(
            p.relative_to(root).as_posix() for p in sorted((root / folder).glob("*.jsonl"))
        )
    for attr, rel in (
        ("task5_items", TASK5_ITEMS),
        ("task6_items", TASK6_ITEMS),
        ("pilot_consensus", PILOT_CONSENSUS),
    ):
        if (root / rel).is_file():
            setattr(files, attr, rel)
    files.ground_truth = [
        p.relative_to(root).as_posix() for p in sorted(root.glob(GROUND_TRUTH_GLOB))
    ]
    return files


def system_name(rel: str) -> str:
    """Readable system name of an LLM vote file: the file stem without the provider prefix.

    The authors' scripts name a file after the provider/model identifier with ``/`` replaced by
    ``_`` (``google_gemma-4-31b-it.jsonl`` for ``google/gemma-4-31B-it``); the part after the
    first ``_`` is the system name (``gemma-4-31b-it``). A stem without ``_`` is used whole.
    """
    stem = Path(rel).name[: -len(".jsonl")]
    name = stem.split("_", 1)[1] if "_" in stem else stem
    if not layout.SYSTEM_NAME.match(name):
        raise ExportError(
            rel,
            None,
            None,
            f"model name {name!r} taken from the file name must match {layout.SYSTEM_NAME.pattern}",
        )
    return name


def _model_files(rels: list[str], used_names: set[str]) -> dict[str, str]:
    """export path -> system name, refusing two files with one name or an annotator's name."""
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for rel in rels:
        name = system_name(rel)
        if name in seen:
            raise ExportError(
                rel, None, None, f"model name {name!r} is also the name of {seen[name]}"
            )
        if name in used_names:
            raise ExportError(rel, None, None, f"model name {name!r} collides with a rater id")
        seen[name] = rel
        out[rel] = name
    return out


def _generator_tags(files: ExportFiles) -> list[str]:
    """The ``model_tag`` values of task6_items (one generator file each)."""
    if files.task6_items is None:
        return []
    tags = set()
    for lineno, rec in read_jsonl(files.root / files.task6_items, files.task6_items):
        where = Where(files.task6_items, lineno)
        tag = as_str(get(rec, "model_tag", where), where, "model_tag")
        if not layout.SYSTEM_NAME.match(tag):
            raise where.error(
                "model_tag", f"generator name {tag!r} must match {layout.SYSTEM_NAME.pattern}"
            )
        tags.add(tag)
    return sorted(tags)


def pseudonyms(files: ExportFiles) -> dict[str, str]:
    """Raw annotator name -> ``H<k>``, k = rank in the sorted names of the export (from 1)."""
    names = sorted({f.name for f in files.annotator})
    return {name: f"H{k}" for k, name in enumerate(names, start=1)}


def redactor(export_dir: str | os.PathLike):
    """A function that replaces every raw annotator name of the export in a text by its
    pseudonym (where it names a file, ``<name>_task<N>``, and anywhere for a Prolific id), for
    whatever an import writes to a file: logs, manifests, error summaries. An export that
    cannot be listed gives a function that leaves the text as it is."""
    try:
        alias = pseudonyms(discover(export_dir))
    except ExportError:
        return lambda text: text
    patterns = []
    for name in sorted(alias, key=len, reverse=True):
        if PROLIFIC_ID.fullmatch(name):
            pat = re.compile(re.escape(name))
        else:
            pat = re.compile(r"(?<![A-Za-z0-9])" + re.escape(name) + r"(?=_task[0-9])")
        patterns.append((pat, alias[name]))

    def redact(text: str) -> str:
        for pat, pseudonym in patterns:
            text = pat.sub(pseudonym, text)
        return text

    return redact


def plan(export_dir: Path, study: str) -> dict[str, list[str]]:
    """study name -> raw files (relative to data/raw/<study>/) the import writes.

    Computed from the export's file listing (and the ``model_tag`` column of task6_items), so
    it is cheap enough to run whenever the Snakemake DAG is built. ``study.json`` is not
    listed; every study of the plan has one.
    """
    files = discover(export_dir)
    out: dict[str, list[str]] = {}

    pilot: set[str] = set()
    humans = files.of_task("3") + files.of_task("2")
    if files.of_task("1"):
        pilot |= {"users.jsonl", "attributes.jsonl", "attribute_judgments.jsonl"}
    if humans or files.llm_pilot:
        pilot |= {"users.jsonl", "attributes.jsonl", "prompts.jsonl", "relevance_items.jsonl"}
    if humans:
        pilot.add("relevance_judgments.jsonl")
    used = set(pseudonyms(files).values()) | {CONSENSUS_RATER}
    for name in _model_files(files.llm_pilot, used).values():
        pilot.add(layout.ModelFile("relevance", "llm", name).relpath)
    if pilot:
        out[study + PILOT_SUFFIX] = sorted(pilot)

    final: set[str] = set()
    needs_items = files.llm_final or files.ground_truth or files.task6_items
    if needs_items and files.task5_items is None:
        first = (files.llm_final + files.ground_truth + [files.task6_items or ""])[0]
        raise ExportError(
            first, None, None, f"the final round needs {TASK5_ITEMS}, which is missing"
        )
    if files.task5_items:
        final |= {"users.jsonl", "attributes.jsonl", "prompts.jsonl", "relevance_items.jsonl"}
    if files.ground_truth:
        final.add("relevance_judgments.jsonl")
    for name in _model_files(files.llm_final, used).values():
        final.add(layout.ModelFile("relevance", "llm", name).relpath)
    for tag in _generator_tags(files):
        final.add(layout.ModelFile("generator", None, tag).relpath)
    if final:
        out[study + FINAL_SUFFIX] = sorted(final)
    if not out:
        raise ExportError(
            str(export_dir), None, None, "no annotation-tool file found in the export"
        )
    return out


def input_files(export_dir: str | os.PathLike, *, final_votes: bool = True) -> list[str]:
    """Every export file an import reads (for the Snakemake rules' input); without the final
    round's LLM vote files when ``final_votes`` is false."""
    files = discover(export_dir)
    rels = files.all_rel()
    if not final_votes:
        rels = [r for r in rels if r not in set(files.llm_final)]
    return [str(Path(export_dir) / rel) for rel in rels]


def manifest_text(export_dir: str | os.PathLike, *, final_votes: bool = True) -> str:
    """A content manifest of the export files an import reads: for each, its path with raw
    annotator names replaced by pseudonyms, its size and its SHA-256 (JSON, sorted).

    The Snakemake import rules take this manifest as their input instead of the export files
    themselves, whose names hold Prolific ids: Snakemake records a job's inputs in
    ``.snakemake/`` and in ``--report``. ``final_votes`` as for :func:`input_files`."""
    files = discover(export_dir)
    redact = redactor(export_dir)
    rels = files.all_rel()
    if not final_votes:
        rels = [r for r in rels if r not in set(files.llm_final)]
    entries = []
    for rel in rels:
        data = (files.root / rel).read_bytes()
        entries.append(
            {"file": redact(rel), "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
        )
    entries.sort(key=lambda e: e["file"])
    doc = {"export": source_of(export_dir), "final_votes": final_votes, "files": entries}
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def write_manifest(
    export_dir: str | os.PathLike, dest: str | os.PathLike, *, final_votes: bool = True
) -> str:
    """Write :func:`manifest_text` to ``dest`` only if it differs from what is there, so the
    file's modification time changes exactly when the export's content does (Snakemake then
    re-runs the jobs that read it). Returns ``dest``."""
    from recenter.outputs import atomic_write_text

    text = manifest_text(export_dir, final_votes=final_votes)
    dest = Path(dest)
    if not dest.is_file() or dest.read_text(encoding="utf-8") != text:
        atomic_write_text(dest, text)
    return str(dest)


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


def _latest_by_index(
    af: AnnotatorFile, counts: Counts, study: str
) -> dict[int, tuple[Where, dict]]:
    """index -> (where, record) of an annotator file; a repeated index: the later line wins."""
    out: dict[int, tuple[Where, dict]] = {}
    for lineno, rec in read_jsonl(af.path, af.rel):
        where = Where(af.rel, lineno)
        index = as_int(get(rec, "index", where), where, "index")
        raw = rec.get("annotator", af.name)
        if raw != af.name:
            raise where.error("annotator", "differs from the annotator named by the file name")
        if index in out:
            counts.add(study, "annotator_line_superseded")
        out[index] = (where, rec)
    return out


def _not_flagged(rec: dict, where: Where, counts: Counts, study: str) -> bool:
    if as_bool(rec.get("flagged", False), where, "flagged"):
        counts.add(study, "flagged_record_skipped")
        return False
    return True


# ---- pilot round ----------------------------------------------------------------------------


def _pilot_stage1(
    files: ExportFiles, st: StudyBuild, alias: dict[str, str], counts: Counts
) -> None:
    """task1: judgments aligned by position with an absent attribute list."""
    n_attrs: dict[int, tuple[int, Where]] = {}
    for af in files.of_task("1"):
        for index, (where, rec) in sorted(_latest_by_index(af, counts, st.name).items()):
            with _collecting():
                if not _not_flagged(rec, where, counts, st.name):
                    continue
                judgments = as_list(get(rec, "attr_judgments", where), where, "attr_judgments")
                if index in n_attrs and n_attrs[index][0] != len(judgments):
                    n, first = n_attrs[index]
                    raise where.error(
                        "attr_judgments",
                        f"{len(judgments)} judgments for user {index}, but {n} in {first.path} "
                        f"line {first.line}: cannot align them by position",
                    )
                n_attrs.setdefault(index, (len(judgments), where))
                user = f"pilot-user-{index}"
                for pos, j in enumerate(judgments):
                    name = f"attr_judgments[{pos}].judgment"
                    raw = get(
                        as_dict(j, where, name), "judgment", where, prefix=f"attr_judgments[{pos}]."
                    )
                    if raw is None:
                        counts.add(st.name, "task1_null_judgment")
                        continue
                    if raw not in TASK1_LABELS:
                        raise where.error(
                            name, f"expected one of {sorted(TASK1_LABELS)} or null, got {raw!r}"
                        )
                    attr = f"{user}-attr-{pos:02d}"
                    rec_out = {
                        "attribute_id": attr,
                        "annotator_id": alias[af.name],
                        "label": TASK1_LABELS[raw],
                    }
                    st.put(
                        "attribute_judgments.jsonl", (attr, alias[af.name]), rec_out, where, name
                    )
    for index, (n, where) in sorted(n_attrs.items()):
        user = f"pilot-user-{index}"
        st.put(
            "users.jsonl",
            (user,),
            {"user_id": user, "source_dataset": "wildchat", "is_real": True},
            where,
            "index",
        )
        for pos in range(n):
            attr = f"{user}-attr-{pos:02d}"
            rec = {
                "attribute_id": attr,
                "user_id": user,
                "text": None,
                "extractor": EXTRACTOR_UNKNOWN,
                "confidence": None,
            }
            st.put("attributes.jsonl", (attr,), rec, where, "attr_judgments")


def _human_votes(
    files: ExportFiles, samples: _Samples, alias: dict[str, str], counts: Counts, study: str
) -> list[tuple[int, str, str, bool, Where]]:
    """(sample, text, annotator pseudonym, relevant, where) of the human task3 votes, with the
    task2 records of (annotator, sample) pairs that have no task3 record as a fallback."""
    votes = []
    task3: dict[tuple[str, int], tuple[Where, dict]] = {}
    for af in files.of_task("3"):
        for index, (where, rec) in _latest_by_index(af, counts, study).items():
            if (af.name, index) in task3:
                other = task3[(af.name, index)][0]
                raise where.error(
                    "index",
                    f"sample {index} of this annotator is also in {other.path} line {other.line}",
                )
            task3[(af.name, index)] = (where, rec)
    task2: dict[tuple[str, int], tuple[Where, dict]] = {}
    for af in files.of_task("2"):
        for index, (where, rec) in _latest_by_index(af, counts, study).items():
            if (af.name, index) in task3:
                counts.add(study, "task2_record_shadowed")
                continue
            task2[(af.name, index)] = (where, rec)
    records = [(k, v, False) for k, v in sorted(task3.items())]
    records += [(k, v, True) for k, v in sorted(task2.items())]
    for (name, index), (where, rec), is_task2 in records:
        with _collecting():
            if not _not_flagged(rec, where, counts, study):
                continue
            user = as_str(get(rec, "user_id", where), where, "user_id")
            p = rec.get("prompt_index")
            samples.note(
                index, user, None if p is None else as_int(p, where, "prompt_index"), where
            )
            if is_task2:
                counts.add(study, "task2_fallback_record")
            elif str(rec.get("note", "")).rstrip().endswith(CONVERTED_NOTE):
                counts.add(study, "task3_converted_record")
            judgments = as_list(
                get(rec, "relevance_judgments", where), where, "relevance_judgments"
            )
            for pos, j in enumerate(judgments):
                fname = f"relevance_judgments[{pos}]"
                j = as_dict(j, where, fname)
                text = as_str(
                    get(j, "attribute", where, prefix=fname + "."), where, fname + ".attribute"
                )
                if is_task2:
                    rating = get(j, "rating", where, prefix=fname + ".")
                    if rating == TASK2_UNRATED:
                        counts.add(study, "task2_unrated_attribute")
                        continue
                    if rating not in TASK2_RELEVANT:
                        raise where.error(
                            fname + ".rating",
                            f"expected one of {sorted(TASK2_RELEVANT)} or 'none', got {rating!r}",
                        )
                    relevant = TASK2_RELEVANT[rating]
                else:
                    relevant = as_bool(
                        get(j, "relevant", where, prefix=fname + "."),
                        where,
                        fname + ".relevant",
                        nullable=True,
                    )
                    if relevant is None:
                        counts.add(study, "task3_null_vote")
                        continue
                votes.append((index, text, alias[name], relevant, where))
    return votes


def _llm_votes(
    rel: str, root: Path, samples: _Samples, counts: Counts, study: str
) -> list[tuple[int, str, bool, Where]]:
    """(sample, text, relevant, where) of one pilot LLM vote file; notes its samples."""
    out = []
    for lineno, rec in read_jsonl(root / rel, rel):
        with _collecting():
            where = Where(rel, lineno)
            index = as_int(get(rec, "sample_index", where), where, "sample_index")
            user = as_str(get(rec, "user_id", where), where, "user_id")
            p = rec.get("prompt_index")
            samples.note(
                index, user, None if p is None else as_int(p, where, "prompt_index"), where
            )
            for pos, it in enumerate(as_list(get(rec, "items", where), where, "items")):
                fname = f"items[{pos}]"
                it = as_dict(it, where, fname)
                text = as_str(
                    get(it, "attribute", where, prefix=fname + "."), where, fname + ".attribute"
                )
                relevant = as_bool(
                    get(it, "relevant", where, prefix=fname + "."),
                    where,
                    fname + ".relevant",
                    nullable=True,
                )
                if relevant is None:
                    counts.add(study, "llm_null_vote")
                    continue
                out.append((index, text, relevant, where))
    return out


def _prompt_texts(
    files: ExportFiles, counts: Counts, study: str | None
) -> dict[int, tuple[str, Where]]:
    """prompt_index -> text from task3_relevance_clf and task5_items; conflicts are errors."""
    texts: dict[int, tuple[str, Where]] = {}

    def note(p: int, text: str, where: Where) -> None:
        if p in texts and texts[p][0] != text:
            first = texts[p][1]
            raise where.error(
                "prompt_text", f"prompt {p} has another text in {first.path} line {first.line}"
            )
        texts.setdefault(p, (text, where))

    if files.pilot_consensus:
        for lineno, rec in read_jsonl(files.root / files.pilot_consensus, files.pilot_consensus):
            where = Where(files.pilot_consensus, lineno)
            p = as_int(get(rec, "prompt_index", where), where, "prompt_index")
            note(p, as_str(get(rec, "prompt_text", where), where, "prompt_text"), where)
            if study:
                counts.add(study, "pilot_consensus_row_not_imported")
    if files.task5_items:
        for lineno, rec in read_jsonl(files.root / files.task5_items, files.task5_items):
            where = Where(files.task5_items, lineno)
            p = as_int(get(rec, "prompt_index", where), where, "prompt_index")
            note(p, as_str(get(rec, "prompt_text", where), where, "prompt_text"), where)
    return texts


def _pilot_sample_prompts(files: ExportFiles, samples: _Samples) -> None:
    """Fill the prompt_index of pilot samples whose vote files omit it from task3_relevance_clf."""
    if not files.pilot_consensus:
        return
    for lineno, rec in read_jsonl(files.root / files.pilot_consensus, files.pilot_consensus):
        where = Where(files.pilot_consensus, lineno)
        index = as_int(get(rec, "sample_index", where), where, "sample_index")
        p = as_int(get(rec, "prompt_index", where), where, "prompt_index")
        s = samples.by_index.get(index)
        if s is not None:
            samples.note(index, s.user_id, p, where)


def _write_items(
    st: StudyBuild,
    samples: _Samples,
    voted: list[tuple[int, str, Where]],
    prompt_texts: dict[int, tuple[str, Where]],
) -> None:
    """users, prompts, attributes and relevance items of every voted (sample, text)."""
    pairs: dict[tuple[str, int], int] = {}
    for index, text, where in voted:
        s = samples.by_index[index]
        if s.prompt_index is None:
            raise s.first_seen.error(
                "prompt_index", f"sample {index} has no prompt_index in any file"
            )
        if (s.user_id, s.prompt_index) in pairs and pairs[(s.user_id, s.prompt_index)] != index:
            raise where.error(
                "user_id",
                f"samples {pairs[(s.user_id, s.prompt_index)]} and {index} "
                "are the same user-prompt pair",
            )
        pairs[(s.user_id, s.prompt_index)] = index
        if s.prompt_index not in prompt_texts:
            raise where.error(
                "prompt_index",
                f"no text for prompt {s.prompt_index} in {PILOT_CONSENSUS} or {TASK5_ITEMS}",
            )
        pid = prompt_id(s.prompt_index)
        st.put(
            "users.jsonl",
            (s.user_id,),
            {"user_id": s.user_id, "source_dataset": "wildchat", "is_real": True},
            where,
            "user_id",
        )
        st.put(
            "prompts.jsonl",
            (pid,),
            {"prompt_id": pid, "text": prompt_texts[s.prompt_index][0], "source": PROMPT_SOURCE},
            where,
            "prompt_index",
        )
        aid = attribute_id(s.user_id, text)
        attr = {
            "attribute_id": aid,
            "user_id": s.user_id,
            "text": text,
            "extractor": EXTRACTOR_UNKNOWN,
            "confidence": None,
        }
        _put_attribute(st, attr, where)
        iid = item_id(index, text)
        st.put(
            "relevance_items.jsonl",
            (iid,),
            {"item_id": iid, "user_id": s.user_id, "prompt_id": pid, "attribute_id": aid},
            where,
            "attribute",
        )


def _put_attribute(st: StudyBuild, attr: dict, where: Where) -> None:
    table = st.files.setdefault("attributes.jsonl", {})
    old = table.get((attr["attribute_id"],))
    if old is not None and (old["user_id"], old["text"]) != (attr["user_id"], attr["text"]):
        raise where.error(
            "attribute", f"attribute id {attr['attribute_id']} would name two attributes"
        )
    st.put("attributes.jsonl", (attr["attribute_id"],), attr, where, "attribute")


def _put_vote(
    st: StudyBuild, rel: str, key_name: str, rec: dict, where: Where, counts: Counts
) -> None:
    key = (rec["item_id"], rec[key_name]) if key_name else (rec["item_id"],)
    if not st.put(rel, key, rec, where, "relevant"):
        counts.add(st.name, "duplicate_vote_merged")


def convert_pilot(
    files: ExportFiles, name: str, counts: Counts, alias: dict[str, str], models: dict[str, str]
) -> StudyBuild:
    st = StudyBuild(name)
    _pilot_stage1(files, st, alias, counts)
    samples = _Samples()
    humans = _human_votes(files, samples, alias, counts, name)
    llm = {rel: _llm_votes(rel, files.root, samples, counts, name) for rel in files.llm_pilot}
    _pilot_sample_prompts(files, samples)
    prompts = _prompt_texts(files, counts, name)
    voted = [(i, t, w) for i, t, _, _, w in humans] + [
        (i, t, w) for v in llm.values() for i, t, _, w in v
    ]
    _write_items(st, samples, voted, prompts)
    for index, text, annotator, relevant, where in humans:
        rec = {"item_id": item_id(index, text), "annotator_id": annotator, "relevant": relevant}
        _put_vote(st, "relevance_judgments.jsonl", "annotator_id", rec, where, counts)
    for rel, votes in llm.items():
        out = layout.ModelFile("relevance", "llm", models[rel]).relpath
        for index, text, relevant, where in votes:
            _put_vote(
                st,
                out,
                "",
                {"item_id": item_id(index, text), "relevant": relevant, "score": None},
                where,
                counts,
            )
    return st


# ---- final round ----------------------------------------------------------------------------


@dataclass
class FinalSample:
    index: int
    user_id: str
    prompt_index: int
    where: Where
    texts: dict[str, str]  # attribute text -> attribute id


def _final_samples(
    files: ExportFiles, st: StudyBuild, prompts: dict[int, tuple[str, Where]]
) -> dict[int, FinalSample]:
    assert files.task5_items is not None
    out: dict[int, FinalSample] = {}
    pairs: dict[tuple[str, int], int] = {}
    for lineno, rec in read_jsonl(files.root / files.task5_items, files.task5_items):
        where = Where(files.task5_items, lineno)
        index = as_int(get(rec, "item_index", where), where, "item_index")
        if index in out:
            raise where.error("item_index", f"sample {index} repeats line {out[index].where.line}")
        user = as_str(get(rec, "user_id", where), where, "user_id")
        p = as_int(get(rec, "prompt_index", where), where, "prompt_index")
        if (user, p) in pairs:
            raise where.error("user_id", f"same user and prompt as sample {pairs[(user, p)]}")
        pairs[(user, p)] = index
        pid = prompt_id(p)
        st.put(
            "users.jsonl",
            (user,),
            {"user_id": user, "source_dataset": "wildchat", "is_real": True},
            where,
            "user_id",
        )
        st.put(
            "prompts.jsonl",
            (pid,),
            {"prompt_id": pid, "text": prompts[p][0], "source": PROMPT_SOURCE},
            where,
            "prompt_text",
        )
        sample = FinalSample(index, user, p, where, {})
        for pos, a in enumerate(
            as_list(get(rec, "profile_attributes", where), where, "profile_attributes")
        ):
            fname = f"profile_attributes[{pos}]"
            a = as_dict(a, where, fname)
            text = as_str(
                get(a, "attribute", where, prefix=fname + "."), where, fname + ".attribute"
            )
            conf = a.get("confidence")
            if conf is not None and (
                isinstance(conf, bool) or not isinstance(conf, int | float) or not 0 <= conf <= 1
            ):
                raise where.error(
                    fname + ".confidence", f"expected a number in [0, 1] or null, got {conf!r}"
                )
            if text in sample.texts:
                raise where.error(
                    fname + ".attribute", "the same attribute text twice in one sample"
                )
            aid = attribute_id(user, text)
            _put_attribute(
                st,
                {
                    "attribute_id": aid,
                    "user_id": user,
                    "text": text,
                    "extractor": EXTRACTOR_UNKNOWN,
                    "confidence": conf,
                },
                where,
            )
            sample.texts[text] = aid
            iid = item_id(index, text)
            st.put(
                "relevance_items.jsonl",
                (iid,),
                {"item_id": iid, "user_id": user, "prompt_id": pid, "attribute_id": aid},
                where,
                fname,
            )
        out[index] = sample
    return out


def _resolve(sample: FinalSample | None, text: str, where: Where, fname: str, index: Any) -> str:
    if sample is None:
        raise where.error(fname, f"sample {index} is not in {TASK5_ITEMS}")
    if text not in sample.texts:
        raise where.error(
            fname,
            f"attribute {text[:60]!r} is not in the profile of sample {sample.index} "
            f"in {TASK5_ITEMS}",
        )
    return sample.texts[text]


def _final_llm_file(
    files: ExportFiles,
    st: StudyBuild,
    samples: dict[int, FinalSample],
    rel: str,
    system: str,
    counts: Counts,
) -> str:
    """Convert one final-round LLM vote file into ``st``; returns its canonical path."""
    name = st.name
    out = layout.ModelFile("relevance", "llm", system).relpath
    for lineno, rec in read_jsonl(files.root / rel, rel):
        with _collecting():
            where = Where(rel, lineno)
            index = as_int(get(rec, "sample_index", where), where, "sample_index")
            s = samples.get(index)
            if s is None:
                raise where.error("sample_index", f"sample {index} is not in {TASK5_ITEMS}")
            if as_str(get(rec, "user_id", where), where, "user_id") != s.user_id:
                raise where.error("user_id", f"differs from sample {index} in {TASK5_ITEMS}")
            p = rec.get("prompt_index")
            if p is not None and as_int(p, where, "prompt_index") != s.prompt_index:
                raise where.error("prompt_index", f"differs from sample {index} in {TASK5_ITEMS}")
            for pos, it in enumerate(as_list(get(rec, "items", where), where, "items")):
                fname = f"items[{pos}]"
                it = as_dict(it, where, fname)
                text = as_str(
                    get(it, "attribute", where, prefix=fname + "."), where, fname + ".attribute"
                )
                _resolve(s, text, where, fname + ".attribute", index)
                relevant = as_bool(
                    get(it, "relevant", where, prefix=fname + "."),
                    where,
                    fname + ".relevant",
                    nullable=True,
                )
                if relevant is None:
                    counts.add(name, "llm_null_vote")
                    continue
                rec_out = {"item_id": item_id(index, text), "relevant": relevant, "score": None}
                _put_vote(st, out, "", rec_out, where, counts)
    return out


def convert_final(
    files: ExportFiles,
    name: str,
    counts: Counts,
    models: dict[str, str],
    *,
    final_votes: bool = True,
) -> StudyBuild:
    """The final round; ``final_votes=False`` leaves out the LLM vote files
    (``rule import_annotation_tool_votes`` converts each one on its own)."""
    st = StudyBuild(name)
    prompts = _prompt_texts(files, counts, None)
    samples = _final_samples(files, st, prompts)
    by_pair = {(s.user_id, s.prompt_index): s for s in samples.values()}

    if final_votes:
        for rel in files.llm_final:
            _final_llm_file(files, st, samples, rel, models[rel], counts)

    for rel in files.ground_truth:
        for lineno, rec in read_jsonl(files.root / rel, rel):
            with _collecting():
                where = Where(rel, lineno)
                pid = as_str(get(rec, "prompt_id", where), where, "prompt_id")
                s = _pair_sample(by_pair, pid, where)
                if as_str(get(rec, "user_id", where), where, "user_id") != s.user_id:
                    raise where.error("user_id", f"differs from prompt_id {pid!r}")
                counts.add(name, "eval_response_not_imported")
                for pos, a in enumerate(
                    as_list(get(rec, "profile_attributes", where), where, "profile_attributes")
                ):
                    fname = f"profile_attributes[{pos}]"
                    a = as_dict(a, where, fname)
                    text = as_str(
                        get(a, "attribute", where, prefix=fname + "."), where, fname + ".attribute"
                    )
                    _resolve(s, text, where, fname + ".attribute", s.index)
                    gt = as_bool(
                        get(a, "ground_truth", where, prefix=fname + "."),
                        where,
                        fname + ".ground_truth",
                        nullable=True,
                    )
                    if gt is None:
                        counts.add(name, "ground_truth_null")
                        continue
                    rec_out = {
                        "item_id": item_id(s.index, text),
                        "annotator_id": CONSENSUS_RATER,
                        "relevant": gt,
                    }
                    _put_vote(
                        st, "relevance_judgments.jsonl", "annotator_id", rec_out, where, counts
                    )

    if files.task6_items:
        rel = files.task6_items
        for lineno, rec in read_jsonl(files.root / rel, rel):
            with _collecting():
                where = Where(rel, lineno)
                tag = as_str(get(rec, "model_tag", where), where, "model_tag")
                pid = as_str(get(rec, "prompt_id", where), where, "prompt_id")
                s = _pair_sample(by_pair, pid, where)
                if as_str(get(rec, "user_id", where), where, "user_id") != s.user_id:
                    raise where.error("user_id", f"differs from prompt_id {pid!r}")
                ids = []
                for pos, a in enumerate(
                    as_list(get(rec, "attributes", where), where, "attributes")
                ):
                    fname = f"attributes[{pos}]"
                    a = as_dict(a, where, fname)
                    text = as_str(
                        get(a, "attribute", where, prefix=fname + "."), where, fname + ".attribute"
                    )
                    aid = _resolve(s, text, where, fname + ".attribute", s.index)
                    if as_bool(
                        get(a, "is_relevant", where, prefix=fname + "."),
                        where,
                        fname + ".is_relevant",
                    ):
                        if aid not in ids:
                            ids.append(aid)
                if not ids:
                    counts.add(name, "generator_no_relevant_attribute")
                    continue
                rid = f"{tag}-s{s.index:03d}"
                out = {
                    "response_item_id": rid,
                    "user_id": s.user_id,
                    "prompt_id": prompt_id(s.prompt_index),
                    "generic_response": as_str(
                        get(rec, "response_no_context", where), where, "response_no_context"
                    ),
                    "personalized_response": as_str(
                        get(rec, "response_personalized", where), where, "response_personalized"
                    ),
                    "attribute_ids": sorted(ids),
                }
                st.put(
                    layout.ModelFile("generator", None, tag).relpath,
                    (rid,),
                    out,
                    where,
                    "prompt_id",
                )
    return st


def _pair_sample(
    by_pair: dict[tuple[str, int], FinalSample], pid: str, where: Where
) -> FinalSample:
    """Sample of a ``<user_id>_<prompt_index>`` prompt id."""
    user, _, p = pid.rpartition("_")
    if not user or not re.fullmatch(r"[0-9]+", p):
        raise where.error("prompt_id", f"expected '<user_id>_<prompt_index>', got {pid!r}")
    s = by_pair.get((user, int(p)))
    if s is None:
        raise where.error("prompt_id", f"user-prompt pair {pid!r} is not in {TASK5_ITEMS}")
    return s


# ---- whole export ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    studies: dict[str, StudyBuild]
    counts: Counts
    descriptions: dict[str, str]
    plan: dict[str, list[str]]  # the full plan (final vote files included)


def final_vote_files(export_dir: str | os.PathLike, study: str) -> dict[str, str]:
    """Canonical path (in ``<study>-final``) -> export path, of each final-round LLM vote file.

    ``rule import_annotation_tool_votes`` converts each of them on its own, so a new vote
    file in the export re-runs only its own import job (the final round's items come from
    ``extracted/task5_items.jsonl`` alone). Pilot vote files are part of the main import: the
    pilot's items are the union of the voted (sample, attribute) pairs of every file.
    """
    files = discover(export_dir)
    if files.task5_items is None:
        return {}
    used = set(pseudonyms(files).values()) | {CONSENSUS_RATER}
    models = _model_files(files.llm_final, used)
    return {layout.ModelFile("relevance", "llm", n).relpath: rel for rel, n in models.items()}


def _stage3_human_files(files: ExportFiles, counts: Counts, study: str) -> None:
    for af in files.of_task("6"):
        for _ in read_jsonl(af.path, af.rel):
            counts.add(study, "task6_human_rating_record_not_imported")


_DESCRIPTIONS = {
    PILOT_SUFFIX: (
        "Pilot round of the study authors' annotation tool: Stage-1 attribute-quality "
        "judgments (attributes known only by position) and Stage-2 binary relevance votes of "
        "the annotators (pseudonymised) and of the LLMs on the pilot samples."
    ),
    FINAL_SUFFIX: (
        "Final round of the study authors' annotation tool: the Stage-2 user-prompt samples "
        "with the human consensus relevance label (one rater, 'consensus'), the LLM relevance "
        "votes, and the Stage-3 generic/personalized response pairs (no human ratings)."
    ),
}


def convert(export_dir: str | os.PathLike, study: str, *, final_votes: bool = True) -> ImportResult:
    """Read and check every record of an export; return the studies in memory.

    ``final_votes=False`` leaves out the final round's LLM vote files (see
    :func:`final_vote_files`)."""
    files = discover(export_dir)
    expected = plan(Path(export_dir), study)
    problems = Problems()
    token = _PROBLEMS.set(problems)
    try:
        return _convert(files, expected, export_dir, study, final_votes=final_votes)
    except ExportError as exc:
        direct = len(exc.problems) == 1 and exc.problems[0] is exc
        if not direct or not problems:
            raise  # the collected problems, or the first and only one
        problems.errors.append(exc)  # a problem outside a record, after collected ones
        raise problems.combined() from None
    finally:
        _PROBLEMS.reset(token)


def _convert(
    files: ExportFiles, expected: dict, export_dir, study: str, *, final_votes: bool
) -> ImportResult:
    counts = Counts()
    alias = pseudonyms(files)
    used = set(alias.values()) | {CONSENSUS_RATER}
    studies: dict[str, StudyBuild] = {}
    pilot, final = study + PILOT_SUFFIX, study + FINAL_SUFFIX
    if pilot in expected:
        models = _model_files(files.llm_pilot, used)
        studies[pilot] = convert_pilot(files, pilot, counts, alias, models)
    if final in expected:
        models = _model_files(files.llm_final, used)
        studies[final] = convert_final(files, final, counts, models, final_votes=final_votes)
        _stage3_human_files(files, counts, final)
    collected = _PROBLEMS.get()
    if collected is not None:
        collected.check()  # every bad record; only then whether a file yields nothing
    skip = set() if final_votes else set(final_vote_files(export_dir, study))
    for name, st in studies.items():
        produced = {rel for rel, recs in st.files.items() if recs}
        left_out = skip if name == final else set()
        missing = sorted(set(expected[name]) - produced - left_out)
        if missing:
            raise ExportError(
                str(export_dir),
                None,
                None,
                f"study {name}: the export's files yield no record for {', '.join(missing)} "
                "(every record skipped or flagged?)",
            )
    descriptions = {name: _DESCRIPTIONS[name[len(study) :]] for name in studies}
    return ImportResult(studies, counts, descriptions, expected)


def convert_final_vote_file(
    export_dir: str | os.PathLike, study: str, relpath: str
) -> tuple[list[str], Counts]:
    """Lines of one final-round vote file (``relpath`` in ``<study>-final``) and its counts."""
    files = discover(export_dir)
    rel = final_vote_files(export_dir, study).get(relpath)
    if rel is None:
        raise ExportError(str(export_dir), None, None, f"no final-round vote file for {relpath}")
    counts = Counts()
    st = StudyBuild(study + FINAL_SUFFIX)
    samples = _final_samples(files, st, _prompt_texts(files, counts, None))
    out = _final_llm_file(files, st, samples, rel, layout.parse_model_path(relpath).system, counts)
    if not st.files.get(out):
        raise ExportError(rel, None, None, "no vote in the file (every vote null?)")
    return st.lines(out), counts


def _atomic_write_text(path: Path, text: str) -> None:
    from recenter.outputs import atomic_write_text

    atomic_write_text(path, text)


MANIFEST = ".import-manifest"


def write_studies(
    result: ImportResult, out_root: str | os.PathLike, source: str
) -> dict[str, list[str]]:
    """Write every converted file of ``result`` under ``out_root/<study>/``; returns them.

    Nothing is written before the whole export has been converted; each file is written to a
    temporary name and renamed into place. Files a previous import planned (its
    ``.import-manifest``) and this one does not are removed; other files of the folder (a
    model dropped in by hand) are kept.
    """
    out_root = Path(out_root)
    written: dict[str, list[str]] = {}
    for name, st in sorted(result.studies.items()):
        folder = out_root / name
        planned = ["study.json", *result.plan[name]]
        manifest = folder / MANIFEST
        if manifest.is_file():
            for rel in sorted(set(manifest.read_text(encoding="utf-8").split()) - set(planned)):
                (folder / rel).unlink(missing_ok=True)
        info = {
            "name": name,
            "data_kind": "real",
            "description": result.descriptions[name],
            "source": source,
        }
        _atomic_write_text(
            folder / "study.json", json.dumps(info, indent=2, ensure_ascii=False) + "\n"
        )
        rels = sorted(rel for rel, recs in st.files.items() if recs)
        for rel in rels:
            _atomic_write_text(folder / rel, "\n".join(st.lines(rel)) + "\n")
        _atomic_write_text(manifest, "\n".join(planned) + "\n")
        written[name] = ["study.json", *rels]
    return written


def import_export(
    export_dir: str | os.PathLike, study: str, out_root: str | os.PathLike
) -> ImportResult:
    """Convert an export and write its studies under ``out_root`` (nothing written on error)."""
    result = convert(export_dir, study)
    write_studies(result, out_root, source=source_of(export_dir))
    return result


def source_of(export_dir: str | os.PathLike) -> str:
    return f"annotation-tool export {Path(export_dir).as_posix()}"
