"""Calibration of the workflow's tests and intervals on simulated null studies (run by hand):

    nice -n 10 .venv/bin/python bench/calibration.py [--studies 500] [--replicates 499]

Every p-value the Stage-1 and Stage-3 tables print is computed here by the workflow's own
functions (recenter.stage3.analysis, recenter.stage1.quality) on studies simulated under the
null, with the paper's design and an explicit dependence structure, and its rejection rate at
alpha = .05 is written to ``bench/results/calibration.csv`` (test, alpha, rejection_rate,
n_sim, mc_se), next to the old unit-level tests for contrast. The 95% intervals are checked
against the simulated truth and written to ``bench/results/coverage.csv`` (interval,
confidence, coverage, n_sim, mc_se).

The null-study generator is this file's own (the main simulator is independent of it):

Stage 3 (``stage3_null_study``): 16 users with one user–prompt pair each, 5 generators per
pair (80 response items); each pair has a set of attributes (73 in all) that all 5 of its
items are rated on, plus 2 extra item-specific attributes (367 units). Latent benefit of
rater r on unit u of item i, attribute a, pair p:

    y*_ru = lenient_r + b_p + c_i + v_{k(r),p} + w_{k(r),i} + d_a + e_u + noise_ru

with variances pair b 0.1 and item c 0.05 seen alike by every rater, pair v 0.1 and item w
0.05 as seen by one kind of rater k (shared by the 3 humans; each judge its own), so that the
intraclass correlation at the pair/item level is 0.3 of the total 1.0; attribute 0.05, unit
0.05, rater noise 0.6, and annotator leniency lenient_r ~ N(0, 0.2²); the 1–5 rating cuts y*
at (−1.0, −0.2, 0.6, 1.4). A judge's view of the items differs from the humans' (v, w), so
judge − human differences are correlated within a pair (the dependence the unit-level tests
ignore). Each judge's leniency is solved so that
its expected rating equals the mean of the 3 humans' expected ratings (the conditional null
of Table 6: E[judge − mean human] = 0 for these annotators). Explicit mention is Bernoulli
with generator rates (.05, .15, .30, .45, .60) and pair and item random effects on the logit
(SD 1.0 and 0.5), independent of the ratings (the null of Fig 6 for every rater; the 5
judges' Δ are exchangeable, the null of Fig 7). A second scenario ("interchangeable") sets
every leniency to 0, so that a judge is a 4th rater exchangeable with the humans: the
like-for-like Spearman gap is 0 there and the Spearman truths are constants (computed once
from 8 studies of 16,000 pairs, ``interchangeable_truth``).

Stage 1 (``stage1_null_study``): 77 users (47 real, 30 synthetic) with 1 + Poisson(24.7)
attributes each (mean 25.7), each judged by the same 3 annotators: latent = user effect
(SD 0.55) + attribute effect (SD 0.55) + annotator leniency (SD 0.2) + N(0, 1) noise, cut
into accepted / uncertain / rejected; real and synthetic users have the same distribution.

A rejection rate of an honest level-.05 test lies in 0.05 ± 2 MC SE (0.031–0.069 for 500
studies); the acceptance band of the project is 0.025–0.075, and intervals must cover at
≥ 0.93. ``--check`` exits non-zero when a reported test or interval misses its band.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

ALPHA = 0.05
CONFIDENCE = 0.95
BAND = (0.025, 0.075)
MIN_COVERAGE = 0.93
CUTS = np.array([-1.0, -0.2, 0.6, 1.4])
#: Latent variances (total 1.0). "view_*": the pair and item effects as one kind of rater sees
#: them, shared by the 3 humans and drawn separately for each judge.
VAR = {
    "pair": 0.1,
    "item": 0.05,
    "view_pair": 0.1,
    "view_item": 0.05,
    "attribute": 0.05,
    "unit": 0.05,
    "noise": 0.6,
}
LENIENCY_SD = 0.2
MENTION_RATES = np.array([0.05, 0.15, 0.30, 0.45, 0.60])
MENTION_SD = {"pair": 1.0, "item": 0.5}
GENERATORS = ("g1", "g2", "g3", "g4", "g5")
#: Fig 7's Spearman exact tests, kept for contrast: over 5 models their attainable sizes at
#: or below .05 are 2/120 (two-sided, rho = ±1) and 5/120 (one-sided, rho >= 0.9)
FIG7_SPEARMAN_TWO_SIDED = "fig7.spearman exact permutation two-sided (conservative, contrast)"
FIG7_SPEARMAN_ONE_SIDED = "fig7.spearman exact permutation one-sided (conservative, contrast)"
ATTAINABLE = {FIG7_SPEARMAN_TWO_SIDED: 2 / 120, FIG7_SPEARMAN_ONE_SIDED: 5 / 120}
RESULTS = Path(__file__).resolve().parent / "results"


# ---- Stage 3 null study ------------------------------------------------------------------------
def expected_rating(leniency) -> np.ndarray:
    """E[rating | leniency]: the latent is Gaussian with variance Σ VAR, so
    E = 1 + Σ_k Φ((leniency − cut_k) / sd)."""
    from scipy.special import ndtr

    sd = np.sqrt(sum(VAR.values()))
    a = np.asarray(leniency, dtype=float)[..., None]
    return 1.0 + ndtr((a - CUTS) / sd).sum(axis=-1)


def matched_leniency(target: float) -> float:
    """Leniency whose expected rating is ``target`` (monotone: bisection by brentq)."""
    from scipy.optimize import brentq

    return float(brentq(lambda a: expected_rating(a) - target, -6.0, 6.0))


def marginal_mention_rate(rate: float) -> float:
    """Population mention rate with the logit random effects (Gauss–Hermite, 60 nodes)."""
    from scipy.special import expit, logit

    x, w = np.polynomial.hermite_e.hermegauss(60)
    s = np.hypot(MENTION_SD["pair"], MENTION_SD["item"])
    return float((w * expit(logit(rate) + s * x)).sum() / w.sum())


@dataclass
class Stage3Study:
    h: np.ndarray  # units × 3 humans
    judges: np.ndarray  # units × 5 judges
    mention: np.ndarray  # units (0/1)
    units: object  # recenter.stage3.data.Units
    truth_human_mean: float
    truth_judge_mean: np.ndarray  # (5,)


def _ordinal(latent) -> np.ndarray:
    return (1 + np.searchsorted(CUTS, latent)).astype(float)


def stage3_null_study(
    rng, n_pairs: int = 16, n_attr: int = 73, extra: int = 2, interchangeable: bool = False
) -> Stage3Study:
    from recenter.stage3.data import Units

    n_gen = len(GENERATORS)
    # attributes per pair: 1 + multinomial, summing to n_attr (>= 1 each)
    per_pair = 1 + rng.multinomial(n_attr - n_pairs, np.full(n_pairs, 1.0 / n_pairs))
    pair_of_attr = np.repeat(np.arange(n_pairs), per_pair)
    items = np.arange(n_pairs * n_gen)  # item = pair * 5 + generator
    unit_item, unit_attr = [], []
    for p in range(n_pairs):
        attrs = np.flatnonzero(pair_of_attr == p)
        for g in range(n_gen):
            unit_item.extend([p * n_gen + g] * attrs.size)
            unit_attr.extend(attrs.tolist())
    next_attr = n_attr
    for i in rng.choice(items.size, size=extra, replace=False):  # item-specific extras
        unit_item.append(int(i))
        unit_attr.append(next_attr)
        next_attr += 1
    unit_item = np.array(unit_item)
    unit_attr = np.array(unit_attr)
    order = np.lexsort((unit_attr, unit_item))
    unit_item, unit_attr = unit_item[order], unit_attr[order]
    unit_pair = unit_item // n_gen
    unit_gen = unit_item % n_gen
    n = unit_item.size

    sd = {k: np.sqrt(v) for k, v in VAR.items()}
    shared = (
        sd["pair"] * rng.standard_normal(n_pairs)[unit_pair]
        + sd["item"] * rng.standard_normal(items.size)[unit_item]
        + sd["attribute"] * rng.standard_normal(next_attr)[unit_attr]
        + sd["unit"] * rng.standard_normal(n)
    )

    def view(k):  # (n × k) pair and item effects as k separate raters see them
        return (
            sd["view_pair"] * rng.standard_normal((n_pairs, k))[unit_pair]
            + sd["view_item"] * rng.standard_normal((items.size, k))[unit_item]
        )

    human_view = view(1)
    judge_view = view(n_gen)
    if interchangeable:  # judge 1 sees the items as the humans do: a 4th exchangeable rater
        judge_view[:, 0] = human_view[:, 0]
    lenient_h = np.zeros(3) if interchangeable else LENIENCY_SD * rng.standard_normal(3)
    h = _ordinal(
        shared[:, None] + human_view + lenient_h + sd["noise"] * rng.standard_normal((n, 3))
    )
    target = float(expected_rating(lenient_h).mean())
    lenient_j = np.zeros(n_gen) if interchangeable else np.full(n_gen, matched_leniency(target))
    judges = _ordinal(
        shared[:, None] + judge_view + lenient_j + sd["noise"] * rng.standard_normal((n, n_gen))
    )

    from scipy.special import expit, logit

    m_logit = (
        logit(MENTION_RATES)[unit_gen]
        + MENTION_SD["pair"] * rng.standard_normal(n_pairs)[unit_pair]
        + MENTION_SD["item"] * rng.standard_normal(items.size)[unit_item]
    )
    mention = (rng.random(n) < expit(m_logit)).astype(float)

    frame = pl.DataFrame(
        {
            "response_item_id": [f"r{i:03d}" for i in unit_item],
            "attribute_id": [f"a{a:03d}" for a in unit_attr],
            "generator": [GENERATORS[g] for g in unit_gen],
            "user_id": [f"u{p:02d}" for p in unit_pair],
            "prompt_id": [f"p{p:02d}" for p in unit_pair],
        }
    )
    units = Units(
        frame=frame,
        clusters=unit_pair.astype(np.int64),
        n_clusters=n_pairs,
        items=unit_item.astype(np.int64),
        pairs=unit_pair.astype(np.int64),
    )
    return Stage3Study(h, judges, mention, units, target, expected_rating(lenient_j))


# ---- Stage 1 null study ------------------------------------------------------------------------
def stage1_null_study(rng, n_real: int = 47, n_synth: int = 30):
    from recenter.stage1.data import JudgmentMatrix

    n_users = n_real + n_synth
    per_user = 1 + rng.poisson(24.7, n_users)
    user = np.repeat(np.arange(n_users), per_user)
    a = user.size
    latent = (
        0.55 * rng.standard_normal(n_users)[user][:, None]
        + 0.55 * rng.standard_normal(a)[:, None]
        + 0.2 * rng.standard_normal(3)[None, :]
        + rng.standard_normal((a, 3))
    )
    codes = np.searchsorted(np.array([0.45, 1.3]), latent).astype(float)
    is_real = user < n_real
    return JudgmentMatrix(
        attribute_ids=[f"a{i:05d}" for i in range(a)],
        user_ids=[f"u{u:03d}" for u in user],
        datasets=["wildchat" if r else "synthetic" for r in is_real],
        is_real=is_real,
        clusters=user.astype(np.int64),
        cluster_keys=[f"u{u:03d}" for u in range(n_users)],
        annotators=["A1", "A2", "A3"],
        codes=codes,
    )


# ---- one study through the workflow's functions --------------------------------------------------
def _covers(low, high, truth) -> float:
    if low is None or high is None:
        return float("nan")
    return float(low <= truth <= high)


def run_stage3(study: Stage3Study, boot) -> tuple[dict, dict]:
    """p-values (test -> p) and interval hits (interval -> 0/1) of one null study."""
    from recenter.stage3 import analysis

    u, h = study.units, study.h
    p, cov = {}, {}
    res = analysis.judge_analysis(
        "judge1", "llm_judge", study.judges[:, 0], h, study.mention, u, boot
    )
    row = res.row.row(0, named=True)
    gap = res.gap.row(0, named=True)
    p["tab6.cluster_wilcoxon (reported, Holm)"] = row["p_cluster_wilcoxon"]
    p["tab6.signflip (reported)"] = row["p_signflip"]
    p["tab6.unit_wilcoxon (old, contrast)"] = row["p_unit_wilcoxon"]
    p["fig6.gee judge (reported, Holm)"] = gap["p_gee"]
    p["fig6.unit_mannwhitney judge (old, contrast)"] = gap["p_unit_mannwhitney"]
    cov["tab6.difference"] = _covers(row["difference_ci_low"], row["difference_ci_high"], 0.0)
    cov["tab6.mean_rating"] = _covers(
        row["mean_ci_low"], row["mean_ci_high"], study.truth_judge_mean[0]
    )
    cov["tab6.human_mean"] = _covers(
        row["human_mean_ci_low"], row["human_mean_ci_high"], study.truth_human_mean
    )
    cov["fig6.delta judge"] = _covers(gap["ci_low"], gap["ci_high"], 0.0)

    hmean = analysis._unit_mean(h)
    hum = analysis.mention_gap_row("humans", "human", hmean, study.mention, u, boot)
    hum = hum.row(0, named=True)
    p["fig6.gee humans (reported)"] = hum["p_gee"]
    p["fig6.unit_mannwhitney humans (old, contrast)"] = hum["p_unit_mannwhitney"]
    cov["fig6.delta humans"] = _covers(hum["ci_low"], hum["ci_high"], 0.0)

    fig5 = analysis.human_ratings_table(h, u, boot)
    for r in fig5.iter_rows(named=True):
        name = (
            "fig5.mean_rating all"
            if r["generator"] == analysis.ALL
            else ("fig5.mean_rating per generator")
        )
        cov.setdefault(name, [])
        cov[name].append(_covers(r["ci_low"], r["ci_high"], study.truth_human_mean))

    rates = analysis.mention_rates(study.mention, u, boot)
    from scipy.stats import binomtest

    from recenter.stats import ratings as rs

    cov["fig7.mention_rate Korn-Graubard (reported)"] = []
    cov["fig7.mention_rate bootstrap (old, contrast)"] = []
    cov["fig7.mention_rate Clopper-Pearson (old, units independent)"] = []
    gens = u.generators
    for r, rate in zip(rates.iter_rows(named=True), MENTION_RATES, strict=True):
        truth = marginal_mention_rate(float(rate))
        cov["fig7.mention_rate Korn-Graubard (reported)"].append(
            _covers(r["ci_low"], r["ci_high"], truth)
        )
        sel = gens == r["model"]
        e = rs.ratio_bootstrap(
            np.where(sel, study.mention, 0.0), sel, u.clusters, u.n_clusters, **boot.kwargs()
        )
        e = rs.small_cluster(e, 16, boot.confidence)
        cov["fig7.mention_rate bootstrap (old, contrast)"].append(
            _covers(e.ci_low, e.ci_high, truth)
        )
        ci = binomtest(r["n_mention"], r["n_units"]).proportion_ci(method="exact")
        cov["fig7.mention_rate Clopper-Pearson (old, units independent)"].append(
            _covers(ci.low, ci.high, truth)
        )
    # Fig 7: each model's Δ as a judge (difference of means, as in Fig 6) vs its mention rate
    m = study.mention == 1
    deltas = study.judges[m].mean(axis=0) - study.judges[~m].mean(axis=0)
    summary = analysis.rank_correlation_summary(rates["mention_rate"].to_numpy(), deltas)
    p["fig7.pearson exact permutation two-sided (reported)"] = summary["p_permutation_pearson"]
    p[FIG7_SPEARMAN_TWO_SIDED] = summary["p_spearman_exact_conservative"]
    p[FIG7_SPEARMAN_ONE_SIDED] = summary["p_spearman_one_sided_conservative"]
    p["fig7.spearman asymptotic t (contrast, unreliable)"] = summary["p_spearman_asymptotic"]
    return p, cov


def run_interchangeable(study: Stage3Study, boot, truth: dict) -> dict:
    from recenter.stage3 import analysis

    u, h = study.units, study.h
    row = analysis.judge_analysis(
        "judge1", "reward_model", study.judges[:, 0], h, study.mention, u, boot
    ).row.row(0, named=True)
    agree = analysis.agreement_table(["h1", "h2", "h3"], h, u, boot)
    mean_rho = agree.filter(pl.col("statistic") == "mean pairwise Spearman rho").row(0, named=True)
    # each annotator pair's rho: the humans are exchangeable, so every pair has the same truth
    per_pair = agree.filter(pl.col("statistic") == "Spearman rho")
    return {
        "tab6.spearman_gap_like_for_like (interchangeable)": _covers(
            row["spearman_gap_ci_low"], row["spearman_gap_ci_high"], 0.0
        ),
        "tab6.spearman with mean human (interchangeable)": _covers(
            row["spearman_ci_low"], row["spearman_ci_high"], truth["spearman"]
        ),
        "agreement.mean pairwise Spearman (interchangeable)": _covers(
            mean_rho["ci_low"], mean_rho["ci_high"], truth["pairwise"]
        ),
        "agreement.Spearman per annotator pair (interchangeable)": [
            _covers(r["ci_low"], r["ci_high"], truth["pairwise"])
            for r in per_pair.iter_rows(named=True)
        ],
    }


def interchangeable_truth(seed: int, n_pairs: int = 128_000, chunk: int = 16_000) -> dict:
    """Population values in the interchangeable scenario: the mean over independent studies
    of ``chunk`` pairs each (``n_pairs`` in all; 128,000: Monte Carlo SE of the pairwise rho
    about 0.0006, measured from the spread of the 8 studies). The bias of a study of 16,000
    pairs is negligible (O(1/G)). A single study of 4,000 pairs, used before, has an SE of
    about 0.004, a tenth of an interval's half-width: it moved the measured coverage of the
    Spearman intervals by about a percentage point."""
    from recenter.stats import ratings as rs

    rng = np.random.default_rng(seed)
    vals = []
    for _ in range(max(1, n_pairs // chunk)):
        size = min(chunk, n_pairs)
        big = stage3_null_study(
            rng, n_pairs=size, n_attr=size * 73 // 16, extra=0, interchangeable=True
        )
        h = big.h
        pairwise = np.mean([rs.spearman(h[:, a], h[:, b]) for a, b in ((0, 1), (0, 2), (1, 2))])
        vals.append((rs.spearman(big.judges[:, 0], h.mean(axis=1)), float(pairwise)))
    spearman, pairwise = np.mean(vals, axis=0)
    return {"spearman": float(spearman), "pairwise": float(pairwise)}


def run_stage1(jm, boot) -> tuple[dict, dict]:
    from recenter.stage1 import quality

    res = quality.label_shares(jm, boot)
    row = res.table.filter(pl.col("group_kind") == "difference").row(0, named=True)
    return (
        {"stage1.gap user-label permutation (reported)": row["p_permutation"]},
        {"stage1.gap real minus synthetic": _covers(row["ci_low"], row["ci_high"], 0.0)},
    )


# ---- driver ------------------------------------------------------------------------------
def calibrate(
    n_studies: int, replicates: int, seed: int, progress: bool = True, truth_pairs: int = 128_000
):
    """Run ``n_studies`` null studies of each kind; returns (rates, coverage) DataFrames."""
    from recenter.stats.bootstrap import BootstrapConfig

    boot = BootstrapConfig(replicates=replicates, seed=7, confidence=CONFIDENCE)
    rng = np.random.default_rng(seed)
    truth = interchangeable_truth(seed + 1, truth_pairs)
    pvals: dict[str, list] = {}
    hits: dict[str, list] = {}

    def add(store, d):
        for k, v in d.items():
            store.setdefault(k, []).extend(v if isinstance(v, list) else [v])

    t0 = time.time()
    for s in range(n_studies):
        p, c = run_stage3(stage3_null_study(rng), boot)
        add(pvals, p)
        add(hits, c)
        add(hits, run_interchangeable(stage3_null_study(rng, interchangeable=True), boot, truth))
        p, c = run_stage1(stage1_null_study(rng), boot)
        add(pvals, p)
        add(hits, c)
        if progress and (s + 1) % max(1, n_studies // 20) == 0:
            el = time.time() - t0
            print(
                f"  {s + 1}/{n_studies} studies, {el:.0f} s, "
                f"~{el / (s + 1) * (n_studies - s - 1):.0f} s left",
                file=sys.stderr,
            )
    rate_rows = []
    for k, v in pvals.items():
        x = np.array([np.nan if q is None else q for q in v], dtype=float)
        x = x[~np.isnan(x)]
        r = float((x <= ALPHA).mean()) if x.size else float("nan")
        rate_rows.append(
            {
                "test": k,
                "alpha": ALPHA,
                "rejection_rate": r,
                "n_sim": int(x.size),
                "mc_se": float(np.sqrt(r * (1 - r) / max(x.size, 1))),
            }
        )
    cov_rows = []
    for k, v in hits.items():
        x = np.array(v, dtype=float)
        x = x[~np.isnan(x)]
        c = float(x.mean()) if x.size else float("nan")
        cov_rows.append(
            {
                "interval": k,
                "confidence": CONFIDENCE,
                "coverage": c,
                "n_sim": int(x.size),
                "mc_se": float(np.sqrt(c * (1 - c) / max(x.size, 1))),
            }
        )
    return pl.DataFrame(rate_rows), pl.DataFrame(cov_rows)


def failures(rates: pl.DataFrame, coverage: pl.DataFrame) -> list[str]:
    """Reported tests outside BAND and intervals below MIN_COVERAGE (contrast rows and rows
    marked 'units independent' or 'unreliable' are measured, not required). Fig 7's Spearman
    exact tests (contrast, ATTAINABLE) cannot reach the band over 5 models: they must not
    exceed their attainable size (by more than 3 MC SE)."""
    out = []
    for r in rates.iter_rows(named=True):
        rate = r["rejection_rate"]
        if r["test"] in ATTAINABLE:
            level = ATTAINABLE[r["test"]]
            if rate > level + 3 * np.sqrt(level * (1 - level) / r["n_sim"]):
                out.append(f"{r['test']}: rejection rate {rate:.3f} > attainable {level:.3f}")
            else:
                print(
                    f"below the band by construction (5 models, attainable size "
                    f"{level:.3f}; contrast only): {r['test']} {rate:.3f}"
                )
        elif "reported" in r["test"] and "unreliable" not in r["test"]:
            if not BAND[0] <= rate <= BAND[1]:
                out.append(f"{r['test']}: rejection rate {rate:.3f}")
    for r in coverage.iter_rows(named=True):
        if "old" not in r["interval"] and r["coverage"] < MIN_COVERAGE:
            out.append(f"{r['interval']}: coverage {r['coverage']:.3f}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=500)
    ap.add_argument("--replicates", type=int, default=499)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--check", action="store_true", help="exit 1 if a band is missed")
    a = ap.parse_args()
    t0 = time.time()
    rates, coverage = calibrate(a.studies, a.replicates, a.seed)
    from recenter.outputs import atomic_write

    a.out.mkdir(parents=True, exist_ok=True)
    atomic_write(a.out / "calibration.csv", lambda p: rates.write_csv(p, float_precision=4))
    atomic_write(a.out / "coverage.csv", lambda p: coverage.write_csv(p, float_precision=4))
    with pl.Config(tbl_rows=50, fmt_str_lengths=70, tbl_width_chars=140):
        print(rates)
        print(coverage)
    print(
        f"{a.studies} studies × (Stage 3 null, Stage 3 interchangeable, Stage 1 null), "
        f"{a.replicates} bootstrap replicates, seed {a.seed}: {time.time() - t0:.0f} s"
    )
    bad = failures(rates, coverage)
    for b in bad:
        print("OUT OF BAND:", b)
    return 1 if (a.check and bad) else 0


if __name__ == "__main__":
    sys.exit(main())
