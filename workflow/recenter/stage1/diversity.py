"""Conversation diversity per source dataset (Table 1) [ours: the paper's metric is unknown].

Documents are conversations: the user turns of a conversation, joined. Within each dataset,
every document becomes a TF-IDF vector fitted on that dataset's documents alone (so a dataset's
score does not depend on which other datasets the study holds), and the score is the mean
cosine distance 1 − cos(x_i, x_j) over all pairs i < j of its conversations (Salton & Buckley
1988 for TF-IDF; the "mean pairwise cosine distance" diversity of e.g. Tevet & Berant 2021).

TF-IDF is scikit-learn's default ``TfidfVectorizer``, written out so the workflow does not
need scikit-learn (tests compare the two): lowercase, tokens ``\\b\\w\\w+\\b``, raw term counts,
smoothed idf = ln((1 + N)/(1 + df)) + 1, rows L2-normalised.

A second column, distinct-2 (Li et al. 2016), is the number of distinct word bigrams divided
by the number of bigrams over the dataset's user turns (bigrams cross neither turns nor
line breaks); it falls
with corpus size, so compare it only between datasets of similar size.
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np
import polars as pl

TOKEN = re.compile(r"(?u)\b\w\w+\b")


def tokens(text: str) -> list[str]:
    """Lowercased word tokens of two or more characters (scikit-learn's default pattern)."""
    return TOKEN.findall(text.lower())


def tfidf_matrix(docs: list[str]):
    """Documents × vocabulary TF-IDF matrix (scipy.sparse CSR), rows L2-normalised (rows of
    documents without any token stay zero); vocabulary in sorted order."""
    from scipy import sparse

    counts = [Counter(tokens(d)) for d in docs]
    vocab = sorted(set().union(*counts)) if counts else []
    index = {w: k for k, w in enumerate(vocab)}
    rows, cols, vals = [], [], []
    for i, c in enumerate(counts):
        for w, n in sorted(c.items()):
            rows.append(i)
            cols.append(index[w])
            vals.append(float(n))
    tf = sparse.csr_matrix((vals, (rows, cols)), shape=(len(docs), len(vocab)))
    df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=len(vocab))
    idf = np.log((1 + len(docs)) / (1 + df)) + 1
    x = tf.multiply(idf[None, :]).tocsr()
    norm = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    scale = np.divide(1.0, norm, out=np.zeros_like(norm), where=norm > 0)
    return sparse.diags(scale) @ x


def mean_pairwise_cosine_distance(docs: list[str]) -> float:
    """Mean of 1 − cos(x_i, x_j) over pairs i < j of TF-IDF vectors; NaN with < 2 documents.
    A document without any token has cosine 0 with every other document (distance 1).

    With unit rows, Σ_{i<j} x_i·x_j = (‖Σ_i x_i‖² − #non-zero rows) / 2, so the mean needs
    no n × n similarity matrix (memory O(non-zeros), not O(n²))."""
    n = len(docs)
    if n < 2:
        return float("nan")
    x = tfidf_matrix(docs)
    total = np.asarray(x.sum(axis=0)).ravel()
    nonzero = int((x.getnnz(axis=1) > 0).sum())
    mean_cos = (float(total @ total) - nonzero) / (n * (n - 1))
    return 1.0 - mean_cos


def distinct_n(texts: list[str], n: int = 2) -> float:
    """Distinct n-grams / all n-grams over ``texts`` (n-grams within a text); NaN if none."""
    grams: list[tuple[str, ...]] = []
    for t in texts:
        tok = tokens(t)
        grams.extend(zip(*(tok[k:] for k in range(n)), strict=False))
    return len(set(grams)) / len(grams) if grams else float("nan")


def diversity_table(turns: pl.DataFrame) -> pl.DataFrame:
    """One row per source dataset (sorted by score, highest first): users, conversations,
    the TF-IDF diversity and distinct-2. ``turns``: source_dataset, user_id,
    conversation_id, text (a conversation's user turns joined by newlines)."""
    rows = []
    for ds in sorted(turns["source_dataset"].unique().to_list()):
        part = turns.filter(pl.col("source_dataset") == ds).sort("conversation_id")
        docs = part["text"].to_list()
        turn_texts = [line for d in docs for line in d.split("\n")]
        rows.append(
            {
                "source_dataset": ds,
                "n_users": part["user_id"].n_unique(),
                "n_conversations": part.height,
                "diversity_tfidf_cosine": _nan_none(mean_pairwise_cosine_distance(docs)),
                "distinct_2": _nan_none(distinct_n(turn_texts, 2)),
            }
        )
    table = pl.DataFrame(rows, schema=DIVERSITY_SCHEMA)
    return table.sort(
        ["diversity_tfidf_cosine", "source_dataset"], descending=[True, False], nulls_last=True
    )


def _nan_none(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


DIVERSITY_SCHEMA = {
    "source_dataset": pl.String,
    "n_users": pl.Int64,
    "n_conversations": pl.Int64,
    "diversity_tfidf_cosine": pl.Float64,
    "distinct_2": pl.Float64,
}
