"""The simulated study has the paper's design (paper.md) and the canonical format.

Counts are read back from the written files; every record is validated against the JSON
schemas of workflow/schemas/raw/ with jsonschema, and the study is loaded by the project's
ingestion into DuckDB.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import jsonschema
import pytest

from recenter.simulate import design, text
from recenter.simulate.generate import simulate

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "workflow/schemas/raw"


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("design") / "simulated"
    simulate(out, seed=11, scale=1)
    return out


def _schema_for(rel: str) -> str:
    if rel.startswith("models/"):
        parts = rel.split("/")
        role = parts[1]
        if role == "judge":
            return f"model_judge_{parts[2]}"
        return f"model_{role}"
    return rel.removesuffix(".jsonl").removesuffix(".json")


def test_planned_files_are_exactly_the_written_files(study):
    written = sorted(p.relative_to(study).as_posix() for p in study.rglob("*.jsonl"))
    assert written == design.planned_files(1)
    assert design.planned_files(1) == design.planned_files(100)
    assert (study / "study.json").is_file() and (study / "truth.json").is_file()
    with pytest.raises(ValueError):
        design.planned_files(0)


def test_every_record_validates_against_its_schema(study):
    for rel in [*design.planned_files(1), "study.json"]:
        schema = json.loads((SCHEMAS / f"{_schema_for(rel)}.schema.json").read_text())
        validator = jsonschema.Draft202012Validator(schema)
        if rel == "study.json":
            records = [json.loads((study / rel).read_text())]
        else:
            records = _read(study / rel)
        assert records, rel
        for rec in records:
            errors = list(validator.iter_errors(rec))
            assert not errors, (rel, rec, errors[0].message)


def test_ingestion_loads_the_study(study, tmp_path):
    from recenter.ingest import build

    build(study, tmp_path / "study.duckdb")
    import duckdb

    con = duckdb.connect(str(tmp_path / "study.duckdb"), read_only=True)
    try:
        assert con.sql("select data_kind from study").fetchall()[0][0] == "simulated"
        assert con.sql("select count(*) from relevance_votes").fetchall()[0][0] == 3973 * 10
        n_cons = con.sql("select count(*), sum(is_tie::int) from human_relevance_consensus")
        assert n_cons.fetchall() == [(3973, 0)]
    finally:
        con.close()


def test_stage1_counts(study):
    users = _read(study / "users.jsonl")
    assert Counter(u["source_dataset"] for u in users) == design.N_USERS
    assert all(u["is_real"] == (u["source_dataset"] == "wildchat") for u in users)
    convs = _read(study / "conversations.jsonl")
    assert len(convs) == 550
    per_user = Counter(c["user_id"] for c in convs)
    turns = Counter()
    for c in convs:
        turns[c["user_id"]] += len(c["turns"])
        assert c["turns"][0]["role"] == "user"
    for u in users:
        if u["is_real"]:  # the paper's WildChat filter: >= 3 conversations, >= 15 turns
            assert per_user[u["user_id"]] >= 3 and turns[u["user_id"]] >= 15
    attrs = _read(study / "attributes.jsonl")
    assert len(attrs) == 1983
    assert all(0.4 <= a["confidence"] <= 1 for a in attrs)
    judgments = _read(study / "attribute_judgments.jsonl")
    assert len(judgments) == 5949
    assert Counter(j["attribute_id"] for j in judgments) == {a["attribute_id"]: 3 for a in attrs}
    flagged = {j["attribute_id"] for j in judgments if j["label"] != "accepted"}
    modes = _read(study / "failure_modes.jsonl")
    assert {m["attribute_id"] for m in modes} == flagged
    for v in design.VERIFIERS:
        kind = "trained" if v in design.TRAINED_VERIFIERS else "llm"
        rows = _read(study / f"models/verifier/{kind}/{v}.jsonl")
        assert [r["attribute_id"] for r in rows] == [a["attribute_id"] for a in attrs]


def test_stage2_counts(study):
    attrs = _read(study / "attributes.jsonl")
    owner = {a["attribute_id"]: a["user_id"] for a in attrs}
    profile = Counter(a["user_id"] for a in attrs)
    prompts = _read(study / "prompts.jsonl")
    assert len(prompts) == 41
    items = _read(study / "relevance_items.jsonl")
    assert len(items) == 3973
    pairs = Counter((i["user_id"], i["prompt_id"]) for i in items)
    assert len(pairs) == 164
    assert Counter(p for _u, p in pairs) == {p["prompt_id"]: 4 for p in prompts}
    assert {u for u, _p in pairs} == {u for u in profile if u.startswith("wc")}
    for (u, _p), n in pairs.items():  # the user's whole profile, 17-42 attributes
        assert n == profile[u] and 17 <= n <= 42
    assert all(owner[i["attribute_id"]] == i["user_id"] for i in items)
    judgments = _read(study / "relevance_judgments.jsonl")
    assert len(judgments) == 11919
    by_item = {}
    for j in judgments:
        by_item.setdefault(j["item_id"], []).append(j["annotator_id"])
    assert all(sorted(v) == list(design.HUMANS_S2) for v in by_item.values())
    for kind, systems in (("llm", design.LLMS), ("trained", design.TRAINED_RELEVANCE)):
        for m in systems:
            rows = _read(study / f"models/relevance/{kind}/{m}.jsonl")
            assert [r["item_id"] for r in rows] == [i["item_id"] for i in items]
            assert all(("score" in r) == (kind == "trained") for r in rows)


def test_stage3_counts(study):
    attrs = {a["attribute_id"]: a for a in _read(study / "attributes.jsonl")}
    units = set()
    for g in design.LLMS:
        rows = _read(study / f"models/generator/{g}.jsonl")
        assert len(rows) == 16
        for r in rows:
            assert r["attribute_ids"] and len(set(r["attribute_ids"])) == len(r["attribute_ids"])
            assert all(attrs[a]["user_id"] == r["user_id"] for a in r["attribute_ids"])
            units.update((r["response_item_id"], a) for a in r["attribute_ids"])
    assert len(units) == 367
    ratings = _read(study / "response_ratings.jsonl")
    assert len(ratings) == 1101
    assert {(r["response_item_id"], r["attribute_id"]) for r in ratings} == units
    assert {r["annotator_id"] for r in ratings} == set(design.HUMANS_S3)
    flags = _read(study / "mention_flags.jsonl")
    assert {(r["response_item_id"], r["attribute_id"]) for r in flags} == units
    for kind, systems in (("llm_judge", design.LLMS), ("reward_model", design.REWARD_MODELS)):
        for m in systems:
            rows = _read(study / f"models/judge/{kind}/{m}.jsonl")
            assert {(r["response_item_id"], r["attribute_id"]) for r in rows} == units


def test_text_is_tagged_synthetic(study):
    meta = json.loads((study / "study.json").read_text())
    assert meta["name"] == "simulated" and meta["data_kind"] == "simulated"
    assert "SIMULATED DATA" in meta["description"]
    for c in _read(study / "conversations.jsonl"):
        assert all(t["text"].startswith(text.TAG) for t in c["turns"])
    assert all(text.TAG in a["text"] for a in _read(study / "attributes.jsonl"))
    assert all(p["text"].startswith(text.TAG) for p in _read(study / "prompts.jsonl"))
    for g in design.LLMS:
        for r in _read(study / f"models/generator/{g}.jsonl"):
            assert r["generic_response"].startswith(text.TAG)
            assert r["personalized_response"].startswith(r["generic_response"])


def test_explicit_mentions_are_visible_in_the_text(study):
    """A flagged unit's personalized response names the attribute's interest; an unflagged one
    does not, unless another, flagged attribute of the same item has the same interest."""
    attrs = {a["attribute_id"]: a["text"] for a in _read(study / "attributes.jsonl")}
    responses = {}
    for g in design.LLMS:
        for r in _read(study / f"models/generator/{g}.jsonl"):
            responses[r["response_item_id"]] = r["personalized_response"]

    def interest(aid):
        body = attrs[aid].split(f"{text.TAG} ", 1)[1].rstrip(".").split(", often asking", 1)[0]
        verb = next((v for v in text.INTEREST_VERBS if body.startswith(v + " ")), None)
        return None if verb is None else body[len(verb) + 1 :]  # None: style attribute

    flags = _read(study / "mention_flags.jsonl")
    mentioned = {
        (f["response_item_id"], interest(f["attribute_id"])) for f in flags if f["explicit_mention"]
    }
    checked = 0
    for f in flags:
        phrase = interest(f["attribute_id"])
        if phrase is None:
            continue
        shown = phrase in responses[f["response_item_id"]]
        checked += 1
        if f["explicit_mention"]:
            assert shown, f
        else:
            assert shown == ((f["response_item_id"], phrase) in mentioned), f
    assert checked > 100
    assert sum(f["explicit_mention"] for f in flags) > 50


def test_topic_match_carries_relevance_signal(study):
    """Items whose attribute shares a topic keyword with the prompt are relevant (human
    majority) more often than the others: the text baselines have signal, but not all of it."""
    attrs = {a["attribute_id"]: a["text"] for a in _read(study / "attributes.jsonl")}
    prompts = {p["prompt_id"]: p["text"] for p in _read(study / "prompts.jsonl")}
    votes = Counter()
    for j in _read(study / "relevance_judgments.jsonl"):
        votes[j["item_id"]] += j["relevant"]
    vocabulary = {w for topic in text.TOPICS for w in topic[3]}  # the topics' keywords

    def words(s):
        return {w.strip(".,?;:").lower() for w in s.split()} & vocabulary

    hit, miss = [], []
    for i in _read(study / "relevance_items.jsonl"):
        overlap = words(attrs[i["attribute_id"]]) & words(prompts[i["prompt_id"]])
        (hit if overlap else miss).append(votes[i["item_id"]] >= 2)
    rate_hit, rate_miss = sum(hit) / len(hit), sum(miss) / len(miss)
    assert rate_hit > 1.5 * rate_miss
    assert sum(miss) > 0.3 * (sum(hit) + sum(miss))  # much relevance has no word overlap


def test_scale_multiplies_rows_with_unique_ids(tmp_path):
    out = tmp_path / "simulated"
    truth = simulate(out, seed=5, scale=2)
    counts = truth["composition"]["counts"]
    assert counts["relevance_items"] == 2 * 3973 and counts["attributes"] == 2 * 1983
    assert counts["rated_units"] == 2 * 367 and counts["users"] == 2 * 77
    for rel, key in (
        ("users.jsonl", "user_id"),
        ("attributes.jsonl", "attribute_id"),
        ("relevance_items.jsonl", "item_id"),
        ("conversations.jsonl", "conversation_id"),
        ("prompts.jsonl", "prompt_id"),
    ):
        ids = [r[key] for r in _read(out / rel)]
        assert len(ids) == len(set(ids)), rel
        if rel != "users.jsonl":  # users are written dataset by dataset
            assert ids == sorted(ids), rel
    assert sum(1 for _ in (out / "relevance_judgments.jsonl").open()) == 2 * 11919
