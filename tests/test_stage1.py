"""Stage-1 computations on the fixture study (9 attributes × 3 annotators, 3 users) and on
random data, each against an independent check: hand counts from the fixture's JSON lines,
scikit-learn (kappa, P/R/F1/accuracy, TF-IDF), the krippendorff package, a naive user
bootstrap written with plain Python."""

from __future__ import annotations

import json
import math
from collections import Counter
from itertools import combinations
from pathlib import Path

import krippendorff
import numpy as np
import polars as pl
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    f1_score,
    precision_score,
    recall_score,
)
from sklearn.metrics.pairwise import cosine_distances

from recenter.ingest import build
from recenter.stage1 import data, diversity, quality, verifiers
from recenter.stats.bootstrap import BootstrapConfig, percentile_interval, resample_counts

from conftest import FIXTURE_STUDY

BOOT = BootstrapConfig(replicates=300, seed=7, confidence=0.95)
CODE = {"accepted": 0, "uncertain": 1, "rejected": 2}


def _jsonl(name: str, study: Path = FIXTURE_STUDY) -> list[dict]:
    return [json.loads(x) for x in (study / name).read_text().splitlines()]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("s1") / "study.duckdb"
    build(FIXTURE_STUDY, path)
    return str(path)


@pytest.fixture(scope="module")
def jm(fixture_db) -> data.JudgmentMatrix:
    with data.connect(fixture_db) as con:
        return data.judgment_matrix(data.load_judgments(con))


@pytest.fixture(scope="module")
def raw() -> dict:
    """The fixture's judgments straight from the JSON lines: attribute -> {annotator: label},
    attribute -> user, user -> (dataset, is_real)."""
    users = {u["user_id"]: (u["source_dataset"], u["is_real"]) for u in _jsonl("users.jsonl")}
    owner = {a["attribute_id"]: a["user_id"] for a in _jsonl("attributes.jsonl")}
    labels: dict[str, dict[str, str]] = {}
    for j in _jsonl("attribute_judgments.jsonl"):
        labels.setdefault(j["attribute_id"], {})[j["annotator_id"]] = j["label"]
    return {"users": users, "owner": owner, "labels": labels}


# ---- Fig 2 -------------------------------------------------------------------------------------
def _share(table: pl.DataFrame, group: str, label: str) -> float:
    row = table.filter((pl.col("group") == group) & (pl.col("label") == label))
    assert row.height == 1, (group, label)
    return row["share"][0]


def test_label_shares_match_hand_count(jm, raw):
    table = quality.label_shares(jm, BOOT).table
    # hand count of the fixture: wildchat users u1 (a1-a4) and u2 (a5-a7), 21 judgments:
    # accepted 6 + 5, uncertain 2 + 3, rejected 4 + 1; cupid u3 (a8, a9): 5 accepted, 1 rejected
    assert _share(table, "wildchat", "accepted") == pytest.approx(11 / 21)
    assert _share(table, "wildchat", "uncertain") == pytest.approx(5 / 21)
    assert _share(table, "wildchat", "rejected") == pytest.approx(5 / 21)
    assert _share(table, "wildchat", "problematic") == pytest.approx(10 / 21)
    assert _share(table, "cupid", "accepted") == pytest.approx(5 / 6)
    assert _share(table, "cupid", "uncertain") == 0
    assert _share(table, "synthetic", "problematic") == pytest.approx(1 / 6)
    assert _share(table, "all", "accepted") == pytest.approx(16 / 27)
    gap = table.filter(pl.col("group_kind") == "difference")
    assert gap["share"][0] == pytest.approx(10 / 21 - 1 / 6)
    # and the same from the raw lines, for every group and label
    for group in ("wildchat", "cupid", "real", "synthetic", "all"):
        counts: Counter = Counter()
        for aid, by in raw["labels"].items():
            ds, real = raw["users"][raw["owner"][aid]]
            member = {"all": True, "real": real, "synthetic": not real, ds: True}
            if member.get(group, False):
                counts.update(by.values())
        total = sum(counts.values())
        for label in ("accepted", "uncertain", "rejected"):
            assert _share(table, group, label) == pytest.approx(counts[label] / total)
    n = table.filter(pl.col("group") == "wildchat")
    assert set(n["n_users"]) == {2} and set(n["n_attributes"]) == {7}
    assert set(n["n_judgments"]) == {21}


def test_label_share_intervals_equal_a_naive_user_bootstrap(jm, raw):
    """Resample users with the same multinomial draws, recount judgments in plain Python."""
    res = quality.label_shares(jm, BOOT)
    users = sorted(raw["users"])
    per_user: dict[str, Counter] = {u: Counter() for u in users}
    for aid, by in raw["labels"].items():
        per_user[raw["owner"][aid]].update(by.values())
    weights = np.concatenate(list(resample_counts(len(users), BOOT.replicates, BOOT.seed)))
    acc, gap = [], []
    for w in weights:
        tot = Counter()
        real, synth = Counter(), Counter()
        for u, k in zip(users, w, strict=True):
            for lab, n in per_user[u].items():
                tot[lab] += k * n
                (real if raw["users"][u][1] else synth)[lab] += k * n
        acc.append(tot["accepted"] / sum(tot.values()))
        p = [
            (c["uncertain"] + c["rejected"]) / sum(c.values()) if sum(c.values()) else np.nan
            for c in (real, synth)
        ]
        gap.append(p[0] - p[1])
    low, high = percentile_interval(np.array(acc), 0.95)
    row = res.table.filter((pl.col("group") == "all") & (pl.col("label") == "accepted"))
    assert (row["ci_low"][0], row["ci_high"][0]) == pytest.approx((low, high))
    np.testing.assert_allclose(res.gap_replicates, gap)


def test_gap_permutation_p_equals_brute_force_over_user_labels(jm, raw):
    """The fixture's 3 users (u1, u2 real; u3 synthetic): every way to call one user
    synthetic, the gap recounted from the raw lines; p = share with |gap| ≥ observed.
    Also the replicates where the synthetic group was not drawn are counted as dropped."""
    from itertools import combinations

    users = sorted(raw["users"])
    per_user = {u: Counter() for u in users}
    for aid, by in raw["labels"].items():
        per_user[raw["owner"][aid]].update(by.values())

    def gap(synth):
        def share(us):
            c = sum((per_user[u] for u in us), Counter())
            return (c["uncertain"] + c["rejected"]) / sum(c.values())

        return share([u for u in users if u not in synth]) - share(list(synth))

    obs = gap([u for u in users if not raw["users"][u][1]])
    vals = [gap(list(c)) for c in combinations(users, 1)]
    want = np.mean([abs(v) >= abs(obs) - 1e-12 for v in vals])
    res = quality.label_shares(jm, BOOT)
    row = res.table.filter(pl.col("group_kind") == "difference").row(0, named=True)
    assert res.gap_test.statistic == pytest.approx(obs)
    assert row["p_permutation"] == pytest.approx(want)
    assert row["test"].startswith("exact permutation, all 3 assignments")
    assert row["n_replicates_dropped"] == int(np.isnan(res.gap_replicates).sum()) > 0


def test_groups_without_synthetic_users_leave_the_gap_undefined(jm):
    real_only = data.JudgmentMatrix(
        **{**jm.__dict__, "is_real": np.ones_like(jm.is_real), "datasets": ["wildchat"] * 9}
    )
    table = quality.label_shares(real_only, BOOT).table
    assert "synthetic" not in table["group"].to_list()
    gap = table.filter(pl.col("group_kind") == "difference")
    assert gap["share"][0] is None
    assert gap["p_permutation"][0] is None and "empty" in gap["test"][0]


# ---- failure modes --------------------------------------------------------------------------
def test_failure_mode_shares_match_hand_count(fixture_db):
    with data.connect(fixture_db) as con:
        modes = data.load_failure_modes(con)
    table = quality.failure_mode_shares(modes, BOOT)
    raw = Counter(m["category"] for m in _jsonl("failure_modes.jsonl"))
    assert table.height == 5
    for r in table.iter_rows(named=True):
        assert r["n"] == raw[r["category"]] == 1
        assert r["n_labelled"] == 5
        assert r["share"] == pytest.approx(1 / 5)
        assert r["ci_low"] <= r["share"] <= r["ci_high"]


def test_failure_modes_of_two_labelers_are_separate_blocks(fixture_db):
    with data.connect(fixture_db) as con:
        modes = data.load_failure_modes(con)
    second = modes.head(2).with_columns(
        pl.lit("human-coder").alias("labeler"), pl.lit("other").alias("category")
    )
    table = quality.failure_mode_shares(pl.concat([modes, second]), BOOT)
    coder = table.filter(pl.col("labeler") == "human-coder")
    assert coder.filter(pl.col("category") == "other")["share"][0] == 1.0
    assert set(coder["n_labelled"]) == {2}


def test_failure_modes_of_unflagged_attributes_are_left_out(fixture_db, jm):
    with data.connect(fixture_db) as con:
        modes = data.load_failure_modes(con)
    # a1 was accepted by all three annotators: its label is not a flagged attribute's
    extra = pl.DataFrame(
        {"attribute_id": ["a1"], "user_id": ["u1"], "labeler": ["gpt-5.4"], "category": ["other"]}
    )
    kept, dropped = quality.flagged_failure_modes(pl.concat([modes, extra]), jm)
    assert dropped == 1
    assert kept.sort("attribute_id").equals(modes.sort("attribute_id"))


def test_flagged_attributes_are_those_anyone_did_not_accept(jm, raw):
    expected = {a for a, by in raw["labels"].items() if set(by.values()) != {"accepted"}}
    assert quality.flagged_attributes(jm) == expected == {"a2", "a3", "a4", "a6", "a7", "a9"}


# ---- agreement ---------------------------------------------------------------------------------
def test_agreement_matches_sklearn_and_krippendorff(jm, raw):
    table = quality.agreement_table(jm, BOOT)
    annotators = sorted({a for by in raw["labels"].values() for a in by})
    attrs = sorted(raw["labels"])
    codes = np.array([[CODE[raw["labels"][a][h]] for a in attrs] for h in annotators], float)
    ordinal_ref = krippendorff.alpha(
        reliability_data=codes, level_of_measurement="ordinal", value_domain=[0, 1, 2]
    )
    nominal_ref = krippendorff.alpha(
        reliability_data=(codes >= 1).astype(float), level_of_measurement="nominal"
    )
    kappas = [
        cohen_kappa_score(codes[i] >= 1, codes[j] >= 1)
        for i, j in combinations(range(len(annotators)), 2)
    ]
    est = dict(zip(table["statistic"], table["estimate"], strict=True))
    assert est["Krippendorff's alpha (ordinal)"] == pytest.approx(ordinal_ref)
    assert est["Krippendorff's alpha (nominal)"] == pytest.approx(nominal_ref)
    assert est["mean pairwise Cohen's kappa"] == pytest.approx(np.mean(kappas))
    for r in table.iter_rows(named=True):
        assert r["ci_low"] <= r["estimate"] <= r["ci_high"], r
    kappa_row = table.filter(pl.col("statistic").str.starts_with("mean"))
    assert kappa_row["n_pairs"][0] == 3 and kappa_row["n"][0] == 27


def test_agreement_with_one_annotator_is_na_with_reasons(jm):
    one = data.JudgmentMatrix(**{**jm.__dict__, "annotators": ["H1"], "codes": jm.codes[:, :1]})
    table = quality.agreement_table(one, BOOT)
    assert table["estimate"].null_count() == 3
    assert table["note"].null_count() == 0


# ---- verifiers ---------------------------------------------------------------------------------
def _reference(raw) -> dict[str, int]:
    """Human problematic: at least 2 of the 3 annotators said uncertain or rejected."""
    return {
        a: int(sum(lab != "accepted" for lab in by.values()) * 2 > len(by))
        for a, by in raw["labels"].items()
    }


def test_human_reference_is_the_majority(jm, raw):
    ref, ties = verifiers.human_reference(jm)
    expected = _reference(raw)
    assert dict(zip(jm.attribute_ids, ref.astype(int).tolist(), strict=True)) == expected
    assert {a for a, v in expected.items() if v} == {"a3", "a4", "a6", "a7"}
    assert not ties.any()


@pytest.mark.parametrize(
    ("kind", "system"), [("llm", "llm-a_basic"), ("trained", "roberta-verifier")]
)
def test_verifier_row_matches_sklearn(fixture_db, jm, raw, kind, system):
    with data.connect(fixture_db) as con:
        predictions = data.load_verifier(con, system)
    row = verifiers.verifier_row(jm, system, kind, predictions, BOOT).row(0, named=True)
    lines = _jsonl(f"models/verifier/{kind}/{system}.jsonl")
    ref = _reference(raw)
    y = [ref[x["attribute_id"]] for x in lines]
    p = [int(x["problematic"]) for x in lines]
    assert row["n"] == len(lines) == 9
    assert row["precision"] == pytest.approx(precision_score(y, p))
    assert row["recall"] == pytest.approx(recall_score(y, p))
    assert row["f1"] == pytest.approx(f1_score(y, p))
    assert row["accuracy"] == pytest.approx(accuracy_score(y, p))
    assert row["kappa"] == pytest.approx(cohen_kappa_score(y, p))
    assert row["flag_rate"] == pytest.approx(np.mean(p))
    for m in ("precision", "recall", "f1", "accuracy"):
        assert row[f"{m}_ci_low"] <= row[m] <= row[f"{m}_ci_high"]
    base, variant = verifiers.split_variant(system)
    assert (row["base_system"], row["prompt_variant"]) == (base, variant)


def test_llm_a_counts_by_hand(fixture_db, jm):
    # llm-a_basic flags a2, a3, a4, a6; humans: a3, a4, a6, a7 -> tp 3, fp 1, fn 1, tn 4
    with data.connect(fixture_db) as con:
        predictions = data.load_verifier(con, "llm-a_basic")
    row = verifiers.verifier_row(jm, "llm-a_basic", "llm", predictions, BOOT).row(0, named=True)
    assert (row["tp"], row["fp"], row["fn"], row["tn"]) == (3, 1, 1, 4)
    assert row["precision"] == row["recall"] == row["f1"] == pytest.approx(0.75)


def test_prompt_variant_from_name():
    assert verifiers.split_variant("claude-sonnet-4.6_optimized") == (
        "claude-sonnet-4.6",
        "optimized",
    )
    assert verifiers.split_variant("gemma-4-31b_basic") == ("gemma-4-31b", "basic")
    assert verifiers.split_variant("roberta-verifier") == ("roberta-verifier", None)
    assert verifiers.split_variant("x_other") == ("x_other", None)


def test_verifier_table_orders_llm_then_trained(fixture_db, jm):
    rows = []
    with data.connect(fixture_db) as con:
        for system, kind in data.verifier_systems(con).iter_rows():
            rows.append(
                verifiers.verifier_row(jm, system, kind, data.load_verifier(con, system), BOOT)
            )
    table = verifiers.verifier_table(rows[::-1])
    assert table["kind"].to_list() == ["llm", "trained"]
    assert table.columns[:5] == ["system", "kind", "base_system", "prompt_variant", "n"]


def test_gaps_rows_use_the_estimates(fixture_db, jm):
    shares = quality.label_shares(jm, BOOT)
    f1 = {}
    with data.connect(fixture_db) as con:
        for system, kind in data.verifier_systems(con).iter_rows():
            votes = data.aligned(jm, data.load_verifier(con, system), "problematic")
            f1[(kind, system)] = verifiers.verifier_f1_replicates(jm, votes, BOOT)
    table, notes = verifiers.gaps_rows(shares.gap_estimate, shares.gap_replicates, f1, BOOT)
    assert table["estimate"].to_list() == pytest.approx([10 / 21 - 1 / 6, 0.75 - 1.0])
    assert not notes
    only_llm = {k: v for k, v in f1.items() if k[0] == "llm"}
    table, notes = verifiers.gaps_rows(shares.gap_estimate, shares.gap_replicates, only_llm, BOOT)
    assert table.height == 1 and notes


# ---- Table 1 -----------------------------------------------------------------------------------
def test_tfidf_cosine_diversity_by_hand():
    docs = ["apple banana", "apple cherry", "durian"]
    # smoothed idf over N = 3: apple df 2 -> ln(4/3) + 1, banana/cherry df 1 -> ln 2 + 1;
    # cos(d1, d2) = idf_apple² / (idf_apple² + idf_banana²), d3 shares nothing (distance 1)
    ia, ib = math.log(4 / 3) + 1, math.log(2) + 1
    cos12 = ia**2 / (ia**2 + ib**2)
    expected = ((1 - cos12) + 1 + 1) / 3
    assert diversity.mean_pairwise_cosine_distance(docs) == pytest.approx(expected)
    assert math.isnan(diversity.mean_pairwise_cosine_distance(["one doc"]))


def test_tfidf_matches_sklearn():
    rng = np.random.default_rng(3)
    words = ["alpha", "beta", "gamma", "delta", "Eps", "zeta", "eta", "x", "theta's"]
    docs = [" ".join(rng.choice(words, size=rng.integers(1, 12))) for _ in range(25)]
    docs.append("x")  # no token of two characters: a zero row
    vec = TfidfVectorizer()
    ref = vec.fit_transform(docs).toarray()
    ours = diversity.tfidf_matrix(docs).toarray()
    np.testing.assert_allclose(ours, ref, atol=1e-12)
    dist = cosine_distances(ref)
    iu = np.triu_indices(len(docs), k=1)
    assert diversity.mean_pairwise_cosine_distance(docs) == pytest.approx(dist[iu].mean())


def test_distinct_2_by_hand():
    # bigrams: (the cat) (cat sat) (the cat) (cat ran) -> 3 distinct of 4
    assert diversity.distinct_n(["The cat sat", "the cat ran"], 2) == pytest.approx(3 / 4)
    assert math.isnan(diversity.distinct_n(["single"], 2))


def test_diversity_table_on_fixture(fixture_db):
    with data.connect(fixture_db) as con:
        turns = data.load_user_turns(con)
    table = diversity.diversity_table(turns)
    by = {r["source_dataset"]: r for r in table.iter_rows(named=True)}
    assert by["wildchat"]["n_conversations"] == 3 and by["wildchat"]["n_users"] == 2
    # the three wildchat conversations share no word of two letters or more: distance 1
    assert by["wildchat"]["diversity_tfidf_cosine"] == pytest.approx(1.0)
    assert by["cupid"]["diversity_tfidf_cosine"] is None  # one conversation: undefined
    texts = {c["conversation_id"]: c for c in _jsonl("conversations.jsonl")}
    assert turns.filter(pl.col("conversation_id") == "c1")["text"][0] == "\n".join(
        t["text"] for t in texts["c1"]["turns"] if t["role"] == "user"
    )


def test_gaps_rows_have_the_columns_of_the_stage2_gaps(fixture_db, jm):
    from recenter.stage2 import agreement as s2_agreement
    from recenter.stage2 import data as s2_data

    with s2_data.connect(fixture_db) as con:
        items = s2_data.load_items(con)
        votes = s2_data.load_votes(con, kinds=[s2_data.HUMAN, s2_data.LLM])
        cons = s2_data.consensus_vector(items, s2_data.load_consensus(con))
    raters, kinds = s2_data.rater_order(votes)
    lm = s2_data.label_matrix(items, votes, raters, kinds)
    boot2 = s2_agreement.BootstrapConfig(50, 7, 0.95)
    stage2 = s2_agreement.gaps_rows(
        s2_agreement.relevance_rates(lm, cons, boot2),
        s2_agreement.kappa_analysis(lm, boot2),
        lm.kinds,
        boot2,
    )
    shares = quality.label_shares(jm, BOOT)
    stage1, _ = verifiers.gaps_rows(shares.gap_estimate, shares.gap_replicates, {}, BOOT)
    assert stage1.schema == stage2.schema


def test_failure_mode_figure_orders_ties_by_name(fixture_db):
    """Same table -> same spec bytes: tied shares (the fixture's five 0.2) sort by name."""
    from recenter.charts import words
    from recenter.stage1 import plots

    with data.connect(fixture_db) as con:
        table = quality.failure_mode_shares(data.load_failure_modes(con), BOOT)
    for _ in range(5):
        spec = plots.failure_modes_chart(table.sample(fraction=1.0, shuffle=True)).to_dict()
        sort = spec["layer"][0]["encoding"]["y"]["sort"]
        assert sort == sorted(words(c) for c in data.CATEGORIES)


# ---- human ceiling and paired verifier gap (issue 9) ---------------------------------------------
def test_human_ceiling_rows_match_a_hand_computation(jm, raw):
    """Each annotator against the strict majority of the two others (both problematic; a 1-1
    tie is not problematic), computed from the JSON lines and scored with scikit-learn."""
    rows = {r["system"][0]: r.row(0, named=True) for r in verifiers.human_ceiling_rows(jm, BOOT)}
    annotators = sorted({a for labs in raw["labels"].values() for a in labs})
    assert sorted(rows) == annotators
    for a in annotators:
        y, p = [], []
        for labs in raw["labels"].values():
            others = [v != "accepted" for k, v in labs.items() if k != a]
            if a not in labs or not others:
                continue
            y.append(int(2 * sum(others) > len(others)))
            p.append(int(labs[a] != "accepted"))
        row = rows[a]
        assert row["kind"] == "human" and row["n"] == len(y)
        assert row["precision"] == pytest.approx(precision_score(y, p, zero_division=np.nan))
        assert row["recall"] == pytest.approx(recall_score(y, p, zero_division=np.nan))
        assert row["f1"] == pytest.approx(f1_score(y, p))
        assert row["flag_rate"] == pytest.approx(np.mean(p))
    table = verifiers.verifier_table(list(verifiers.human_ceiling_rows(jm, BOOT)))
    assert table["kind"].unique().to_list() == ["human"]


def test_verifier_gap_is_paired_on_common_attributes(fixture_db, jm, raw):
    """The best-LLM-minus-best-trained F1 row uses only the attributes both verifiers scored:
    drop three of the trained verifier's predictions and the gap equals the sklearn F1
    difference on the remaining six attributes."""
    with data.connect(fixture_db) as con:
        llm = data.aligned(jm, data.load_verifier(con, "llm-a_basic"), "problematic")
        trained = data.aligned(jm, data.load_verifier(con, "roberta-verifier"), "problematic")
    trained[:3] = np.nan
    votes = {("llm", "llm-a_basic"): llm, ("trained", "roberta-verifier"): trained}
    f1 = {k: verifiers.verifier_f1_replicates(jm, v, BOOT) for k, v in votes.items()}
    shares = quality.label_shares(jm, BOOT)
    table, _ = verifiers.gaps_rows(
        shares.gap_estimate, shares.gap_replicates, f1, BOOT, jm=jm, votes=votes
    )
    row = table.filter(pl.col("statistic") == "difference of F1").row(0, named=True)
    ref = _reference(raw)
    keep = [i for i in range(len(jm.attribute_ids)) if i >= 3]
    y = [ref[jm.attribute_ids[i]] for i in keep]
    want = f1_score(y, [int(llm[i]) for i in keep]) - f1_score(y, [int(trained[i]) for i in keep])
    assert "paired on the 6 attributes" in row["comparison"]
    assert row["estimate"] == pytest.approx(want)
    assert row["ci_low"] <= row["estimate"] <= row["ci_high"]
    # unpaired (each F1 on its own attributes) would differ here
    unpaired = f1[("llm", "llm-a_basic")][0] - f1[("trained", "roberta-verifier")][0]
    assert unpaired != pytest.approx(want)
