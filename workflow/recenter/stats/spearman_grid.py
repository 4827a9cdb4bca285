"""Weighted Spearman's rho of many bootstrap replicates from a contingency table of cells.

In a cluster-bootstrap replicate unit i has frequency weight ``counts[b, cluster(i)]``.
Everything Spearman's rho needs from a replicate is a function of the weight of each occupied
*cell*, a distinct (x value, y value) pair: the weight of an x value is the sum over its cells,
its mid-rank is W(< v) + (W(= v) + 1)/2 (a cumulative sum over the sorted values), and the
weighted Pearson correlation of the ranks is a sum over cells. The weight of every cell in
every replicate is one product ``counts @ M``, M (clusters × cells) the number of units of each
cluster in each cell, so a replicate costs O(clusters × cells) instead of O(units): ratings on
the 1–5 grid against a mean of humans have a few dozen cells whatever the number of units.
A continuous variable has about one cell per unit; the same code then does the per-unit work
once (the cells are the units).

Numerics: with integer weights the mid-ranks and the mean rank, (N + 1)/2 for N copies in the
replicate, are exact in floating point; the correlation is taken of centred ranks,
Σ W dx dy / sqrt(Σ W dx² Σ W dy²), as in ``recenter.stats.spearman.weighted_pearson``, so only
the order of the three sums differs from the per-unit computation (a few ulps).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias, cast

import numpy as np
import scipy.sparse as sp

#: entries (replicates × cells) per block of the per-cell arithmetic: a block's temporaries
#: stay in cache when the cells are the units of a continuous score (measured: one replicate
#: per block is then fastest); a few dozen cells take a whole chunk of replicates at once
_BLOCK = 1 << 15
#: incidence matrices (clusters × groups or cells) up to this many entries are dense
_DENSE = 1 << 21

Incidence: TypeAlias = np.ndarray | sp.csr_array  # units of each cluster in each group or cell


@dataclass(frozen=True)
class Variable:
    """A variable's distinct values on the units used: the group (sorted distinct value) of each
    unit and the number of units of each cluster in each group."""

    codes: np.ndarray  # (units,) group of each unit, 0..G−1 in increasing value
    n_groups: int
    by_cluster: Incidence  # (clusters × G) units of cluster c with value group g


def variable(values: np.ndarray, clusters: np.ndarray, n_clusters: int) -> Variable:
    """Group the units by value (no NaN in ``values``; ties are equal floats)."""
    uniq, codes = np.unique(values, return_inverse=True)
    codes = codes.reshape(-1).astype(np.int64)
    return Variable(codes, int(uniq.size), _incidence(clusters, codes, n_clusters, uniq.size))


def _incidence(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> Incidence:
    """(n_rows × n_cols) count of units with each (row, column): a dense float array when it is
    small (a BLAS product, exact for whole numbers below 2**53), else sparse int64."""
    if n_rows * n_cols <= _DENSE:
        m = np.zeros((n_rows, n_cols))
        np.add.at(m, (rows, cols), 1.0)
        return m
    ones = np.ones(rows.size, dtype=np.int64)
    sm = sp.csr_array((ones, (rows, cols)), shape=(n_rows, n_cols))
    sm.sum_duplicates()
    return cast(Incidence, sm)


@dataclass(frozen=True)
class Cells:
    """The occupied (x group, y group) cells of two variables on the same units."""

    gx: np.ndarray  # (K,) x group of each cell
    gy: np.ndarray  # (K,) y group of each cell
    by_cluster: Incidence  # (clusters × K) units of cluster c in cell k


def cells(x: Variable, y: Variable, clusters: np.ndarray, n_clusters: int) -> Cells:
    """The cells of x and y (same units, in the same order as ``clusters``)."""
    key = x.codes * y.n_groups + y.codes
    uniq, cell = np.unique(key, return_inverse=True)
    cell = cell.reshape(-1).astype(np.int64)
    m = _incidence(clusters, cell, n_clusters, uniq.size)
    return Cells(uniq // y.n_groups, uniq % y.n_groups, m)


def as_counts(counts: np.ndarray) -> np.ndarray:
    """Draw counts as int64 when they are whole numbers (bootstrap and jackknife weights): the
    weights of groups and cells, and their cumulative sums, are then integer arithmetic (exact,
    and a cumulative sum of int64 is several times faster than of float64)."""
    if np.issubdtype(np.asarray(counts).dtype, np.integer):
        return np.asarray(counts, dtype=np.int64)
    c = np.asarray(counts, dtype=float)
    whole = bool(np.all(np.abs(c) < 2.0**31) and np.all(c == np.round(c)))
    return c.astype(np.int64) if whole else c


def weights_of(counts: np.ndarray, by_cluster: Incidence) -> np.ndarray:
    """(b × groups) weight of each group (or cell) in each replicate: ``counts @ by_cluster``
    (int64 for int64 counts)."""
    if isinstance(by_cluster, np.ndarray):
        w: np.ndarray = counts.astype(float) @ by_cluster
        return w.astype(np.int64) if np.issubdtype(counts.dtype, np.integer) else w
    return np.ascontiguousarray(np.asarray(counts @ by_cluster))


def blocks(counts: np.ndarray, width: int) -> list[slice]:
    """Row blocks of a chunk of replicates for arrays ``width`` wide (``_BLOCK`` entries)."""
    rows = max(1, _BLOCK // max(width, 1))
    return [slice(s, s + rows) for s in range(0, counts.shape[0], rows)]


@dataclass(frozen=True)
class Ranks:
    """Centred mid-ranks of a variable's groups in each replicate of a block."""

    centred: np.ndarray  # (b × G) mid-rank of the group minus the mean rank (N + 1)/2
    ss: np.ndarray  # (b,) Σ_g W_g centred_g², the weighted sum of squares

    def rows(self, s: slice) -> Ranks:
        return Ranks(self.centred[s], self.ss[s])


def ranks(w: np.ndarray) -> Ranks:
    """Centred mid-ranks of a variable from the weight of each of its groups (b × G, groups in
    increasing value): a value's rank is W(< v) + (W(= v) + 1)/2, the average rank of its
    copies in the expanded sample; the mean rank of the N copies is (N + 1)/2."""
    cum = np.cumsum(w, axis=1)
    n = cum[:, -1:] if w.shape[1] else np.zeros((w.shape[0], 1), dtype=w.dtype)
    # mid-rank − mean rank = (cum − w) + (w + 1)/2 − (n + 1)/2 = cum − (w + n)/2; every term is
    # a multiple of 1/2 below 2**52 for integer weights, so this is exact
    d = cum - 0.5 * (w + n)
    return Ranks(d, np.einsum("bg,bg->b", w * d, d))


def correlation(cov: np.ndarray, rx: Ranks, ry: Ranks) -> np.ndarray:
    """cov / sqrt(ssx · ssy); NaN when either variable is constant in the replicate (or the
    replicate is empty)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(rx.ss * ry.ss)
    return np.where((rx.ss > 0) & (ry.ss > 0), r, np.nan)


Index = np.ndarray | slice  # a gather, or slice(None) when it would be the identity


@dataclass(frozen=True)
class Pair:
    """Two variables on the same units and their cells, ready for any number of replicates.
    ``x_at``/``y_at``: the group of each cell; ``x_cell``/``y_cell``: the cell of each group
    when every group is a single cell (a continuous variable, whose group weights are then read
    off the cells' weights), else None."""

    x: Variable
    y: Variable
    cells: Cells
    x_at: Index
    y_at: Index
    x_cell: Index | None
    y_cell: Index | None


def _index(i: np.ndarray) -> Index:
    return slice(None) if np.array_equal(i, np.arange(i.size)) else i


def _cell_of_group(g: np.ndarray, n_groups: int) -> Index | None:
    if g.size != n_groups:
        return None
    out = np.empty(n_groups, dtype=np.int64)
    out[g] = np.arange(g.size)
    return _index(out)


def pair(x: Variable, y: Variable, clusters: np.ndarray, n_clusters: int) -> Pair:
    """Prepare two variables of the same units (in the order of ``clusters``)."""
    c = cells(x, y, clusters, n_clusters)
    return Pair(
        x,
        y,
        c,
        _index(c.gx),
        _index(c.gy),
        _cell_of_group(c.gx, x.n_groups),
        _cell_of_group(c.gy, y.n_groups),
    )


def _side(counts: np.ndarray, v: Variable, wc: np.ndarray, cell: Index | None) -> Ranks:
    return ranks(weights_of(counts, v.by_cluster) if cell is None else wc[:, cell])


def pair_rho(counts: np.ndarray, p: Pair, ry: Ranks | None = None) -> np.ndarray:
    """(b,) Spearman's rho of the pair in replicates with cluster draw counts (b × clusters,
    ideally ``as_counts``), one block of rows; ``ry``: the y ranks of these rows when already
    known (a shared y)."""
    wc = weights_of(counts, p.cells.by_cluster)
    rx = _side(counts, p.x, wc, p.x_cell)
    if ry is None:
        ry = _side(counts, p.y, wc, p.y_cell)
    cov = np.einsum("bk,bk->b", wc * rx.centred[:, p.x_at], ry.centred[:, p.y_at])
    return correlation(cov, rx, ry)


def variable_ranks(counts: np.ndarray, v: Variable) -> Ranks:
    """Centred ranks of ``v`` in a chunk of replicates (to share between pairs with this y)."""
    counts = as_counts(counts)
    parts = [ranks(weights_of(counts[s], v.by_cluster)) for s in blocks(counts, v.n_groups)]
    if not parts:
        return Ranks(np.empty((0, v.n_groups)), np.empty(0))
    return Ranks(np.concatenate([r.centred for r in parts]), np.concatenate([r.ss for r in parts]))


def pair_rho_chunk(counts: np.ndarray, p: Pair, ry: Ranks | None = None) -> np.ndarray:
    """``pair_rho`` of a chunk of any number of replicates, block by block; ``ry``: the y ranks
    of the whole chunk when already known (``variable_ranks``)."""
    counts = as_counts(counts)
    out = np.empty(counts.shape[0])
    for s in blocks(counts, p.cells.gx.size):
        out[s] = pair_rho(counts[s], p, None if ry is None else ry.rows(s))
    return out
