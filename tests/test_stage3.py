"""Stage-3 computations on the fixture study (3 response items, 5 units × 3 annotators, one LLM
judge, one reward model, mention flags), each against values computed here from the raw JSON
files with plain Python, scipy, scikit-learn or the krippendorff package."""

from __future__ import annotations

import json
from itertools import combinations, permutations
from pathlib import Path

import krippendorff
import numpy as np
import polars as pl
import pytest
from scipy.stats import mannwhitneyu, spearmanr, wilcoxon
from sklearn.metrics import cohen_kappa_score

from recenter import gaps
from recenter.ingest import build
from recenter.stage3 import analysis, data, jobs
from recenter.stats.bootstrap import BootstrapConfig

from conftest import FIXTURE_STUDY

BOOT = BootstrapConfig(replicates=200, seed=7, confidence=0.95)


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("s3") / "study.duckdb"
    build(FIXTURE_STUDY, path)
    return str(path)


@pytest.fixture(scope="module")
def raw():
    """Units (item, attribute) -> generator, human ratings by annotator, judge, rm, mention."""
    gen = {}
    for f in sorted((FIXTURE_STUDY / "models/generator").glob("*.jsonl")):
        for r in _read(f):
            for a in r["attribute_ids"]:
                gen[(r["response_item_id"], a)] = f.stem
    human: dict = {}
    for r in _read(FIXTURE_STUDY / "response_ratings.jsonl"):
        human.setdefault((r["response_item_id"], r["attribute_id"]), {})[r["annotator_id"]] = r[
            "rating"
        ]
    judge = {
        (r["response_item_id"], r["attribute_id"]): r["rating"]
        for r in _read(FIXTURE_STUDY / "models/judge/llm_judge/llm-a.jsonl")
    }
    rm = {
        (r["response_item_id"], r["attribute_id"]): r["rating"]
        for r in _read(FIXTURE_STUDY / "models/judge/reward_model/rm-a.jsonl")
    }
    mention = {
        (r["response_item_id"], r["attribute_id"]): r["explicit_mention"]
        for r in _read(FIXTURE_STUDY / "mention_flags.jsonl")
    }
    units = sorted(gen)
    return units, gen, human, judge, rm, mention


@pytest.fixture(scope="module")
def loaded(fixture_db):
    with data.connect(fixture_db) as con:
        units = data.load_units(con)
        annotators, h = data.human_matrix(con, units)
        judge = data.ratings_of(con, units, "llm-a")
        rm = data.ratings_of(con, units, "rm-a")
        mention, flaggers = data.mention_vector(con, units)
    return units, annotators, h, judge, rm, mention, flaggers


def test_units_and_matrix_match_the_raw_files(loaded, raw):
    units, annotators, h, judge, rm, mention, flaggers = loaded
    r_units, gen, human, r_judge, r_rm, r_mention = raw
    keys = list(zip(units.frame["response_item_id"], units.frame["attribute_id"], strict=True))
    assert keys == r_units
    # the cluster is the user: r1 and r3 belong to u1, r2 to u2
    assert units.n_clusters == 2 and units.clusters.tolist() == [0, 0, 1, 0, 0]
    assert units.items.tolist() == [0, 0, 1, 2, 2] and len(set(units.pairs.tolist())) == 3
    assert units.generators.tolist() == [gen[k] for k in r_units]
    for i, k in enumerate(r_units):
        assert [h[i, j] for j in range(len(annotators))] == [human[k][a] for a in annotators]
        assert judge[i] == r_judge[k] and rm[i] == r_rm[k]
        assert mention[i] == float(r_mention[k])
    assert flaggers == ["gpt-5.4"]


def _unit_means(raw):
    units, _, human, *_ = raw
    return {k: sum(human[k].values()) / len(human[k]) for k in units}


def test_human_ratings_table_equals_hand_counts(loaded, raw):
    units, _, h, *_ = loaded
    table = analysis.human_ratings_table(h, units, BOOT)
    means = _unit_means(raw)
    gen = raw[1]
    rows = {r["generator"]: r for r in table.iter_rows(named=True)}
    for g in [*sorted(set(gen.values())), analysis.ALL]:
        ks = [k for k in means if g == analysis.ALL or gen[k] == g]
        row = rows[g]
        assert row["n_units"] == len(ks)
        assert row["n_ratings"] == sum(len(raw[2][k]) for k in ks)
        assert row["mean_rating"] == pytest.approx(sum(means[k] for k in ks) / len(ks))
        nb = [k for k in ks if means[k] <= 3]
        assert row["n_no_better"] == len(nb)
        assert row["no_better_share"] == pytest.approx(len(nb) / len(ks))
        if row["n_clusters"] >= 2:
            assert row["ci_low"] <= row["mean_rating"] <= row["ci_high"]
        else:  # one user: no interval (a bootstrap of one cluster has no spread)
            assert row["ci_low"] is None and row["ci_high"] is None
    assert list(rows) == ["gen-a", "gen-b", analysis.ALL]
    assert [rows[g]["n_clusters"] for g in rows] == [2, 1, 2]


def test_agreement_table_equals_scipy_sklearn_krippendorff(loaded, raw):
    units, annotators, h, *_ = loaded
    r_units, _, human, *_ = raw
    table = analysis.agreement_table(annotators, h, units, BOOT)
    mat = np.array([[human[k][a] for a in annotators] for k in r_units], float)
    pairs = list(combinations(range(len(annotators)), 2))
    rho = [spearmanr(mat[:, a], mat[:, b])[0] for a, b in pairs]
    kap = {
        k: [cohen_kappa_score(mat[:, a], mat[:, b], weights=k) for a, b in pairs]
        for k in ("linear", "quadratic")
    }
    rows = {(r["statistic"], r["pair"]): r for r in table.iter_rows(named=True)}
    mean = "mean over pairs"
    assert rows[("mean pairwise Spearman rho", mean)]["estimate"] == pytest.approx(np.mean(rho))
    for k in ("linear", "quadratic"):
        row = rows[(f"mean pairwise weighted kappa ({k})", mean)]
        assert row["estimate"] == pytest.approx(np.mean(kap[k]))
        assert row["n_pairs"] == 3 and row["n_units"] == 5
    alpha = krippendorff.alpha(reliability_data=mat.T, level_of_measurement="ordinal")
    assert rows[("Krippendorff's alpha (ordinal)", "all annotators")]["estimate"] == pytest.approx(
        alpha
    )
    for (a, b), want in zip(pairs, rho, strict=True):
        key = ("Spearman rho", f"{annotators[a]}|{annotators[b]}")
        assert rows[key]["estimate"] == pytest.approx(want)
    assert analysis.closest_kappa_to_paper(table).startswith("mean pairwise weighted kappa")


def _clustered_ratings(seed=4, n_users=9):
    """Units in ``n_users`` users (2–7 units each) rated 1–5 by 3 annotators with a shared
    user and unit effect, a few ratings missing: a design where each Spearman interval is
    defined."""
    rng = np.random.default_rng(seed)
    per_user = rng.integers(2, 8, n_users)
    cl = np.repeat(np.arange(n_users), per_user)
    latent = rng.standard_normal(n_users)[cl] * 0.6 + rng.standard_normal(cl.size) * 0.6
    h = np.clip(np.rint(3 + latent[:, None] + rng.standard_normal((cl.size, 3))), 1, 5)
    h[rng.random(h.shape) < 0.08] = np.nan
    frame = pl.DataFrame(
        {
            "response_item_id": [f"r{i:03d}" for i in range(cl.size)],
            "attribute_id": ["a"] * cl.size,
            "generator": ["g"] * cl.size,
            "user_id": [f"u{c}" for c in cl],
            "prompt_id": [f"p{c}" for c in cl],
        }
    )
    units = data.Units(frame, cl.astype(np.int64), n_users, np.arange(cl.size), cl)
    return units, h


def _jackknife_z_by_hand(est, jack, g):
    """The documented interval written out with scipy's t and normal quantiles."""
    from scipy.stats import norm
    from scipy.stats import t as t_dist

    z, zj = np.arctanh(est), np.arctanh(np.asarray(jack))
    z_bc = g * z - (g - 1) * zj.mean()
    se = np.sqrt((g - 1) / g * np.sum((zj - zj.mean()) ** 2))
    t = t_dist.ppf(0.975, g - 1)
    factor = np.sqrt(g / (g - 1)) * t / norm.ppf(0.975)
    return np.tanh(z_bc - factor * t * se), np.tanh(z_bc + factor * t * se)


def test_agreement_spearman_intervals_are_the_jackknife_fisher_z_interval():
    """The Spearman rows' intervals (mean over pairs, each pair) against a leave-one-user-out
    jackknife computed by hand: scipy's spearmanr on the units of the other users (both
    annotators present), Fisher's z, the bias-corrected z ± f · t(G − 1) · SE."""
    units, h = _clustered_ratings()
    table = analysis.agreement_table(["A", "B", "C"], h, units, BOOT)
    rows = {(r["statistic"], r["pair"]): r for r in table.iter_rows(named=True)}
    g = units.n_clusters
    pairs = list(combinations(range(3), 2))

    def rho(a, b, keep):
        ok = keep & ~np.isnan(h[:, a]) & ~np.isnan(h[:, b])
        return spearmanr(h[ok, a], h[ok, b])[0]

    everyone = np.ones(len(h), bool)
    loo = np.array([[rho(a, b, units.clusters != i) for i in range(g)] for a, b in pairs])
    full = np.array([rho(a, b, everyone) for a, b in pairs])
    for (a, b), est, jack in zip(pairs, full, loo, strict=True):
        row = rows[("Spearman rho", f"{'ABC'[a]}|{'ABC'[b]}")]
        assert row["estimate"] == pytest.approx(est)
        low, high = _jackknife_z_by_hand(est, jack, g)
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-12)
    row = rows[("mean pairwise Spearman rho", "mean over pairs")]
    low, high = _jackknife_z_by_hand(full.mean(), loo.mean(axis=0), g)
    assert row["estimate"] == pytest.approx(full.mean())
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), abs=1e-12)
    assert row["ci_low"] < row["estimate"] < row["ci_high"]
    # the kappa rows keep the widened percentile bootstrap: not the jackknife interval
    kappa = rows[("mean pairwise weighted kappa (linear)", "mean over pairs")]
    assert kappa["ci_low"] is not None


def test_judge_spearman_interval_is_the_jackknife_fisher_z_interval():
    """Table 6's rho of a judge with the mean human: its interval against the leave-one-user-
    out jackknife by hand (scipy's spearmanr on the other users' units)."""
    units, h = _clustered_ratings(seed=6)
    rng = np.random.default_rng(1)
    judge = np.clip(np.rint(np.nanmean(h, axis=1) + rng.standard_normal(len(h))), 1, 5)
    mention = (rng.random(len(h)) < 0.3).astype(float)
    res = analysis.judge_analysis("j", "llm_judge", judge, h, mention, units, BOOT)
    row = res.row.row(0, named=True)
    hm = np.nanmean(h, axis=1)
    ok = ~np.isnan(hm)
    est = spearmanr(judge[ok], hm[ok])[0]
    g = units.n_clusters
    jack = [
        spearmanr(judge[ok & (units.clusters != i)], hm[ok & (units.clusters != i)])[0]
        for i in range(g)
    ]
    assert row["spearman"] == pytest.approx(est)
    low, high = _jackknife_z_by_hand(est, jack, g)
    assert (row["spearman_ci_low"], row["spearman_ci_high"]) == pytest.approx(
        (low, high), abs=1e-12
    )


def test_jackknife_fisher_z_interval_needs_three_users():
    from recenter.stats.bootstrap import jackknife_fisher_z_interval

    low, high = jackknife_fisher_z_interval(0.4, [0.3, np.nan, 0.5], 0.95)
    assert np.isnan(low) and np.isnan(high)
    low, high = jackknife_fisher_z_interval(0.4, [0.3, 0.45, 0.5], 0.95)
    assert (low, high) == pytest.approx(_jackknife_z_by_hand(0.4, [0.3, 0.45, 0.5], 3))


def test_human_mean_interval_comes_from_the_judges_resamples(loaded):
    """A judge that rates every unit exactly as the humans do (here: one annotator's ratings
    against that annotator alone, since judge ratings are integers) must get the humans'
    interval: both are cluster-bootstrap intervals from the same resampled users."""
    units, _, h, _, _, mention, _ = loaded
    one = h[:, [0]]
    echo = one[:, 0].copy()
    row = analysis.judge_analysis("echo", "llm_judge", echo, one, mention, units, BOOT).row
    r = row.row(0, named=True)
    assert r["n"] == int((~np.isnan(echo)).sum()) >= 3
    assert r["human_mean_same_units"] == pytest.approx(np.nanmean(echo))
    assert r["human_mean_ci_low"] is not None and r["human_mean_ci_high"] is not None
    assert r["human_mean_ci_low"] == pytest.approx(r["mean_ci_low"], abs=1e-12)
    assert r["human_mean_ci_high"] == pytest.approx(r["mean_ci_high"], abs=1e-12)
    assert r["human_mean_ci_low"] < r["human_mean_same_units"] < r["human_mean_ci_high"]


def test_judge_row_equals_scipy(loaded, raw):
    units, _, h, judge, _, mention, _ = loaded
    means = _unit_means(raw)
    r_units, r_judge = raw[0], raw[3]
    res = analysis.judge_analysis("llm-a", "llm_judge", judge, h, mention, units, BOOT)
    row = res.row.row(0, named=True)
    j = np.array([r_judge[k] for k in r_units], float)
    m = np.array([means[k] for k in r_units])
    assert row["n"] == 5 and row["n_clusters"] == 2
    assert row["mean_rating"] == pytest.approx(j.mean())
    assert row["human_mean_same_units"] == pytest.approx(m.mean())
    assert row["difference"] == pytest.approx((j - m).mean())
    d = j - m
    ref = wilcoxon(d[d != 0], method="exact")
    assert row["p_unit_wilcoxon"] == pytest.approx(ref.pvalue)
    assert row["unit_wilcoxon_statistic"] == pytest.approx(ref.statistic)
    assert row["unit_wilcoxon_method"] == "exact"
    # cluster level: one mean difference per user (u1: units 0, 1, 3, 4; u2: unit 2)
    user = np.array([0, 0, 1, 0, 0])
    cm = np.array([d[user == u].mean() for u in (0, 1)])
    ref = wilcoxon(cm[cm != 0], method="exact")
    assert row["p_cluster_wilcoxon"] == pytest.approx(ref.pvalue)
    assert row["cluster_wilcoxon_statistic"] == pytest.approx(ref.statistic)
    totals = [d[user == u].sum() for u in (0, 1)]
    flips = [abs(a * totals[0] + b * totals[1]) for a in (1, -1) for b in (1, -1)]
    assert row["p_signflip"] == pytest.approx(np.mean(np.array(flips) >= abs(sum(totals)) - 1e-9))
    assert row["spearman"] == pytest.approx(spearmanr(j, m)[0])
    hm = np.array([[raw[2][k][a] for a in sorted(raw[2][r_units[0]])] for k in r_units], float)
    loo = [
        (
            spearmanr(j, np.delete(hm, i, 1).mean(1))[0],
            spearmanr(hm[:, i], np.delete(hm, i, 1).mean(1))[0],
        )
        for i in range(3)
    ]
    assert row["spearman_loo"] == pytest.approx(np.mean([a for a, _ in loo]))
    assert row["human_loo_spearman"] == pytest.approx(np.mean([b for _, b in loo]))
    assert row["spearman_gap_like_for_like"] == pytest.approx(np.mean([a - b for a, b in loo]))


def _units_one_per_user(n: int, generator: str = "g") -> data.Units:
    frame = pl.DataFrame(
        {
            "response_item_id": [f"r{i:02d}" for i in range(n)],
            "attribute_id": ["a"] * n,
            "generator": [generator] * n,
            "user_id": [f"u{i:02d}" for i in range(n)],
            "prompt_id": ["p"] * n,
        }
    )
    codes = np.arange(n, dtype=np.int64)
    return data.Units(frame=frame, clusters=codes, n_clusters=n, items=codes, pairs=codes)


def test_table6_wilcoxon_sees_the_ties_of_exact_differences():
    """The 12-unit example of issue 9 (see test_stats_ratings.TWELVE): with float differences
    the project reported T = 24, p = 0.266 'exact'; the tied values give T = 26, p = 0.305
    (scipy on the exact differences). One unit per user here, so the cluster-level test is
    the same test on the same 12 values."""
    from fractions import Fraction

    from test_stats_ratings import TWELVE

    judge = np.array([j for j, _ in TWELVE], float)
    h = np.array([hs for _, hs in TWELVE], float)
    units = _units_one_per_user(12)
    row = analysis.judge_analysis("j", "llm_judge", judge, h, np.zeros(12), units, BOOT).row.row(
        0, named=True
    )
    exact = np.array([float(Fraction(3 * j - sum(hs), 3)) for j, hs in TWELVE])
    ref = wilcoxon(exact, method="approx")
    for prefix in ("unit", "cluster"):
        assert row[f"{prefix}_wilcoxon_statistic"] == pytest.approx(ref.statistic)
        assert row[f"p_{prefix}_wilcoxon"] == pytest.approx(ref.pvalue)
    assert row["unit_wilcoxon_statistic"] == pytest.approx(26.0)
    assert row["p_unit_wilcoxon"] == pytest.approx(0.305, abs=5e-4)
    assert row["unit_wilcoxon_method"].startswith("normal approximation")


def test_reward_model_row_has_only_spearman(loaded, raw):
    units, _, h, _, rm, mention, _ = loaded
    means = _unit_means(raw)
    res = analysis.judge_analysis("rm-a", "reward_model", rm, h, mention, units, BOOT)
    row = res.row.row(0, named=True)
    want = spearmanr([raw[4][k] for k in raw[0]], [means[k] for k in raw[0]])[0]
    assert row["spearman"] == pytest.approx(want)
    assert row["mean_rating"] is None and row["p_cluster_wilcoxon"] is None
    assert row["p_unit_wilcoxon"] is None
    assert res.gap.height == 0
    table = analysis.reward_models_table([res.row])
    assert table.columns == analysis.REWARD_MODEL_COLUMNS


def test_mention_gap_equals_hand_means_and_mannwhitney(loaded, raw):
    units, _, h, judge, _, mention, _ = loaded
    means = _unit_means(raw)
    r_units, r_mention = raw[0], raw[5]
    for rater, values, ref in (
        ("humans", data.unit_mean(h), means),
        ("llm-a", judge, raw[3]),
    ):
        row = analysis.mention_gap_row(rater, "x", values, mention, units, BOOT).row(0, named=True)
        yes = [ref[k] for k in r_units if r_mention[k]]
        no = [ref[k] for k in r_units if not r_mention[k]]
        assert (row["n_mention"], row["n_no_mention"]) == (len(yes), len(no))
        assert row["delta"] == pytest.approx(np.mean(yes) - np.mean(no))
        u = mannwhitneyu(yes, no, alternative="two-sided")
        assert row["p_unit_mannwhitney"] == pytest.approx(u.pvalue)
        assert row["n_clusters"] == 2
        # with 2 users, one of them alone determines the mention coefficient (leverage 1):
        # the cluster-level test is undefined, and the row says so
        assert row["p_gee"] is None and "leverage 1" in row["note"]


def test_empty_mention_group_is_na_with_a_reason(loaded):
    units, _, _h, judge, *_ = loaded
    no_mentions = np.zeros(units.n)
    row = analysis.mention_gap_row("llm-a", "llm_judge", judge, no_mentions, units, BOOT)
    r = row.row(0, named=True)
    assert r["delta"] is None and r["ci_low"] is None and r["p_gee"] is None
    assert r["n_mention"] == 0 and "explicit mention" in r["note"]
    table = analysis.mention_gap_table(row, [row.with_columns(pl.lit("j").alias("rater"))])
    assert table["p_holm"].to_list() == [None, None]


def test_mention_rates_and_exact_interval(loaded, raw):
    units, *_, mention, _ = loaded
    rates = analysis.mention_rates(mention, units, BOOT)
    for r in rates.iter_rows(named=True):
        ks = [k for k in raw[0] if raw[1][k] == r["model"]]
        k = sum(raw[5][u] for u in ks)
        assert (r["n_units"], r["n_mention"]) == (len(ks), k)
        assert r["mention_rate"] == pytest.approx(k / len(ks))
        if r["n_clusters"] >= 2:
            assert r["ci_low"] <= r["mention_rate"] <= r["ci_high"]


def _brute_force_permutation_p(x, y, statistic):
    """Two-sided p as scipy.stats.permutation_test defines it: twice the smaller one-sided
    share of all n! pairings at least as extreme (capped at 1), by enumerating the pairings
    with itertools; also the one-sided share for a positive association."""
    obs = statistic(x, y)
    stats = np.array([statistic(x, np.array(p)) for p in permutations(y)])
    eps = 1e-12 * max(1, abs(obs))
    greater = np.mean(stats >= obs - eps)
    less = np.mean(stats <= obs + eps)
    return obs, min(1.0, 2 * min(greater, less)), greater


def _pearson_by_hand(x, y):
    return float(np.corrcoef(x, y)[0, 1])


def _spearman_scipy(x, y):
    return float(spearmanr(x, y)[0])


FIG7_CASES = [
    ([0.05, 0.35, 0.2, 0.5, 0.45], [-0.39, 0.18, -0.07, 0.3, 0.1]),  # paper-like, rho 0.9
    ([0.0, 0.34, 0.3, 0.56, 0.34], [-0.39, 0.17, 0.11, 0.38, 0.24]),  # a tie in x
    ([0.1, 0.2, 0.3, 0.4], [0.4, 0.1, 0.3, 0.2]),
    ([0.02, 0.11, 0.35, 0.4, 0.62], [-0.31, 0.05, -0.02, 0.22, 0.27]),
]


@pytest.mark.parametrize("x,y", FIG7_CASES)
def test_fig7_pearson_p_is_exact_permutation_by_enumeration(x, y):
    """The test's p against the 120 (or 24) pairings enumerated with itertools, r by numpy's
    corrcoef."""
    s = analysis.rank_correlation_summary(x, y)
    obs, p, _ = _brute_force_permutation_p(np.array(x), np.array(y), _pearson_by_hand)
    assert s["pearson"] == pytest.approx(obs)
    assert s["p_permutation_pearson"] == pytest.approx(p)
    assert s["permutation"].startswith("exact")


@pytest.mark.parametrize("x,y", FIG7_CASES)
def test_fig7_spearman_p_is_exact_permutation(x, y):
    s = analysis.rank_correlation_summary(x, y)
    obs, p, one_sided = _brute_force_permutation_p(np.array(x), np.array(y), _spearman_scipy)
    assert s["spearman"] == pytest.approx(obs)
    assert s["p_spearman_exact_conservative"] == pytest.approx(p)
    assert s["p_spearman_one_sided_conservative"] == pytest.approx(one_sided)
    assert s["p_spearman_asymptotic"] == pytest.approx(spearmanr(x, y)[1])


def test_rank_correlation_textbook_values_for_five_models():
    """n = 5, rho = 0.9: of the 120 orderings, 1 has rho = 1 and 4 have rho = 0.9, so the
    exact one-sided p is 5/120 and the two-sided one 10/120."""
    s = analysis.rank_correlation_summary([1, 2, 3, 4, 5], [1, 2, 3, 5, 4])
    assert s["spearman"] == pytest.approx(0.9)
    assert s["p_spearman_one_sided_conservative"] == pytest.approx(5 / 120)
    assert s["p_spearman_exact_conservative"] == pytest.approx(10 / 120)
    # Pearson's r of the same points is also 0.9 (the ranks are the values); over the 120
    # pairings of 1..5 r = rho, so its exact p here equals Spearman's
    assert s["pearson"] == pytest.approx(0.9)
    assert s["p_permutation_pearson"] == pytest.approx(10 / 120)


def test_fig7_tests_reject_on_exactly_6_and_2_of_the_120_pairings():
    """The size of an exact permutation test under exchangeable models is the share of the
    pairings on which it rejects: with distinct continuous values, Pearson's r test rejects at
    .05 on exactly 6 of 120 (size .05); Spearman's two-sided one only at rho = ±1, 2 of 120."""
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(5), rng.standard_normal(5)
    pearson, spearman = 0, 0
    for perm in permutations(range(5)):
        s = analysis.rank_correlation_summary(x, y[list(perm)])
        pearson += s["p_permutation_pearson"] <= 0.05
        spearman += s["p_spearman_exact_conservative"] <= 0.05
    assert (pearson, spearman) == (6, 2)


def test_fig7_pearson_test_holds_its_level_on_iid_data():
    """600 null data sets of 5 i.i.d. continuous (x, y) (seeded): the Pearson permutation test
    rejects at .05 in 0.05 ± 3 Monte Carlo SE (0.0089) of them, Spearman's exact two-sided
    test in no more than 2/120 + 3 SE (it can reject only at rho = ±1)."""
    rng = np.random.default_rng(11)
    n = 600
    p_r, p_rho = [], []
    for _ in range(n):
        s = analysis.rank_correlation_summary(rng.standard_normal(5), rng.exponential(size=5))
        p_r.append(s["p_permutation_pearson"])
        p_rho.append(s["p_spearman_exact_conservative"])
    rate_r = np.mean(np.array(p_r) <= 0.05)
    rate_rho = np.mean(np.array(p_rho) <= 0.05)
    assert abs(rate_r - 0.05) <= 3 * np.sqrt(0.05 * 0.95 / n), rate_r
    assert rate_rho <= 2 / 120 + 3 * np.sqrt((2 / 120) * (1 - 2 / 120) / n), rate_rho
    # no Spearman p of 5 points lies in (2/120, 0.05]: its attainable levels jump past .05
    assert not any(2 / 120 + 1e-9 < p <= 0.05 for p in p_rho)


def test_rank_correlation_needs_three_models():
    s = analysis.rank_correlation_summary([0.1, 0.2], [0.3, 0.1])
    assert s["spearman"] is None and "need ≥ 3" in s["note"]


def test_mention_vs_penalty_joins_models_and_explains_the_rest():
    rates = pl.DataFrame(
        {
            "model": ["a", "b", "c", "d"],
            "n_units": [10, 10, 10, 0],
            "n_mention": [0, 3, 5, 0],
            "mention_rate": [0.0, 0.3, 0.5, None],
        },
    )
    rates = rates.with_columns(
        *[
            pl.lit(None, dtype=pl.Float64).alias(c)
            for c in (
                "n_clusters",
                "ci_low",
                "ci_high",
                "judge_delta",
                "judge_delta_ci_low",
                "judge_delta_ci_high",
            )
        ],
        pl.lit(None, dtype=pl.Boolean).alias("in_correlation"),
        pl.lit(None, dtype=pl.String).alias("note"),
    )
    gaps = pl.DataFrame(
        {
            "rater": ["humans", "a", "b", "c", "e"],
            "kind": ["human"] + ["llm_judge"] * 4,
            "delta": [0.1, -0.4, 0.1, 0.3, 0.2],
            "ci_low": [0.0] * 5,
            "ci_high": [0.0] * 5,
            "note": [None] * 5,
        },
    )
    table, summary = analysis.mention_vs_penalty(rates, gaps)
    used = table.filter(pl.col("in_correlation"))["model"].to_list()
    assert used == ["a", "b", "c"]
    notes = dict(zip(table["model"], table["note"], strict=True))
    assert "no flagged unit" in notes["d"] and "judge only" in notes["e"]
    assert summary["n_models"] == 3 and summary["spearman"] == pytest.approx(1.0)
    x, y = np.array([0.0, 0.3, 0.5]), np.array([-0.4, 0.1, 0.3])
    assert summary["pearson"] == pytest.approx(np.corrcoef(x, y)[0, 1])
    # 3 models, 6 pairings: r is largest on the observed one, smallest on the reverse
    assert summary["p_permutation_pearson"] == pytest.approx(2 / 6)


def test_judges_table_holm_across_judges():
    rows = [
        pl.DataFrame(
            [{"system": s, "kind": "llm_judge", "p_cluster_wilcoxon": p}],
            schema={k: analysis.JUDGE_SCHEMA[k] for k in ("system", "kind", "p_cluster_wilcoxon")},
        )
        for s, p in (("b", 0.04), ("a", 0.01), ("c", 0.03))
    ]
    rows = [
        r.select(
            [
                pl.col(c) if c in r.columns else pl.lit(None, dtype=t).alias(c)
                for c, t in analysis.JUDGE_SCHEMA.items()
            ]
        )
        for r in rows
    ]
    t = analysis.judges_table(rows)
    assert t["system"].to_list() == ["a", "b", "c"]
    assert t["p_holm"].to_list() == pytest.approx([0.03, 0.06, 0.06])


def test_gaps_rows_equal_hand_computation(loaded, raw):
    units, annotators, h, judge, rm, *_ = loaded
    t = analysis.gaps_rows(h, {"llm-a": judge}, {"rm-a": rm}, units, BOOT)
    means = _unit_means(raw)
    r_units = raw[0]
    m = np.array([means[k] for k in r_units])
    j = np.array([raw[3][k] for k in r_units], float)
    r = np.array([raw[4][k] for k in r_units], float)
    mat = np.array([[raw[2][k][a] for a in annotators] for k in r_units], float)

    def like_for_like(x):  # held-out human vs the mean of the other two, like the system
        return np.mean(
            [
                spearmanr(x, np.delete(mat, i, 1).mean(1))[0]
                - spearmanr(mat[:, i], np.delete(mat, i, 1).mean(1))[0]
                for i in range(3)
            ]
        )

    est = t["estimate"].to_list()
    assert est[0] == pytest.approx((j - m).mean())
    assert est[1] == pytest.approx(like_for_like(j))
    assert est[2] == pytest.approx(like_for_like(r))
    assert t["n_replicates_dropped"].min() >= 0
    assert set(t["stage"]) == {"3 response generation"}


def test_gaps_rows_share_the_gaps_columns_of_every_stage(loaded):
    """Stage 3's gaps table is the shared gaps table (recenter.gaps); an undefined value is
    an empty cell, never 0 (a judge with no unit
    in common with the humans has no defined mean difference)."""
    from recenter.stage3 import gaps as stage3_gaps

    units, _, h, judge, rm, *_ = loaded
    t = analysis.gaps_rows(h, {"llm-a": judge}, {"rm-a": rm}, units, BOOT)
    assert t.schema == {**gaps.GAPS_SCHEMA, "note": pl.String}
    assert analysis.GAPS_SCHEMA == dict(t.schema)
    none = np.full_like(judge, np.nan)
    empty = analysis.gaps_rows(h, {"llm-none": none}, {}, units, BOOT)
    assert empty.height == 2
    assert empty["estimate"].to_list() == [None, None]
    assert empty["ci_low"].null_count() == 2
    assert empty["note"].to_list() == [
        "no unit rated by both an LLM judge and a human",
        stage3_gaps.REASONS[stage3_gaps.JUDGE_RHO],
    ]


def test_gaps_table_rejects_a_row_without_its_extra_columns():
    table = gaps.gaps_table("3 x", [("c", "s", 1.0, float("nan"), None, 0, 4)], {"n": pl.Int64})
    assert table.row(0) == ("3 x", "c", "s", 1.0, None, None, 0, 4, None)
    with pytest.raises(ValueError, match="gives no reason"):
        gaps.gaps_table("3 x", [("c", "s", float("nan"), None, None, 0)])
    why = gaps.gaps_table("3 x", [("c", "s", None, None, None, 10)], reasons={"c": "no data"})
    assert why["note"].to_list() == ["no data"]
    with pytest.raises(ValueError, match="has 6 values"):
        gaps.gaps_table("3 x", [("c", "s", 1.0, 0.5, 1.5, 0)], {"n": pl.Int64})
    with pytest.raises(ValueError, match="has 5 values"):
        gaps.gaps_table("3 x", [("c", "s", 1.0, 0.5, 1.5)])


def test_gaps_table_counts_dropped_replicates_and_notes_more_than_one_percent():
    reps = np.array([0.1, np.nan, 0.3, np.nan] + [0.2] * 196)  # 2 of 200 = 1%: not noted
    assert gaps.n_dropped(reps) == 2 and gaps.n_dropped(None) is None
    rows = [("a", "s", 0.2, 0.1, 0.3, gaps.n_dropped(reps)), ("b", "s", 0.2, 0.1, 0.3, 3)]
    table = gaps.gaps_table("1 x", rows, replicates=200)
    assert table["n_replicates_dropped"].to_list() == [2, 3]
    assert table["note"][0] is None
    assert table["note"][1].startswith("3 of 200 bootstrap replicates dropped")


def test_p_text_keeps_tiny_p_values():
    t = jobs.with_p_text(pl.DataFrame({"x": [1.0, 2.0], "p_value": [1.234e-20, None]}))
    assert t.columns == ["x", "p_value", "p_value_text"]
    assert t["p_value_text"].to_list() == ["1.23e-20", None]


def test_fig7_labels_of_close_models_do_not_overlap():
    """Two models at almost the same point get different label offsets (the first keeps the
    default, above the point); a distant one keeps the default; no two label boxes overlap,
    and every label is drawn in a text layer with its offset."""
    from recenter.stage3 import plots

    def row(model, rate, delta):
        return {
            "model": model,
            "mention_rate": rate,
            "ci_low": rate - 0.05,
            "ci_high": rate + 0.05,
            "judge_delta": delta,
            "judge_delta_ci_low": delta - 0.1,
            "judge_delta_ci_high": delta + 0.1,
            "in_correlation": True,
            "spearman": None,
            "note": None,
        }

    models = pl.DataFrame(
        [row("alpha-model", 0.30, 0.10), row("beta-model", 0.31, 0.11), row("gamma", 0.9, -0.8)]
    )
    placed = plots._place_labels(models, plots.FIG7_SIZE)
    dys = dict(zip(placed["model"], placed["label_dy"], strict=True))
    assert dys["alpha-model"] == dys["gamma"] == plots.LABEL_DYS[0]
    assert dys["beta-model"] != dys["alpha-model"]
    boxes = plots.label_boxes(placed, plots.FIG7_SIZE)
    assert not any(plots._overlap(a, b) for i, a in enumerate(boxes) for b in boxes[:i])
    # without the placement (every label at the default offset) the first two would collide
    default = plots.label_boxes(placed.with_columns(label_dy=pl.lit(-9)), plots.FIG7_SIZE)
    assert plots._overlap(default[0], default[1])
    spec = plots.mention_vs_penalty_chart(models).to_dict()
    text_dys = {
        layer["mark"]["dy"]
        for layer in spec["layer"]
        if isinstance(layer.get("mark"), dict) and layer["mark"].get("type") == "text"
    }
    assert text_dys == set(dys.values())


def test_fig7_correlates_the_judges_full_precision_deltas(fixture_db, tmp_path, monkeypatch):
    """Fig 7's y is each judge's Δ as its Fig-6 part holds it, not Fig 6's 6-decimal CSV: with
    Δs that differ only in the 7th decimal, rounding them first changes Pearson's r in the
    first decimal (the job used to read the CSV; at scale 10 the 7th-decimal difference failed
    the notebook's audit)."""
    models = [f"m{i}" for i in range(5)]
    x = np.array([0.10, 0.20, 0.30, 0.40, 0.50])
    delta = np.array([0.1000004, 0.1000016, 0.1000011, 0.1000023, 0.1000019])
    rates = pl.DataFrame(
        {"model": models, "n_units": [50] * 5, "n_mention": [5, 10, 15, 20, 25], "mention_rate": x},
        schema_overrides={"n_units": pl.Int64, "n_mention": pl.Int64},
    )
    rates = pl.DataFrame(
        [{**r, "n_clusters": 10} for r in rates.iter_rows(named=True)],
        schema={k: analysis.MENTION_RATE_SCHEMA[k] for k in analysis.MENTION_RATE_SCHEMA},
    )
    monkeypatch.setattr(jobs.analysis, "mention_rates", lambda *_: rates)
    parts = []
    for m, d in zip(models, delta, strict=True):
        row = {k: None for k in analysis.GAP_SCHEMA} | {"rater": m, "kind": "llm_judge"}
        row |= {"delta": float(d), "ci_low": float(d) - 0.1, "ci_high": float(d) + 0.1}
        path = tmp_path / f"{m}.parquet"
        pl.DataFrame([row], schema=analysis.GAP_SCHEMA).write_parquet(path)
        parts.append(str(path))
    csv_path, md_path = tmp_path / "fig7.csv", tmp_path / "fig7.md"
    jobs.mention_vs_penalty_job(fixture_db, parts, str(csv_path), str(md_path), BOOT)
    summary = pl.read_csv(csv_path).filter(pl.col("pearson").is_not_null()).row(0, named=True)
    full = np.corrcoef(x, delta)[0, 1]
    rounded = np.corrcoef(x, np.round(delta, 6))[0, 1]
    assert abs(full - rounded) > 0.05  # the case can tell the two apart
    assert summary["pearson"] == pytest.approx(full, abs=5e-7)
