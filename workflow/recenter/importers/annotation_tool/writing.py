"""The whole export: :func:`convert` (every record read and checked, the studies in memory),
:func:`write_studies` (file by file, atomically) and :func:`import_export` (both)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from recenter.atomic import atomic_write_text
from recenter.errors import Problems
from recenter.importers.annotation_tool.export import (
    CONSENSUS_RATER,
    FINAL_SUFFIX,
    PILOT_SUFFIX,
    ExportFiles,
    _model_files,
    discover,
    plan,
    pseudonyms,
    source_of,
)
from recenter.importers.annotation_tool.final import convert_final, final_vote_files
from recenter.importers.annotation_tool.pilot import convert_pilot
from recenter.importers.annotation_tool.records import (
    _PROBLEMS,
    Counts,
    ExportError,
    StudyBuild,
    read_jsonl,
)

# ---- whole export ---------------------------------------------------------------------------


@dataclass
class ImportResult:
    studies: dict[str, StudyBuild]
    counts: Counts
    descriptions: dict[str, str]
    plan: dict[str, list[str]]  # the full plan (final vote files included)


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
        atomic_write_text(
            folder / "study.json", json.dumps(info, indent=2, ensure_ascii=False) + "\n"
        )
        rels = sorted(rel for rel, recs in st.files.items() if recs)
        for rel in rels:
            atomic_write_text(folder / rel, "\n".join(st.lines(rel)) + "\n")
        atomic_write_text(manifest, "\n".join(planned) + "\n")
        written[name] = ["study.json", *rels]
    return written


def import_export(
    export_dir: str | os.PathLike, study: str, out_root: str | os.PathLike
) -> ImportResult:
    """Convert an export and write its studies under ``out_root`` (nothing written on error)."""
    result = convert(export_dir, study)
    write_studies(result, out_root, source=source_of(export_dir))
    return result
