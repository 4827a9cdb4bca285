"""Export discovery: the files of an export by role, the system names of LLM vote files, the
annotator pseudonyms (raw names never leave the importer), the plan of the files an import
writes and the content manifest of the files it reads."""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from recenter import layout
from recenter.atomic import atomic_write_text
from recenter.importers.annotation_tool.records import (
    Counts,
    ExportError,
    Where,
    as_int,
    as_str,
    get,
    read_jsonl,
)

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


def _rater_names(files: ExportFiles) -> set[str]:
    """The rater ids of the humans (pseudonyms and the consensus), which no system may take."""
    return set(pseudonyms(files).values()) | {CONSENSUS_RATER}


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
    used = _rater_names(files)
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
    text = manifest_text(export_dir, final_votes=final_votes)
    dest = Path(dest)
    if not dest.is_file() or dest.read_text(encoding="utf-8") != text:
        atomic_write_text(dest, text)
    return str(dest)


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


def source_of(export_dir: str | os.PathLike) -> str:
    return f"annotation-tool export {Path(export_dir).as_posix()}"
