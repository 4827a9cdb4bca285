"""Stage-1 data from a study database: human judgments of extracted attributes as an
attributes × annotators matrix of ordinal codes, each attribute's cluster (its user) and
dataset, failure-mode labels, verifier predictions and conversation texts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from recenter.clusters import ClusteredRows
from recenter.db import connect, data_kind, read  # noqa: F401 (re-exported)

#: The tool's answers in their order: makes sense < maybe < doesn't make sense.
LABELS = ("accepted", "uncertain", "rejected")
CODES = {label: k for k, label in enumerate(LABELS)}
CATEGORIES = (
    "overgeneralization",
    "missing_evidence",
    "task_context_confusion",
    "not_standalone",
    "other",
)


@dataclass(frozen=True)
class JudgmentMatrix(ClusteredRows):
    """Attributes × annotators ordinal codes (0 accepted, 1 uncertain, 2 rejected; NaN = not
    judged), for the attributes that have at least one human judgment."""

    attribute_ids: list[str]
    user_ids: list[str]
    datasets: list[str]  # source dataset of each attribute's user
    is_real: np.ndarray  # bool per attribute
    clusters: np.ndarray  # user code per attribute, 0..n_clusters-1 (sorted user_id)
    cluster_keys: list[str]
    annotators: list[str]
    codes: np.ndarray

    def problematic(self) -> np.ndarray:
        """Binary labels (1 = uncertain or rejected, 0 = accepted, NaN missing)."""
        return np.where(np.isnan(self.codes), np.nan, (self.codes >= 1).astype(float))


def load_judgments(con) -> pl.DataFrame:
    """Every human judgment with its attribute's user, dataset and is_real flag."""
    return con.sql(
        "SELECT attribute_id, annotator_id, label, user_id, source_dataset, is_real "
        "FROM attribute_judgments_by_dataset ORDER BY user_id, attribute_id, annotator_id"
    ).pl()


def judgment_matrix(judgments: pl.DataFrame) -> JudgmentMatrix:
    """Arrange judgments as attributes (sorted by user then attribute) × annotators (sorted)."""
    units = (
        judgments.select("attribute_id", "user_id", "source_dataset", "is_real")
        .unique()
        .sort("user_id", "attribute_id")
    )
    annotators = sorted(judgments["annotator_id"].unique().to_list())
    row = {a: i for i, a in enumerate(units["attribute_id"].to_list())}
    col = {a: j for j, a in enumerate(annotators)}
    codes = np.full((units.height, len(annotators)), np.nan)
    for aid, ann, label in judgments.select("attribute_id", "annotator_id", "label").iter_rows():
        codes[row[aid], col[ann]] = CODES[label]
    keys, clusters = np.unique(units["user_id"].to_numpy().astype(str), return_inverse=True)
    return JudgmentMatrix(
        attribute_ids=units["attribute_id"].to_list(),
        user_ids=units["user_id"].to_list(),
        datasets=units["source_dataset"].to_list(),
        is_real=units["is_real"].to_numpy().astype(bool),
        clusters=clusters.astype(np.int64),
        cluster_keys=[str(k) for k in keys],
        annotators=annotators,
        codes=codes,
    )


def load_failure_modes(con) -> pl.DataFrame:
    """Failure-mode labels with the attribute's user (attribute_id, user_id, labeler,
    category), sorted."""
    return con.sql(
        "SELECT f.attribute_id, a.user_id, f.labeler, f.category FROM failure_modes f "
        "JOIN attributes a USING (attribute_id) ORDER BY a.user_id, f.attribute_id, f.labeler"
    ).pl()


def load_verifier(con, system: str) -> pl.DataFrame:
    """Predictions of one verifier file (attribute_id, problematic, score)."""
    return con.sql(
        "SELECT attribute_id, problematic, score FROM verifier_predictions WHERE system = ? "
        "ORDER BY attribute_id",
        params=[system],
    ).pl()


def verifier_systems(con) -> pl.DataFrame:
    """(system, verifier_kind) of every verifier file in the database."""
    return con.sql(
        "SELECT DISTINCT system, verifier_kind FROM verifier_predictions ORDER BY system"
    ).pl()


def aligned(jm: JudgmentMatrix, frame: pl.DataFrame, value: str) -> np.ndarray:
    """``frame[value]`` per attribute of ``jm`` (float, NaN where the frame has no row)."""
    lookup = dict(
        zip(frame["attribute_id"].to_list(), frame[value].cast(pl.Float64).to_list(), strict=True)
    )
    return np.array([lookup.get(a) for a in jm.attribute_ids], dtype=float)


def load_user_turns(con) -> pl.DataFrame:
    """User turns of every conversation with the user's dataset: (source_dataset, user_id,
    conversation_id, text), turns of a conversation joined by newlines in turn order."""
    return con.sql(
        "SELECT u.source_dataset, c.user_id, t.conversation_id, "
        "string_agg(t.text, chr(10) ORDER BY t.turn_index) AS text "
        "FROM conversation_turns t JOIN conversations c USING (conversation_id) "
        "JOIN users u USING (user_id) WHERE t.role = 'user' "
        "GROUP BY u.source_dataset, c.user_id, t.conversation_id "
        "ORDER BY u.source_dataset, c.user_id, t.conversation_id"
    ).pl()
