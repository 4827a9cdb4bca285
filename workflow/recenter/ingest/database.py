"""Writing the study database: one row list per table from the loaded study, inserted into
the schema (``recenter/sql/schema.sql``) with the shared views, written atomically."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path

from recenter.atomic import atomic_write
from recenter.ingest.kinds import LoadedFile, Study
from recenter.ingest.reading import read_study


def _sql(name: str) -> str:
    return resources.files("recenter").joinpath("sql", name).read_text(encoding="utf-8")


#: (columns, rows) of one table, the rows in chunks: one chunk per model file where the table
#: draws on model files, so that ingest holds one file's rows at a time beside the records
Rows = tuple[list[str], Iterable[list[tuple]]]


def _plain(relpath: str, columns: list[str]) -> Callable[[Study], Rows]:
    """A table whose columns are the same-named fields of one core file's records."""

    def rows(study: Study) -> Rows:
        return columns, [[tuple(r.data.get(c) for c in columns) for r in study.records(relpath)]]

    return rows


def _study(study: Study) -> Rows:
    m = study.meta
    return (
        ["name", "data_kind", "description", "source"],
        [[(m["name"], m["data_kind"], m["description"], m.get("source"))]],
    )


def _conversation_turns(study: Study) -> Rows:
    return (
        ["conversation_id", "turn_index", "role", "text"],
        [
            [
                (r.data["conversation_id"], i, t["role"], t["text"])
                for r in study.records("conversations.jsonl")
                for i, t in enumerate(r.data["turns"])
            ]
        ],
    )


def _verifier_predictions(study: Study) -> Rows:
    return (
        ["system", "verifier_kind", "attribute_id", "problematic", "score"],
        (
            [
                (f.model.system, f.model.kind, d["attribute_id"], d["problematic"], d.get("score"))
                for d in records
            ]
            for f, records in _model_records(study, "verifier")
        ),
    )


def _relevance_votes(study: Study) -> Rows:
    """Human votes (rater kind ``human``) and the relevance systems' votes."""
    human = [
        (r.data["item_id"], r.data["annotator_id"], "human", r.data["relevant"], None)
        for r in study.records("relevance_judgments.jsonl")
    ]
    systems = (
        [
            (d["item_id"], f.model.system, f.model.kind, d["relevant"], d.get("score"))
            for d in records
        ]
        for f, records in _model_records(study, "relevance")
    )
    return ["item_id", "rater_id", "rater_kind", "relevant", "score"], _chain(human, systems)


RESPONSE_ITEM_COLUMNS = [
    "response_item_id",
    "generator",
    "user_id",
    "prompt_id",
    "generic_response",
    "personalized_response",
]


def _response_items(study: Study) -> Rows:
    """Each generator file's response items, ``generator`` its system name."""
    return RESPONSE_ITEM_COLUMNS, (
        [
            (
                d["response_item_id"],
                f.model.system,
                d["user_id"],
                d["prompt_id"],
                d["generic_response"],
                d["personalized_response"],
            )
            for d in records
        ]
        for f, records in _model_records(study, "generator")
    )


def _response_item_attributes(study: Study) -> Rows:
    return (
        ["response_item_id", "attribute_id"],
        (
            [(d["response_item_id"], a) for d in records for a in d["attribute_ids"]]
            for _, records in _model_records(study, "generator")
        ),
    )


def _preference_ratings(study: Study) -> Rows:
    """Human ratings (rater kind ``human``, with the personalized response's position) and the
    judges' ratings."""
    human = [
        (
            d["response_item_id"],
            d["attribute_id"],
            d["annotator_id"],
            "human",
            float(d["rating"]),
            d.get("personalized_position"),
        )
        for d in (r.data for r in study.records("response_ratings.jsonl"))
    ]
    judges = (
        [
            (
                d["response_item_id"],
                d["attribute_id"],
                f.model.system,
                f.model.kind,
                float(d["rating"]),
                None,
            )
            for d in records
        ]
        for f, records in _model_records(study, "judge")
    )
    columns = ["response_item_id", "attribute_id", "rater_id", "rater_kind", "rating"]
    return [*columns, "personalized_position"], _chain(human, judges)


PROVENANCE_COLUMNS = [
    "path",
    "sha256",
    "n_bytes",
    "n_lines",
    "n_records",
    "n_duplicates_merged",
    "role",
    "system",
    "system_kind",
]


def _provenance(study: Study) -> Rows:
    """One row per file read: its hash, size, lines, records and merged duplicates."""
    prov = [("study.json", study.meta_sha256, study.meta_bytes, 1, 1, 0, "study", None, None)]
    for rel in sorted(study.files):
        f = study.files[rel]
        prov.append(
            (
                rel,
                f.sha256,
                f.n_bytes,
                f.n_lines,
                len(f.records),
                f.n_duplicates_merged,
                f.model.role if f.model else f.kind.schema,
                f.model.system if f.model else None,
                f.model.kind if f.model else None,
            )
        )
    return PROVENANCE_COLUMNS, [prov]


def _model_records(study: Study, role: str) -> Iterable[tuple[LoadedFile, Iterable[dict]]]:
    """(file, its records' data) of every model file of ``role``, file by file."""
    return ((f, (r.data for r in f.records)) for f in study.models(role))


def _chain(first: list[tuple], rest: Iterable[list[tuple]]) -> Iterable[list[tuple]]:
    """The human raters' chunk, then one chunk per model file."""
    yield first
    yield from rest


#: Table name -> its rows from the study, in the order the tables are filled.
TABLES: dict[str, Callable[[Study], Rows]] = {
    "study": _study,
    "users": _plain("users.jsonl", ["user_id", "source_dataset", "is_real"]),
    "conversations": _plain("conversations.jsonl", ["conversation_id", "user_id"]),
    "conversation_turns": _conversation_turns,
    "attributes": _plain(
        "attributes.jsonl", ["attribute_id", "user_id", "text", "extractor", "confidence"]
    ),
    "attribute_judgments": _plain(
        "attribute_judgments.jsonl", ["attribute_id", "annotator_id", "label"]
    ),
    "failure_modes": _plain("failure_modes.jsonl", ["attribute_id", "labeler", "category"]),
    "verifier_predictions": _verifier_predictions,
    "prompts": _plain("prompts.jsonl", ["prompt_id", "text", "source"]),
    "relevance_items": _plain(
        "relevance_items.jsonl", ["item_id", "user_id", "prompt_id", "attribute_id"]
    ),
    "relevance_votes": _relevance_votes,
    "response_items": _response_items,
    "response_item_attributes": _response_item_attributes,
    "preference_ratings": _preference_ratings,
    "mention_flags": _plain(
        "mention_flags.jsonl", ["response_item_id", "attribute_id", "flagger", "explicit_mention"]
    ),
    "provenance": _provenance,
}


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
        # one chunk of one table's rows at a time (built, inserted, dropped): holding every
        # table's rows at once doubled ingest's memory, and a table's rows from every model
        # file at once were most of what remained
        for table, build_rows in TABLES.items():
            columns, chunks = build_rows(study)
            cols = ", ".join(columns)
            for rows in chunks:
                if not rows:
                    continue
                frame = pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)
                del rows
                con.register("incoming", frame.to_arrow())
                try:
                    con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM incoming")
                finally:
                    con.unregister("incoming")
                del frame
        con.execute(_sql("views.sql"))
        con.execute("CHECKPOINT")
    finally:
        con.close()


def build(study_dir: str | os.PathLike, db_path: str | os.PathLike, progress=None) -> Study:
    """Validate ``study_dir`` and write its database to ``db_path``."""
    study = read_study(study_dir, progress=progress)
    write_database(study, db_path)
    return study
