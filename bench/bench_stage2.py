"""Benchmark of the Stage-2 statistics (run by hand, not by the test suite):

    .venv/bin/python bench/bench_stage2.py [--items 4000] [--raters 8] [--clusters 164]

Synthetic binary votes (items × raters, 5% missing) in clusters of user-prompt pairs. Times the
per-cluster 2×2 tables of every rater pair, the 2,000-replicate cluster bootstrap of the whole
kappa matrix (house style: ~40 ms at paper scale), the rates bootstrap and one system's
alignment bootstrap. Prints one line per step with the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import best_of


def main() -> None:
    from recenter.stage2.agreement import relevance_rates
    from recenter.stage2.data import LabelMatrix
    from recenter.stats import agreement as ag
    from recenter.stats.bootstrap import BootstrapConfig, cluster_bootstrap, cluster_sums
    from recenter.stats.classification import metrics_stack, unit_confusion

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--items", type=int, default=4000)
    p.add_argument("--raters", type=int, default=8)
    p.add_argument("--clusters", type=int, default=164)
    p.add_argument("--replicates", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=5)
    a = p.parse_args()

    rng = np.random.default_rng(0)
    clusters = np.sort(rng.integers(0, a.clusters, a.items))
    latent = rng.random(a.items) < 0.2
    shape = (a.items, a.raters)
    labels = np.where(rng.random(shape) < 0.6, latent[:, None], rng.random(shape) < 0.4)
    labels = labels.astype(float)
    labels[rng.random(labels.shape) < 0.05] = np.nan
    boot = BootstrapConfig(a.replicates, 7, 0.95)

    counts = ag.pairwise_counts(labels, clusters, a.clusters)
    steps = {
        "pairwise 2x2 tables per cluster": lambda: ag.pairwise_counts(labels, clusters, a.clusters),
        f"kappa matrix bootstrap ({a.replicates} reps)": lambda: cluster_bootstrap(
            counts, ag.kappa_matrix_from_counts, **boot.kwargs()
        ),
    }
    lm = LabelMatrix(
        [str(i) for i in range(a.items)],
        clusters,
        [str(c) for c in range(a.clusters)],
        [f"r{j}" for j in range(a.raters)],
        ["human"] * 3 + ["llm"] * (a.raters - 3),
        labels,
    )
    consensus = (np.nansum(labels[:, :3], axis=1) >= 2).astype(float)
    steps["rates + ratios bootstrap"] = lambda: relevance_rates(lm, consensus, boot)
    sums = cluster_sums(unit_confusion(labels[:, -1], consensus), clusters, a.clusters)
    steps["one system's alignment bootstrap"] = lambda: cluster_bootstrap(
        sums, metrics_stack, **boot.kwargs()
    )
    print(f"{a.items} items, {a.raters} raters, {a.clusters} clusters, {a.replicates} replicates")
    for name, fn in steps.items():
        print(f"  {name:45s} {1000 * best_of(fn, a.repeat):8.1f} ms")


if __name__ == "__main__":
    main()
