"""Stage-2 computations on the fixture study and on random data, each against an independent
implementation: scikit-learn (kappa, P/R/F1/accuracy), the krippendorff package, a pure-Python
majority vote and the SQL view, direct counting with polars."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    cohen_kappa_score,
    f1_score,
    precision_score,
    recall_score,
)

from recenter.ingest import build
from recenter.stage2 import agreement, alignment, baselines, data, names
from recenter.stats.agreement import krippendorff_alpha_nominal, majority_vote
from recenter.stats.bootstrap import BootstrapConfig
from recenter.stats.classification import best_f1_threshold

from conftest import FIXTURE_STUDY

BOOT = BootstrapConfig(replicates=200, seed=7, confidence=0.95)


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("s2") / "study.duckdb"
    build(FIXTURE_STUDY, path)
    return str(path)


@pytest.fixture(scope="module")
def loaded(fixture_db):
    with data.connect(fixture_db) as con:
        items = data.load_items(con)
        votes = data.load_votes(con)
        consensus = data.load_consensus(con)
    raters, kinds = data.rater_order(votes)
    lm = data.label_matrix(items, votes, raters, kinds)
    return items, votes, consensus, lm, data.consensus_vector(items, consensus)


def _pure_majority(labels):
    yes = sum(labels)
    return (2 * yes > len(labels), 2 * yes == len(labels))


def test_consensus_view_matches_majority_vote_on_fixture(loaded):
    _, votes, consensus, _, _ = loaded
    human = votes.filter(pl.col("rater_kind") == "human")
    by_item = {k: v for k, v in human.group_by("item_id").agg(pl.col("relevant")).iter_rows()}
    assert set(by_item) == set(consensus["item_id"])
    for row in consensus.iter_rows(named=True):
        labels = by_item[row["item_id"]]
        assert (row["relevant"], row["is_tie"]) == _pure_majority(labels)
        vote = majority_vote(labels)
        assert (vote.relevant, vote.is_tie, vote.n_labels) == (
            row["relevant"],
            row["is_tie"],
            row["n_human_labels"],
        )
    agreement.check_consensus_view(votes, consensus)  # the run-time check agrees


def _empty_study_db() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    sql = resources.files("recenter") / "sql"
    con.execute((sql / "schema.sql").read_text())
    con.execute((sql / "views.sql").read_text())
    return con


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.booleans()), min_size=4, max_size=4),
        min_size=1,
        max_size=30,
    )
)
def test_consensus_view_matches_majority_vote_on_random_votes(rows):
    """Random votes of 4 annotators (ties possible, missing labels as absent rows): the SQL
    view, majority_vote and a pure-Python vote agree; unlabelled items are absent."""
    con = _empty_study_db()
    con.execute("INSERT INTO users VALUES ('u', 'wildchat', true)")
    con.execute("INSERT INTO prompts VALUES ('p', 'a prompt', 'lima')")
    for i, labels in enumerate(rows):
        con.execute("INSERT INTO attributes VALUES (?, 'u', 'text', 'x', NULL)", [f"a{i}"])
        con.execute("INSERT INTO relevance_items VALUES (?, 'u', 'p', ?)", [f"i{i}", f"a{i}"])
        for h, lab in enumerate(labels):
            if lab is not None:
                con.execute(
                    "INSERT INTO relevance_votes VALUES (?, ?, 'human', ?, NULL)",
                    [f"i{i}", f"H{h}", lab],
                )
    view = {r["item_id"]: r for r in con.sql("FROM human_relevance_consensus").pl().to_dicts()}
    for i, labels in enumerate(rows):
        present = [x for x in labels if x is not None]
        vote = majority_vote(labels)
        if not present:
            assert f"i{i}" not in view and vote is None
            continue
        row = view[f"i{i}"]
        assert (row["relevant"], row["is_tie"]) == _pure_majority(present)
        assert (vote.relevant, vote.is_tie) == _pure_majority(present)
        assert row["n_human_labels"] == len(present)


def test_consensus_summary_counts(loaded):
    items, _, consensus, _, _ = loaded
    table = agreement.consensus_summary(items, consensus)
    n = dict(zip(table["quantity"], table["n"], strict=True))
    assert n["items"] == items.height
    assert n["items excluded: no human label"] == items.height - consensus.height
    assert n["ties (counted as not relevant)"] == int(consensus["is_tie"].sum())
    assert n["consensus relevant"] == int(consensus["relevant"].sum())


def test_rater_order_humans_then_llms(loaded):
    *_, lm, _ = loaded
    humans = [r for r, k in zip(lm.raters, lm.kinds, strict=True) if k == "human"]
    assert lm.kinds == sorted(lm.kinds, key=["human", "llm", "baseline", "trained"].index)
    assert humans == sorted(humans)


def test_kappa_matrix_and_groups_match_sklearn(loaded):
    *_, lm, _ = loaded
    mask = [k in ("human", "llm") for k in lm.kinds]
    hl = data.LabelMatrix(
        lm.item_ids,
        lm.clusters,
        lm.cluster_keys,
        [r for r, m in zip(lm.raters, mask, strict=True) if m],
        [k for k, m in zip(lm.kinds, mask, strict=True) if m],
        lm.labels[:, mask],
    )
    res = agreement.kappa_analysis(hl, BOOT)
    table = {(r["rater_a"], r["rater_b"]): r for r in res.matrix.iter_rows(named=True)}
    sk = {}
    for i, a in enumerate(hl.raters):
        for j, b in enumerate(hl.raters):
            both = ~np.isnan(hl.labels[:, i]) & ~np.isnan(hl.labels[:, j])
            assert table[(a, b)]["n"] == both.sum()
            if i != j:
                sk[(a, b)] = cohen_kappa_score(hl.labels[both, i], hl.labels[both, j])
                assert table[(a, b)]["kappa"] == pytest.approx(sk[(a, b)], abs=1e-12)
                assert table[(a, b)]["ci_low"] <= table[(a, b)]["kappa"] <= table[(a, b)]["ci_high"]
    groups = {(r["group"], r["statistic"][:4]): r for r in res.groups.iter_rows(named=True)}
    for g, want in (("human_human", {"human"}), ("llm_llm", {"llm"})):
        vals = [
            v
            for (a, b), v in sk.items()
            if a < b and {hl.kinds[hl.raters.index(a)], hl.kinds[hl.raters.index(b)]} == want
        ]
        assert groups[(g, "mean")]["estimate"] == pytest.approx(np.mean(vals))
    between = [
        v
        for (a, b), v in sk.items()
        if hl.kinds[hl.raters.index(a)] == "llm" and hl.kinds[hl.raters.index(b)] == "human"
    ]
    assert groups[("llm_human", "mean")]["estimate"] == pytest.approx(np.mean(between))
    humans = hl.labels[:, [k == "human" for k in hl.kinds]]
    ref = krippendorff_alpha_nominal(humans.T).alpha
    assert groups[("humans", "Krip")]["estimate"] == pytest.approx(ref)
    assert groups[("humans", "Krip")]["ci_low"] <= ref <= groups[("humans", "Krip")]["ci_high"]


def _first_human_and_llm(lm: data.LabelMatrix) -> data.LabelMatrix:
    """The label matrix of only the first human and the first LLM rater."""
    h, l1 = lm.kinds.index("human"), lm.kinds.index("llm")
    return data.LabelMatrix(
        lm.item_ids,
        lm.clusters,
        lm.cluster_keys,
        [lm.raters[h], lm.raters[l1]],
        ["human", "llm"],
        lm.labels[:, [h, l1]],
    )


def test_alpha_group_with_one_rater_is_na_with_reason(loaded):
    *_, lm, _ = loaded
    one_llm = _first_human_and_llm(lm)
    res = agreement.kappa_analysis(one_llm, BOOT)
    rows = {r["group"]: r for r in res.groups.iter_rows(named=True)}
    assert rows["llms"]["estimate"] is None and "2 raters" in rows["llms"]["note"]
    assert rows["llm_llm"]["estimate"] is None and rows["llm_llm"]["n_pairs"] == 0
    assert rows["llm_human"]["n_pairs"] == 1


def test_rates_match_direct_counts(loaded):
    _, votes, consensus, lm, cons = loaded
    res = agreement.relevance_rates(lm, cons, BOOT)
    rows = {r["rater"]: r for r in res.table.iter_rows(named=True)}
    direct = votes.filter(pl.col("rater_kind").is_in(["human", "llm"]))
    direct = direct.group_by("rater_id").agg(
        pl.len().alias("n"), pl.col("relevant").sum().alias("k")
    )
    for rater, n, k in direct.iter_rows():
        assert rows[rater]["n"] == n and rows[rater]["rate"] == pytest.approx(k / n)
        common = votes.filter(pl.col("rater_id") == rater).join(
            consensus.select("item_id", pl.col("relevant").alias("c")), on="item_id"
        )
        ratio = common["relevant"].sum() / common["c"].sum()
        assert rows[rater]["ratio_to_consensus"] == pytest.approx(ratio)
    c = rows[data.CONSENSUS]
    assert c["rate"] == pytest.approx(consensus["relevant"].mean())
    assert c["ratio_to_consensus"] is None


def test_one_human_rater_is_listed_once_as_the_consensus(loaded):
    """With one human rater (the authors' final round: their consensus label) the majority
    vote is that rater: the rates table lists it once, as the consensus row, and says so."""
    _, votes, _, lm, _ = loaded
    h, l1 = lm.kinds.index("human"), lm.kinds.index("llm")
    one = _first_human_and_llm(lm)
    res = agreement.relevance_rates(one, one.labels[:, 0].copy(), BOOT)
    rows = {r["rater"]: r for r in res.table.iter_rows(named=True)}
    assert set(rows) == {lm.raters[l1], data.CONSENSUS}
    mine = votes.filter(pl.col("rater_id") == lm.raters[h])
    assert rows[data.CONSENSUS]["n"] == mine.height
    assert rows[data.CONSENSUS]["rate"] == pytest.approx(mine["relevant"].mean())
    assert lm.raters[h] in res.note and "not listed twice" in res.note
    # the replicates behind the gaps keep every rater
    assert res.raters == [lm.raters[h], lm.raters[l1], data.CONSENSUS]
    two = agreement.relevance_rates(lm, one.labels[:, 0].copy(), BOOT)
    assert two.note == "" and lm.raters[h] in set(two.table["rater"])


def test_gaps_rows_use_the_rates_and_kappa_estimates(loaded):
    *_, lm, cons = loaded
    keep = [k in ("human", "llm") for k in lm.kinds]
    hl = data.LabelMatrix(
        lm.item_ids,
        lm.clusters,
        lm.cluster_keys,
        [r for r, m in zip(lm.raters, keep, strict=True) if m],
        [k for k, m in zip(lm.kinds, keep, strict=True) if m],
        lm.labels[:, keep],
    )
    rates = agreement.relevance_rates(hl, cons, BOOT)
    kappa = agreement.kappa_analysis(hl, BOOT)
    gaps = agreement.gaps_rows(rates, kappa, hl.kinds, BOOT)
    r = {x["rater"]: x for x in rates.table.iter_rows(named=True)}
    llm_mean = np.mean(
        [r[x]["rate"] for x, k in zip(hl.raters, hl.kinds, strict=True) if k == "llm"]
    )
    first = gaps.row(0, named=True)
    assert first["estimate"] == pytest.approx(llm_mean / r[data.CONSENSUS]["rate"])
    g = {x["group"]: x["estimate"] for x in kappa.groups.iter_rows(named=True)}
    diff = gaps.filter(pl.col("comparison").str.contains("LLM–human"))
    assert diff["estimate"][0] == pytest.approx(g["llm_human"] - g["human_human"])
    assert set(gaps.columns) == {
        "stage",
        "comparison",
        "statistic",
        "estimate",
        "ci_low",
        "ci_high",
        "n_replicates_dropped",
        "note",
    }
    assert gaps["estimate"].null_count() == 0  # every gap is defined here
    # on this small study a rate is 0 in some resamples: those replicates are counted, and a
    # row that dropped more than 1% says so in its note
    for row in gaps.iter_rows(named=True):
        dropped = row["n_replicates_dropped"]
        assert dropped >= 0
        if dropped > 0.01 * BOOT.replicates:
            assert row["note"].startswith(f"{dropped} of {BOOT.replicates} bootstrap replicates")
        else:
            assert row["note"] is None


@pytest.mark.parametrize("system", ["llm-a", "llm-b", "clf"])
def test_alignment_matches_sklearn(loaded, system):
    items, votes, consensus, _, cons = loaded
    frame = votes.filter(pl.col("rater_id") == system)
    clusters, keys = data.item_clusters(items)
    row = alignment.alignment_row(
        system,
        "llm",
        data.label_vector(items, frame),
        data.label_vector(items, frame, "score"),
        cons,
        clusters,
        len(keys),
        BOOT,
    ).row(0, named=True)
    joined = frame.join(consensus.select("item_id", pl.col("relevant").alias("c")), on="item_id")
    y, p = joined["c"].to_numpy(), joined["relevant"].to_numpy()
    assert row["n"] == joined.height
    assert row["accuracy"] == pytest.approx(accuracy_score(y, p))
    for name, fn in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
        ref = fn(y, p, zero_division=np.nan)
        assert (row[name] is None and math.isnan(ref)) or row[name] == pytest.approx(ref)
    assert row["kappa"] == pytest.approx(cohen_kappa_score(p, y))


def test_cross_validated_threshold_never_sees_its_own_prompt():
    rng = np.random.default_rng(0)
    n = 300
    groups = rng.integers(0, 12, n)
    labels = (rng.random(n) < 0.3).astype(float)
    labels[rng.random(n) < 0.05] = np.nan
    scores = labels * rng.random(n) + rng.random(n)
    votes, folds, thresholds = baselines.cross_validated_votes(scores, labels, groups, 5)
    labelled = ~np.isnan(labels)
    assert np.all(np.isnan(votes[~labelled])) and np.all(folds[~labelled] == -1)
    for f in range(5):
        test = folds == f
        train = labelled & ~test
        assert not set(groups[test]) & set(groups[train])  # prompts never straddle folds
        t = best_f1_threshold(scores[train], labels[train])
        assert np.all(thresholds[test] == t)
        assert np.array_equal(votes[test], (scores[test] >= t).astype(float))


def _fixture_scores(items, scorer):
    frame, model = baselines.item_scores(items, scorer, 16)
    return frame, model


def test_baselines_on_fixture(loaded):
    items, _, _, _, cons = loaded
    cfg = {"embedding_dimensions": 16, "sentence_model": None}
    systems = baselines.baseline_systems(cfg)
    assert len(systems) == 2 + 2 * 3  # two reference rows, bm25 and LSA × three protocols
    scores = {s: _fixture_scores(items, s) for s in names.scorers(cfg)}
    for system in systems:
        scorer, _ = names.split_system(system)
        frame, model = baselines.baseline_predictions(
            items, cons, system, scores[scorer][0] if scorer else None, 5, model="m"
        )
        assert frame.height == items.height and model
        labelled = ~np.isnan(data.label_vector(items, frame.rename({"relevant": "r"}), "r"))
        assert np.array_equal(labelled, ~np.isnan(cons))  # a vote exactly where a label is
    bm25, _ = baselines.bm25_scores(items)
    # an attribute sharing no content word with its prompt scores 0; sharing one scores > 0
    texts = items.select("attribute_text", "prompt_text").to_dicts()
    for s, t in zip(bm25, texts, strict=True):
        a = set(t["attribute_text"].lower().replace(".", "").split())
        p = set(t["prompt_text"].lower().replace("?", "").split())
        if not (a & p) - {"the", "a", "i", "is", "for", "user", "how", "can", "what"}:
            assert s == 0


def test_lsa_similarity_is_a_cosine():
    items = pl.DataFrame(
        {
            "attribute_text": ["cats and dogs", "stock market prices", "cats and dogs"],
            "prompt_text": ["cats and dogs", "dogs and cats sleep", "market for stocks"],
        }
    )
    scores, model = baselines.lsa_scores(items, 2)
    assert scores[0] == pytest.approx(1.0)  # identical texts
    assert np.all(np.abs(scores) <= 1 + 1e-9)
    assert "TruncatedSVD(2 components" in model


def test_load_votes_filters(fixture_db):
    with data.connect(fixture_db) as con:
        humans = data.load_votes(con, kinds=["human"])
        one = data.load_votes(con, rater_ids=["llm-a"])
    assert set(humans["rater_kind"]) == {"human"}
    assert set(one["rater_id"]) == {"llm-a"}
    assert Path(fixture_db).exists()


def test_baseline_with_one_prompt_has_scores_but_no_votes(loaded):
    items, _, _, _, cons = loaded
    one = items.with_columns(pl.lit("p1").alias("prompt_id"))
    scores, _ = baselines.item_scores(one, baselines.BM25, 16)
    system = names.system_name(baselines.BM25, names.THRESHOLD_CV)
    frame, model = baselines.baseline_predictions(one, cons, system, scores, 5)
    assert frame["relevant"].null_count() == frame.height
    assert "needs 2 labelled prompts" in model
    clusters, keys = data.item_clusters(one)
    row = alignment.alignment_row(
        "bm25",
        "baseline",
        data.label_vector(one, frame.rename({"relevant": "r"}), "r"),
        data.label_vector(one, frame, "score"),
        cons,
        clusters,
        len(keys),
        BOOT,
    ).row(0, named=True)
    assert row["n"] == 0 and row["f1"] is None
    labelled = ~np.isnan(cons)
    scores = data.label_vector(one, frame, "score")
    ref = average_precision_score(cons[labelled], scores[labelled])
    assert row["average_precision"] == pytest.approx(ref)


# ---- human ceiling, paired system differences, the user cluster (issue 9) -------------------
def _fixture_lines(name: str) -> list[dict]:
    import json

    with (FIXTURE_STUDY / name).open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_stage2_bootstrap_cluster_is_the_user(loaded):
    items, *_ = loaded
    clusters, keys = data.item_clusters(items)
    assert keys == sorted(items["user_id"].unique().to_list())
    for code, user in zip(clusters, items["user_id"].to_list(), strict=True):
        assert keys[code] == user


def test_human_ceiling_rows_match_a_hand_computation(loaded):
    """Each annotator against the strict majority of the other annotators' labels of the item
    (a tie is not relevant), from the fixture's JSON lines, scored with scikit-learn."""
    items, votes, *_ = loaded
    humans = votes.filter(pl.col("rater_kind") == "human")
    raters, kinds = data.rater_order(humans, kinds=("human",))
    hm = data.label_matrix(items, humans, raters, kinds)
    rows = {
        r["system"][0]: r.row(0, named=True)
        for r in alignment.human_ceiling_rows(
            hm.labels, hm.raters, hm.clusters, hm.n_clusters, BOOT
        )
    }
    by_item: dict[str, dict[str, bool]] = {}
    for j in _fixture_lines("relevance_judgments.jsonl"):
        by_item.setdefault(j["item_id"], {})[j["annotator_id"]] = j["relevant"]
    assert sorted(rows) == sorted({a for labs in by_item.values() for a in labs})
    for a, row in rows.items():
        y, p = [], []
        for labs in by_item.values():
            others = [v for k, v in labs.items() if k != a]
            if a in labs and others:
                y.append(int(2 * sum(others) > len(others)))
                p.append(int(labs[a]))
        assert row["kind"] == "human" and row["n"] == len(y), a
        assert row["accuracy"] == pytest.approx(accuracy_score(y, p)), a
        assert row["f1"] == pytest.approx(f1_score(y, p)), a
        assert row["kappa"] == pytest.approx(cohen_kappa_score(y, p)), a
    table = alignment.alignment_table(
        list(alignment.human_ceiling_rows(hm.labels, hm.raters, hm.clusters, hm.n_clusters, BOOT))
    )
    assert table["kind"].to_list() == ["human"] * len(rows)


def test_leave_one_out_majority_ties_are_not_relevant():
    labels = np.array([[1, 1, 0], [1, 0, 1], [0, 1, np.nan], [1, np.nan, np.nan]], float)
    # column 0 vs the others: (1,0) tie -> 0; (0,1) tie -> 0; (1,nan) -> 1; no other -> NaN
    got = alignment.leave_one_out_majority(labels, 0)
    assert got[:3].tolist() == [0.0, 0.0, 1.0] and np.isnan(got[3])


def test_paired_difference_uses_common_items_and_joint_replicates():
    """F1(A) - F1(B) on the items both scored equals the sklearn difference there, and its
    replicates equal the difference of the two systems' F1 replicates bootstrapped separately
    on the same common items with the same seed (the same resampled clusters)."""
    rng = np.random.default_rng(3)
    n = 400
    clusters = np.repeat(np.arange(40), 10)
    ref = (rng.random(n) < 0.3).astype(float)
    a = np.where(rng.random(n) < 0.8, ref, 1 - ref)
    b = np.where(rng.random(n) < 0.7, ref, 1 - ref)
    a[:50] = np.nan  # A did not score the first 50 items, B not items 50..99
    b[50:100] = np.nan
    d = alignment.paired_difference(a, b, ref, clusters, 40, BOOT)
    both = ~np.isnan(a) & ~np.isnan(b)
    want = f1_score(ref[both], a[both]) - f1_score(ref[both], b[both])
    assert d["n"] == 300 and d["estimate"] == pytest.approx(want)
    from recenter.stats.bootstrap import cluster_bootstrap, cluster_sums
    from recenter.stats.classification import metrics_stack, unit_confusion

    f1 = []
    for v in (a, b):
        s = cluster_sums(unit_confusion(np.where(both, v, np.nan), ref), clusters, 40)
        f1.append(cluster_bootstrap(s, metrics_stack, **BOOT.kwargs()).replicates[:, 3])
    low, high = np.quantile(f1[0] - f1[1], [0.025, 0.975])
    assert (d["ci_low"], d["ci_high"]) == pytest.approx((low, high))
    # scoring each system on its own items gives a different (unpaired) difference
    unpaired = f1_score(ref[~np.isnan(a)], a[~np.isnan(a)]) - f1_score(
        ref[~np.isnan(b)], b[~np.isnan(b)]
    )
    assert unpaired != pytest.approx(want, abs=1e-6)


def test_llm_minus_trained_rows_pick_the_best_trained_model():
    rng = np.random.default_rng(4)
    n = 300
    clusters = np.repeat(np.arange(30), 10)
    ref = (rng.random(n) < 0.3).astype(float)
    good = np.where(rng.random(n) < 0.9, ref, 1 - ref)
    poor = np.where(rng.random(n) < 0.6, ref, 1 - ref)
    llm = {"m1": np.where(rng.random(n) < 0.75, ref, 1 - ref)}
    rows, notes = alignment.llm_minus_trained_rows(
        llm, {"good": good, "poor": poor}, ref, clusters, 30, BOOT
    )
    assert not notes and len(rows) == 1
    comparison, _, estimate, low, high, dropped = rows[0]
    assert "best trained model (good)" in comparison
    want = f1_score(ref, llm["m1"]) - f1_score(ref, good)
    assert estimate == pytest.approx(want)
    assert low < estimate < high and dropped == 0
    assert alignment.llm_minus_trained_rows(llm, {}, ref, clusters, 30, BOOT)[0] == []
