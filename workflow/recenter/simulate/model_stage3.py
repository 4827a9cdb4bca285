"""Population values of Stage 3 (preference ratings) of the simulator's model (model.py):
human, LLM-judge and reward-model statistics as exact Gauss-Hermite integrals."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from recenter.simulate.quadrature import (
    gauss_hermite,
    grade_correlation,
    ordinal_probs,
    rank_correlation,
    sum_of_ratings,
    weighted_kappa,
)


def human_offsets(p: dict) -> list[float]:
    """Leniency offsets of the 3 human annotators on the latent scale (0 if not given)."""
    return list(p.get("human_offsets", [0.0, 0.0, 0.0]))


def stage3_cells(p: dict, counts: dict[str, float]):
    """(generator, mention, weight) cells of the design: weight = n_g / N * P(M | g)."""
    total = sum(counts.values())
    for g, n in sorted(counts.items()):
        rho = p["mention_rate"][g]
        yield g, 0, n / total * (1.0 - rho)
        yield g, 1, n / total * rho


def _human_probs(p: dict, b: np.ndarray, m: int, cuts: np.ndarray) -> list[np.ndarray]:
    """P(rating = k | B = b, M = m) of each human annotator (list of (n, 5))."""
    return [ordinal_probs(b + p["eta_human"] * m + o, cuts) for o in human_offsets(p)]


def stage3_population(p: dict, counts: dict[str, float]) -> dict:
    """Population values of Stage 3 for unit counts per generator.

    ``p``: mu_gen {g}, sigma_b, eta_human, cuts (4), mention_rate {g}, human_offsets (3
    annotators' leniency on the latent scale), judges {j: {"alpha", "beta", "delta"}},
    reward_models {k: {"beta"}}. The benefit's split into pair, item and unit effects
    (``benefit_shares``) does not change any value here: every statistic is a function of the
    joint distribution of the ratings *of one unit*, and B is N(mu_g, sigma_b^2) marginally.
    Human pairwise statistics are means over the 3 annotator pairs.
    """
    x, w = gauss_hermite()
    cuts = np.asarray(p["cuts"])
    ks = np.arange(1, 6)
    hs = np.arange(3, 16)
    pairs = [(0, 1), (0, 2), (1, 2)]
    h_joint = {ab: np.zeros((5, 5)) for ab in pairs}
    hsum_dist = np.zeros(13)
    h_mean_m = np.zeros(2)
    m_weight = np.zeros(2)
    gen_mean: dict[str, list[float]] = {}
    judges = sorted(p["judges"])
    j_joint = {j: np.zeros((5, 13)) for j in judges}
    j_mean_m = {j: np.zeros(2) for j in judges}
    for g, m, cw in stage3_cells(p, counts):
        b = p["mu_gen"][g] + p["sigma_b"] * x
        ph = _human_probs(p, b, m, cuts)  # 3 x (n, 5)
        hsum = sum_of_ratings(*ph)  # (n, 13)
        for a, c in pairs:
            h_joint[(a, c)] += cw * np.einsum("n,nk,nl->kl", w, ph[a], ph[c])
        hsum_dist += cw * (w @ hsum)
        eh = (hsum @ hs) / 3.0
        h_mean_m[m] += cw * (w @ eh)
        m_weight[m] += cw
        gm = gen_mean.setdefault(g, [0.0, 0.0])
        gm[0] += cw * (w @ eh)
        gm[1] += cw
        for j in judges:
            jp = p["judges"][j]
            pj = ordinal_probs(jp["alpha"] + jp["beta"] * b + jp["delta"] * m, cuts)
            j_joint[j] += cw * np.einsum("n,nk,nl->kl", w, pj, hsum)
            j_mean_m[j][m] += cw * (w @ (pj @ ks))
    mean_h = float(hsum_dist @ hs / 3.0)
    judge = {}
    delta = {"human": float(h_mean_m[1] / m_weight[1] - h_mean_m[0] / m_weight[0])}
    for j in judges:
        judge[j] = {
            "mean": float(j_joint[j].sum(axis=1) @ ks),
            "spearman_with_human_mean": grade_correlation(j_joint[j]),
        }
        delta[j] = float(j_mean_m[j][1] / m_weight[1] - j_mean_m[j][0] / m_weight[0])
    rm = {k: reward_model_spearman(p, counts, kp["beta"]) for k, kp in p["reward_models"].items()}
    gens = sorted(p["mention_rate"])
    shared = [g for g in gens if g in delta]
    joints = list(h_joint.values())
    out = {
        "human_mean": mean_h,
        "human_mean_by_generator": {g: float(v[0] / v[1]) for g, v in sorted(gen_mean.items())},
        "human_pairwise_spearman": float(np.mean([grade_correlation(t) for t in joints])),
        "human_pairwise_weighted_kappa_linear": float(
            np.mean([weighted_kappa(t, 1) for t in joints])
        ),
        "human_pairwise_weighted_kappa_quadratic": float(
            np.mean([weighted_kappa(t, 2) for t in joints])
        ),
        "no_better_share": float(hsum_dist[hs <= 9].sum()),
        "judge": judge,
        "mention_delta": delta,
        "mention_rate": {g: float(p["mention_rate"][g]) for g in gens},
        "reward_model_spearman": dict(sorted(rm.items())),
    }
    if len(shared) >= 3:
        out["mention_rate_vs_delta_spearman"] = rank_correlation(
            [p["mention_rate"][g] for g in shared], [delta[g] for g in shared]
        )
    return out


def reward_model_spearman(p: dict, counts: dict[str, float], beta: float) -> float:
    """Population Spearman of a continuous score S = beta B + e with the mean human rating.

    rho = Cov(F_S(S), G(H)) / sqrt(Var F_S(S) Var G(H)), Var F_S(S) = 1/12 (S continuous).
    """
    x, w = gauss_hermite(64)
    cuts = np.asarray(p["cuts"])
    cells = list(stage3_cells(p, counts))
    # mixture components of S: N(beta * mu_gen + beta*sigma_b*x_i, 1) with weight cw*w_i
    comp_mean = np.concatenate([beta * (p["mu_gen"][g] + p["sigma_b"] * x) for g, _, _ in cells])
    comp_w = np.concatenate([cw * w for _, _, cw in cells])

    # F_S on a fine grid (step 0.005), linearly interpolated: error < 1e-5
    grid = np.arange(comp_mean.min() - 9.0, comp_mean.max() + 9.0, 0.005)
    cdf_grid = ndtr(grid[:, None] - comp_mean[None, :]) @ comp_w

    def cdf_s(s: np.ndarray) -> np.ndarray:
        return np.interp(s, grid, cdf_grid)

    hsum_dist = np.zeros(13)
    cross = 0.0
    parts = []
    for g, m, cw in cells:
        b = p["mu_gen"][g] + p["sigma_b"] * x
        hsum = sum_of_ratings(*_human_probs(p, b, m, cuts))  # (n, 13)
        s = beta * b[:, None] + x[None, :]  # (n, n_e)
        ef = cdf_s(s) @ w  # E[F_S(S) | b]
        hsum_dist += cw * (w @ hsum)
        parts.append((cw, hsum, ef))
    gh = np.cumsum(hsum_dist) - hsum_dist / 2.0
    mean_g = hsum_dist @ gh
    var_g = hsum_dist @ gh**2 - mean_g**2
    for cw, hsum, ef in parts:
        cross += cw * (w @ (ef * (hsum @ gh)))
    return float((cross - 0.5 * mean_g) / np.sqrt(var_g / 12.0))
