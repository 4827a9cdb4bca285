"""Property-based studies (hypothesis): generated *valid* studies of random shape load, and
generated *corruptions* of them are refused with the file, line and field, leaving nothing.

Valid shapes include one annotator, one label everywhere, a single user or prompt, all
ratings 3, absent optional files, models without any vote on some items, unicode and
right-to-left text, very long texts, and the same study written with a byte-order mark, CRLF
and trailing blank lines. Corruptions: a truncated line, a wrong type, a number as a string,
an out-of-domain value, a dangling reference, a conflicting duplicate, NaN or Infinity, and
invalid UTF-8.

The budget is fixed (max_examples below) so that it fits CI; failing examples are kept in
tests/hypothesis-examples/ (committed), which every run replays first.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from recenter.ingest import StudyDataError, build

EXAMPLES = DirectoryBasedExampleDatabase(str(Path(__file__).parent / "hypothesis-examples"))
BUDGET = dict(
    deadline=None,
    database=EXAMPLES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

TEXT = st.one_of(
    st.text(min_size=1, max_size=40),
    st.sampled_from(["שלום עולם", "مرحبا بالعالم", "naïve café ☕", "日本語のテキスト", "x"]),
    st.just("long " * 4000),
)
LABELS = ["accepted", "uncertain", "rejected"]


@st.composite
def studies(draw) -> dict[str, list[dict]]:
    """relative path -> records of a valid study (absent optional files are left out)."""
    n_users = draw(st.integers(1, 3))
    users = [f"u{i}" for i in range(1, n_users + 1)]
    files: dict[str, list[dict]] = {}
    files["users.jsonl"] = [
        {
            "user_id": u,
            "source_dataset": draw(st.sampled_from(["wildchat", "cupid"])),
            "is_real": draw(st.booleans()),
        }
        for u in users
    ]
    if draw(st.booleans()):
        files["conversations.jsonl"] = [
            {
                "conversation_id": f"c-{u}",
                "user_id": u,
                "turns": [{"role": r, "text": draw(TEXT)} for r in ("user", "assistant")],
            }
            for u in users
        ]
    attrs = {u: [f"a-{u}-{k}" for k in range(draw(st.integers(1, 3)))] for u in users}
    files["attributes.jsonl"] = [
        {
            "attribute_id": a,
            "user_id": u,
            "text": draw(st.one_of(st.none(), TEXT)),
            "extractor": "gpt",
            "confidence": draw(st.one_of(st.none(), st.floats(0, 1))),
        }
        for u in users
        for a in attrs[u]
    ]
    all_attrs = [a for u in users for a in attrs[u]]
    annotators = [f"H{k}" for k in range(1, draw(st.integers(1, 3)) + 1)]
    one_label = draw(st.one_of(st.none(), st.sampled_from(LABELS)))
    if draw(st.booleans()):
        files["attribute_judgments.jsonl"] = [
            {
                "attribute_id": a,
                "annotator_id": h,
                "label": one_label or draw(st.sampled_from(LABELS)),
            }
            for a in all_attrs
            for h in annotators
        ]
    n_prompts = draw(st.integers(1, 2))
    prompts = [f"p{k}" for k in range(1, n_prompts + 1)]
    files["prompts.jsonl"] = [
        {"prompt_id": p, "text": draw(TEXT), "source": "lima"} for p in prompts
    ]
    items = [(f"i-{a}-{p}", u, p, a) for u in users for a in attrs[u] for p in prompts]
    files["relevance_items.jsonl"] = [
        {"item_id": i, "user_id": u, "prompt_id": p, "attribute_id": a} for i, u, p, a in items
    ]
    constant_vote = draw(st.one_of(st.none(), st.booleans()))
    files["relevance_judgments.jsonl"] = [
        {
            "item_id": i,
            "annotator_id": h,
            "relevant": draw(st.booleans()) if constant_vote is None else constant_vote,
        }
        for i, *_ in items
        for h in annotators
    ]
    for k in range(draw(st.integers(0, 2))):
        voted = [i for i, *_ in items if draw(st.booleans())]
        if voted:
            files[f"models/relevance/llm/llm-{k}.jsonl"] = [
                {
                    "item_id": i,
                    "relevant": draw(st.booleans()),
                    "score": draw(st.one_of(st.none(), st.floats(-10, 10))),
                }
                for i in voted
            ]
    if draw(st.booleans()):
        files["models/verifier/llm/verifier.jsonl"] = [
            {"attribute_id": a, "problematic": draw(st.booleans())} for a in all_attrs
        ]
    if draw(st.booleans()):
        gens = []
        for u in users:
            for p in prompts:
                given_attrs = draw(st.lists(st.sampled_from(attrs[u]), min_size=1, unique=True))
                gens.append(
                    {
                        "response_item_id": f"r-{u}-{p}",
                        "user_id": u,
                        "prompt_id": p,
                        "generic_response": draw(TEXT),
                        "personalized_response": draw(TEXT),
                        "attribute_ids": given_attrs,
                    }
                )
        files["models/generator/gen.jsonl"] = gens
        units = [(g["response_item_id"], a) for g in gens for a in g["attribute_ids"]]
        all_three = draw(st.booleans())
        files["response_ratings.jsonl"] = [
            {
                "response_item_id": r,
                "attribute_id": a,
                "annotator_id": h,
                "rating": 3 if all_three else draw(st.integers(1, 5)),
                "personalized_position": draw(st.sampled_from(["first", "second", None])),
            }
            for r, a in units
            for h in annotators
        ]
        if draw(st.booleans()):
            files["models/judge/reward_model/rm.jsonl"] = [
                {
                    "response_item_id": r,
                    "attribute_id": a,
                    "rating": draw(st.floats(-50, 50, allow_nan=False)),
                }
                for r, a in units
            ]
        if draw(st.booleans()):
            files["mention_flags.jsonl"] = [
                {
                    "response_item_id": r,
                    "attribute_id": a,
                    "flagger": "gpt",
                    "explicit_mention": draw(st.booleans()),
                }
                for r, a in units
            ]
    return files


def _write(root: Path, files: dict[str, list[dict]], *, windows: bool = False) -> None:
    root.mkdir(parents=True)
    meta = {"name": root.name, "data_kind": "fixture", "description": "generated by hypothesis"}
    (root / "study.json").write_text(json.dumps(meta), encoding="utf-8")
    for rel, records in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps(r, ensure_ascii=False) for r in records]
        if windows:  # what a Windows editor writes: BOM, CRLF, blank lines at the end
            data = b"\xef\xbb\xbf" + ("\r\n".join(lines) + "\r\n\r\n\r\n").encode("utf-8")
        else:
            data = ("\n".join(lines) + "\n").encode("utf-8")
        path.write_bytes(data)


def _content(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    names = [r[0] for r in con.sql("SHOW TABLES").fetchall() if r[0] != "provenance"]
    out = {n: sorted(map(repr, con.sql(f'SELECT * FROM "{n}"').fetchall())) for n in names}
    con.close()
    return out


@settings(max_examples=25, **BUDGET)
@given(studies())
def test_valid_studies_of_any_shape_load(files) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        _write(tmp / "unix" / "gen", files)
        _write(tmp / "windows" / "gen", files, windows=True)
        study = build(tmp / "unix" / "gen", tmp / "a.duckdb")
        build(tmp / "windows" / "gen", tmp / "b.duckdb")
        for rel, records in files.items():
            assert len(study.files[rel].records) == len(records), rel
        con = duckdb.connect(str(tmp / "a.duckdb"), read_only=True)
        n_votes = con.execute("SELECT count(*) FROM relevance_votes").fetchall()[0][0]
        con.close()
        want = sum(len(r) for rel, r in files.items() if "relevance" in rel and "items" not in rel)
        assert n_votes == want
        assert _content(tmp / "a.duckdb") == _content(tmp / "b.duckdb")


# ---- corruptions ------------------------------------------------------------------------------

CORRUPTIONS = [
    "truncated line",
    "invalid UTF-8",
    "wrong type",
    "number as a string",
    "out of domain",
    "dangling reference",
    "NaN",
    "Infinity",
    "conflicting duplicate",
]

#: per file: (field, wrong-type value, out-of-domain value or None, reference field or None,
#: numeric field or None, field to change for a conflicting duplicate)
FIELDS = {
    "users.jsonl": ("is_real", "Relevant", None, None, None, "source_dataset"),
    "attributes.jsonl": ("extractor", 7, None, "user_id", "confidence", "extractor"),
    "attribute_judgments.jsonl": ("label", True, "Accepted", "attribute_id", None, "label"),
    "prompts.jsonl": ("text", 3, None, None, None, "text"),
    "relevance_items.jsonl": ("prompt_id", 1, None, "prompt_id", None, "prompt_id"),
    "relevance_judgments.jsonl": ("relevant", "Relevant", None, "item_id", None, "relevant"),
    "response_ratings.jsonl": ("rating", 3.5, 6, "response_item_id", "rating", "rating"),
    "models/judge/reward_model/rm.jsonl": (
        "rating",
        "high",
        None,
        "attribute_id",
        "rating",
        "rating",
    ),
    "models/relevance/llm/llm-0.jsonl": ("relevant", "yes", None, "item_id", "score", "relevant"),
}


def _changed(value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return 4 if value != 4 else 2
    return f"{value}-changed"


@settings(max_examples=60, **BUDGET)
@given(studies(), st.data())
def test_corruptions_are_refused_with_file_line_and_field(files, data) -> None:
    candidates = sorted(rel for rel in files if rel in FIELDS)
    rel = data.draw(st.sampled_from(candidates), label="file")
    kind = data.draw(st.sampled_from(CORRUPTIONS), label="corruption")
    field, wrong, out_of_domain, ref, numeric, dup_field = FIELDS[rel]
    if kind == "out of domain" and out_of_domain is None:
        kind = "wrong type"
    if kind == "dangling reference" and ref is None:
        kind = "wrong type"
    if kind in ("NaN", "Infinity", "number as a string") and numeric is None:
        kind = "truncated line"
    records = files[rel]
    index = data.draw(st.integers(0, len(records) - 1), label="line")
    lines = [json.dumps(r, ensure_ascii=False).encode("utf-8") for r in records]
    record = dict(records[index])
    want_field: str | None = None
    line = index + 1
    if kind == "truncated line":
        lines[index] = lines[index][: data.draw(st.integers(1, len(lines[index]) - 1))]
    elif kind == "invalid UTF-8":
        lines[index] = lines[index].replace(b'":', b'": \xff', 1)
    elif kind == "wrong type":
        record[field] = wrong
        lines[index], want_field = json.dumps(record).encode(), field
    elif kind == "number as a string":
        record[numeric] = str(record.get(numeric) if record.get(numeric) is not None else 1)
        lines[index], want_field = json.dumps(record).encode(), numeric
    elif kind == "out of domain":
        record[field] = out_of_domain
        lines[index], want_field = json.dumps(record).encode(), field
    elif kind == "dangling reference":
        record[ref] = "nobody"
        lines[index], want_field = json.dumps(record).encode(), ref
    elif kind in ("NaN", "Infinity"):
        record[numeric] = 0.5
        text = json.dumps(record).replace(f'"{numeric}": 0.5', f'"{numeric}": {kind}')
        lines[index], want_field = text.encode(), numeric
    else:  # a conflicting duplicate of the line, appended at the end
        record[dup_field] = _changed(record[dup_field])
        lines.append(json.dumps(record).encode())
        line, want_field = len(lines), dup_field
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        root = tmp / "raw" / "gen"
        _write(root, files)
        (root / rel).write_bytes(b"\n".join(lines) + b"\n")
        out = tmp / "out"
        try:
            build(root, out / "study.duckdb")
        except StudyDataError as exc:
            err = exc
        else:
            raise AssertionError(f"{kind} in {rel} line {line} was accepted")
        assert not out.exists() or list(out.iterdir()) == [], "a refused study left files"
        where = [(p.path, p.line, p.field) for p in err.problems]
        assert (str(root / rel), line, want_field) in where, (kind, where)
        for p in err.problems:
            assert str(p).startswith(p.path) and p.message
