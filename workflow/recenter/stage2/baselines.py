"""Text baselines of Stage 2: score each (attribute, prompt) item by lexical or semantic
similarity, then turn scores into votes with a threshold chosen by cross-validation grouped by
prompt, so that no item's own label (nor any label of its prompt) sets its threshold.

- ``bm25``: Okapi BM25 (Robertson & Zaragoza 2009) from the ``bm25s`` library. The corpus is the
  study's distinct attribute texts; each prompt is the query; an item's score is its
  attribute's BM25 score for the item's prompt.
- ``embedding-lsa-<d>``: latent semantic analysis (Deerwester et al. 1990): TF-IDF
  (scikit-learn ``TfidfVectorizer``) of all the study's attribute and prompt texts, reduced to
  d dimensions by ``TruncatedSVD`` (fixed random_state), cosine similarity of attribute and
  prompt vectors. An offline model fitted on the study's own texts; it needs no download.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from recenter.stage2.names import BM25, baseline_systems, lsa_name
from recenter.stats.classification import best_f1_threshold

__all__ = ["BM25", "baseline_predictions", "baseline_systems", "lsa_name"]


def bm25_scores(items: pl.DataFrame, k1: float = 1.5, b: float = 0.75) -> tuple[np.ndarray, str]:
    """BM25 score of each item's attribute text for its prompt text. Returns (scores, model)."""
    import bm25s

    attrs = items.select("attribute_id", "attribute_text").unique().sort("attribute_id")
    corpus = bm25s.tokenize(
        attrs["attribute_text"].to_list(), stopwords="en", return_ids=False, show_progress=False
    )
    retriever = bm25s.BM25(k1=k1, b=b)
    retriever.index(corpus, show_progress=False)
    attr_index = {a: i for i, a in enumerate(attrs["attribute_id"].to_list())}
    prompts = items.select("prompt_id", "prompt_text").unique().sort("prompt_id")
    queries = bm25s.tokenize(
        prompts["prompt_text"].to_list(), stopwords="en", return_ids=False, show_progress=False
    )
    by_prompt = {
        p: retriever.get_scores(q) if q else np.zeros(len(attr_index))
        for p, q in zip(prompts["prompt_id"].to_list(), queries, strict=True)
    }
    pairs = zip(items["prompt_id"].to_list(), items["attribute_id"].to_list(), strict=True)
    scores = np.array([by_prompt[p][attr_index[a]] for p, a in pairs], dtype=float)
    model = (
        f"bm25s {bm25s.__version__} BM25 (lucene, k1={k1}, b={b}), English stopwords, "
        f"corpus = {attrs.height} distinct attribute texts, query = prompt text"
    )
    return scores, model


def lsa_scores(items: pl.DataFrame, dimensions: int, seed: int = 0) -> tuple[np.ndarray, str]:
    """Cosine similarity of attribute and prompt in an LSA space fitted on all study texts."""
    import sklearn
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    attr_texts = items["attribute_text"].to_list()
    prompt_texts = items["prompt_text"].to_list()
    corpus = sorted(set(attr_texts) | set(prompt_texts))
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    tfidf = vectorizer.fit_transform(corpus)
    k = max(1, min(dimensions, tfidf.shape[1] - 1, tfidf.shape[0] - 1))
    svd = TruncatedSVD(n_components=k, random_state=seed)
    emb = svd.fit_transform(tfidf)
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    emb = np.divide(emb, norms, out=np.zeros_like(emb), where=norms > 0)
    index = {t: i for i, t in enumerate(corpus)}
    a = emb[[index[t] for t in attr_texts]]
    p = emb[[index[t] for t in prompt_texts]]
    # rounded so that floating-point noise (~1e-16) never decides a vote or a tie
    scores = np.round(np.sum(a * p, axis=1), 10)
    model = (
        f"LSA: scikit-learn {sklearn.__version__} TfidfVectorizer (sublinear tf, English stop "
        f"words) + TruncatedSVD({k} components, random_state={seed}) fitted on {len(corpus)} "
        "distinct attribute and prompt texts of the study; cosine similarity"
    )
    return scores, model


def cross_validated_votes(scores, labels, groups, n_folds: int):
    """Votes ``score >= t_f`` where t_f maximizes F1 on the other folds (GroupKFold by
    ``groups``, i.e. by prompt). Items without a label (NaN) get no vote. Returns
    (votes as float 1/0/NaN, fold per item (−1 if none), threshold per item)."""
    from sklearn.model_selection import GroupKFold

    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=float)
    groups = np.asarray(groups)
    labelled = np.flatnonzero(~np.isnan(labels))
    votes = np.full(scores.shape, np.nan)
    fold_of = np.full(scores.shape, -1, dtype=np.int64)
    threshold = np.full(scores.shape, np.nan)
    n_groups = np.unique(groups[labelled]).size
    k = min(n_folds, n_groups)
    if k < 2:
        raise ValueError(f"cross-validation by prompt needs at least 2 prompts, got {n_groups}")
    splits = GroupKFold(n_splits=k).split(labelled, groups=groups[labelled])
    for f, (train, test) in enumerate(splits):
        tr, te = labelled[train], labelled[test]
        t = best_f1_threshold(scores[tr], labels[tr])
        votes[te] = (scores[te] >= t).astype(float)
        fold_of[te] = f
        threshold[te] = t
    return votes, fold_of, threshold


def baseline_predictions(
    items: pl.DataFrame, consensus: np.ndarray, system: str, dimensions: int, n_folds: int
) -> tuple[pl.DataFrame, str]:
    """Scores and cross-validated votes of one baseline for every item with texts.

    ``consensus``: consensus label aligned with ``items`` (NaN = no consensus). Returns the
    prediction frame (item_id, score, relevant, fold, threshold) and the model description.
    """
    keep = (items["attribute_text"].is_not_null() & items["prompt_text"].is_not_null()).to_numpy()
    sub = items.filter(pl.Series(keep))
    if system == BM25:
        scores, model = bm25_scores(sub)
    elif system == lsa_name(dimensions):
        scores, model = lsa_scores(sub, dimensions)
    else:
        raise ValueError(f"unknown baseline {system!r}; known: {baseline_systems(dimensions)}")
    labels = np.asarray(consensus, dtype=float)[keep]
    groups = sub["prompt_id"].to_numpy()
    n_prompts = np.unique(groups[~np.isnan(labels)]).size
    if n_prompts >= 2:
        votes, folds, thresholds = cross_validated_votes(scores, labels, groups, n_folds)
        model += (
            f"; threshold: F1-optimal on training folds, GroupKFold by prompt "
            f"({min(n_folds, n_prompts)} folds)"
        )
    else:  # no threshold can be chosen without the item's own prompt: no votes, scores only
        votes = np.full(scores.shape, np.nan)
        folds = np.full(scores.shape, -1, dtype=np.int64)
        thresholds = np.full(scores.shape, np.nan)
        model += f"; no votes: cross-validation by prompt needs 2 labelled prompts, has {n_prompts}"
    if not keep.all():
        model += f"; {int((~keep).sum())} items without attribute text not scored"
    frame = pl.DataFrame(
        {
            "item_id": sub["item_id"],
            "score": scores,
            "relevant": pl.Series(
                [None if np.isnan(v) else bool(v) for v in votes], dtype=pl.Boolean
            ),
            "fold": folds,
            "threshold": thresholds,
        }
    ).sort("item_id")
    return frame, model
