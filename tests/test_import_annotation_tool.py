"""Unit tests of the annotation-tool importer on small hand-made exports: every quirk of
../shared/docs/annotation-tool-format.md, every documented skip, every error, and the output
checked by the ingestion (the canonical format's own validator)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import duckdb
import pytest

from recenter import ingest
from recenter.importers import annotation_tool as at
from recenter.importers import cli

# Raw annotator names of the hand-made export (made up; sorted: Ann < Bob < Cy < p0f...).
PROLIFIC = "0f0f0f0f0f0f0f0f0f0f0f0f"  # 24 hex characters, like a Prolific id
ANN, BOB, CY = "Ann", "Bob", "Cy"
U1, U2, U3 = "u" + "1" * 63, "u" + "2" * 63, "u" + "3" * 63
PROMPT0, PROMPT1 = "How do I keep a tent warm?", "Write a cover letter."
TA, TB, TC = "The user camps.", "The user likes pink.", "The user writes code."


def _write(path: Path, records: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _task3(index, user, prompt, votes, annotator, **extra):
    rec = {
        "task": "3",
        "index": index,
        "user_id": user,
        "prompt_index": prompt,
        "relevance_judgments": [{"attribute": t, "relevant": v} for t, v in votes],
        "note": "",
        "flagged": False,
        "annotator": annotator,
        "timestamp": "2026-03-17T17:31:26",
    }
    rec.update(extra)
    return rec


def _task2(index, user, prompt, ratings, annotator):
    judgments = [
        {"attribute": t, "rating": r, "is_relevant": r in ("necessary_implicit", "optional")}
        for t, r in ratings
    ]
    return {
        "task": "2",
        "index": index,
        "user_id": user,
        "prompt_index": prompt,
        "relevance_judgments": judgments,
        "note": "",
        "annotator": annotator,
        "timestamp": "2026-03-17T07:11:11",
    }


def _task1(index, labels, annotator, flagged=False):
    return {
        "task": "1",
        "index": index,
        "attr_judgments": [{"judgment": j, "note": ""} for j in labels],
        "missing_attrs": "",
        "overall_note": "",
        "flagged": flagged,
        "annotator": annotator,
        "timestamp": "2026-03-27T08:51:58.877451",
    }


def _llm(index, user, votes, model="prov/Model-X", prompt=None):
    rec = {"model": model, "sample_index": index, "user_id": user}
    if prompt is not None:
        rec["prompt_index"] = prompt
    rec["items"] = [{"attribute": t, "relevant": v, "raw_answer": "YES"} for t, v in votes]
    return rec


def make_export(root: Path) -> Path:
    """A small export with every kind of file and every quirk."""
    a0 = root / "annotations_v0"
    # Stage 1: user 0 has 3 attributes, user 1 has 2.
    _write(
        a0 / f"{PROLIFIC}_task1.jsonl",
        [_task1(0, ["ok", "unsure", None], PROLIFIC), _task1(1, ["bad", "ok"], PROLIFIC)],
    )
    _write(
        a0 / f"{ANN}_task1.jsonl",
        [
            _task1(0, ["bad", "bad", "bad"], ANN),
            _task1(0, ["ok", "ok", "bad"], ANN),  # same index again: the later line wins
            _task1(1, ["ok", "ok"], ANN, flagged=True),  # skipped as uncomfortable
        ],
    )
    # Stage 2 pilot: sample 0 = (U1, prompt 0), sample 1 = (U2, prompt 0) share text TA.
    _write(
        a0 / f"{ANN}_task3.jsonl",
        [
            _task3(0, U1, 0, [(TA, True), (TB, False)], ANN, note=" [converted from task2]"),
            # string quirks: index and flagged as strings, a null (unanswered) vote
            {
                **_task3(1, U2, 0, [(TA, "true"), (TC, None)], ANN),
                "index": "1",
                "flagged": "False",
            },
        ],
    )
    _write(a0 / f"{ANN}_task2.jsonl", [_task2(0, U1, 0, [(TA, "forbidden")], ANN)])
    # Bob has only task2 records: converted with the authors' rule.
    _write(
        a0 / f"{BOB}_task2.jsonl",
        [
            _task2(0, U1, 0, [(TA, "optional"), (TB, "unnecessary")], BOB),
            _task2(1, U2, 0, [(TA, "none"), (TC, "necessary_explicit")], BOB),
        ],
    )
    # Cy's file sits in relevance_debug/, one record flagged.
    _write(
        root / "relevance_debug" / f"{CY}_task3.jsonl",
        [
            _task3(0, U1, 0, [(TA, False), (TB, True)], CY),
            _task3(1, U2, 0, [(TA, True)], CY, flagged=True),
        ],
    )
    # Pilot LLM votes: the older file omits prompt_index.
    _write(
        root / "relevance_task3" / "prov_model-x.jsonl",
        [
            _llm(0, U1, [(TA, True), (TB, True)]),
            _llm(1, U2, [(TA, True), (TC, False)]),
            _llm(2, U3, [(TA, None), (TB, True)], prompt=1),
        ],
    )
    _write(
        root / "task3_relevance_clf.jsonl",
        [
            {"prompt_index": 0, "sample_index": 0, "attribute": TA, "prompt_text": PROMPT0},
            {"prompt_index": 1, "sample_index": 2, "attribute": TB, "prompt_text": PROMPT1},
        ],
    )
    # Final round: 2 samples.
    prof = lambda texts: [  # noqa: E731
        {"attribute": t, "reason": "r", "confidence": 0.5, "original_attributes": [t]}
        for t in texts
    ]
    _write(
        root / "extracted" / "task5_items.jsonl",
        [
            {
                "prompt_index": 0,
                "prompt_text": PROMPT0,
                "user_id": U1,
                "profile_attributes": prof([TA, TB]),
                "items": [],
                "item_index": 0,
            },
            {
                "prompt_index": 1,
                "prompt_text": PROMPT1,
                "user_id": U1,
                "profile_attributes": prof([TA, TB]),
                "items": [],
                "item_index": 1,
            },
        ],
    )
    _write(
        root / "relevance_task5" / "prov_model-x.jsonl",
        [
            _llm(0, U1, [(TA, True), (TB, True)], prompt=0),
            _llm(1, U1, [(TA, False), (TB, "False")], prompt=1),
        ],
    )
    gt = lambda pairs: [  # noqa: E731
        {"attribute": t, "ground_truth": g, "confidence": 0.5} for t, g in pairs
    ]
    _write(
        root / "task6" / "eval_results_task5_gt_attributes_gen-a.jsonl",
        [
            {
                "user_id": U1,
                "prompt_id": f"{U1}_0",
                "profile_attributes": gt([(TA, True), (TB, None)]),
                "mode": "gt_attributes",
                "model": "arn:whatever",
                "response": "personalized",
            },
            {
                "user_id": U1,
                "prompt_id": f"{U1}_1",
                "profile_attributes": gt([(TA, False), (TB, True)]),
                "mode": "gt_attributes",
                "model": "arn:whatever",
                "response": "personalized",
            },
        ],
    )
    pair = lambda tag, p, rel: {  # noqa: E731
        "model_tag": tag,
        "user_id": U1,
        "prompt_id": f"{U1}_{p}",
        "prompt_text": PROMPT0,
        "attributes": [{"attribute": t, "is_relevant": r} for t, r in rel],
        "response_no_context": f"generic {tag} {p}",
        "response_personalized": f"personal {tag} {p}",
        "item_index": 0,
    }
    _write(
        root / "extracted" / "task6_items.jsonl",
        [
            pair("gen-a", 0, [(TA, True), (TB, False)]),
            pair("gen-b", 0, [(TA, True), (TB, True)]),
            pair("gen-b", 1, [(TA, False), (TB, False)]),  # nothing relevant: skipped
        ],
    )
    return root


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return make_export(tmp_path / "export")


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _imported(export: Path, tmp_path: Path) -> tuple[at.ImportResult, Path]:
    out = tmp_path / "raw"
    return at.import_export(export, "mini", out), out


# ---- plan -----------------------------------------------------------------------------------


def test_plan_lists_exactly_the_files_the_import_writes(export: Path, tmp_path: Path) -> None:
    planned = at.plan(export, "mini")
    assert sorted(planned) == ["mini-final", "mini-pilot"]
    assert "models/relevance/llm/model-x.jsonl" in planned["mini-pilot"]
    assert "models/generator/gen-a.jsonl" in planned["mini-final"]
    _, out = _imported(export, tmp_path)
    for study, rels in planned.items():
        written = sorted(
            p.relative_to(out / study).as_posix() for p in (out / study).rglob("*.jsonl")
        )
        assert written == sorted(rels)
        assert (out / study / "study.json").is_file()


def test_plan_of_an_export_with_one_round_only(export: Path) -> None:
    for rel in ("extracted", "relevance_task5", "task6"):
        for p in (export / rel).iterdir():
            p.unlink()
    assert sorted(at.plan(export, "x")) == ["x-pilot"]


def test_output_passes_the_ingestion(export: Path, tmp_path: Path) -> None:
    _, out = _imported(export, tmp_path)
    for study in ("mini-pilot", "mini-final"):
        ingest.build(out / study, tmp_path / f"{study}.duckdb")


# ---- Stage 1 --------------------------------------------------------------------------------


def test_task1_positional_judgments(export: Path, tmp_path: Path) -> None:
    result, out = _imported(export, tmp_path)
    alias = at.pseudonyms(at.discover(export))
    judg = {
        (r["attribute_id"], r["annotator_id"]): r["label"]
        for r in _read(out / "mini-pilot/attribute_judgments.jsonl")
    }
    p, a = alias[PROLIFIC], alias[ANN]
    assert judg == {
        ("pilot-user-0-attr-00", p): "accepted",
        ("pilot-user-0-attr-01", p): "uncertain",
        ("pilot-user-1-attr-00", p): "rejected",
        ("pilot-user-1-attr-01", p): "accepted",
        # the later line of index 0 wins; index 1 of Ann is flagged
        ("pilot-user-0-attr-00", a): "accepted",
        ("pilot-user-0-attr-01", a): "accepted",
        ("pilot-user-0-attr-02", a): "rejected",
    }
    attrs = {r["attribute_id"]: r for r in _read(out / "mini-pilot/attributes.jsonl")}
    assert attrs["pilot-user-0-attr-02"] == {
        "attribute_id": "pilot-user-0-attr-02",
        "user_id": "pilot-user-0",
        "text": None,
        "extractor": "unknown",
        "confidence": None,
    }
    c = result.counts
    assert c.get("mini-pilot", "task1_null_judgment") == 1
    assert c.get("mini-pilot", "annotator_line_superseded") == 1
    assert c.get("mini-pilot", "flagged_record_skipped") == 2  # Ann task1 index 1, Cy index 1


def test_task1_lists_of_different_length_cannot_be_aligned(export: Path) -> None:
    _write(export / "annotations_v0" / f"{BOB}_task1.jsonl", [_task1(1, ["ok"], BOB)])
    with pytest.raises(at.ExportError) as err:
        at.convert(export, "mini")
    assert str(err.value).startswith(
        f"annotations_v0/{BOB}_task1.jsonl, line 1, field 'attr_judgments': 1 judgments for "
        f"user 1, but 2 in annotations_v0/{PROLIFIC}_task1.jsonl line 2"
    )


# ---- Stage 2 pilot --------------------------------------------------------------------------


def _pilot_votes(out: Path) -> dict[tuple[str, str], bool]:
    items = {r["item_id"]: r for r in _read(out / "mini-pilot/relevance_items.jsonl")}
    attrs = {r["attribute_id"]: r for r in _read(out / "mini-pilot/attributes.jsonl")}
    votes = {}
    for r in _read(out / "mini-pilot/relevance_judgments.jsonl"):
        it = items[r["item_id"]]
        votes[(it["user_id"], attrs[it["attribute_id"]]["text"], r["annotator_id"])] = r["relevant"]
    return votes


def test_task3_votes_converted_files_task2_fallback_and_debug_folder(
    export: Path, tmp_path: Path
) -> None:
    result, out = _imported(export, tmp_path)
    alias = at.pseudonyms(at.discover(export))
    a, b, c = alias[ANN], alias[BOB], alias[CY]
    assert _pilot_votes(out) == {
        (U1, TA, a): True,  # task3 (converted) wins over Ann's task2 'forbidden'
        (U1, TB, a): False,
        (U2, TA, a): True,  # "true" string accepted; TC null: no record
        (U1, TA, b): True,  # task2 fallback: optional counts as relevant
        (U1, TB, b): False,
        (U2, TC, b): True,  # 'none' rating omitted
        (U1, TA, c): False,  # relevance_debug/ file; Cy's flagged index 1 skipped
        (U1, TB, c): True,
    }
    n = result.counts
    assert n.get("mini-pilot", "task3_null_vote") == 1
    assert n.get("mini-pilot", "task3_converted_record") == 1
    assert n.get("mini-pilot", "task2_fallback_record") == 2
    assert n.get("mini-pilot", "task2_unrated_attribute") == 1
    assert n.get("mini-pilot", "task2_record_shadowed") == 1


def test_same_text_for_two_users_of_one_prompt_gives_two_items(
    export: Path, tmp_path: Path
) -> None:
    _, out = _imported(export, tmp_path)
    items = _read(out / "mini-pilot/relevance_items.jsonl")
    attrs = {r["attribute_id"]: r for r in _read(out / "mini-pilot/attributes.jsonl")}
    ta = [i for i in items if attrs[i["attribute_id"]]["text"] == TA]
    # U1 and U2 answered the same prompt; U3's only vote on TA was null, so no item
    assert sorted(i["user_id"] for i in ta) == [U1, U2]
    assert len({i["item_id"] for i in ta}) == 2 and len({i["attribute_id"] for i in ta}) == 2


def test_llm_votes_join_on_sample_and_text_and_name_from_file(export: Path, tmp_path: Path) -> None:
    result, out = _imported(export, tmp_path)
    items = {r["item_id"]: r for r in _read(out / "mini-pilot/relevance_items.jsonl")}
    attrs = {r["attribute_id"]: r for r in _read(out / "mini-pilot/attributes.jsonl")}
    votes = {
        (items[r["item_id"]]["user_id"], attrs[items[r["item_id"]]["attribute_id"]]["text"]): r[
            "relevant"
        ]
        for r in _read(out / "mini-pilot/models/relevance/llm/model-x.jsonl")
    }
    assert votes == {
        (U1, TA): True,
        (U1, TB): True,
        (U2, TA): True,
        (U2, TC): False,
        (U3, TB): True,
    }
    assert result.counts.get("mini-pilot", "llm_null_vote") == 1
    # prompts: samples 0/1 take prompt 0 from the human records, sample 2 its own prompt_index
    prompts = {r["prompt_id"]: r["text"] for r in _read(out / "mini-pilot/prompts.jsonl")}
    assert prompts == {"lima-0": PROMPT0, "lima-1": PROMPT1}
    by_user = {i["user_id"]: i["prompt_id"] for i in items.values()}
    assert by_user == {U1: "lima-0", U2: "lima-0", U3: "lima-1"}


@pytest.mark.parametrize(
    ("stem", "name"),
    [
        ("google_gemma-4-31b-it", "gemma-4-31b-it"),
        ("meta-llama_llama-3.3-70b-instruct", "llama-3.3-70b-instruct"),
        ("gpt-5.4", "gpt-5.4"),
    ],
)
def test_system_name_from_file_name(stem: str, name: str) -> None:
    assert at.system_name(f"relevance_task3/{stem}.jsonl") == name


def test_two_vote_files_with_one_system_name_are_refused(export: Path) -> None:
    src = export / "relevance_task3" / "prov_model-x.jsonl"
    (export / "relevance_task3" / "other_model-x.jsonl").write_bytes(src.read_bytes())
    with pytest.raises(at.ExportError, match="model name 'model-x' is also the name of"):
        at.plan(export, "mini")


# ---- final round ----------------------------------------------------------------------------


def test_final_consensus_llm_votes_and_generators(export: Path, tmp_path: Path) -> None:
    result, out = _imported(export, tmp_path)
    f = out / "mini-final"
    items = {r["item_id"]: r for r in _read(f / "relevance_items.jsonl")}
    assert len(items) == 4  # 2 samples x 2 profile attributes
    attrs = {r["attribute_id"]: r for r in _read(f / "attributes.jsonl")}
    assert len(attrs) == 2  # one user, one profile
    assert {a["confidence"] for a in attrs.values()} == {0.5}

    def key(r):
        it = items[r["item_id"]]
        return (it["prompt_id"], attrs[it["attribute_id"]]["text"])

    human = {
        key(r): (r["annotator_id"], r["relevant"]) for r in _read(f / "relevance_judgments.jsonl")
    }
    assert human == {
        ("lima-0", TA): ("consensus", True),
        ("lima-1", TA): ("consensus", False),
        ("lima-1", TB): ("consensus", True),
    }
    assert result.counts.get("mini-final", "ground_truth_null") == 1
    llm = {key(r): r["relevant"] for r in _read(f / "models/relevance/llm/model-x.jsonl")}
    assert llm == {
        ("lima-0", TA): True,
        ("lima-0", TB): True,
        ("lima-1", TA): False,
        ("lima-1", TB): False,
    }

    gen_a = _read(f / "models/generator/gen-a.jsonl")
    gen_b = _read(f / "models/generator/gen-b.jsonl")
    assert [[attrs[a]["text"] for a in r["attribute_ids"]] for r in gen_a] == [[TA]]
    assert [sorted(attrs[a]["text"] for a in r["attribute_ids"]) for r in gen_b] == [
        sorted([TA, TB])
    ]
    assert gen_a[0]["generic_response"] == "generic gen-a 0"
    assert gen_a[0]["personalized_response"] == "personal gen-a 0"
    assert result.counts.get("mini-final", "generator_no_relevant_attribute") == 1


def test_consensus_rater_is_the_human_consensus_view(export: Path, tmp_path: Path) -> None:
    _, out = _imported(export, tmp_path)
    db = tmp_path / "final.duckdb"
    ingest.build(out / "mini-final", db)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.sql(
        "SELECT c.item_id, c.relevant = v.relevant, c.n_human_labels "
        "FROM human_relevance_consensus c JOIN relevance_votes v USING (item_id) "
        "WHERE v.rater_id = 'consensus'"
    ).fetchall()
    con.close()
    assert len(rows) == 3 and all(same and n == 1 for _, same, n in rows)


def test_final_round_without_task5_items_is_an_error(export: Path) -> None:
    (export / "extracted" / "task5_items.jsonl").unlink()
    with pytest.raises(at.ExportError, match=r"needs extracted/task5_items\.jsonl"):
        at.plan(export, "mini")


def test_unknown_attribute_in_a_response_pair_names_file_line_and_field(export: Path) -> None:
    path = export / "extracted" / "task6_items.jsonl"
    recs = _read(path)
    recs[1]["attributes"][1]["attribute"] = "The user is not in the profile."
    _write(path, recs)
    with pytest.raises(at.ExportError) as err:
        at.convert(export, "mini")
    assert (err.value.path, err.value.line, err.value.field) == (
        "extracted/task6_items.jsonl",
        2,
        "attributes[1].attribute",
    )


# ---- errors and no partial study ------------------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "line", "edit", "field"),
    [
        (
            "annotations_v0/Ann_task1.jsonl",
            2,
            lambda r: r["attr_judgments"][0].update(judgment="meh"),
            "attr_judgments[0].judgment",
        ),
        (
            "annotations_v0/Ann_task3.jsonl",
            1,
            lambda r: r["relevance_judgments"][0].update(relevant="maybe"),
            "relevance_judgments[0].relevant",
        ),
        ("annotations_v0/Ann_task3.jsonl", 1, lambda r: r.update(index="zero"), "index"),
        ("relevance_debug/Cy_task3.jsonl", 1, lambda r: r.update(user_id=U2), "user_id"),
        (
            "annotations_v0/Bob_task2.jsonl",
            1,
            lambda r: r["relevance_judgments"][0].update(rating="nice"),
            "relevance_judgments[0].rating",
        ),
        (
            "relevance_task3/prov_model-x.jsonl",
            2,
            lambda r: r["items"][0].pop("attribute"),
            "items[0].attribute",
        ),
        (
            "relevance_task5/prov_model-x.jsonl",
            1,
            lambda r: r["items"][0].update(attribute="new"),
            "items[0].attribute",
        ),
        (
            "relevance_task5/prov_model-x.jsonl",
            2,
            lambda r: r.update(prompt_index=7),
            "prompt_index",
        ),
        (
            "extracted/task5_items.jsonl",
            1,
            lambda r: r["profile_attributes"][0].update(confidence=2),
            "profile_attributes[0].confidence",
        ),
        (
            "task6/eval_results_task5_gt_attributes_gen-a.jsonl",
            2,
            lambda r: r.update(prompt_id="nope"),
            "prompt_id",
        ),
    ],
)
def test_unmappable_record_names_file_line_and_field(
    export: Path, tmp_path: Path, rel: str, line: int, edit, field: str
) -> None:
    path = export / rel
    recs = _read(path)
    edit(recs[line - 1])
    _write(path, recs)
    out = tmp_path / "raw"
    with pytest.raises(at.ExportError) as err:
        at.import_export(export, "mini", out)
    assert (err.value.path, err.value.line, err.value.field) == (rel, line, field)
    assert str(err.value).startswith(f"{rel}, line {line}, field '{field}': ")
    assert not out.exists() or not any(out.iterdir())  # nothing written


def test_invalid_json_names_the_line(export: Path) -> None:
    path = export / "relevance_task3" / "prov_model-x.jsonl"
    path.write_text(path.read_text() + "{not json\n")
    with pytest.raises(at.ExportError, match=r"prov_model-x.jsonl, line 4: not valid JSON"):
        at.convert(export, "mini")


def test_failed_reimport_leaves_the_previous_study_intact(export: Path, tmp_path: Path) -> None:
    _, out = _imported(export, tmp_path)
    before = {p: p.read_bytes() for p in (out / "mini-pilot").rglob("*") if p.is_file()}
    path = export / "relevance_task3" / "prov_model-x.jsonl"
    path.write_text(path.read_text() + "[]\n")
    with pytest.raises(at.ExportError):
        at.import_export(export, "mini", out)
    after = {p: p.read_bytes() for p in (out / "mini-pilot").rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in out.iterdir()) == ["mini-final", "mini-pilot"]


def test_reimport_replaces_its_files_and_keeps_models_dropped_in_by_hand(
    export: Path, tmp_path: Path
) -> None:
    _, out = _imported(export, tmp_path)
    dropped = out / "mini-final/models/relevance/baseline/bm25.jsonl"
    dropped.parent.mkdir(parents=True)
    dropped.write_text('{"item_id": "x", "relevant": true}\n')
    (export / "relevance_task5" / "prov_model-x.jsonl").rename(
        export / "relevance_task5" / "prov_model-y.jsonl"
    )
    at.import_export(export, "mini", out)
    llm = sorted(p.name for p in (out / "mini-final/models/relevance/llm").iterdir())
    assert llm == ["model-y.jsonl"]  # the stale imported file is gone
    assert dropped.read_text() == '{"item_id": "x", "relevant": true}\n'


# ---- privacy and determinism ----------------------------------------------------------------


def test_pseudonyms_follow_the_sorted_raw_names(export: Path) -> None:
    alias = at.pseudonyms(at.discover(export))
    assert alias == {PROLIFIC: "H1", ANN: "H2", BOB: "H3", CY: "H4"}


def test_no_raw_annotator_name_in_any_output_and_same_bytes_twice(
    export: Path, tmp_path: Path
) -> None:
    out1, out2 = tmp_path / "a", tmp_path / "b"
    at.import_export(export, "mini", out1)
    at.import_export(export, "mini", out2)
    files1 = sorted(p.relative_to(out1) for p in out1.rglob("*") if p.is_file())
    assert files1 == sorted(p.relative_to(out2) for p in out2.rglob("*") if p.is_file())
    for rel in files1:
        data = (out1 / rel).read_bytes()
        assert data == (out2 / rel).read_bytes(), rel
        for raw in (PROLIFIC, f'"{ANN}"', f'"{BOB}"', f'"{CY}"'):
            assert raw.encode() not in data, (rel, raw)


def test_cli_imports_and_shows_pseudonyms_on_the_terminal(
    export: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "raw"
    assert cli.main([str(export), "--study", "mini", "--out", str(out)]) == 0
    assert (out / "mini-pilot/study.json").is_file()
    printed = capsys.readouterr().out
    assert "ground_truth_null\t1" in printed and PROLIFIC not in printed
    assert cli.main([str(export), "--study", "mini", "--show-pseudonyms"]) == 0
    assert f"H1\t{PROLIFIC}" in capsys.readouterr().out
    bad = tmp_path / "missing"
    assert cli.main([str(bad), "--study", "mini", "--out", str(out)]) == 1


def test_value_coercions_accept_documented_quirks_only() -> None:
    where = at.Where("f.jsonl", 3)
    assert at.as_int("12", where, "index") == 12
    assert at.as_bool("False", where, "flagged") is False
    assert at.as_bool(None, where, "relevant", nullable=True) is None
    assert at.as_list('[{"judgment": "ok"}]', where, "attr_judgments") == [{"judgment": "ok"}]
    for bad in (True, "1.5", None):
        with pytest.raises(at.ExportError, match=r"f\.jsonl, line 3, field 'index'"):
            at.as_int(bad, where, "index")
    with pytest.raises(at.ExportError, match="expected true or false"):
        at.as_bool("yes", where, "flagged")
    with pytest.raises(at.ExportError, match="expected a list"):
        at.as_list("not a list", where, "items")


def test_annotator_field_must_match_the_file_name(export: Path) -> None:
    path = export / "annotations_v0" / f"{BOB}_task2.jsonl"
    recs = _read(path)
    recs[1]["annotator"] = ANN
    _write(path, recs)
    with pytest.raises(at.ExportError) as err:
        at.convert(export, "mini")
    assert (err.value.path, err.value.line, err.value.field) == (
        f"annotations_v0/{BOB}_task2.jsonl",
        2,
        "annotator",
    )


def test_two_ground_truth_files_must_agree(export: Path) -> None:
    src = export / "task6" / "eval_results_task5_gt_attributes_gen-a.jsonl"
    recs = _read(src)
    other = export / "task6" / "eval_results_task5_gt_attributes_gen-b.jsonl"
    _write(other, recs)
    at.convert(export, "mini")  # identical: merged
    recs[0]["profile_attributes"][0]["ground_truth"] = False
    _write(other, recs)
    with pytest.raises(at.ExportError) as err:
        at.convert(export, "mini")
    assert (err.value.path, err.value.line) == (other.relative_to(export).as_posix(), 1)


def test_a_final_vote_file_converted_alone_equals_the_full_import(
    export: Path, tmp_path: Path
) -> None:
    rel = "models/relevance/llm/model-x.jsonl"
    path = export / "relevance_task5" / "prov_model-x.jsonl"
    recs = _read(path)
    recs[0]["items"][1]["relevant"] = None
    _write(path, recs)
    assert at.final_vote_files(export, "mini") == {rel: "relevance_task5/prov_model-x.jsonl"}
    full = at.convert(export, "mini")
    lines, counts = at.convert_final_vote_file(export, "mini", rel)
    assert lines == full.studies["mini-final"].lines(rel) and len(lines) == 3
    assert counts.get("mini-final", "llm_null_vote") == 1
    assert full.counts.get("mini-final", "llm_null_vote") == 1
    core = at.convert(export, "mini", final_votes=False)
    assert rel not in core.studies["mini-final"].files
    assert core.studies["mini-pilot"].files == full.studies["mini-pilot"].files
    # the main import's manifest lists the vote file, so it is not removed as stale
    at.write_studies(core, tmp_path / "raw", source="x")
    manifest = (tmp_path / "raw/mini-final/.import-manifest").read_text().split()
    assert rel in manifest and not (tmp_path / "raw/mini-final" / rel).exists()
    paths = at.input_files(export, final_votes=False)
    assert not any("relevance_task5" in p for p in paths)
    assert len(at.input_files(export)) == len(paths) + 1


# ---- issue 16: manifest, redaction, permissions, friendlier reading -------------------------


def test_manifest_names_no_raw_annotator_and_changes_exactly_with_the_content(
    export: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "m" / "export-all.json"
    at.write_manifest(export, dest)
    text = dest.read_text(encoding="utf-8")
    for raw in (PROLIFIC, ANN, BOB, CY):
        assert raw not in text
    doc = json.loads(text)
    files = {e["file"] for e in doc["files"]}
    assert "annotations_v0/H1_task1.jsonl" in files  # PROLIFIC's file, by its pseudonym
    assert len(files) == len(at.discover(export).all_rel())
    mtime = dest.stat().st_mtime_ns
    os.utime(dest, ns=(mtime - 10**9, mtime - 10**9))
    at.write_manifest(export, dest)  # same content: not rewritten
    assert dest.stat().st_mtime_ns == mtime - 10**9
    path = export / "annotations_v0" / f"{ANN}_task1.jsonl"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    at.write_manifest(export, dest)  # one byte more in one file: rewritten
    assert dest.stat().st_mtime_ns > mtime - 10**9
    main = json.loads(at.manifest_text(export, final_votes=False))
    assert {e["file"] for e in main["files"]} == files - set(at.discover(export).llm_final)


def test_redactor_replaces_raw_names_in_paths_and_prolific_ids_anywhere(export: Path) -> None:
    redact = at.redactor(export)
    text = f"annotations_v0/{ANN}_task3.jsonl, line 2: {PROLIFIC} said so; {ANN} alone stays"
    assert (
        redact(text) == "annotations_v0/H2_task3.jsonl, line 2: H1 said so; " + ANN + " alone stays"
    )


def test_import_writes_files_with_the_umask_permissions(export: Path, tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        at.import_export(export, "mini", tmp_path / "out")
    finally:
        os.umask(old)
    modes = {p.stat().st_mode & 0o777 for p in (tmp_path / "out").rglob("*") if p.is_file()}
    assert modes == {0o640}


def test_export_files_with_a_byte_order_mark_import_identically(
    export: Path, tmp_path: Path
) -> None:
    at.import_export(export, "mini", tmp_path / "plain")
    for path in export.rglob("*.jsonl"):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    at.import_export(export, "mini", tmp_path / "bom")
    for path in (tmp_path / "plain").rglob("*.jsonl"):
        other = tmp_path / "bom" / path.relative_to(tmp_path / "plain")
        assert path.read_bytes() == other.read_bytes(), path


def test_invalid_utf8_in_an_export_file_names_file_and_line(export: Path) -> None:
    path = export / "annotations_v0" / f"{ANN}_task1.jsonl"
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b'"', b'"\xff', 1)
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(at.ExportError, match=rf"{ANN}_task1.jsonl, line 2: .*not valid UTF-8"):
        at.convert(export, "mini")


def test_every_bad_record_of_an_export_is_reported_not_only_the_first(export: Path) -> None:
    edits = [
        ("relevance_task3/prov_model-x.jsonl", 2, lambda r: r["items"][0].pop("attribute")),
        ("relevance_debug/Cy_task3.jsonl", 1, lambda r: r.update(user_id=U2)),
        ("relevance_task5/prov_model-x.jsonl", 2, lambda r: r.update(prompt_index=7)),
    ]
    for rel, line, edit in edits:
        recs = _read(export / rel)
        edit(recs[line - 1])
        _write(export / rel, recs)
    path = export / "annotations_v0" / f"{BOB}_task2.jsonl"
    path.write_text(path.read_text(encoding="utf-8") + '{"index": 1,}\n', encoding="utf-8")
    n_bob = len(path.read_text(encoding="utf-8").splitlines())
    with pytest.raises(at.ExportError) as err:
        at.convert(export, "mini")
    got = {(p.path, p.line, p.field) for p in err.value.problems}
    assert got >= {
        ("relevance_task3/prov_model-x.jsonl", 2, "items[0].attribute"),
        ("relevance_debug/Cy_task3.jsonl", 1, "user_id"),
        ("relevance_task5/prov_model-x.jsonl", 2, "prompt_index"),
        (f"annotations_v0/{BOB}_task2.jsonl", n_bob, None),
    }, got
    assert len(str(err.value).splitlines()) == len(err.value.problems)
