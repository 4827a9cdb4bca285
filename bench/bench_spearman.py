"""Benchmark of the like-for-like Spearman bootstrap (run by hand, not by the test suite):

    .venv/bin/python bench/bench_spearman.py [--scales 1 100] [--per-unit] [--repeat 3]

Synthetic study as in ``bench_stage3.py`` (1–5 ratings of 3 annotators with a shared latent
benefit, 5% missing), one LLM judge on the same scale and one reward model with a continuous
score. Times ``loo_spearman_bootstrap`` (2,000 replicates) of each at scale s: 367·s units in
80·s clusters (scale 1 is the paper's Stage 3, 100 is ``--units 36700 --clusters 8000`` of
``bench_stage3.py``); ``--clusters-per-scale`` changes the 80. With ``--per-unit`` it also
times the per-unit computation the module used before the contingency-table form (weighted
mid-ranks of every unit in every replicate, ``weighted_midranks`` + ``weighted_pearson``,
as in commit 2cb7c55), once, and prints the largest difference of the replicates.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from _timing import best_of


def study(units: int, clusters: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    cl = np.sort(rng.integers(0, clusters, units))
    benefit = rng.normal(0, 1, units)

    def rate(noise):
        return np.clip(np.round(3 + benefit + rng.normal(0, noise, units)), 1, 5)

    h = np.column_stack([rate(1.2) for _ in range(3)])
    h[rng.random(h.shape) < 0.05] = np.nan
    judge = rate(1.5)
    judge[rng.random(units) < 0.05] = np.nan
    reward = benefit + rng.normal(0, 1.0, units)
    return h, judge, reward, cl


def per_unit_loo(rating, h, cl, n_clusters, replicates, seed):
    """The gap replicates of the per-unit computation (before the contingency-table form)."""
    from recenter.stats import ratings as rs
    from recenter.stats.bootstrap import resample_counts

    gaps = []
    for j in range(h.shape[1]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            m = np.nanmean(np.delete(h, j, axis=1), axis=1)
        sel = ~np.isnan(rating) & ~np.isnan(h[:, j]) & ~np.isnan(m)
        sides = []
        for x in (rating[sel], h[sel, j]):
            reps = []
            for counts in resample_counts(n_clusters, replicates, seed):
                w = counts[:, cl[sel]]
                rx, ry = rs.weighted_midranks(x, w), rs.weighted_midranks(m[sel], w)
                reps.append(rs.weighted_pearson(rx, ry, w))
            sides.append(np.concatenate(reps))
        gaps.append(sides[0] - sides[1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(np.stack(gaps), axis=0)


def time_one(name, r, h, cl, clusters, kw, repeat, per_unit) -> str:
    """One line: the new timing (best of ``repeat``) and, with ``per_unit``, the old one."""
    from recenter.stats import ratings as rs

    sec = best_of(lambda: rs.loo_spearman_bootstrap(r, h, cl, clusters, **kw), repeat)
    line = f"  {name:27s} loo_spearman_bootstrap {sec:8.3f} s"
    if per_unit:
        t0 = time.perf_counter()
        old = per_unit_loo(r, h, cl, clusters, kw["replicates"], kw["seed"])
        old_sec = time.perf_counter() - t0
        new = rs.loo_spearman_bootstrap(r, h, cl, clusters, **kw).gap.replicates
        diff = float(np.nanmax(np.abs(new - old)))
        line += f"   per-unit {old_sec:8.3f} s ({old_sec / sec:5.0f}x)   max |diff| {diff:.1e}"
    return line


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scales", type=int, nargs="+", default=[1, 100])
    p.add_argument("--clusters-per-scale", type=int, default=80)
    p.add_argument("--replicates", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--per-unit", action="store_true", help="also time the per-unit form, once")
    a = p.parse_args()

    kw = {"replicates": a.replicates, "seed": 7, "confidence": 0.95}
    for s in a.scales:
        units, clusters = 367 * s, a.clusters_per_scale * s
        h, judge, reward, cl = study(units, clusters)
        print(f"scale {s}: {units} units, 3 annotators, {clusters} clusters, {a.replicates} reps")
        for name, r in (("LLM judge (1-5)", judge), ("reward model (continuous)", reward)):
            print(time_one(name, r, h, cl, clusters, kw, a.repeat, a.per_unit), flush=True)


if __name__ == "__main__":
    main()
