"""Benchmark of the Stage-3 statistics (run by hand, not by the test suite):

    .venv/bin/python bench/bench_stage3.py [--units 367] [--clusters 80] [--annotators 3]

Synthetic 1–5 ratings (units × annotators, a shared latent benefit) in clusters of response
items, plus one judge on the same scale. Times the 2,000-replicate cluster bootstraps that the
Stage-3 jobs run: one Spearman rho (the weighted mid-rank form, one vectorized pass per chunk
of 500 replicates), the mean pairwise Spearman of the annotators, both weighted kappas, ordinal
alpha and a mention gap. Prints one line per step with the best of ``--repeat`` runs. Scale 10
of the simulator is ``--units 3670 --clusters 800``, scale 100 ``--units 36700 --clusters 8000``.
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import best_of


def main() -> None:
    from recenter.stats import ratings as rs

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--units", type=int, default=367)
    p.add_argument("--clusters", type=int, default=80)
    p.add_argument("--annotators", type=int, default=3)
    p.add_argument("--replicates", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()

    rng = np.random.default_rng(0)
    clusters = np.sort(rng.integers(0, a.clusters, a.units))
    benefit = rng.normal(0, 1, a.units)

    def rate(noise):
        return np.clip(np.round(3 + benefit + rng.normal(0, noise, a.units)), 1, 5)

    h = np.column_stack([rate(1.2) for _ in range(a.annotators)])
    judge = rate(1.5)
    mention = (rng.random(a.units) < 0.3).astype(float)
    hmean = h.mean(axis=1)
    kw = {"replicates": a.replicates, "seed": 7, "confidence": 0.95}
    scale = (1, 2, 3, 4, 5)
    steps = {
        "Spearman judge vs human mean": lambda: rs.spearman_bootstrap(
            judge, hmean, clusters, a.clusters, **kw
        ),
        "mean pairwise Spearman of annotators": lambda: rs.pairwise_spearman_bootstrap(
            h, clusters, a.clusters, **kw
        ),
        "mean pairwise weighted kappa (both)": lambda: [
            rs.pairwise_weighted_kappa_bootstrap(h, scale, clusters, a.clusters, k, **kw)
            for k in ("linear", "quadratic")
        ],
        "ordinal alpha": lambda: rs.ordinal_alpha_bootstrap(h, scale, clusters, a.clusters, **kw),
        "mention gap (difference of means)": lambda: rs.difference_of_means_bootstrap(
            judge, mention, clusters, a.clusters, **kw
        ),
    }
    print(f"{a.units} units, {a.annotators} annotators, {a.clusters} clusters, {a.replicates} reps")
    for name, fn in steps.items():
        print(f"  {name:45s} {1000 * best_of(fn, a.repeat):8.1f} ms")


if __name__ == "__main__":
    main()
