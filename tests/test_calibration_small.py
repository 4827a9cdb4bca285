"""A small run of bench/calibration.py, so the calibration mechanism cannot rot: its null
studies have the intended structure (checked against known values on large simulated
studies), and a few dozen studies already separate the unit-level tests, which ignore the
clustering, from the cluster-level ones the tables report. The committed measurement with 500
studies is bench/results/calibration.csv (bounds there: 0.025–0.075)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "calibration.py"


@pytest.fixture(scope="module")
def cal():
    spec = importlib.util.spec_from_file_location("calibration", BENCH)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["calibration"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    yield mod
    sys.modules.pop("calibration", None)


def test_null_study_has_the_design_and_the_intended_dependence(cal):
    rng = np.random.default_rng(1)
    s = cal.stage3_null_study(rng)
    assert s.h.shape == (367, 3) and s.judges.shape == (367, 5)
    assert s.units.n_clusters == 16 and np.unique(s.units.items).size == 80
    # a big study: the latent intraclass correlation at the pair/item level is 0.3, so the
    # correlation of two humans' ratings of different units of one item is positive, and the
    # judges' mean rating matches the humans' (the conditional null of Table 6)
    big = cal.stage3_null_study(rng, n_pairs=1500, n_attr=1500 * 73 // 16, extra=0)
    cl = big.units.clusters

    def tol(x):  # 4 standard errors of a mean over 1,500 independent pairs
        per_pair = np.bincount(cl, weights=x) / np.bincount(cl)
        return 4 * per_pair.std(ddof=1) / np.sqrt(per_pair.size)

    assert big.h.mean() == pytest.approx(big.truth_human_mean, abs=tol(big.h.mean(axis=1)))
    for k in range(5):
        j = big.judges[:, k]
        assert j.mean() == pytest.approx(big.truth_judge_mean[k], abs=tol(j))
    assert big.truth_judge_mean == pytest.approx(np.full(5, big.truth_human_mean), abs=1e-9)
    # the intraclass correlation at the pair/item level (0.3 of the latent variance): one
    # human's ratings of two different units of the same item correlate at about 0.3
    # (a little less after cutting into 5 categories); SE about 0.012 over 7,500 items
    latent_icc = sum(cal.VAR[k] for k in ("pair", "item", "view_pair", "view_item"))
    assert latent_icc / sum(cal.VAR.values()) == pytest.approx(0.3)
    items = big.units.items
    first = np.unique(items, return_index=True)[1]
    has_two = np.bincount(items)[items[first]] >= 2
    a, b = big.h[first[has_two], 0], big.h[first[has_two] + 1, 0]
    assert 0.2 < np.corrcoef(a, b)[0, 1] < 0.33
    m = big.mention == 1
    gens = big.units.generators
    for g, rate in zip(cal.GENERATORS, cal.MENTION_RATES, strict=True):
        assert m[gens == g].mean() == pytest.approx(cal.marginal_mention_rate(rate), abs=0.03)


def test_expected_rating_equals_monte_carlo(cal):
    rng = np.random.default_rng(2)
    latent = 0.3 + np.sqrt(sum(cal.VAR.values())) * rng.standard_normal(400_000)
    mc = (1 + np.searchsorted(cal.CUTS, latent)).mean()
    assert float(cal.expected_rating(0.3)) == pytest.approx(mc, abs=0.01)
    assert float(cal.expected_rating(cal.matched_leniency(3.3))) == pytest.approx(3.3)


def test_small_calibration_run_separates_unit_level_from_cluster_level(cal):
    """40 null studies (loose bounds: a rate of 0.05 has a Monte Carlo SE of 0.034 there)."""
    rates, coverage = cal.calibrate(40, 99, seed=5, progress=False, truth_pairs=400)
    r = dict(zip(rates["test"], rates["rejection_rate"], strict=True))
    assert set(rates.columns) == {"test", "alpha", "rejection_rate", "n_sim", "mc_se"}
    reported = [k for k in r if "reported" in k and "unreliable" not in k]
    assert len(reported) >= 6
    for k in reported:
        assert r[k] <= 0.2, (k, r[k])
    # the old unit-level Wilcoxon ignores the clustering: far above its level
    assert r["tab6.unit_wilcoxon (old, contrast)"] >= 0.2
    assert r["tab6.unit_wilcoxon (old, contrast)"] > r["tab6.cluster_wilcoxon (reported, Holm)"]
    for row in coverage.iter_rows(named=True):
        if "old" not in row["interval"]:
            assert row["coverage"] >= 0.75, row
