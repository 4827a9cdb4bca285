"""Benchmark of the Stage-1 statistics (run by hand, not by the test suite):

    .venv/bin/python bench/bench_stage1.py [--users 77] [--attributes 1983] [--annotators 3]

Synthetic ordinal judgments (attributes × annotators, 0/1/2) in clusters of users, 4 source
datasets, one verifier, and synthetic conversations for the diversity score. Times Fig 2's
shares bootstrap, the agreement table (ordinal and nominal alpha, mean pairwise kappa), one
verifier row and Table 1's TF-IDF diversity. Prints one line per step, best of ``--repeat``.
"""

from __future__ import annotations

import argparse

import numpy as np
from _timing import best_of


def main() -> None:
    import polars as pl

    from recenter.stage1 import diversity, quality, verifiers
    from recenter.stage1.data import JudgmentMatrix
    from recenter.stats.bootstrap import BootstrapConfig

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=77)
    p.add_argument("--attributes", type=int, default=1983)
    p.add_argument("--annotators", type=int, default=3)
    p.add_argument("--conversations", type=int, default=550)
    p.add_argument("--replicates", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=3)
    a = p.parse_args()

    rng = np.random.default_rng(0)
    users = np.sort(rng.integers(0, a.users, a.attributes))
    datasets = np.array(["wildchat", "cupid", "prefeval", "personalens"])[users % 4]
    quality_latent = rng.normal(size=a.attributes)
    noise = rng.normal(size=(a.attributes, a.annotators))
    codes = np.digitize(quality_latent[:, None] + noise, [-0.5, 0.8]).astype(float)
    jm = JudgmentMatrix(
        attribute_ids=[f"a{i:06d}" for i in range(a.attributes)],
        user_ids=[f"u{u:05d}" for u in users],
        datasets=datasets.tolist(),
        is_real=datasets == "wildchat",
        clusters=users.astype(np.int64),
        cluster_keys=[f"u{u:05d}" for u in range(a.users)],
        annotators=[f"H{k}" for k in range(a.annotators)],
        codes=codes,
    )
    boot = BootstrapConfig(a.replicates, 7, 0.95)
    predictions = pl.DataFrame(
        {
            "attribute_id": jm.attribute_ids,
            "problematic": (quality_latent + rng.normal(size=a.attributes)) > 0.5,
            "score": rng.random(a.attributes),
        }
    )
    words = [f"w{k}" for k in range(3000)]
    docs = [" ".join(rng.choice(words, size=60)) for _ in range(a.conversations)]

    steps = {
        f"Fig 2 shares bootstrap ({a.replicates} reps)": lambda: quality.label_shares(jm, boot),
        "agreement table (alpha ordinal/nominal, mean kappa)": lambda: quality.agreement_table(
            jm, boot
        ),
        "one verifier row": lambda: verifiers.verifier_row(jm, "v", "llm", predictions, boot),
        f"TF-IDF diversity of {a.conversations} conversations": lambda: (
            diversity.mean_pairwise_cosine_distance(docs)
        ),
    }
    print(f"{a.attributes} attributes x {a.annotators} annotators, {a.users} users")
    for name, fn in steps.items():
        print(f"{name:55s} {best_of(fn, a.repeat) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
