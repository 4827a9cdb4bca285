"""Text baselines of Stage 2, as the retrieval field runs them: a *scorer* gives each
(attribute, prompt) item a similarity score, a *protocol* turns the scores into votes. Every
baseline row of Table 3 is ``<scorer>.<protocol>``; two reference rows need no scorer.

Scorers (threshold-free average precision is reported for each):

- ``bm25``: Okapi BM25 (Robertson & Zaragoza 2009) from the ``bm25s`` library, Lucene's variant
  (IDF log(1 + (N - n + 0.5)/(n + 0.5)), no (k1 + 1) factor). The corpus is the study's
  attributes, one document each (two users' identical texts are two documents); each prompt
  is the query; an item's score is its attribute's BM25 score for the item's prompt.
- ``embedding-lsa-<d>``: latent semantic analysis (Deerwester et al. 1990): TF-IDF
  (scikit-learn ``TfidfVectorizer``) of all the study's attribute and prompt texts, reduced to
  d dimensions by ``TruncatedSVD`` (fixed random_state), cosine similarity of attribute and
  prompt vectors. A cheap model fitted on the study's own texts.
- ``embedding-<model>``: a pretrained sentence-embedding model (all-MiniLM-L6-v2), cosine
  similarity of the attribute's and the prompt's embeddings (``recenter.stage2.embedding``).

Protocols (``names.PROTOCOLS``); every choice made from labels is made by cross-validation
grouped by prompt (GroupKFold), so no item's own label, nor any label of its prompt, sets its
vote -- except the oracle, which is labelled as an upper bound:

- ``threshold-cv``: one global score threshold, F1-optimal on the training folds.
- ``top-k-cv``: within each user-prompt pair, the k highest-scoring attributes are relevant;
  k (the same for every pair) is F1-optimal on the training folds.
- ``top-k-oracle``: per pair top-k with k = the pair's number of consensus-relevant
  attributes. It knows how many attributes are relevant: an upper bound, not a baseline one
  could deploy. Its precision equals its recall.

Ranks within a pair: score descending, ties broken by item id (ascending).

Reference rows: ``reference.all-relevant`` (every item relevant: F1 = 2p/(1+p) at prevalence p)
and ``reference.random-prevalence`` (each item relevant with probability = the consensus
prevalence of the training folds, seeded draws: expected precision = p, expected F1 ~= p).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from recenter.stage2 import names
from recenter.stage2.names import BM25, baseline_systems, lsa_name
from recenter.stats.classification import best_f1_threshold

__all__ = ["BM25", "baseline_predictions", "baseline_systems", "lsa_name"]

#: The sentence that documents the baseline rows in the notes of Table 3 and Fig 4.
TABLE_NOTE = (
    "Baseline rows are <scorer>.<protocol>. Scorers: bm25 (Okapi BM25, attribute corpus, "
    "prompt as query), embedding-lsa-<d> (TF-IDF + truncated SVD on the study's texts), "
    "embedding-<model> (a pretrained sentence embedding; name and versions in `model`), each "
    "with threshold-free average_precision. Protocols: threshold-cv = one global score "
    "threshold, F1-optimal on training folds; top-k-cv = the k highest-scoring attributes of "
    "each user-prompt pair, k F1-optimal on training folds; top-k-oracle = per-pair top-k with "
    "k = the pair's number of consensus-relevant attributes (an ORACLE upper bound: it uses the "
    "labels of the pair it votes on). Folds: GroupKFold by prompt, so no prompt's labels choose "
    "its own threshold or k. Reference rows: reference.all-relevant (F1 = 2p/(1+p)) and "
    "reference.random-prevalence (relevant with probability = training-fold prevalence, seeded; "
    "expected F1 ~= p). Ranks within a pair: score descending, ties by item id."
)


class EmptyVocabulary(ValueError):
    """The study's texts hold no word a text model can index: it scores no item."""


def bm25_scores(items: pl.DataFrame, k1: float = 1.5, b: float = 0.75) -> tuple[np.ndarray, str]:
    """BM25 score of each item's attribute text for its prompt text. Returns (scores, model)."""
    import bm25s

    attrs = items.select("attribute_id", "attribute_text").unique().sort("attribute_id")
    corpus = bm25s.tokenize(
        attrs["attribute_text"].to_list(), stopwords="en", return_ids=False, show_progress=False
    )
    if not any(corpus):
        raise EmptyVocabulary("every attribute text is empty after stop-word removal")
    retriever = bm25s.BM25(k1=k1, b=b)
    retriever.index(corpus, show_progress=False)
    attr_index = {a: i for i, a in enumerate(attrs["attribute_id"].to_list())}
    prompts = items.select("prompt_id", "prompt_text").unique().sort("prompt_id")
    queries = bm25s.tokenize(
        prompts["prompt_text"].to_list(), stopwords="en", return_ids=False, show_progress=False
    )
    # each prompt's scores over the whole corpus are read at its own items' attributes and
    # dropped: keeping them all (prompts × attributes, float32) is about 1.9 GB at 100× the
    # paper's scale (4,100 prompts × 113,500 attributes)
    rows_of: dict[str, list[int]] = {}
    for row, p in enumerate(items["prompt_id"].to_list()):
        rows_of.setdefault(p, []).append(row)
    attr_of_row = np.array([attr_index[a] for a in items["attribute_id"].to_list()], dtype=np.int64)
    scores = np.zeros(items.height, dtype=float)
    for p, q in zip(prompts["prompt_id"].to_list(), queries, strict=True):
        if q:
            rows = np.asarray(rows_of[p], dtype=np.int64)
            scores[rows] = retriever.get_scores(q)[attr_of_row[rows]]
    model = (
        f"bm25s {bm25s.__version__} BM25 (lucene, k1={k1}, b={b}), English stopwords, "
        f"corpus = the study's {attrs.height} attributes (one document each), query = prompt text"
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
    try:
        tfidf = vectorizer.fit_transform(corpus)
    except ValueError as err:  # scikit-learn: "empty vocabulary; perhaps only stop words"
        if "empty vocabulary" not in str(err):
            raise
        raise EmptyVocabulary("every text is empty after stop-word removal") from err
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


def prompt_folds(labels, groups, n_folds: int) -> np.ndarray:
    """Fold of each labelled item (GroupKFold by ``groups``, i.e. prompts), -1 if unlabelled."""
    from sklearn.model_selection import GroupKFold

    labels = np.asarray(labels, dtype=float)
    groups = np.asarray(groups)
    labelled = np.flatnonzero(~np.isnan(labels))
    n_groups = np.unique(groups[labelled]).size
    k = min(n_folds, n_groups)
    if k < 2:
        raise ValueError(f"cross-validation by prompt needs at least 2 prompts, got {n_groups}")
    fold_of = np.full(labels.shape, -1, dtype=np.int64)
    splits = GroupKFold(n_splits=k).split(labelled, groups=groups[labelled])
    for f, (_, test) in enumerate(splits):
        fold_of[labelled[test]] = f
    return fold_of


def _cross_fitted_votes(x, labels, groups, n_folds: int, fit, vote):
    """Votes of a rule fitted on the other folds (GroupKFold by ``groups``, i.e. by prompt):
    for the items of each fold, ``vote(x, p)`` with ``p = fit(x, labels)`` of the items of the
    other folds. Items without a label (NaN) get no vote. Returns (votes as float 1/0/NaN,
    fold per item (-1 if none), ``p`` per item)."""
    fold_of = prompt_folds(labels, groups, n_folds)
    votes = np.full(labels.shape, np.nan)
    fitted = np.full(labels.shape, np.nan)
    for f in range(fold_of.max() + 1):
        te, tr = fold_of == f, (fold_of >= 0) & (fold_of != f)
        p = fit(x[tr], labels[tr])
        votes[te] = vote(x[te], p).astype(float)
        fitted[te] = p
    return votes, fold_of, fitted


def cross_validated_votes(scores, labels, groups, n_folds: int):
    """Protocol threshold-cv: votes ``score >= t_f`` where t_f maximizes F1 on the other folds
    (GroupKFold by ``groups``, i.e. by prompt). Items without a label (NaN) get no vote.
    Returns (votes as float 1/0/NaN, fold per item (-1 if none), threshold per item)."""
    scores = np.asarray(scores, dtype=float)
    labels = np.asarray(labels, dtype=float)
    return _cross_fitted_votes(
        scores, labels, groups, n_folds, best_f1_threshold, lambda s, t: s >= t
    )


def pair_ranks(scores, pairs, item_ids) -> np.ndarray:
    """Rank (1 = best) of each item within its pair: score descending, ties by item id."""
    frame = pl.DataFrame(
        {
            "i": np.arange(len(scores)),
            "pair": np.asarray(pairs).astype(str),
            "s": scores,
            "id": np.asarray(item_ids).astype(str),
        }
    )
    ranked = frame.sort(["pair", "s", "id"], descending=[False, True, False]).with_columns(
        (pl.int_range(pl.len()).over("pair") + 1).alias("rank")
    )
    return ranked.sort("i")["rank"].to_numpy().astype(np.int64)


def best_k(ranks, labels) -> int:
    """k maximizing F1 of the rule ``rank <= k`` on (ranks, labels); ties go to the smallest k
    (fewest positives); 0 if there is no positive label."""
    ranks = np.asarray(ranks, dtype=np.int64)
    y = np.asarray(labels, dtype=float)
    keep = ~np.isnan(y)
    ranks, y = ranks[keep], y[keep] == 1
    n_pos = int(y.sum())
    if n_pos == 0 or ranks.size == 0:
        return 0
    top = int(ranks.max())
    predicted = np.cumsum(np.bincount(ranks, minlength=top + 1))  # index k: #items rank <= k
    tp = np.cumsum(np.bincount(ranks[y], minlength=top + 1))
    f1 = 2 * tp / (predicted + n_pos)
    return int(np.argmax(f1))  # first max = smallest k


def top_k_cv_votes(ranks, labels, groups, n_folds: int):
    """Protocol top-k-cv: votes ``rank <= k_f`` with k_f F1-optimal on the other folds.
    Returns (votes, fold per item, k per item) as cross_validated_votes does."""
    ranks = np.asarray(ranks, dtype=np.int64)
    labels = np.asarray(labels, dtype=float)
    return _cross_fitted_votes(ranks, labels, groups, n_folds, best_k, lambda r, k: r <= k)


def top_k_oracle_votes(ranks, labels, pairs):
    """Protocol top-k-oracle: votes ``rank <= k_pair``, k_pair = the pair's number of
    consensus-relevant items (uses the labels it is scored on: an upper bound).
    Returns (votes, fold -1, k per item)."""
    labels = np.asarray(labels, dtype=float)
    frame = pl.DataFrame({"pair": np.asarray(pairs).astype(str), "y": np.nan_to_num(labels)})
    k = frame.select(pl.col("y").sum().over("pair"))["y"].to_numpy()
    votes = np.where(np.isnan(labels), np.nan, (np.asarray(ranks) <= k).astype(float))
    return votes, np.full(labels.shape, -1, dtype=np.int64), np.where(np.isnan(labels), np.nan, k)


def random_prevalence_votes(labels, groups, n_folds: int, seed: int):
    """Reference random-prevalence: relevant with probability p_f = the consensus prevalence of
    the other folds, one seeded uniform draw per labelled item in item order.
    Returns (votes, fold per item, p_f per item)."""
    labels = np.asarray(labels, dtype=float)
    fold_of = prompt_folds(labels, groups, n_folds)
    u = np.random.default_rng(seed).random(labels.shape)
    votes = np.full(labels.shape, np.nan)
    prob = np.full(labels.shape, np.nan)
    for f in range(fold_of.max() + 1):
        te, tr = fold_of == f, (fold_of >= 0) & (fold_of != f)
        p = float(np.mean(labels[tr]))
        votes[te] = (u[te] < p).astype(float)
        prob[te] = p
    return votes, fold_of, prob


def _has_words(items: pl.DataFrame) -> bool:
    """Whether some attribute text and some prompt text hold a word (a run of letters or
    digits of two or more, as the tokenizers of BM25 and TF-IDF read them)."""
    import re

    word = re.compile(r"\w\w")
    texts = (items["attribute_text"].to_list(), items["prompt_text"].to_list())
    return all(any(word.search(t) for t in column) for column in texts)


def _scores_of(sub, scorer, dimensions, embeddings, embedding_model) -> tuple[np.ndarray, str]:
    from recenter.stage2 import embedding

    if scorer == BM25:
        return bm25_scores(sub)
    if scorer == lsa_name(dimensions):
        return lsa_scores(sub, dimensions)
    if scorer.startswith("embedding-") and embeddings is not None:
        return embedding.cosine_scores(sub, embeddings), embedding_model or scorer
    raise ValueError(f"unknown scorer {scorer!r} (or no embeddings given for it)")


def item_scores(
    items: pl.DataFrame,
    scorer: str,
    dimensions: int,
    embeddings: pl.DataFrame | None = None,
    embedding_model: str | None = None,
) -> tuple[pl.DataFrame, str]:
    """Scores of one scorer for every item with both texts -> (item_id, score), model text.
    When the study's texts hold no word to index, no item is scored and the model text says
    why (the baseline's rows are then undefined, never 0)."""
    keep = (items["attribute_text"].is_not_null() & items["prompt_text"].is_not_null()).to_numpy()
    sub = items.filter(pl.Series(keep))
    empty = pl.DataFrame(schema={"item_id": pl.String, "score": pl.Float64})
    if not _has_words(sub):
        why = "no item has an attribute and a prompt text with a word in it: no item scored"
        return empty, f"{scorer}: {why}"
    try:
        scores, model = _scores_of(sub, scorer, dimensions, embeddings, embedding_model)
    except EmptyVocabulary as err:
        return empty, f"{scorer}: {err}: no item scored"
    if not keep.all():
        model += f"; {int((~keep).sum())} items without attribute or prompt text not scored"
    frame = pl.DataFrame({"item_id": sub["item_id"], "score": scores}).sort("item_id")
    return frame, model


PROTOCOL_TEXT = {
    names.THRESHOLD_CV: "protocol threshold-cv: global threshold F1-optimal on training folds",
    names.TOP_K_CV: "protocol top-k-cv: per-pair top-k, k F1-optimal on training folds",
    names.TOP_K_ORACLE: (
        "protocol top-k-oracle (ORACLE upper bound): per-pair top-k, k = the pair's number of "
        "consensus-relevant attributes"
    ),
    names.ALL_RELEVANT: "reference: every item relevant",
    names.RANDOM: "reference: relevant at random with the training-fold prevalence",
}


def baseline_predictions(
    items: pl.DataFrame,
    consensus: np.ndarray,
    system: str,
    scores: pl.DataFrame | None,
    n_folds: int,
    seed: int = 0,
    model: str = "",
) -> tuple[pl.DataFrame, str]:
    """Votes of one baseline system (``<scorer>.<protocol>`` or a reference row).

    ``consensus``: consensus label aligned with ``items`` (NaN = no consensus); ``scores``: the
    scorer's (item_id, score) frame (None for a reference row). Returns the prediction frame
    (item_id, score, relevant, fold, parameter = threshold, k or p of the item's fold) and the
    model description (the scorer's ``model`` text plus the protocol's).
    """
    scorer, protocol = names.split_system(system)
    labels_all = np.asarray(consensus, dtype=float)
    if scorer is None:
        sub, score = items, np.full(items.height, np.nan)
        labels = labels_all
    else:
        if scores is None:
            raise ValueError(f"{system}: needs the scores of {scorer}")
        joined = items.join(scores.select("item_id", "score"), on="item_id", how="left")
        keep = joined["score"].is_not_null().to_numpy()
        sub = items.filter(pl.Series(keep))
        score = joined["score"].to_numpy()[keep].astype(float)
        labels = labels_all[keep]
    groups = sub["prompt_id"].to_numpy()
    n_prompts = np.unique(groups[~np.isnan(labels)]).size
    text = "; ".join(t for t in (model, PROTOCOL_TEXT[protocol]) if t)
    needs_cv = protocol in (names.THRESHOLD_CV, names.TOP_K_CV, names.RANDOM)
    n = sub.height
    if protocol == names.ALL_RELEVANT:
        votes = np.where(np.isnan(labels), np.nan, 1.0)
        folds, param = np.full(n, -1, dtype=np.int64), np.full(n, np.nan)
    elif needs_cv and n_prompts < 2:  # nothing can be chosen without the item's own prompt
        votes, folds, param = np.full(n, np.nan), np.full(n, -1, dtype=np.int64), np.full(n, np.nan)
        text += f"; no votes: cross-validation by prompt needs 2 labelled prompts, has {n_prompts}"
    elif protocol == names.RANDOM:
        votes, folds, param = random_prevalence_votes(labels, groups, n_folds, seed)
    elif protocol == names.THRESHOLD_CV:
        votes, folds, param = cross_validated_votes(score, labels, groups, n_folds)
    else:
        ranks = pair_ranks(score, sub["pair_id"], sub["item_id"])
        if protocol == names.TOP_K_CV:
            votes, folds, param = top_k_cv_votes(ranks, labels, groups, n_folds)
        else:
            votes, folds, param = top_k_oracle_votes(ranks, labels, sub["pair_id"])
    if needs_cv and n_prompts >= 2:
        text += f" (GroupKFold by prompt, {min(n_folds, n_prompts)} folds)"
        if protocol == names.RANDOM:
            text += f", seed {seed}"
    frame = (
        pl.DataFrame(
            {
                "item_id": sub["item_id"],
                "score": score,
                "relevant": pl.Series(
                    [None if np.isnan(v) else bool(v) for v in votes], dtype=pl.Boolean
                ),
                "fold": folds,
                "parameter": param,
            }
        )
        .with_columns(pl.col("score").fill_nan(None))
        .sort("item_id")
    )
    return frame, text
