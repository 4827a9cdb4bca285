"""The pilot round: Stage-1 judgments aligned by position (``*_task1.jsonl``), the human
Stage-2 votes (``*_task3.jsonl`` with ``*_task2.jsonl`` as a fallback) and the pilot LLM votes
(``relevance_task3/``)."""

from __future__ import annotations

from pathlib import Path

from recenter import layout
from recenter.importers.annotation_tool.export import (
    PILOT_CONSENSUS,
    TASK5_ITEMS,
    AnnotatorFile,
    ExportFiles,
    _prompt_texts,
)
from recenter.importers.annotation_tool.records import (
    EXTRACTOR_UNKNOWN,
    Counts,
    StudyBuild,
    Where,
    _collecting,
    _Samples,
    as_bool,
    as_dict,
    as_int,
    as_list,
    get,
    item_id,
    read_jsonl,
)

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


#: An annotator's record of a sample: (annotator's raw name, sample index) -> (where, record).
_ByAnnotator = dict[tuple[str, int], tuple[Where, dict]]


def _latest_by_index(
    af: AnnotatorFile, counts: Counts, study: str
) -> dict[int, tuple[Where, dict]]:
    """index -> (where, record) of an annotator file; a repeated index: the later line wins."""
    out: dict[int, tuple[Where, dict]] = {}
    for lineno, rec in read_jsonl(af.path, af.rel):
        where = Where(af.rel, lineno)
        index = where.int_field(rec, "index")
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


def _note_sample(samples: _Samples, index: int, rec: dict, where: Where) -> None:
    """Note the sample of a vote record (its user, and its prompt if the record has one)."""
    user = where.str_field(rec, "user_id")
    p = rec.get("prompt_index")
    samples.note(index, user, None if p is None else as_int(p, where, "prompt_index"), where)


# ---- Stage 1 --------------------------------------------------------------------------------


def _pilot_stage1(
    files: ExportFiles, st: StudyBuild, alias: dict[str, str], counts: Counts
) -> None:
    """task1: judgments aligned by position with an absent attribute list."""
    n_attrs: dict[int, tuple[int, Where]] = {}
    for af in files.of_task("1"):
        for index, (where, rec) in sorted(_latest_by_index(af, counts, st.name).items()):
            with _collecting():
                _task1_record(st, af, alias[af.name], index, rec, where, n_attrs, counts)
    for index, (n, where) in sorted(n_attrs.items()):
        user = f"pilot-user-{index}"
        st.put_user(user, where, "index")
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


def _task1_record(
    st: StudyBuild,
    af: AnnotatorFile,
    annotator: str,
    index: int,
    rec: dict,
    where: Where,
    n_attrs: dict[int, tuple[int, Where]],
    counts: Counts,
) -> None:
    """The judgments of one task1 record; notes the number of attributes of its user."""
    if not _not_flagged(rec, where, counts, st.name):
        return
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
        raw = get(as_dict(j, where, name), "judgment", where, prefix=f"attr_judgments[{pos}].")
        if raw is None:
            counts.add(st.name, "task1_null_judgment")
            continue
        if raw not in TASK1_LABELS:
            raise where.error(name, f"expected one of {sorted(TASK1_LABELS)} or null, got {raw!r}")
        attr = f"{user}-attr-{pos:02d}"
        rec_out = {"attribute_id": attr, "annotator_id": annotator, "label": TASK1_LABELS[raw]}
        st.put("attribute_judgments.jsonl", (attr, annotator), rec_out, where, name)


# ---- Stage 2: human and LLM votes -----------------------------------------------------------


def _annotator_records(
    files: ExportFiles, counts: Counts, study: str
) -> tuple[_ByAnnotator, _ByAnnotator]:
    """The task3 records and, for (annotator, sample) pairs without one, the task2 records."""
    task3: _ByAnnotator = {}
    for af in files.of_task("3"):
        for index, (where, rec) in _latest_by_index(af, counts, study).items():
            if (af.name, index) in task3:
                other = task3[(af.name, index)][0]
                raise where.error(
                    "index",
                    f"sample {index} of this annotator is also in {other.path} line {other.line}",
                )
            task3[(af.name, index)] = (where, rec)
    task2: _ByAnnotator = {}
    for af in files.of_task("2"):
        for index, (where, rec) in _latest_by_index(af, counts, study).items():
            if (af.name, index) in task3:
                counts.add(study, "task2_record_shadowed")
                continue
            task2[(af.name, index)] = (where, rec)
    return task3, task2


def _human_votes(
    files: ExportFiles, samples: _Samples, alias: dict[str, str], counts: Counts, study: str
) -> list[tuple[int, str, str, bool, Where]]:
    """(sample, text, annotator pseudonym, relevant, where) of the human task3 votes, with the
    task2 records of (annotator, sample) pairs that have no task3 record as a fallback."""
    votes: list[tuple[int, str, str, bool, Where]] = []
    task3, task2 = _annotator_records(files, counts, study)
    records = [(k, v, False) for k, v in sorted(task3.items())]
    records += [(k, v, True) for k, v in sorted(task2.items())]
    for (name, index), (where, rec), is_task2 in records:
        with _collecting():
            if not _not_flagged(rec, where, counts, study):
                continue
            _note_sample(samples, index, rec, where)
            if is_task2:
                counts.add(study, "task2_fallback_record")
            elif str(rec.get("note", "")).rstrip().endswith(CONVERTED_NOTE):
                counts.add(study, "task3_converted_record")
            for fname, j, text in where.attribute_entries(rec, "relevance_judgments"):
                relevant = _human_vote(j, where, fname, is_task2, counts, study)
                if relevant is not None:
                    votes.append((index, text, alias[name], relevant, where))
    return votes


def _human_vote(
    j: dict, where: Where, fname: str, is_task2: bool, counts: Counts, study: str
) -> bool | None:
    """The binary vote of one judgment (a task2 rating mapped as the authors do), or None if
    there is none (counted)."""
    if not is_task2:
        relevant = where.entry_bool(j, "relevant", fname, nullable=True)
        if relevant is None:
            counts.add(study, "task3_null_vote")
        return relevant
    rating = get(j, "rating", where, prefix=fname + ".")
    if rating == TASK2_UNRATED:
        counts.add(study, "task2_unrated_attribute")
        return None
    if rating not in TASK2_RELEVANT:
        raise where.error(
            fname + ".rating",
            f"expected one of {sorted(TASK2_RELEVANT)} or 'none', got {rating!r}",
        )
    return TASK2_RELEVANT[rating]


def _llm_votes(
    rel: str, root: Path, samples: _Samples, counts: Counts, study: str
) -> list[tuple[int, str, bool, Where]]:
    """(sample, text, relevant, where) of one pilot LLM vote file; notes its samples."""
    out = []
    for lineno, rec in read_jsonl(root / rel, rel):
        with _collecting():
            where = Where(rel, lineno)
            index = where.int_field(rec, "sample_index")
            _note_sample(samples, index, rec, where)
            for fname, it, text in where.attribute_entries(rec, "items"):
                relevant = where.entry_bool(it, "relevant", fname, nullable=True)
                if relevant is None:
                    counts.add(study, "llm_null_vote")
                    continue
                out.append((index, text, relevant, where))
    return out


def _pilot_sample_prompts(files: ExportFiles, samples: _Samples) -> None:
    """Fill the prompt_index of pilot samples whose vote files omit it from task3_relevance_clf."""
    if not files.pilot_consensus:
        return
    for lineno, rec in read_jsonl(files.root / files.pilot_consensus, files.pilot_consensus):
        where = Where(files.pilot_consensus, lineno)
        index = where.int_field(rec, "sample_index")
        p = where.int_field(rec, "prompt_index")
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
        st.put_user(s.user_id, where, "user_id")
        text_of_prompt = prompt_texts[s.prompt_index][0]
        pid = st.put_prompt(s.prompt_index, text_of_prompt, where, "prompt_index")
        aid = st.put_attribute(s.user_id, text, None, where)
        st.put_item(index, text, (s.user_id, pid, aid), where, "attribute")


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
        st.put_vote("relevance_judgments.jsonl", "annotator_id", rec, where, counts)
    for rel, votes in llm.items():
        out = layout.ModelFile("relevance", "llm", models[rel]).relpath
        for index, text, relevant, where in votes:
            rec = {"item_id": item_id(index, text), "relevant": relevant, "score": None}
            st.put_vote(out, "", rec, where, counts)
    return st
