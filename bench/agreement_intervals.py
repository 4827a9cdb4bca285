"""Candidate 95% intervals for the Stage-3 Spearman rhos at 16 clusters: the human agreement's
mean pairwise rho and each pair's rho, and Table 6's rho of a judge with the mean human (run by
hand; issue 9):

    nice -n 5 .venv/bin/python bench/agreement_intervals.py [--studies 3000] [--replicates 499]

(seed 20261202; 137 s on the shared 2-core machine, 2026-12-06). The chosen interval,
``jackknife_bc_t_fisher_z_widened``, is what ``recenter.stage3.agreement.agreement_table``
reports (``recenter.stats.bootstrap.jackknife_fisher_z_interval``).

On the interchangeable null studies of ``bench/calibration.py`` (``stage3_null_study(rng,
interchangeable=True)``: 16 users, 3 exchangeable humans; truth from ``interchangeable_truth``,
the same for every pair), each candidate's coverage and mean width are written to
``bench/results/agreement_intervals.csv`` (candidate, row, coverage, mc_se, mean_width,
share_truth_above: misses with the truth above the interval, n_sim). ``row`` is ``mean``
(mean over the 3 pairs), ``pair`` (the 3 pairs pooled, 3 rows per study) or ``judge`` (the
interchangeable judge's rho with the mean of the 3 humans; truth ``spearman``). Candidates
(θ̂ the estimate, z = atanh, θ̂₍ᵢ₎ the leave-one-user-out values, G the users,
f = sqrt(G/(G−1)) t_{G−1}/z the small-cluster factor of the workflow):

- ``bca_widened`` (the workflow before): BCa percentile interval (jackknife acceleration),
  then widened about θ̂ by f.
- ``percentile_widened``: percentile interval widened about θ̂ by f.
- ``bca_widened_fisher_z``: the BCa interval widened by f on the z scale.
- ``jackknife_t``: θ̂ ± t_{G−1} SE_J on the rho scale, SE_J² = (G−1)/G Σ(θ̂₍ᵢ₎ − θ̄₍.₎)².
- ``jackknife_t_fisher_z``: the same on the z scale, back-transformed by tanh.
- ``jackknife_bc_t_fisher_z``: on the z scale about the jackknife bias-corrected estimate
  G z(θ̂) − (G−1) mean z(θ̂₍ᵢ₎), ± t_{G−1} SE_J of z, back-transformed.
- ``bootstrap_t_fisher_z``: studentized bootstrap on the z scale with the jackknife SE of each
  resample (its G draws left out one at a time), quantiles of t* = (z* − z)/SE_J*.
- ``bootstrap_t_bc_fisher_z``: the same about the jackknife bias-corrected z.
- ``basic_widened`` / ``basic_widened_fisher_z``: the basic (reflected percentile) interval
  [2θ̂ − q_hi, 2θ̂ − q_lo], widened about θ̂ by f, on the rho or the z scale.
- ``jackknife_bc_t_fisher_z_cr1``: ``jackknife_bc_t_fisher_z`` with SE_J × sqrt(G/(G−1)).
- ``bootstrap_t_fisher_z_widened``: ``bootstrap_t_fisher_z`` widened about z by f.
- ``jackknife_bc_t_fisher_z_widened``: ``jackknife_bc_t_fisher_z`` widened about z_bc by f.
- ``jackknife_bc_bootse_t_fisher_z``: z_bc ± t_{G−1} SD(z*) sqrt(G/(G−1)) (bootstrap SE).
"""

from __future__ import annotations

import argparse
import sys
import time
from itertools import combinations
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))
import calibration as cal

CANDIDATES = (
    "bca_widened",
    "percentile_widened",
    "bca_widened_fisher_z",
    "jackknife_t",
    "jackknife_t_fisher_z",
    "jackknife_bc_t_fisher_z",
    "bootstrap_t_fisher_z",
    "bootstrap_t_bc_fisher_z",
    "basic_widened",
    "basic_widened_fisher_z",
    "jackknife_bc_t_fisher_z_cr1",
    "bootstrap_t_fisher_z_widened",
    "jackknife_bc_t_fisher_z_widened",
    "jackknife_bc_bootse_t_fisher_z",
)


def _inner_jackknife_se(counts: np.ndarray, pairs, n_clusters: int) -> np.ndarray:
    """Jackknife SE on the z scale of each resample's statistic (mean of the pairs' rho; one
    column per pair and the mean last): each of its G draws left out in turn (a cluster drawn
    k times gives k equal values). Returns (B, n_pairs + 1)."""
    from recenter.stats import spearman_grid as g

    b = counts.shape[0]
    rows = np.repeat(counts, n_clusters, axis=0)  # (B·G) rows: resample b, cluster i left out
    idx = np.arange(rows.shape[0])
    left = np.tile(np.arange(n_clusters), b)
    rows[idx, left] -= 1.0
    mult = counts.reshape(-1)  # how many draws each row stands for
    valid = mult > 0
    rows[~valid] = 1.0  # placeholder, weight 0 below
    vals = np.stack([g.pair_rho_chunk(rows, p, whole=True) for p in pairs], axis=1)
    vals = np.column_stack([vals, np.nanmean(vals, axis=1)])
    z = np.arctanh(np.clip(vals, -0.999999, 0.999999)).reshape(b, n_clusters, -1)
    w = np.where(valid, mult, 0.0).reshape(b, n_clusters, 1)
    gg = w.sum(axis=1, keepdims=True)
    mean = (w * z).sum(axis=1, keepdims=True) / gg
    return np.sqrt((gg[:, 0] - 1) / gg[:, 0] * (w * (z - mean) ** 2).sum(axis=1))


def intervals(
    h: np.ndarray, clusters: np.ndarray, n_clusters: int, replicates: int, judge=None
) -> dict:
    """{(candidate, 'mean' | 'pair<k>' | 'judge'): (low, high)} for one study; 'judge' (with
    ``judge``: one rater's ratings) is Table 6's rho of the judge with the mean human."""
    from scipy.stats import t as t_dist

    from recenter.stats import ratings as rs
    from recenter.stats import spearman as sp
    from recenter.stats.bootstrap import bca_interval, resample_counts, small_cluster_factor

    conf = cal.CONFIDENCE
    kw = {"replicates": replicates, "seed": 7, "confidence": conf}
    mean_e, pair_es = rs.pairwise_spearman_bootstrap(h, clusters, n_clusters, **kw)
    ab = list(combinations(range(h.shape[1]), 2))
    pairs = [sp._pair(h[:, a], h[:, b], clusters, n_clusters) for a, b in ab]
    jack_pairs = [rs.spearman_jackknife(h[:, a], h[:, b], clusters) for a, b in ab]
    jack_mean = rs.pairwise_spearman_jackknife(h, clusters)
    counts = np.concatenate(list(resample_counts(n_clusters, replicates, 7)))
    se_star = _inner_jackknife_se(counts, pairs, n_clusters)
    g = n_clusters
    f = small_cluster_factor(g, conf)
    tq = t_dist.ppf(1 - (1 - conf) / 2, g - 1)
    out = {}
    rows = [("mean", mean_e, jack_mean, len(pairs))]  # se_star: pairs, then their mean
    for k, ((_, _, e), j) in enumerate(zip(pair_es, jack_pairs, strict=True)):
        rows.append((f"pair{k}", e, j, k))
    if judge is not None:
        hmean = np.nanmean(h, axis=1)
        e = rs.spearman_bootstrap(judge, hmean, clusters, n_clusters, **kw)
        jp = sp._pair(np.asarray(judge, float), hmean, clusters, n_clusters)
        se_j = _inner_jackknife_se(counts, [jp], n_clusters)[:, :1]
        se_star = np.column_stack([se_star, se_j])
        jack_j = rs.spearman_jackknife(judge, hmean, clusters)
        rows.append(("judge", e, jack_j, se_star.shape[1] - 1))
    for name, e, jack, col in rows:
        est, reps = e.estimate, e.replicates
        lo, hi = bca_interval(est, reps, jack, conf)
        out["bca_widened", name] = (est + f * (lo - est), est + f * (hi - est))
        z = np.arctanh(est)
        out["bca_widened_fisher_z", name] = tuple(
            np.tanh(z + f * (np.arctanh(v) - z)) for v in (lo, hi)
        )
        plo, phi = np.nanquantile(reps, [(1 - conf) / 2, 1 - (1 - conf) / 2])
        out["percentile_widened", name] = (est + f * (plo - est), est + f * (phi - est))
        jk = jack[~np.isnan(jack)]
        gj = jk.size
        se = np.sqrt((gj - 1) / gj * ((jk - jk.mean()) ** 2).sum())
        out["jackknife_t", name] = (est - tq * se, est + tq * se)
        zj = np.arctanh(jk)
        se_z = np.sqrt((gj - 1) / gj * ((zj - zj.mean()) ** 2).sum())
        out["jackknife_t_fisher_z", name] = (np.tanh(z - tq * se_z), np.tanh(z + tq * se_z))
        zbc = gj * z - (gj - 1) * zj.mean()
        out["jackknife_bc_t_fisher_z", name] = (
            np.tanh(zbc - tq * se_z),
            np.tanh(zbc + tq * se_z),
        )
        zs = np.arctanh(np.clip(reps, -0.999999, 0.999999))
        tstar = (zs - z) / se_star[:, col]
        tstar = tstar[np.isfinite(tstar)]
        qlo, qhi = np.quantile(tstar, [(1 - conf) / 2, 1 - (1 - conf) / 2])
        out["bootstrap_t_fisher_z", name] = (np.tanh(z - qhi * se_z), np.tanh(z - qlo * se_z))
        out["bootstrap_t_bc_fisher_z", name] = (
            np.tanh(zbc - qhi * se_z),
            np.tanh(zbc - qlo * se_z),
        )
        out["basic_widened", name] = (est - f * (phi - est), est - f * (plo - est))
        zlo, zhi = np.arctanh(np.clip([plo, phi], -0.999999, 0.999999))
        out["basic_widened_fisher_z", name] = (
            np.tanh(z - f * (zhi - z)),
            np.tanh(z - f * (zlo - z)),
        )
        out["bootstrap_t_fisher_z_widened", name] = (
            np.tanh(z - f * qhi * se_z),
            np.tanh(z - f * qlo * se_z),
        )
        out["jackknife_bc_t_fisher_z_widened", name] = (
            np.tanh(zbc - f * tq * se_z),
            np.tanh(zbc + f * tq * se_z),
        )
        se_b = np.nanstd(zs, ddof=1) * np.sqrt(g / (g - 1))
        out["jackknife_bc_bootse_t_fisher_z", name] = (
            np.tanh(zbc - tq * se_b),
            np.tanh(zbc + tq * se_b),
        )
        out["jackknife_bc_t_fisher_z_cr1", name] = (
            np.tanh(zbc - tq * se_z * np.sqrt(gj / (gj - 1))),
            np.tanh(zbc + tq * se_z * np.sqrt(gj / (gj - 1))),
        )
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--studies", type=int, default=3000)
    ap.add_argument("--replicates", type=int, default=499)
    ap.add_argument("--seed", type=int, default=20261202)
    ap.add_argument("--out", type=Path, default=cal.RESULTS / "agreement_intervals.csv")
    a = ap.parse_args()
    t0 = time.time()
    truths = cal.interchangeable_truth(a.seed + 1)
    print(f"truths {truths}", file=sys.stderr)
    rng = np.random.default_rng(a.seed)
    hits: dict[tuple[str, str], list[float]] = {}
    widths: dict[tuple[str, str], list[float]] = {}
    above: dict[tuple[str, str], list[float]] = {}
    for s in range(a.studies):
        st = cal.stage3_null_study(rng, interchangeable=True)
        res = intervals(st.h, st.units.clusters, st.units.n_clusters, a.replicates, st.judges[:, 0])
        for (cand, name), (lo, hi) in res.items():
            key = (cand, name if name in ("mean", "judge") else "pair")
            truth = truths["spearman" if name == "judge" else "pairwise"]
            hits.setdefault(key, []).append(float(lo <= truth <= hi))
            above.setdefault(key, []).append(float(truth > hi))
            widths.setdefault(key, []).append(float(hi - lo))
        if (s + 1) % max(1, a.studies // 10) == 0:
            print(f"  {s + 1}/{a.studies}, {time.time() - t0:.0f} s", file=sys.stderr)
    rows = []
    for (cand, row), v in hits.items():
        x = np.array(v)
        c = float(x.mean())
        rows.append(
            {
                "candidate": cand,
                "row": row,
                "coverage": c,
                "mc_se": float(np.sqrt(c * (1 - c) / x.size)),
                "mean_width": float(np.mean(widths[cand, row])),
                "share_truth_above": float(np.mean(above[cand, row])),
                "n_sim": int(x.size),
            }
        )
    table = pl.DataFrame(rows).sort("row", "candidate")
    table.write_csv(a.out, float_precision=4)
    with pl.Config(tbl_rows=50, tbl_width_chars=120):
        print(table)
    print(
        f"truths {truths}; {a.studies} studies, {a.replicates} replicates, seed {a.seed}: "
        f"{time.time() - t0:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
