"""The final round: the Stage-2 samples (``extracted/task5_items.jsonl``), the LLM votes
(``relevance_task5/``, one file per job), the human consensus (``ground_truth``) and the
Stage-3 response pairs (``extracted/task6_items.jsonl``)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from recenter import layout
from recenter.importers.annotation_tool.export import (
    CONSENSUS_RATER,
    FINAL_SUFFIX,
    TASK5_ITEMS,
    ExportFiles,
    _model_files,
    _prompt_texts,
    _rater_names,
    discover,
)
from recenter.importers.annotation_tool.records import (
    Counts,
    ExportError,
    StudyBuild,
    Where,
    _collecting,
    as_int,
    item_id,
    prompt_id,
    read_jsonl,
)

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
    """The samples of task5_items, with their users, prompts, attributes and items in ``st``."""
    assert files.task5_items is not None
    out: dict[int, FinalSample] = {}
    pairs: dict[tuple[str, int], int] = {}
    for lineno, rec in read_jsonl(files.root / files.task5_items, files.task5_items):
        where = Where(files.task5_items, lineno)
        index = where.int_field(rec, "item_index")
        if index in out:
            raise where.error("item_index", f"sample {index} repeats line {out[index].where.line}")
        user = where.str_field(rec, "user_id")
        p = where.int_field(rec, "prompt_index")
        if (user, p) in pairs:
            raise where.error("user_id", f"same user and prompt as sample {pairs[(user, p)]}")
        pairs[(user, p)] = index
        st.put_user(user, where, "user_id")
        pid = st.put_prompt(p, prompts[p][0], where, "prompt_text")
        sample = FinalSample(index, user, p, where, {})
        for fname, a, text in where.attribute_entries(rec, "profile_attributes"):
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
            aid = st.put_attribute(user, text, conf, where)
            sample.texts[text] = aid
            st.put_item(index, text, (user, pid, aid), where, fname)
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
    out = layout.ModelFile("relevance", "llm", system).relpath
    for lineno, rec in read_jsonl(files.root / rel, rel):
        with _collecting():
            _final_llm_record(st, samples, rec, Where(rel, lineno), out, counts)
    return out


def _final_llm_record(
    st: StudyBuild,
    samples: dict[int, FinalSample],
    rec: dict,
    where: Where,
    out: str,
    counts: Counts,
) -> None:
    index = where.int_field(rec, "sample_index")
    s = samples.get(index)
    if s is None:
        raise where.error("sample_index", f"sample {index} is not in {TASK5_ITEMS}")
    if where.str_field(rec, "user_id") != s.user_id:
        raise where.error("user_id", f"differs from sample {index} in {TASK5_ITEMS}")
    p = rec.get("prompt_index")
    if p is not None and as_int(p, where, "prompt_index") != s.prompt_index:
        raise where.error("prompt_index", f"differs from sample {index} in {TASK5_ITEMS}")
    for fname, it, text in where.attribute_entries(rec, "items"):
        _resolve(s, text, where, fname + ".attribute", index)
        relevant = where.entry_bool(it, "relevant", fname, nullable=True)
        if relevant is None:
            counts.add(st.name, "llm_null_vote")
            continue
        rec_out = {"item_id": item_id(index, text), "relevant": relevant, "score": None}
        st.put_vote(out, "", rec_out, where, counts)


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
    if final_votes:
        for rel in files.llm_final:
            _final_llm_file(files, st, samples, rel, models[rel], counts)
    rnd = _Round(st, {(s.user_id, s.prompt_index): s for s in samples.values()}, counts)
    sources = [(rel, _ground_truth_record) for rel in files.ground_truth]
    if files.task6_items:
        sources.append((files.task6_items, _response_pair_record))
    for rel, convert_record in sources:
        for lineno, rec in read_jsonl(files.root / rel, rel):
            with _collecting():
                convert_record(rnd, rec, Where(rel, lineno))
    return st


@dataclass
class _Round:
    """The final round being converted: its study, samples by user-prompt pair, and counts."""

    st: StudyBuild
    by_pair: dict[tuple[str, int], FinalSample]
    counts: Counts


def _ground_truth_record(rnd: _Round, rec: dict, where: Where) -> None:
    """The consensus votes of one eval_results record (its response is not imported)."""
    st, counts = rnd.st, rnd.counts
    s = _record_sample(rnd.by_pair, rec, where)
    counts.add(st.name, "eval_response_not_imported")
    for fname, a, text in where.attribute_entries(rec, "profile_attributes"):
        _resolve(s, text, where, fname + ".attribute", s.index)
        gt = where.entry_bool(a, "ground_truth", fname, nullable=True)
        if gt is None:
            counts.add(st.name, "ground_truth_null")
            continue
        rec_out = {
            "item_id": item_id(s.index, text),
            "annotator_id": CONSENSUS_RATER,
            "relevant": gt,
        }
        st.put_vote("relevance_judgments.jsonl", "annotator_id", rec_out, where, counts)


def _response_pair_record(rnd: _Round, rec: dict, where: Where) -> None:
    """The Stage-3 response item of one task6_items record (its generator's file)."""
    tag = where.str_field(rec, "model_tag")
    s = _record_sample(rnd.by_pair, rec, where)
    ids = []
    for fname, a, text in where.attribute_entries(rec, "attributes"):
        aid = _resolve(s, text, where, fname + ".attribute", s.index)
        if where.entry_bool(a, "is_relevant", fname) and aid not in ids:
            ids.append(aid)
    if not ids:
        rnd.counts.add(rnd.st.name, "generator_no_relevant_attribute")
        return
    rid = f"{tag}-s{s.index:03d}"
    out = {
        "response_item_id": rid,
        "user_id": s.user_id,
        "prompt_id": prompt_id(s.prompt_index),
        "generic_response": where.str_field(rec, "response_no_context"),
        "personalized_response": where.str_field(rec, "response_personalized"),
        "attribute_ids": sorted(ids),
    }
    rnd.st.put(layout.ModelFile("generator", None, tag).relpath, (rid,), out, where, "prompt_id")


def _record_sample(
    by_pair: dict[tuple[str, int], FinalSample], rec: dict, where: Where
) -> FinalSample:
    """Sample of a record's ``prompt_id`` (``<user_id>_<prompt_index>``), whose ``user_id``
    must be the sample's."""
    pid = where.str_field(rec, "prompt_id")
    s = _pair_sample(by_pair, pid, where)
    if where.str_field(rec, "user_id") != s.user_id:
        raise where.error("user_id", f"differs from prompt_id {pid!r}")
    return s


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
    models = _model_files(files.llm_final, _rater_names(files))
    return {layout.ModelFile("relevance", "llm", n).relpath: rel for rel, n in models.items()}


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
