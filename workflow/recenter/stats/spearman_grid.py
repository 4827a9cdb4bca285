"""Weighted Spearman's rho of many bootstrap replicates from a contingency table of cells.

In a cluster-bootstrap replicate unit i has frequency weight ``counts[b, cluster(i)]``.
Everything Spearman's rho needs from a replicate is a function of the weight of each occupied
*cell*, a distinct (x value, y value) pair: the weight of an x value is the sum over its cells,
its mid-rank is W(< v) + (W(= v) + 1)/2 (a cumulative sum over the sorted values), and the
weighted Pearson correlation of the ranks is a sum over cells. The weight of every cell in
every replicate is one product ``counts @ M``, M (clusters × cells) the number of units of each
cluster in each cell (dense when it is small and full enough for BLAS, else sparse), and the
weights of the values are sums of cells. A replicate costs O(clusters × cells) instead of
O(units): ratings on the 1–5 grid against a mean of humans have a few dozen cells whatever the
number of units. A continuous variable has about one cell per unit; the same code then does
the per-unit work once (the cells are the units), in blocks of replicates that stay in cache.

Numerics: with integer weights (bootstrap draw counts, jackknife 0/1) the weights are int64,
and the mid-ranks, the mean rank (N + 1)/2 of the N copies in the replicate and the centred
ranks are exact; the correlation is taken of centred ranks, Σ W dx dy / sqrt(Σ W dx² Σ W dy²),
as in ``recenter.stats.spearman.weighted_pearson``. Those sums are of multiples of 1/4 and exact
too while below 2**51 (N up to about 10**5 copies), so the result equals the per-unit
computation bit for bit; beyond, or with fractional weights, only the order of the three sums
differs (a few ulps).
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
#: an incidence matrix (clusters × cells) is dense when it has at most this many entries and
#: at least 1/_FILL of them are non-zero (a BLAS product then beats the sparse one)
_DENSE = 1 << 21
_FILL = 8

Incidence: TypeAlias = np.ndarray | sp.csr_array  # units (rows) in each group or cell


def _incidence(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> Incidence:
    """(n_rows × n_cols) count of units with each (row, column), as float64 (whole numbers)."""
    sm = sp.csr_array((np.ones(rows.size), (rows, cols)), shape=(n_rows, n_cols))
    sm.sum_duplicates()
    if n_rows * n_cols <= min(_DENSE, _FILL * sm.nnz):
        return np.asarray(sm.toarray())
    return cast(Incidence, sm)


@dataclass(frozen=True)
class Variable:
    """A variable's distinct values on the units used: the group (sorted distinct value) of each
    unit."""

    codes: np.ndarray  # (units,) group of each unit, 0..G−1 in increasing value
    n_groups: int


def variable(values: np.ndarray) -> Variable:
    """Group the units by value (no NaN in ``values``; ties are equal floats)."""
    uniq, codes = np.unique(values, return_inverse=True)
    return Variable(codes.reshape(-1).astype(np.int64), int(uniq.size))


Index: TypeAlias = np.ndarray | slice  # a gather, or slice(None) when it is the identity


def _index(i: np.ndarray) -> Index:
    return slice(None) if np.array_equal(i, np.arange(i.size)) else i


@dataclass(frozen=True)
class Side:
    """One variable of a pair: the group of each cell (``at``), and how its group weights are
    obtained: ``cell``, the cell of each group when every group is one cell (a continuous
    variable: read off the cells' weights); else ``sums`` times the cells' weights (cells ×
    groups) or, when there are fewer clusters than cells, times the draw counts (clusters ×
    groups, ``from_counts``)."""

    at: Index
    cell: Index | None
    sums: Incidence | None
    from_counts: bool


def _side(g: np.ndarray, v: Variable, clusters: np.ndarray, n_clusters: int) -> Side:
    if g.size == v.n_groups:
        cell = np.empty(v.n_groups, dtype=np.int64)
        cell[g] = np.arange(g.size)
        return Side(_index(g), _index(cell), None, False)
    if n_clusters < g.size:
        return Side(g, None, _incidence(clusters, v.codes, n_clusters, v.n_groups), True)
    return Side(g, None, _incidence(np.arange(g.size), g, g.size, v.n_groups), False)


@dataclass(frozen=True)
class Pair:
    """Two variables on the same units, as their occupied (x group, y group) cells, ready for
    any number of replicates."""

    x: Side
    y: Side
    by_cluster: Incidence  # (clusters × K) units of cluster c in cell k
    n_cells: int


def pair(x: Variable, y: Variable, clusters: np.ndarray, n_clusters: int) -> Pair:
    """Prepare two variables of the same units (in the order of ``clusters``, 0..n−1)."""
    key = x.codes * y.n_groups + y.codes
    uniq, cell = np.unique(key, return_inverse=True)
    m = _incidence(clusters, cell.reshape(-1), n_clusters, uniq.size)
    gx, gy = uniq // y.n_groups, uniq % y.n_groups
    sx, sy = _side(gx, x, clusters, n_clusters), _side(gy, y, clusters, n_clusters)
    return Pair(sx, sy, m, int(uniq.size))


def weights_of(counts: np.ndarray, m: Incidence, whole: bool) -> np.ndarray:
    """(b × columns) ``counts @ m``: the weight of each group or cell in each replicate, int64
    when the counts are ``whole`` numbers (exact: sums of whole numbers below 2**53)."""
    w = np.ascontiguousarray(np.asarray(counts @ m, dtype=float))
    return w.astype(np.int64) if whole else w


def is_whole(counts: np.ndarray) -> bool:
    """Whether draw counts are whole numbers (bootstrap and jackknife weights): group weights
    and their cumulative sums are then int64 (exact, and several times faster)."""
    return bool(np.all(np.abs(counts) < 2.0**31) and np.all(counts == np.round(counts)))


@dataclass(frozen=True)
class Ranks:
    """Centred mid-ranks of a variable's groups in each replicate of a block."""

    centred: np.ndarray  # (b × G) mid-rank of the group minus the mean rank (N + 1)/2
    ss: np.ndarray  # (b,) Σ_g W_g centred_g², the weighted sum of squares


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


def _ranks_of(side: Side, counts: np.ndarray, wc: np.ndarray, whole: bool) -> Ranks:
    if side.cell is not None:
        return ranks(wc[:, side.cell])
    return ranks(weights_of(counts if side.from_counts else wc, side.sums, whole))


def pair_rho(counts: np.ndarray, p: Pair, whole: bool) -> np.ndarray:
    """(b,) Spearman's rho of the pair in replicates with cluster draw counts (b × clusters),
    one block of rows: Σ_cells W dx dy / sqrt(ssx · ssy), NaN when either variable is constant
    in the replicate (or the replicate is empty)."""
    wc = weights_of(counts, p.by_cluster, whole)
    rx, ry = _ranks_of(p.x, counts, wc, whole), _ranks_of(p.y, counts, wc, whole)
    cov = np.einsum("bk,bk->b", wc * rx.centred[:, p.x.at], ry.centred[:, p.y.at])
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(rx.ss * ry.ss)
    return np.where((rx.ss > 0) & (ry.ss > 0), r, np.nan)


def pair_rho_chunk(counts: np.ndarray, p: Pair, whole: bool | None = None) -> np.ndarray:
    """``pair_rho`` of a chunk of any number of replicates, in blocks of rows (``whole``:
    ``is_whole(counts)`` when the caller knows it)."""
    counts = np.asarray(counts, dtype=float)
    whole = is_whole(counts) if whole is None else whole
    rows = max(1, _BLOCK // max(p.n_cells, 1))
    out = np.empty(counts.shape[0])
    for s in range(0, counts.shape[0], rows):
        out[s : s + rows] = pair_rho(counts[s : s + rows], p, whole)
    return out
