"""Quadrature and the closed forms of the agreement statistics the simulator's population
values use (model.py): Gauss-Hermite nodes, kappas and alignment of binary raters, the grade
correlation of discrete ratings, ordinal rating probabilities and sums of ratings."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.special import ndtr

N_NODES = 96


@lru_cache(maxsize=4)
def gauss_hermite(n: int = N_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of E[f(X)], X ~ N(0, 1) (probabilists' Gauss-Hermite, weights sum 1)."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    return x, w / w.sum()


def cohen_kappa(p_a: float, p_b: float, p11: float) -> float:
    """Cohen's kappa of two binary raters from their rates and joint positive rate.

    kappa = (p_o - p_e) / (1 - p_e), p_o = p11 + p00, p_e = p_a p_b + (1 - p_a)(1 - p_b)
    (Cohen 1960).
    """
    p00 = 1.0 - p_a - p_b + p11
    po = p11 + p00
    pe = p_a * p_b + (1.0 - p_a) * (1.0 - p_b)
    return float((po - pe) / (1.0 - pe))


def binary_alignment(p_sys: float, p_ref: float, tp: float) -> dict[str, float]:
    """Accuracy, precision, recall, F1 and kappa of a binary system against a reference."""
    precision = tp / p_sys
    recall = tp / p_ref
    return {
        "accuracy": float(1.0 - p_sys - p_ref + 2.0 * tp),
        "precision": float(precision),
        "recall": float(recall),
        "f1": float(2.0 * tp / (p_sys + p_ref)),
        "kappa": cohen_kappa(p_sys, p_ref, tp),
    }


def majority_of_three(p1: np.ndarray, p2: np.ndarray, p3: np.ndarray) -> np.ndarray:
    """P(at least 2 of 3 independent events) = p1p2 + p1p3 + p2p3 - 2 p1p2p3."""
    return p1 * p2 + p1 * p3 + p2 * p3 - 2.0 * p1 * p2 * p3


def grade_correlation(joint: np.ndarray) -> float:
    """Population Spearman rho of two discrete variables from their joint probability table.

    rho = corr(G_X(X), G_Y(Y)) with mid-distribution transforms G(x) = P(<x) + P(=x)/2.
    """
    joint = joint / joint.sum()
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    gx = np.cumsum(px) - px / 2.0
    gy = np.cumsum(py) - py / 2.0
    mx, my = px @ gx, py @ gy
    cov = gx @ joint @ gy - mx * my
    vx = px @ gx**2 - mx**2
    vy = py @ gy**2 - my**2
    return float(cov / np.sqrt(vx * vy))


def weighted_kappa(joint: np.ndarray, power: int = 1) -> float:
    """Cohen's weighted kappa with disagreement weights (|k - l| / (K - 1)) ** power: linear
    (power 1) or quadratic (power 2) (Cohen 1968)."""
    joint = joint / joint.sum()
    k = joint.shape[0]
    idx = np.arange(k)
    w = (np.abs(idx[:, None] - idx[None, :]) / (k - 1)) ** power
    expected = np.outer(joint.sum(axis=1), joint.sum(axis=0))
    return float(1.0 - (w * joint).sum() / (w * expected).sum())


def ordinal_probs(latent: np.ndarray, cuts: np.ndarray, sd: float = 1.0) -> np.ndarray:
    """P(rating = k), k = 1..K, of ``latent + N(0, sd^2)`` cut at ``cuts`` (shape (..., K))."""
    latent = np.asarray(latent, dtype=float)
    cdf = ndtr((np.asarray(cuts)[None, :] - latent[..., None]) / sd)
    lower = np.concatenate([np.zeros((*latent.shape, 1)), cdf], axis=-1)
    upper = np.concatenate([cdf, np.ones((*latent.shape, 1))], axis=-1)
    return upper - lower


def sum_of_ratings(*pks: np.ndarray) -> np.ndarray:
    """Distribution of the sum of independent ratings 1..5 (each pk: last axis 5): values
    len(pks)..5 len(pks), by convolution."""
    out = pks[0]
    for pk in pks[1:]:
        n_out = out.shape[-1]
        new = np.zeros((*np.broadcast_shapes(out.shape[:-1], pk.shape[:-1]), n_out + 4))
        for k in range(5):
            new[..., k : k + n_out] += out * pk[..., k : k + 1]
        out = new
    return out


def sum_of_three(pk: np.ndarray) -> np.ndarray:
    """Distribution of the sum of 3 i.i.d. ratings 1..5 (last axis): values 3..15."""
    return sum_of_ratings(pk, pk, pk)


def _average_ranks(x: np.ndarray) -> np.ndarray:
    order = np.argsort(x, kind="stable")
    ranks = np.empty(len(x))
    ranks[order] = np.arange(1, len(x) + 1)
    for v in np.unique(x):  # ties share their average rank
        tie = x == v
        ranks[tie] = ranks[tie].mean()
    return ranks


def rank_correlation(x, y) -> float:
    """Spearman's rho of two short vectors: Pearson correlation of their average ranks."""
    rx, ry = _average_ranks(np.asarray(x, float)), _average_ranks(np.asarray(y, float))
    return float(np.corrcoef(rx, ry)[0, 1])
