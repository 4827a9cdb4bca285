"""Variance components (recenter.stats.variance, stage2/stage3.variance).

1. The moment estimator equals a brute-force loop over every pair of rows (hand computation).
2. On the default simulated study, the moment estimator and statsmodels' MixedLM (REML) give
   the same Stage-3 components (two implementations of the same quantities).
3. Recovery of the simulator's truth: the Stage-3 REML components of a simulated study at
   scale 4 (64 pairs) against truth.json's exact rating-scale components (model.py), within 4
   cluster-bootstrap SEs; the Stage-2 moment components of an independently simulated
   single-category vote study against model.stage2_variance_components.
"""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

import numpy as np
import pytest

from recenter.simulate import design, model
from recenter.simulate.calibrated import PARAMS
from recenter.simulate.generate import simulate
from recenter.stats import moments, variance


def _brute_force(y, ann, top, a, b, unit):
    """Loop over ordered pairs of distinct rows: mean products of annotator-centred values by
    which levels the two rows share (the estimator's definition, written out)."""
    y = np.asarray(y, float)
    mu = {k: y[ann == k].mean() for k in np.unique(ann)}
    r = np.array([y[i] - mu[ann[i]] for i in range(len(y))])
    acc = {}
    for i, j in product(range(len(y)), repeat=2):
        if i == j or top[i] != top[j]:
            continue
        key = (unit[i] == unit[j], a[i] == a[j], b[i] == b[j])
        s, n = acc.get(key, (0.0, 0))
        acc[key] = (s + r[i] * r[j], n + 1)

    def c(*keys):
        s = sum(acc.get(k, (0.0, 0))[0] for k in keys)
        n = sum(acc.get(k, (0.0, 0))[1] for k in keys)
        return s / n

    c_top = c((False, False, False))
    c_a = c((False, True, False))
    c_b = c((False, False, True))
    c_unit = c((True, True, True))
    return {
        "user": c_top,
        "attribute": c_a - c_top,
        "pair": c_b - c_top,
        "item": c_unit - c_a - c_b + c_top,
        "annotator": float(np.var([mu[k] for k in sorted(mu)], ddof=1)),
        "residual": float(np.mean(r**2)) - c_unit,
    }


def test_moment_estimator_equals_a_hand_computation():
    rng = np.random.default_rng(5)
    rows = []
    for u in range(4):
        for a in range(3):
            for p in range(2):
                for h in range(3):
                    rows.append((f"u{u}", f"u{u}a{a}", f"u{u}p{p}", f"u{u}a{a}p{p}", f"h{h}"))
    top, a, b, unit, ann = (np.array(c) for c in zip(*rows, strict=True))
    y = rng.integers(0, 2, size=len(rows)).astype(float)
    got = moments.moment_components(
        y, {"annotator": ann}, top, {"attribute": a, "pair": b}, unit, "user", "item"
    ).variance
    want = _brute_force(y, ann, top, a, b, unit)
    assert got.keys() == want.keys()
    for k in want:
        assert got[k] == pytest.approx(want[k], abs=1e-12), k


def _resampled_rows_reference(y, fixed, top, levels, unit, replicates, seed):
    """The bootstrap done the slow way: draw the groups (one ``rng.integers`` call per
    replicate), copy their rows, give every copy its own level ids, and run the direct
    estimator on the copied rows."""
    groups = np.unique(top)
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(replicates):
        draw = rng.integers(len(groups), size=len(groups))
        take = np.concatenate([np.flatnonzero(top == groups[d]) for d in draw])
        copy = np.concatenate([np.full((top == groups[d]).sum(), i) for i, d in enumerate(draw)])

        def tag(v, take=take, copy=copy):
            return np.char.add(np.char.add(copy.astype(str), "/"), v[take].astype(str))

        c = moments.moment_components(
            y[take],
            {k: v[take] for k, v in fixed.items()},
            copy,
            {k: tag(v) for k, v in levels.items()},
            tag(unit),
            "top",
            "unit",
        )
        out.append(c.variance)
    return out


@pytest.mark.parametrize("design_", ["stage2", "stage3"])
def test_bootstrap_replicates_equal_the_estimator_on_resampled_rows(design_):
    """The per-group-sums bootstrap against the estimator run on the copied rows of each
    resample: crossed levels with one fixed factor (Stage 2), one nested level with two fixed
    factors (Stage 3); an annotator who rated only some groups, so some resamples lack them;
    groups of unequal size."""
    rng = np.random.default_rng(11)
    rows = []
    for g in range(9):
        for a in range(2 + g % 3):
            for p in range(2):
                for h in range(3 if g % 4 else 2):  # annotator h2 absent from groups 0, 4, 8
                    gen = f"gen{(a + p) % 3}"
                    rows.append((f"g{g}", f"g{g}a{a}", f"g{g}p{p}", f"g{g}a{a}p{p}", f"h{h}", gen))
    top, a, p, unit, ann, gen = (np.array(c) for c in zip(*rows, strict=True))
    if design_ == "stage2":
        y = rng.integers(0, 2, size=top.size).astype(float)
        fixed, levels = {"annotator": ann}, {"attribute": a, "pair": p}
    else:
        y = rng.integers(1, 6, size=top.size).astype(float)
        fixed, levels = {"generator": gen, "annotator": ann}, {"item": p}
    boot = moments.bootstrap_moments(
        y, fixed, top, levels, unit, "top", "unit", replicates=40, seed=3
    )
    want = _resampled_rows_reference(y, fixed, top, levels, unit, 40, seed=3)
    assert boot.n_dropped == sum(not np.all(np.isfinite(list(w.values()))) for w in want)
    kept = [w for w in want if np.all(np.isfinite(list(w.values())))]
    assert len(kept) >= 30
    for k in boot.estimate.variance:
        np.testing.assert_allclose(boot.replicates[k], [w[k] for w in kept], rtol=0, atol=1e-10)
        assert np.std(boot.replicates[k]) > 0, k  # the replicates vary: not one value repeated


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _stage3_long(root: Path) -> dict[str, np.ndarray]:
    pair_of, gen_of = {}, {}
    for g in design.LLMS:
        for r in _read(root / f"models/generator/{g}.jsonl"):
            pair_of[r["response_item_id"]] = f"{r['user_id']}|{r['prompt_id']}"
            gen_of[r["response_item_id"]] = g
    rat = _read(root / "response_ratings.jsonl")
    item = np.array([r["response_item_id"] for r in rat])
    return {
        "rating": np.array([r["rating"] for r in rat], float),
        "item": item,
        "unit": np.array([f"{r['response_item_id']}|{r['attribute_id']}" for r in rat]),
        "annotator": np.array([r["annotator_id"] for r in rat]),
        "pair": np.array([pair_of[i] for i in item]),
        "generator": np.array([gen_of[i] for i in item]),
    }


@pytest.fixture(scope="module")
def scale4(tmp_path_factory):
    out = tmp_path_factory.mktemp("vc") / "simulated"
    truth = simulate(out, seed=4242, scale=4)
    return _stage3_long(out), truth


def test_reml_and_moments_agree_and_recover_the_stage3_truth(scale4):
    long, truth = scale4
    fixed = {"generator": long["generator"], "annotator": long["annotator"]}
    reml = variance.nested_components(
        long["rating"], long["pair"], {"item": long["item"], "unit": long["unit"]}, fixed, "pair"
    )
    assert reml.converged
    boot = moments.bootstrap_moments(
        long["rating"],
        fixed,
        long["pair"],
        {"item": long["item"]},
        long["unit"],
        "pair",
        "unit",
        replicates=300,
        seed=3,
    )
    mom = boot.estimate
    want = truth["population"]["stage3"]["variance_components"]["variance"]
    print()
    for k in want:
        se = float(np.std(boot.replicates[k], ddof=1))
        print(
            f"  {k}: REML {reml.variance[k]:.4f}, moments {mom.variance[k]:.4f}, "
            f"truth {want[k]:.4f}, SE {se:.4f}"
        )
        # two estimators of the same component (REML is the more efficient one in this
        # unbalanced design) agree within one sampling SE
        assert reml.variance[k] == pytest.approx(mom.variance[k], abs=se), k
        assert abs(reml.variance[k] - want[k]) <= 4 * se, k
    assert sum(reml.share.values()) == pytest.approx(1.0)


def test_stage3_table_of_the_job(scale4):
    from recenter.stage3 import variance as s3v

    long, _ = scale4
    table, kept = s3v.components(long, replicates=8, seed=1, confidence=0.95)
    assert table["component"].to_list() == ["pair", "item", "unit", "annotator", "residual"]
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["n_levels"].to_list()[:4] == [64, 320, len(np.unique(long["unit"])), 3]
    assert (table["n_replicates"] + table["n_dropped"] == 8).all()
    assert (table["moment_share"] - table["share"]).abs().max() < 0.05
    # the replicates the intervals come from: one row per kept replicate, its index among the
    # 8 drawn, then each component's share; the table's interval is their percentile interval
    assert kept.columns == ["replicate", *table["component"].to_list()]
    assert kept.height == table["n_replicates"][0]
    assert kept["replicate"].is_unique().all() and kept["replicate"].is_between(0, 7).all()
    for row in table.iter_rows(named=True):
        alpha = (1 - 0.95) / 2  # as the table computes it, to the last bit
        low, high = np.quantile(kept[row["component"]].to_numpy(), [alpha, 1 - alpha])
        assert (low, high) == (row["share_ci_low"], row["share_ci_high"])
    assert np.allclose(kept.drop("replicate").sum_horizontal().to_numpy(), 1.0)


def test_level_descriptions_end_with_the_annotator_and_the_residual():
    """The texts of the table's `level` column, written out by hand: the stage's own levels
    in their order, then the annotator and the residual."""
    levels = variance.levels(
        {"pair": "the pair", "item": "the item"},
        annotator_statistic="means",
        residual="one annotator's rating of one item",
    )
    assert list(levels.items()) == [
        ("pair", "the pair"),
        ("item", "the item"),
        ("annotator", "annotator (fixed leniency; variance of the annotators' means, ddof 1)"),
        ("residual", "residual (one annotator's rating of one item)"),
    ]


def test_stage2_moments_recover_the_model_truth():
    """An independent single-category simulation with the Stage-2 nesting (47 users x 25
    attributes x 3-4 pairs, as in the study, repeated 8 times = 376 users) and the 3 humans'
    calibrated thresholds; estimate vs the exact components within 4 user-bootstrap SEs."""
    rng = np.random.default_rng(77)
    p = PARAMS["stage2"]
    shares = p["relevance_shares"]
    m = p["category_mean"]["style"]
    rows = []
    for u in range(376):
        n_pairs = 3 + (u % 2)
        ue = rng.standard_normal()
        ae = rng.standard_normal(25)
        pe = rng.standard_normal(n_pairs)
        for a in range(25):
            for q in range(n_pairs):
                z = m + np.sqrt(shares["user"]) * ue + np.sqrt(shares["attribute"]) * ae[a]
                z += (
                    np.sqrt(shares["pair"]) * pe[q]
                    + np.sqrt(shares["item"]) * rng.standard_normal()
                )
                for h in design.HUMANS_S2:
                    rp = p["raters"][h]
                    vote = rp["lambda"] * z - rp["t"] + rng.standard_normal() > 0
                    rows.append((u, u * 25 + a, u * 4 + q, (u * 25 + a) * 4 + q, h, float(vote)))
    user, attr, pair, item, ann, y = (np.array(c) for c in zip(*rows, strict=True))
    boot = moments.bootstrap_moments(
        y.astype(float),
        {"annotator": ann},
        user,
        {"attribute": attr, "pair": pair},
        item,
        "user",
        "item",
        replicates=300,
        seed=4,
    )
    want = model.stage2_variance_components(p, list(design.HUMANS_S2), m, shares)["variance"]
    for k, v in want.items():
        se = float(np.std(boot.replicates[k], ddof=1))
        assert abs(boot.estimate.variance[k] - v) <= 4 * se, (k, boot.estimate.variance[k], v, se)


def _nested_data(seed: int = 5):
    """40 groups with 3 items of 4 rows each: group, item and residual variances 1, 0.5, 1."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(40), 12)
    item = np.tile(np.repeat(np.arange(3), 4), 40)
    y = rng.normal(0, 1, 40)[g] + rng.normal(0, 0.5**0.5, (40, 3))[g, item] + rng.normal(size=480)
    return y, g, item


def _plain_statsmodels_fit(y, g, item):
    """statsmodels' own MixedLM on the same design, with nothing of recenter in between."""
    from statsmodels.regression.mixed_linear_model import MixedLM, VCSpec

    groups = np.unique(g)
    mats = [np.eye(3)[item[g == k]] for k in groups]
    names = [[f"item{c}" for c in range(3)] for _ in groups]
    vc = VCSpec(["item"], [names], [mats])
    m = MixedLM(y, np.ones((y.size, 1)), g, exog_re=np.ones((y.size, 1)), exog_vc=vc)
    return m.fit(reml=True, method=["lbfgs"])


def test_reml_components_equal_the_balanced_anova_estimates():
    """In a balanced nested design REML equals the ANOVA (expected mean squares) estimates
    when they are positive (Searle, Casella & McCulloch 1992, §4.7): a hand computation. The
    tolerance is the optimiser's (lbfgs stops within about 1e-5 of the optimum)."""
    y, g, item = _nested_data()
    cell = y.reshape(40, 3, 4)
    ms_error = ((cell - cell.mean(axis=2, keepdims=True)) ** 2).sum() / (40 * 3 * 3)
    item_means = cell.mean(axis=2)
    ms_item = 4 * ((item_means - item_means.mean(axis=1, keepdims=True)) ** 2).sum() / (40 * 2)
    group_means = cell.mean(axis=(1, 2))
    ms_group = 12 * ((group_means - group_means.mean()) ** 2).sum() / 39
    got = variance.nested_components(y, g, {"item": item}, {}, "group", annotator=None)
    assert got.variance["residual"] == pytest.approx(ms_error, rel=1e-3)
    assert got.variance["item"] == pytest.approx((ms_item - ms_error) / 4, rel=1e-3)
    assert got.variance["group"] == pytest.approx((ms_group - ms_item) / 12, rel=1e-3)


def test_a_singular_hessian_leaves_the_estimates_as_the_optimiser_found_them(monkeypatch):
    """Whether the Hessian at a boundary optimum comes out exactly singular depends on the CPU;
    the estimates must not. Force it singular: plain statsmodels fails, ours does not, and its
    estimates are those of the fit with the true Hessian."""
    from statsmodels.regression.mixed_linear_model import MixedLM

    y, g, item = _nested_data()
    want = variance.nested_components(y, g, {"item": item}, {}, "group", annotator=None)
    true_hessian = MixedLM.hessian

    def singular(self, params):
        hess, _ = true_hessian(self, params)
        return np.zeros_like(hess), True

    monkeypatch.setattr(MixedLM, "hessian", singular)
    with pytest.raises(np.linalg.LinAlgError):
        _plain_statsmodels_fit(y, g, item)
    got = variance.nested_components(y, g, {"item": item}, {}, "group", annotator=None)
    assert got.variance == want.variance


def test_refits_in_worker_processes_give_the_same_replicates_as_in_one():
    """The REML bootstrap draws every resample before refitting, so splitting the refits over
    processes changes nothing (the rule runs them in its threads)."""
    y, g, item = _nested_data(seed=8)
    runs = [
        variance.bootstrap_components(
            y, g, {"item": item}, {}, "group", replicates=6, seed=2, workers=w
        )
        for w in (1, 2)
    ]
    assert runs[0].n_dropped == runs[1].n_dropped
    np.testing.assert_array_equal(runs[0].kept, runs[1].kept)
    for k in runs[0].replicates:
        assert runs[0].replicates[k].size == 6 - runs[0].n_dropped
        np.testing.assert_array_equal(runs[0].replicates[k], runs[1].replicates[k])
        assert np.ptp(runs[0].replicates[k]) > 0, k  # resamples differ from each other


def test_the_written_replicates_name_the_kept_resamples_and_leave_out_the_dropped():
    """What the variance rules write beside their table (the notebooks' histograms): one row per
    kept replicate, its index among the drawn resamples (a failed or non-converged refit is
    missing), then each component's share."""
    fit = variance.Components(variance={"a": 1.0, "residual": 3.0}, converged=True, n=4)
    stuck = variance.Components(variance={"a": 1.0, "residual": 3.0}, converged=False, n=4)
    other = variance.Components(variance={"a": 2.0, "residual": 2.0}, converged=True, n=4)
    boot = variance._collect(fit, [fit, None, stuck, other], 4)
    assert boot.n_dropped == 2
    columns = variance.share_replicate_columns(boot)
    assert list(columns) == ["replicate", "a", "residual"]
    np.testing.assert_array_equal(columns["replicate"], [0, 3])
    np.testing.assert_array_equal(columns["a"], [0.25, 0.5])
    np.testing.assert_array_equal(columns["residual"], [0.75, 0.5])
    empty = variance.share_replicate_columns(variance._collect(fit, [None, None], 2))
    assert [v.size for v in empty.values()] == [0, 0, 0]
