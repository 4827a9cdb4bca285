"""Stage-2 baseline protocols and the sentence-embedding scorer, each against an independent
computation: pure-Python ranking and brute-force choice of k with scikit-learn's F1, closed
forms of the reference rows, scikit-learn's cosine similarity, and the real all-MiniLM-L6-v2
model called directly through sentence-transformers."""

from __future__ import annotations

import os

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import f1_score
from sklearn.metrics.pairwise import cosine_similarity

from recenter.stage2 import baselines, embedding, names


def _random_study(seed: int, n_pairs: int = 40, n_prompts: int = 10):
    """Pairs of 3-12 items, each pair on one prompt; scores carry some signal; a few items
    without a label; tied scores on purpose (rounded)."""
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(n_pairs):
        for a in range(int(rng.integers(3, 13))):
            y = float(rng.random() < 0.25)
            if rng.random() < 0.03:
                y = np.nan
            score = round(float(rng.random() + (0.6 * y if y == y else 0)), 1)
            rows.append((f"i{p:02d}-{a:02d}", f"pair{p}", f"prompt{p % n_prompts}", score, y))
    ids, pairs, prompts, scores, labels = map(np.array, zip(*rows, strict=True))
    return ids, pairs, prompts, scores.astype(float), labels.astype(float)


def _ranks_by_hand(scores, pairs, ids):
    rank = {}
    for pair in set(pairs):
        members = [i for i in range(len(ids)) if pairs[i] == pair]
        members.sort(key=lambda i: (-scores[i], ids[i]))
        for r, i in enumerate(members, start=1):
            rank[i] = r
    return np.array([rank[i] for i in range(len(ids))])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pair_ranks_match_a_sort_by_hand(seed):
    ids, pairs, _, scores, _ = _random_study(seed)
    got = baselines.pair_ranks(scores, pairs, ids)
    assert np.array_equal(got, _ranks_by_hand(scores, pairs, ids))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_top_k_cv_chooses_k_by_brute_force_on_other_prompts(seed):
    """k of each fold = the smallest k maximizing sklearn's F1 on the other folds' items; the
    test fold's votes are its top k; no prompt is in both a fold and its training set."""
    ids, pairs, prompts, scores, labels = _random_study(seed)
    ranks = _ranks_by_hand(scores, pairs, ids)
    votes, folds, ks = baselines.top_k_cv_votes(ranks, labels, prompts, 5)
    labelled = ~np.isnan(labels)
    assert np.all(np.isnan(votes[~labelled])) and np.all(folds[~labelled] == -1)
    assert set(folds[labelled]) == set(range(5))
    for f in range(5):
        test, train = folds == f, labelled & (folds != f)
        assert not set(prompts[test]) & set(prompts[train])
        y = labels[train] == 1
        f1 = [f1_score(y, ranks[train] <= k, zero_division=0.0) for k in range(ranks.max() + 1)]
        k = int(np.flatnonzero(np.isclose(f1, max(f1)))[0])
        assert np.all(ks[test] == k)
        assert np.array_equal(votes[test], (ranks[test] <= k).astype(float))


def test_top_k_oracle_picks_as_many_as_are_relevant():
    ids, pairs, _, scores, labels = _random_study(3)
    ranks = _ranks_by_hand(scores, pairs, ids)
    votes, _, _ = baselines.top_k_oracle_votes(ranks, labels, pairs)
    labelled = ~np.isnan(labels)
    for pair in set(pairs):
        m = (pairs == pair) & labelled
        k = int(np.nansum(labels[pairs == pair]))
        want = [float(r <= k) for r in ranks[m]]
        assert votes[m].tolist() == want
    # in a fully labelled pair, as many votes as relevant labels (so precision = recall); an
    # unlabelled item ranked in the top k takes a slot without a vote
    for pair in set(pairs):
        m = pairs == pair
        if labelled[m].all():
            assert np.sum(votes[m] == 1) == np.sum(labels[m] == 1)
        else:
            assert np.sum(votes[m] == 1) <= np.nansum(labels[m])
    assert np.sum((votes == 1) & (labels == 1)) > 0


def test_reference_rows_match_their_closed_forms():
    ids, pairs, prompts, _, labels = _random_study(4, n_pairs=400, n_prompts=40)
    items = pl.DataFrame(
        {"item_id": ids, "pair_id": pairs, "prompt_id": prompts, "user_id": "u"}
    ).with_columns(attribute_text=pl.lit("a"), prompt_text=pl.lit("p"))
    frame, _ = baselines.baseline_predictions(items, labels, names.ALL_RELEVANT, None, 5)
    v = frame.sort("item_id")["relevant"].to_numpy()
    y = labels[np.argsort(ids)]
    lab = ~np.isnan(y)
    p = float(np.mean(y[lab]))
    assert f1_score(y[lab] == 1, v[lab].astype(bool)) == pytest.approx(2 * p / (1 + p))
    frame, text = baselines.baseline_predictions(items, labels, names.RANDOM, None, 5, seed=3)
    again, _ = baselines.baseline_predictions(items, labels, names.RANDOM, None, 5, seed=3)
    assert frame.equals(again) and "seed 3" in text
    r = frame.sort("item_id")
    rate, n = float(r["relevant"].drop_nulls().mean()), r["relevant"].drop_nulls().len()
    assert abs(rate - p) < 4 * np.sqrt(p * (1 - p) / n)  # Bernoulli(p) draws
    fold_p = r["parameter"].to_numpy()
    for f in set(r["fold"].to_list()) - {-1}:  # p of a fold = prevalence of the others
        other = (r["fold"].to_numpy() != f) & (r["fold"].to_numpy() >= 0)
        assert fold_p[r["fold"].to_numpy() == f][0] == pytest.approx(np.mean(y[other]))


def test_system_names_round_trip():
    cfg = {"embedding_dimensions": 8, "sentence_model": None}
    for system in names.baseline_systems(cfg):
        scorer, protocol = names.split_system(system)
        assert system in names.REFERENCES or names.system_name(scorer, protocol) == system
    with pytest.raises(ValueError, match="not a baseline system"):
        names.split_system("bm25.top-7")
    with pytest.raises(ValueError, match="unknown model"):
        names.sentence_model({"sentence_model": "no-such-model"})


def test_a_model_whose_package_is_missing_is_left_out_with_a_reason(monkeypatch):
    ghost = names.SentenceModel("ghost-model", "x/ghost", "ghost-package", "no_such_module_xyz")
    monkeypatch.setitem(names.SENTENCE_MODELS, "ghost-model", ghost)
    cfg = {"embedding_dimensions": 8, "sentence_model": "ghost-model"}
    assert "ghost-package is not installed" in ghost.missing()
    assert ghost.scorer not in names.scorers(cfg)
    assert ghost.scorer in names.scorers(cfg, available_only=False)


# ---- the embedding cache ---------------------------------------------------------------------
class CountingEncoder:
    """A deterministic fake model: a text's vector from its hash; counts the texts it saw."""

    def __init__(self):
        self.seen: list[str] = []

    def __call__(self, texts):
        self.seen += list(texts)
        out = [
            np.random.default_rng(int(embedding.text_hash(t)[:8], 16)).normal(size=8) for t in texts
        ]
        return np.asarray(out, dtype=np.float32)


def test_cache_embeds_each_text_once_per_weights(tmp_path):
    cache = tmp_path / "cache.parquet"
    enc = CountingEncoder()
    first, n1 = embedding.embed_texts(["a", "b", "c"], enc, "w1", cache, chunk=2)
    assert n1 == 3 and sorted(enc.seen) == ["a", "b", "c"]
    second, n2 = embedding.embed_texts(["b", "c", "d", "d"], enc, "w1", cache)
    assert n2 == 1 and enc.seen[3:] == ["d"]  # only the new text
    both = first.join(second, on="text_sha256", suffix="_2")
    assert both.height == 2 and all(
        np.allclose(a, b) for a, b in zip(both["vector"], both["vector_2"], strict=True)
    )
    _, n3 = embedding.embed_texts(["a", "b"], enc, "w2", cache)  # other weights: re-embed
    assert n3 == 2
    cache.write_bytes(b"not a parquet file")  # a damaged cache is rebuilt, not trusted
    _, n4 = embedding.embed_texts(["a"], enc, "w1", cache)
    assert n4 == 1


def test_cosine_scores_match_sklearn():
    texts = ["alpha", "beta", "gamma", "delta"]
    enc = CountingEncoder()
    frame, _ = embedding.embed_texts(texts, enc, "w")
    items = pl.DataFrame(
        {"attribute_text": ["alpha", "beta", "gamma"], "prompt_text": ["delta", "delta", "beta"]}
    )
    got = embedding.cosine_scores(items, frame)
    vec = {t: enc([t])[0] for t in texts}
    want = [
        cosine_similarity([vec[a]], [vec[p]])[0, 0]
        for a, p in zip(items["attribute_text"], items["prompt_text"], strict=True)
    ]
    assert got == pytest.approx(want, abs=2e-6)
    # the dot products are taken a chunk of items at a time (memory): any chunk, the same
    # scores (to the 1e-6 they are rounded to)
    for chunk in (1, 2, 5):
        np.testing.assert_allclose(
            embedding.cosine_scores(items, frame, chunk=chunk), got, rtol=0, atol=1e-6
        )


# ---- the real model -------------------------------------------------------------------------
MINILM = names.SENTENCE_MODELS["all-MiniLM-L6-v2"]


def _require_model():
    why = MINILM.missing()
    if why:
        if os.environ.get("CI") == "true":  # make test installs the extra: absent is a bug
            pytest.fail(why)
        pytest.skip(why)


def test_real_minilm_embeds_offline_and_ranks_by_topic():
    """The packaged all-MiniLM-L6-v2, through the workflow's encoder, equals the model called
    directly; a cooking attribute is nearer a recipe prompt than a car-repair one."""
    _require_model()
    os.environ["HF_HUB_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    texts = [
        "The user is a vegetarian who cooks at home.",
        "Give me a recipe for a quick weeknight dinner.",
        "How do I replace the brake pads on my car?",
    ]
    encode = embedding.load_encoder(MINILM)
    ours = encode(texts)
    direct = SentenceTransformer(str(embedding.model_folder(MINILM)), device="cpu").encode(texts)
    assert ours.shape == (3, 384)
    sims = cosine_similarity(direct)
    assert np.allclose(ours @ ours.T, sims, atol=1e-4)
    assert sims[0, 1] > sims[0, 2] + 0.1
    assert "sentence-transformers/all-MiniLM-L6-v2" in embedding.describe(
        MINILM, embedding.weights_digest(MINILM)
    )
