"""Ingestion: the fixture loads into every table; each kind of bad input stops the load with a
message naming file, line and field, and leaves no database behind."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recenter.ingest import (
    REFERENCES,
    SCHEMA_DIR,
    StudyDataError,
    _fast_check,
    _validator,
    build,
    iter_json_lines,
)

from conftest import FIXTURE_STUDY

TABLE_SOURCES = {
    "users": ["users.jsonl"],
    "conversations": ["conversations.jsonl"],
    "attributes": ["attributes.jsonl"],
    "attribute_judgments": ["attribute_judgments.jsonl"],
    "failure_modes": ["failure_modes.jsonl"],
    "prompts": ["prompts.jsonl"],
    "relevance_items": ["relevance_items.jsonl"],
    "relevance_votes": ["relevance_judgments.jsonl", "models/relevance/*/*.jsonl"],
    "verifier_predictions": ["models/verifier/*/*.jsonl"],
    "response_items": ["models/generator/*.jsonl"],
    "preference_ratings": ["response_ratings.jsonl", "models/judge/*/*.jsonl"],
    "mention_flags": ["mention_flags.jsonl"],
}


def count_lines(root: Path, patterns: list[str]) -> int:
    return sum(
        len(p.read_text(encoding="utf-8").splitlines())
        for pattern in patterns
        for p in root.glob(pattern)
    )


@pytest.fixture
def study(tmp_path: Path) -> Path:
    dest = tmp_path / "raw" / "study"
    shutil.copytree(FIXTURE_STUDY, dest)
    return dest


def load_error(study: Path, tmp_path: Path) -> StudyDataError:
    db = tmp_path / "out" / "study.duckdb"
    with pytest.raises(StudyDataError) as info:
        build(study, db)
    assert not db.exists(), "a failed load must leave no database"
    leftovers = list(db.parent.iterdir()) if db.parent.exists() else []
    assert leftovers == [], f"temporary files left behind: {leftovers}"
    return info.value


def edit_line(path: Path, line: int, change) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[line - 1])
    change(record)
    lines[line - 1] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_fixture_fills_every_table(study: Path, tmp_path: Path) -> None:
    db = tmp_path / "study.duckdb"
    build(study, db)
    con = duckdb.connect(str(db), read_only=True)
    for table, patterns in TABLE_SOURCES.items():
        (n,) = con.sql(f"SELECT count(*) FROM {table}").fetchall()[0]
        assert n > 0, table
        assert n == count_lines(study, patterns), table
    # turns and rated units are nested in their files
    (turns,) = con.sql("SELECT count(*) FROM conversation_turns").fetchall()[0]
    expected_turns = sum(
        len(json.loads(line)["turns"])
        for line in (study / "conversations.jsonl").read_text().splitlines()
    )
    assert turns == expected_turns
    (units,) = con.sql("SELECT count(*) FROM response_item_attributes").fetchall()[0]
    assert units == sum(
        len(json.loads(line)["attribute_ids"])
        for p in study.glob("models/generator/*.jsonl")
        for line in p.read_text().splitlines()
    )
    kinds = dict(
        con.sql("SELECT rater_id, any_value(rater_kind) FROM relevance_votes GROUP BY 1").fetchall()
    )
    assert kinds == {
        "H1": "human",
        "H2": "human",
        "H3": "human",
        "llm-a": "llm",
        "llm-b": "llm",
        "clf": "trained",
    }
    assert con.sql("SELECT data_kind FROM study").fetchall()[0] == ("fixture",)


def test_provenance_records_checksums_and_counts(study: Path, tmp_path: Path) -> None:
    db = tmp_path / "study.duckdb"
    build(study, db)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.sql("SELECT path, sha256, n_records FROM provenance").fetchall()
    files = sorted(p.relative_to(study).as_posix() for p in study.rglob("*.jsonl"))
    assert sorted(r[0] for r in rows) == sorted([*files, "study.json"])
    for path, sha, n_records in rows:
        data = (study / path).read_bytes()
        assert sha == hashlib.sha256(data).hexdigest()
        if path != "study.json":
            assert n_records == len(data.decode().splitlines())


def test_views_answer_on_the_fixture(study: Path, tmp_path: Path) -> None:
    db = tmp_path / "study.duckdb"
    build(study, db)
    con = duckdb.connect(str(db), read_only=True)
    consensus = dict(con.sql("SELECT item_id, relevant FROM human_relevance_consensus").fetchall())
    # hand-read from relevance_judgments.jsonl: i01 2/3 yes, i05 a 1-1 tie, i14 unlabelled
    assert consensus["i01"] is True
    assert consensus["i05"] is False
    assert "i14" not in consensus
    (ties,) = con.sql("SELECT count(*) FROM human_relevance_consensus WHERE is_tie").fetchall()[0]
    assert ties == 3
    pairs = con.sql("SELECT DISTINCT pair_id FROM relevance_items_with_pair ORDER BY 1").fetchall()
    assert [p[0] for p in pairs] == ["u1::p1", "u1::p2", "u2::p1", "u2::p2"]


def test_identical_duplicates_are_merged_and_counted(study: Path, tmp_path: Path) -> None:
    path = study / "relevance_judgments.jsonl"
    first = path.read_text().splitlines()[0]
    path.write_text(path.read_text() + first + "\n" + first + "\n")
    db = tmp_path / "study.duckdb"
    build(study, db)
    con = duckdb.connect(str(db), read_only=True)
    row = con.sql(
        "SELECT n_lines, n_records, n_duplicates_merged FROM provenance "
        "WHERE path = 'relevance_judgments.jsonl'"
    ).fetchall()[0]
    assert row == (38, 36, 2)


# ---- bad input: one test per kind ---------------------------------------------------------


def test_malformed_json_line(study: Path, tmp_path: Path) -> None:
    path = study / "attributes.jsonl"
    lines = path.read_text().splitlines()
    lines[3] = lines[3][:-1]  # drop the closing brace
    path.write_text("\n".join(lines) + "\n")
    err = load_error(study, tmp_path)
    assert err.path.endswith("attributes.jsonl") and err.line == 4
    assert "malformed JSON" in str(err)


def test_missing_required_field(study: Path, tmp_path: Path) -> None:
    edit_line(study / "relevance_judgments.jsonl", 5, lambda r: r.pop("relevant"))
    err = load_error(study, tmp_path)
    assert (Path(err.path).name, err.line, err.field) == (
        "relevance_judgments.jsonl",
        5,
        "relevant",
    )
    assert "required field is missing" in str(err)


def test_wrong_type(study: Path, tmp_path: Path) -> None:
    edit_line(study / "models/relevance/llm/llm-b.jsonl", 2, lambda r: r.update(relevant="yes"))
    err = load_error(study, tmp_path)
    assert (Path(err.path).name, err.line, err.field) == ("llm-b.jsonl", 2, "relevant")
    assert "expected boolean, got 'yes' (string)" in str(err)


def test_label_outside_domain(study: Path, tmp_path: Path) -> None:
    edit_line(study / "attribute_judgments.jsonl", 7, lambda r: r.update(label="maybe"))
    err = load_error(study, tmp_path)
    assert (Path(err.path).name, err.line, err.field) == ("attribute_judgments.jsonl", 7, "label")
    assert "'accepted', 'uncertain', 'rejected'" in str(err) and "'maybe'" in str(err)


def test_rating_outside_scale(study: Path, tmp_path: Path) -> None:
    edit_line(study / "response_ratings.jsonl", 3, lambda r: r.update(rating=6))
    err = load_error(study, tmp_path)
    assert (err.line, err.field) == (3, "rating")
    assert "at most 5" in str(err)


@pytest.mark.parametrize(
    ("relpath", "line", "field", "value", "what"),
    [
        ("attributes.jsonl", 2, "user_id", "u99", "unknown user 'u99'"),
        ("relevance_judgments.jsonl", 4, "item_id", "i99", "unknown relevance item 'i99'"),
        ("models/relevance/llm/llm-a.jsonl", 3, "item_id", "i99", "unknown relevance item 'i99'"),
        ("failure_modes.jsonl", 1, "attribute_id", "a99", "unknown attribute 'a99'"),
        ("response_ratings.jsonl", 2, "attribute_id", "a5", "not among the attribute_ids"),
    ],
)
def test_unknown_reference(study, tmp_path, relpath, line, field, value, what) -> None:
    edit_line(study / relpath, line, lambda r: r.update({field: value}))
    err = load_error(study, tmp_path)
    assert (err.path, err.line, err.field) == (str(study / relpath), line, field)
    assert what in str(err)


def test_attribute_of_another_user(study: Path, tmp_path: Path) -> None:
    edit_line(study / "relevance_items.jsonl", 1, lambda r: r.update(attribute_id="a5"))
    err = load_error(study, tmp_path)
    assert (err.line, err.field) == (1, "attribute_id")
    assert "belongs to user 'u2'" in str(err)


def test_conflicting_duplicate_judgment(study: Path, tmp_path: Path) -> None:
    path = study / "relevance_judgments.jsonl"
    first = json.loads(path.read_text().splitlines()[0])
    first["relevant"] = not first["relevant"]
    path.write_text(path.read_text() + json.dumps(first) + "\n")
    err = load_error(study, tmp_path)
    assert (err.line, err.field) == (37, "relevant")
    assert "conflicting duplicate of line 1" in str(err)


def test_empty_file(study: Path, tmp_path: Path) -> None:
    (study / "mention_flags.jsonl").write_bytes(b"")
    err = load_error(study, tmp_path)
    assert Path(err.path).name == "mention_flags.jsonl" and err.line is None
    assert "file is empty" in str(err)


def test_non_utf8_bytes(study: Path, tmp_path: Path) -> None:
    path = study / "prompts.jsonl"
    data = path.read_bytes().replace(b"dinner", b"d\xe9ner")  # latin-1 e-acute
    path.write_bytes(data)
    err = load_error(study, tmp_path)
    assert (Path(err.path).name, err.line) == ("prompts.jsonl", 1)
    assert "not valid UTF-8" in str(err)


def test_unknown_field_is_refused(study: Path, tmp_path: Path) -> None:
    edit_line(study / "users.jsonl", 2, lambda r: r.update(sourcedataset="x"))
    err = load_error(study, tmp_path)
    assert (err.line, err.field) == (2, "sourcedataset")


def test_misplaced_model_file_is_refused(study: Path, tmp_path: Path) -> None:
    shutil.copy(study / "models/relevance/llm/llm-a.jsonl", study / "models/relevance/llm-c.jsonl")
    err = load_error(study, tmp_path)
    assert "models/relevance/<kind>/<system>.jsonl" in str(err)


def test_study_name_must_match_folder(study: Path, tmp_path: Path) -> None:
    meta = json.loads((study / "study.json").read_text())
    meta["name"] = "other"
    (study / "study.json").write_text(json.dumps(meta))
    err = load_error(study, tmp_path)
    assert err.field == "name"


def test_failed_load_keeps_the_previous_database_whole(study: Path, tmp_path: Path) -> None:
    db = tmp_path / "study.duckdb"
    build(study, db)
    before = db.read_bytes()
    (study / "users.jsonl").write_bytes(b"{not json}\n")
    with pytest.raises(StudyDataError):
        build(study, db)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raw", "study.duckdb"]


def test_blank_and_crlf_lines() -> None:
    assert [n for n, _ in iter_json_lines(b'{"a": 1}\r\n{"a": 2}\r\n', "f")] == [1, 2]
    with pytest.raises(StudyDataError, match="line 2: blank line"):
        list(iter_json_lines(b'{"a": 1}\n\n{"a": 2}\n', "f"))


def test_byte_order_mark_and_trailing_blank_lines_are_accepted() -> None:
    """What Windows editors write: a UTF-8 BOM, CRLF, blank lines at the end."""
    data = b'\xef\xbb\xbf{"a": 1}\r\n{"a": 2}\r\n\r\n  \n\n'
    assert list(iter_json_lines(data, "f")) == [(1, {"a": 1}), (2, {"a": 2})]
    with pytest.raises(StudyDataError, match="line 2: blank line"):  # inside: still refused
        list(iter_json_lines(b'\xef\xbb\xbf{"a": 1}\r\n\r\n{"a": 2}\r\n\r\n', "f"))
    with pytest.raises(StudyDataError, match="file is empty"):
        list(iter_json_lines(b"\xef\xbb\xbf\n\n", "f"))
    with pytest.raises(StudyDataError, match="line 2: malformed JSON"):  # a BOM only at the start
        list(iter_json_lines(b'{"a": 1}\n\xef\xbb\xbf{"a": 2}\n', "f"))


def test_study_with_bom_and_trailing_blank_lines_loads_like_the_original(
    study: Path, tmp_path: Path
) -> None:
    build(study, tmp_path / "plain.duckdb")
    for path in [*study.glob("*.jsonl"), study / "study.json"]:
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n") + b"\r\n\n")
    build(study, tmp_path / "bom.duckdb")

    def tables(db):
        con = duckdb.connect(str(db), read_only=True)
        names = [r[0] for r in con.sql("SHOW TABLES").fetchall() if r[0] != "provenance"]
        out = {n: sorted(con.sql(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
        con.close()
        return out

    assert tables(tmp_path / "plain.duckdb") == tables(tmp_path / "bom.duckdb")


def test_every_problem_is_reported_not_only_the_first(study: Path, tmp_path: Path) -> None:
    edit_line(study / "relevance_judgments.jsonl", 4, lambda r: r.update(relevant="Relevant"))
    edit_line(
        study / "relevance_judgments.jsonl", 6, lambda r: r.update(relevent=r.pop("relevant"))
    )
    edit_line(study / "attribute_judgments.jsonl", 2, lambda r: r.update(label="Accepted"))
    path = study / "users.jsonl"
    lines = path.read_text().splitlines()
    lines[0] = lines[0][:-1] + ",}"  # a trailing comma
    path.write_text("\n".join(lines) + "\n")
    err = load_error(study, tmp_path)
    where = [(Path(p.path).name, p.line, p.field) for p in err.problems]
    assert where == [
        ("users.jsonl", 1, None),
        ("attribute_judgments.jsonl", 2, "label"),
        ("relevance_judgments.jsonl", 4, "relevant"),
        ("relevance_judgments.jsonl", 6, "relevent"),
    ]
    text = str(err).splitlines()
    assert len(text) == 4
    assert "users.jsonl, line 1: malformed JSON" in text[0]
    assert "line 6, field 'relevent': unknown field" in text[3]


def test_problems_stop_at_the_limit(study: Path, tmp_path: Path) -> None:
    from recenter.errors import MAX_PROBLEMS

    path = study / "relevance_judgments.jsonl"
    n = len(path.read_text().splitlines())
    assert n > MAX_PROBLEMS
    for line in range(1, n + 1):
        edit_line(path, line, lambda r: r.update(relevant="yes"))
    err = load_error(study, tmp_path)
    assert len(err.problems) == MAX_PROBLEMS and err.truncated
    assert str(err).splitlines()[-1].startswith(f"(stopped after {MAX_PROBLEMS} problems")


def test_dangling_references_are_all_reported(study: Path, tmp_path: Path) -> None:
    edit_line(study / "attributes.jsonl", 2, lambda r: r.update(user_id="u99"))
    edit_line(study / "relevance_judgments.jsonl", 4, lambda r: r.update(item_id="i99"))
    err = load_error(study, tmp_path)
    got = {(Path(p.path).name, p.line, p.field) for p in err.problems}
    assert ("attributes.jsonl", 2, "user_id") in got
    assert ("relevance_judgments.jsonl", 4, "item_id") in got


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(study: Path, tmp_path: Path, constant: str) -> None:
    path = study / "models/judge/reward_model/rm-a.jsonl"
    lines = path.read_text().splitlines()
    record = json.loads(lines[1])
    lines[1] = json.dumps(record).replace(json.dumps(record["rating"]), constant, 1)
    assert constant in lines[1]
    path.write_text("\n".join(lines) + "\n")
    err = load_error(study, tmp_path)
    assert (Path(err.path).name, err.line, err.field) == ("rm-a.jsonl", 2, "rating")
    assert "NaN or Infinity" in str(err)


def test_database_gets_the_umask_permissions(study: Path, tmp_path: Path) -> None:
    import os

    old = os.umask(0o022)
    try:
        build(study, tmp_path / "a.duckdb")
        os.umask(0o027)
        build(study, tmp_path / "b.duckdb")
    finally:
        os.umask(old)
    assert (tmp_path / "a.duckdb").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "b.duckdb").stat().st_mode & 0o777 == 0o640


def test_database_constraints_hold_on_their_own(study: Path, tmp_path: Path) -> None:
    """The SQL schema refuses out-of-domain rows even if the Python checks were bypassed."""
    db = tmp_path / "study.duckdb"
    build(study, db)
    con = duckdb.connect(str(db))
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO attribute_judgments VALUES ('a1', 'H9', 'maybe')")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO relevance_votes VALUES ('i01', 'H1', 'human', false, NULL)")
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO relevance_votes VALUES ('i99', 'H9', 'human', false, NULL)")


# ---- the fast path never accepts what the schema refuses ----------------------------------

_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 8),
    st.floats(-2, 7, allow_nan=False),
    st.sampled_from(["", "x", "accepted", "maybe", "first", "other", "u1"]),
    st.lists(st.just("a1"), max_size=2),
)


@pytest.mark.parametrize(
    "schema_name",
    sorted(p.name.removesuffix(".schema.json") for p in SCHEMA_DIR.glob("*.schema.json")),
)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_fast_check_agrees_with_jsonschema(schema_name: str, data) -> None:
    quick = _fast_check(schema_name)
    if quick is None:
        return  # nested schema: jsonschema alone decides
    props = sorted(_validator(schema_name).schema["properties"])
    keys = data.draw(st.lists(st.sampled_from([*props, "extra"]), unique=True))
    record = {k: data.draw(_values) for k in keys}
    if quick(record):
        assert _validator(schema_name).is_valid(record), record


def test_fast_check_accepts_the_valid_fixture_records() -> None:
    from recenter.ingest import CORE_KINDS

    used = 0
    for rel, kind in CORE_KINDS.items():
        quick = _fast_check(kind.schema)
        if quick is None:
            continue
        for line in (FIXTURE_STUDY / rel).read_text().splitlines():
            assert quick(json.loads(line)), (rel, line)
            used += 1
    assert used > 100


def test_unknown_presentation_order_is_allowed(study: Path, tmp_path: Path) -> None:
    """Exports that did not record where the personalized response was shown load as NULL."""
    edit_line(study / "response_ratings.jsonl", 1, lambda r: r.pop("personalized_position"))
    edit_line(study / "response_ratings.jsonl", 2, lambda r: r.update(personalized_position=None))
    db = tmp_path / "study.duckdb"
    build(study, db)
    con = duckdb.connect(str(db), read_only=True)
    (n,) = con.sql(
        "SELECT count(*) FROM preference_ratings WHERE rater_kind = 'human' "
        "AND personalized_position IS NULL"
    ).fetchall()[0]
    assert n == 2


# ---- the table of references ------------------------------------------------------------------


def _reference_files(study: Path, selector: str) -> list[Path]:
    """The files of a REFERENCES row: a core file, or every model file of a role."""
    if selector.startswith("models/"):
        return sorted((study / selector).rglob("*.jsonl"))
    return [study / selector]


#: The references data/raw/README.md promises are checked (file, field -> the file defining it).
PROMISED_REFERENCES = {
    ("conversations.jsonl", "user_id"): "users.jsonl",
    ("attributes.jsonl", "user_id"): "users.jsonl",
    ("attribute_judgments.jsonl", "attribute_id"): "attributes.jsonl",
    ("failure_modes.jsonl", "attribute_id"): "attributes.jsonl",
    ("relevance_items.jsonl", "user_id"): "users.jsonl",
    ("relevance_items.jsonl", "prompt_id"): "prompts.jsonl",
    ("relevance_items.jsonl", "attribute_id"): "attributes.jsonl",
    ("relevance_judgments.jsonl", "item_id"): "relevance_items.jsonl",
    ("models/verifier", "attribute_id"): "attributes.jsonl",
    ("models/relevance", "item_id"): "relevance_items.jsonl",
    ("models/generator", "user_id"): "users.jsonl",
    ("models/generator", "prompt_id"): "prompts.jsonl",
    ("response_ratings.jsonl", "response_item_id"): "models/generator/*.jsonl",
    ("mention_flags.jsonl", "response_item_id"): "models/generator/*.jsonl",
    ("models/judge", "response_item_id"): "models/generator/*.jsonl",
}


def test_the_table_holds_every_promised_reference() -> None:
    assert {(r.file, r.field): r.target.source for r in REFERENCES} == PROMISED_REFERENCES
    assert len(REFERENCES) == len(PROMISED_REFERENCES)  # no row twice


def test_every_reference_names_a_required_field_of_its_files() -> None:
    """A row of the table can only check what every record has: its field is required by the
    schema of each kind of file it covers, and its target is defined by a file of the layout."""
    from recenter import layout
    from recenter.ingest import CORE_KINDS, model_kind

    for ref in REFERENCES:
        if ref.file.startswith("models/"):
            role = ref.file.removeprefix("models/")
            kinds = layout.MODEL_ROLES[role] or (None,)
            schemas = [model_kind(layout.ModelFile(role, k, "x")).schema for k in kinds]
        else:
            schemas = [CORE_KINDS[ref.file].schema]
        for name in schemas:
            schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
            assert ref.field in schema["required"], (ref, name)
        assert ref.target.source in {*layout.CORE_FILES, "models/generator/*.jsonl"}, ref


@pytest.mark.parametrize("ref", REFERENCES, ids=lambda r: f"{r.file}:{r.field}")
def test_each_reference_row_refuses_a_dangling_id(ref, study: Path, tmp_path: Path) -> None:
    """Each row of the table is checked: a dangling id in the first record of (every file of)
    its file is refused with that file, line 1 and the row's field."""
    paths = _reference_files(study, ref.file)
    assert paths, ref
    for path in paths:
        edit_line(path, 1, lambda r: r.update({ref.field: "no-such-id"}))
    err = load_error(study, tmp_path)
    located = {(p.path, p.line, p.field, p.message) for p in err.problems}
    for path in paths:
        expected = (
            str(path),
            1,
            ref.field,
            f"unknown {ref.target.what} 'no-such-id'; expected an id defined in "
            f"{ref.target.source}",
        )
        assert any(loc[:3] == expected[:3] and loc[3].startswith(expected[3]) for loc in located), (
            expected,
            err.lines(),
        )


def test_existing_files_lists_every_jsonl_below_the_study_folder(tmp_path):
    """The DAG's view of a study folder: data files at any depth, relative, '/'-separated and
    sorted; other files and folders named like data files are not data files."""
    from recenter import layout

    for rel in ("users.jsonl", "models/judge/llm_judge/b.jsonl", "models/judge/llm_judge/a.jsonl"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}\n")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "folder.jsonl").mkdir()
    assert layout.existing_files(tmp_path) == [
        "models/judge/llm_judge/a.jsonl",
        "models/judge/llm_judge/b.jsonl",
        "users.jsonl",
    ]
    assert layout.existing_files(tmp_path / "absent") == []
