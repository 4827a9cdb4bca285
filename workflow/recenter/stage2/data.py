"""Stage-2 data from a study database: items with their cluster, votes of every rater, the
human consensus, arranged as an items × raters label matrix for the statistics."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from recenter.clusters import ClusteredRows
from recenter.db import connect, data_kind, read  # noqa: F401 (re-exported)

HUMAN, LLM, BASELINE, TRAINED = "human", "llm", "baseline", "trained"
CONSENSUS = "human consensus"


def load_items(con) -> pl.DataFrame:
    """Every Stage-2 item with its pair (``pair_id``), user and texts, sorted by pair then item."""
    return con.sql(
        "SELECT item_id, pair_id, user_id, prompt_id, attribute_id, attribute_text, prompt_text "
        "FROM relevance_items_with_pair ORDER BY pair_id, item_id"
    ).pl()


def load_votes(con, kinds: list[str] | None = None, rater_ids: list[str] | None = None):
    """Votes (item_id, rater_id, rater_kind, relevant, score), optionally filtered."""
    where, params = [], []
    if kinds is not None:
        where.append("list_contains(?, rater_kind)")
        params.append(list(kinds))
    if rater_ids is not None:
        where.append("list_contains(?, rater_id)")
        params.append(list(rater_ids))
    sql = "SELECT item_id, rater_id, rater_kind, relevant, score FROM relevance_votes"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return con.sql(sql + " ORDER BY rater_id, item_id", params=params or None).pl()


def load_consensus(con) -> pl.DataFrame:
    """The view human_relevance_consensus (items with at least one human label)."""
    return con.sql(
        "SELECT item_id, n_human_labels, n_relevant, relevant, is_tie "
        "FROM human_relevance_consensus ORDER BY item_id"
    ).pl()


def rater_order(votes: pl.DataFrame, kinds=(HUMAN, LLM)) -> tuple[list[str], list[str]]:
    """Raters of the given kinds in display order: humans sorted, then LLMs sorted, ...

    Returns (rater ids, their kinds).
    """
    pairs = votes.select("rater_id", "rater_kind").unique()
    raters, rkinds = [], []
    for kind in kinds:
        ids = sorted(pairs.filter(pl.col("rater_kind") == kind)["rater_id"].to_list())
        raters += ids
        rkinds += [kind] * len(ids)
    return raters, rkinds


@dataclass(frozen=True)
class LabelMatrix(ClusteredRows):
    """Items × raters binary labels (1/0, NaN = not labelled) with each item's cluster."""

    item_ids: list[str]
    clusters: np.ndarray  # cluster code per item, 0..n_clusters-1 (sorted user id, CLUSTER)
    cluster_keys: list[str]
    raters: list[str]
    kinds: list[str]
    labels: np.ndarray

    def column(self, rater: str) -> np.ndarray:
        return self.labels[:, self.raters.index(rater)]


#: The bootstrap cluster of Stage 2: the user, not the user-prompt pair. Each of a user's
#: attributes is judged in every pair of the user (3-4 pairs, the same annotators), so the pairs
#: of one user are dependent; with that structure the pair bootstrap's SE is about 0.8 of the
#: user bootstrap's (tests/test_simulate_clustering.py).
CLUSTER = "user_id"


def item_clusters(items: pl.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Cluster code of each item (codes follow the sorted user ids) and the sorted user ids."""
    keys, codes = np.unique(items[CLUSTER].to_numpy().astype(str), return_inverse=True)
    return codes.astype(np.int64), [str(k) for k in keys]


def label_vector(items: pl.DataFrame, frame: pl.DataFrame, value: str = "relevant"):
    """``frame[value]`` (item_id-keyed) aligned to ``items`` as floats, NaN where absent."""
    joined = items.select("item_id").join(
        frame.select("item_id", pl.col(value).cast(pl.Float64)), on="item_id", how="left"
    )
    return joined[value].fill_null(float("nan")).to_numpy().astype(float)


def label_matrix(items: pl.DataFrame, votes: pl.DataFrame, raters, kinds) -> LabelMatrix:
    """Arrange ``votes`` of ``raters`` as items × raters (order of ``items``)."""
    clusters, keys = item_clusters(items)
    labels = np.full((items.height, len(raters)), np.nan)
    for j, rater in enumerate(raters):
        labels[:, j] = label_vector(items, votes.filter(pl.col("rater_id") == rater))
    return LabelMatrix(
        item_ids=items["item_id"].to_list(),
        clusters=clusters,
        cluster_keys=keys,
        raters=list(raters),
        kinds=list(kinds),
        labels=labels,
    )


def consensus_vector(items: pl.DataFrame, consensus: pl.DataFrame) -> np.ndarray:
    """Consensus label per item of ``items`` (1/0), NaN for items without any human label."""
    return label_vector(items, consensus)
