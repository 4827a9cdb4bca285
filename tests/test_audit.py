"""The audit notebooks' check: agreement up to the tables' printed rounding, nothing looser."""

from __future__ import annotations

import numpy as np
import pytest

from recenter import audit


def test_values_either_side_of_a_rounding_boundary_agree() -> None:
    # the workflow's full value 0.9375934999999 prints as 0.937593; the notebook's, 2e-13
    # higher, prints as 0.937594: the same number to the table's precision
    audit.check("boundary", 0.9375935000001, 0.937593)
    audit.check("boundary, other side", 0.9375934999999, 0.937594)


def test_a_difference_beyond_the_rounding_fails() -> None:
    with pytest.raises(audit.AuditError, match="differ by"):
        audit.check("one more in the 6th decimal", 0.9375951, 0.937594)
    with pytest.raises(audit.AuditError):
        audit.check("a count is exact", 11, 12, decimals=None)
    with pytest.raises(audit.AuditError):
        audit.check("one value missing", float("nan"), 0.5)


def test_counts_and_missing_values() -> None:
    audit.check("same count", 12, 12.0, decimals=None)
    audit.check("both missing", None, float("nan"))
    with pytest.raises(audit.AuditError):
        audit.check("a count off by 1e-7", 12.0000001, 12.0, decimals=None)


def _variance_table(low: float, high: float, n_replicates: int, n_dropped: int):
    import polars as pl

    return pl.DataFrame(
        {
            "component": ["user"],
            "share": [0.5],
            "share_ci_low": [low],
            "share_ci_high": [high],
            "n_replicates": [n_replicates],
            "n_dropped": [n_dropped],
        }
    )


def test_variance_replicates_checks_the_interval_against_the_written_replicates(
    tmp_path,
) -> None:
    """audit.variance_replicates recomputes each share's percentile interval from the
    replicates file: a table whose interval is theirs passes, one off in the 3rd decimal or
    counting another number of replicates fails. The expected interval is numpy's linear
    quantile, written out by hand for 0..100 (the 2.5th and 97.5th percentiles of 0, 1, ...,
    100 are 2.5 and 97.5)."""
    import polars as pl

    path = tmp_path / "variance_replicates.parquet"
    # replicates 0..101 drawn, number 7 dropped: 101 kept, shares 0, 1, ..., 100
    kept = [r for r in range(102) if r != 7]
    pl.DataFrame({"replicate": kept, "user": [float(v) for v in range(101)]}).write_parquet(path)
    audit.variance_replicates(
        _variance_table(2.5, 97.5, 101, 1), path, confidence=0.95, why_dropped="test"
    )
    with pytest.raises(audit.AuditError, match="share interval, low"):
        audit.variance_replicates(
            _variance_table(2.501, 97.5, 101, 1), path, confidence=0.95, why_dropped="test"
        )
    with pytest.raises(audit.AuditError, match="replicates kept"):
        audit.variance_replicates(
            _variance_table(2.5, 97.5, 100, 1), path, confidence=0.95, why_dropped="test"
        )


def test_cluster_count_resamples_are_the_row_resamples():
    """bootstrap_counts gives the statistic the resamples of bootstrap as how many times each
    cluster was drawn: a mean from per-cluster sums equals the mean of the copied rows, and a κ
    from count-weighted per-cluster 2 × 2 tables equals scikit-learn's cohen_kappa_score on the
    copied rows, replicate by replicate (same order, same dropped count)."""
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(3)
    users = np.repeat(np.array([f"u{k:02d}" for k in range(12)]), rng.integers(1, 6, size=12))
    rng.shuffle(users)  # rows of a cluster need not be adjacent
    a = rng.integers(0, 2, size=users.size)
    b = np.where(rng.random(users.size) < 0.7, a, 1 - a)
    _, code = np.unique(users, return_inverse=True)

    def per_user(x):
        return np.bincount(code, weights=x, minlength=12)

    rows, dropped_rows = audit.bootstrap(users, lambda i: a[i].mean(), 200, 9)
    n_u, a_u = per_user(np.ones(users.size)), per_user(a)
    counted, dropped_c = audit.bootstrap_counts(users, lambda c: (c @ a_u) / (c @ n_u), 200, 9)
    assert dropped_rows == dropped_c == 0
    np.testing.assert_allclose(counted, rows, rtol=0, atol=1e-12)

    def kappa_rows(i):
        if len(set(a[i]) | set(b[i])) < 2:
            return np.nan
        return cohen_kappa_score(a[i], b[i])

    b_u, agree_u = per_user(b), per_user(a == b)

    def kappa_counts(c):
        n = c @ n_u
        po, pa, pb = (c @ agree_u) / n, (c @ a_u) / n, (c @ b_u) / n
        pe = pa * pb + (1 - pa) * (1 - pb)
        return (po - pe) / (1 - pe) if pe < 1 else np.nan

    rows, dropped_rows = audit.bootstrap(users, kappa_rows, 200, 9)
    counted, dropped_c = audit.bootstrap_counts(users, kappa_counts, 200, 9)
    assert dropped_rows == dropped_c
    np.testing.assert_allclose(counted, rows, rtol=0, atol=1e-12)
    # and a different seed gives different resamples: the comparison above can fail
    other, _ = audit.bootstrap_counts(users, kappa_counts, 200, 10)
    assert not np.allclose(other, rows)


def test_cluster_sums_are_polars_group_sums():
    rng = np.random.default_rng(5)
    clusters = rng.choice(["b", "a", "c", "d"], size=60)
    values = rng.normal(size=(60, 3, 2))
    import polars as pl

    frame = pl.DataFrame(
        {"c": clusters, **{f"v{k}": values.reshape(60, 6)[:, k] for k in range(6)}}
    )
    expected = frame.group_by("c").agg(pl.all().sum()).sort("c").drop("c").to_numpy()
    got = audit.cluster_sums(clusters, values)
    assert got.shape == (4, 3, 2)
    np.testing.assert_allclose(got.reshape(4, 6), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(audit.cluster_sums(clusters, values[:, 0, 0]), expected[:, 0])


def test_cluster_products_are_the_per_cluster_outer_products():
    rng = np.random.default_rng(8)
    clusters = rng.choice(["x", "w", "y"], size=40)
    p, q = rng.normal(size=(40, 3)), rng.normal(size=(40, 2))
    got = audit.cluster_products(clusters, p, q)
    for k, c in enumerate(sorted(set(clusters))):
        rows = clusters == c
        np.testing.assert_allclose(got[k], p[rows].T @ q[rows], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got, audit.cluster_sums(clusters, p[:, :, None] * q[:, None, :]))
