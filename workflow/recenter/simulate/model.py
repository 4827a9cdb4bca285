"""The latent-variable model of the simulated study and its population values.

Every rater in every stage is a *threshold model* on Gaussian latents (probit models):

Stage 1 (attribute quality)
    Attribute ``a`` of a user from dataset ``d`` has a latent quality
    ``Q_a = mu_d + sigma_q * xi_a``. Annotator ``j`` sees ``Y_aj = Q_a + o_j + e_aj``
    (``e ~ N(0, 1)``) and answers *accepted* if ``Y >= 0``, *rejected* if ``Y < c_rej``,
    *uncertain* otherwise. A verifier ``v`` flags the attribute as problematic with
    probability ``Phi(-lambda_v * Q_a - t_v)``.

Stage 2 (relevance)
    Item ``i`` (attribute x prompt) of text category ``c`` (style attribute, topical attribute
    whose topic equals / is related to / is unrelated to the prompt's topic) has a latent
    relevance ``Z_i = m_c + R_i`` and an LLM-shared latent ``W_i``, both ``N(0, 1)`` around
    their means. Rater ``r`` votes relevant with probability ``Phi(lambda_r Z + gamma_r W - t_r)``
    (``gamma_r = 0`` for humans and trained models): a multivariate probit in which raters are
    independent given ``(Z, W)``. The shared ``W`` makes LLMs agree with one another more than
    with humans.

Stage 3 (preference ratings)
    Rated unit ``u`` (attribute of a response item of generator ``g``) has a latent benefit
    ``B_u = mu_g + sigma_b * xi_u`` and an explicit-mention indicator ``M_u ~ Bernoulli(rho_g)``.
    A human rates ``Y = B + eta_h M + e`` cut at ``cuts`` into 1..5; LLM judge ``j`` rates
    ``alpha_j + beta_j B + delta_j M + e`` cut at the same ``cuts``; reward model ``k`` scores
    ``beta_k B + e`` (continuous).

Population values (the limit at infinitely many units with the same parameters and the same
design composition) are exact integrals over the latents, computed by Gauss-Hermite
quadrature because raters are conditionally independent given the latents. Spearman's rho of
discrete ratings is the population grade correlation: the Pearson correlation of the mid-rank
transforms ``G(x) = P(X < x) + P(X = x) / 2`` (the limit of the tie-corrected sample rho;
Kruskal 1958, J. Am. Stat. Assoc. 53:814).

Stages 1 and 2 are here; Stage 3 is in ``model_stage3``, the variance components in
``model_variance`` and the quadrature and agreement closed forms in ``quadrature``, all
re-exported from this module.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import ndtr

from recenter.simulate.model_stage3 import (
    human_offsets,
    reward_model_spearman,
    stage3_cells,
    stage3_population,
)
from recenter.simulate.model_variance import (
    benefit_variances,
    stage2_variance_components,
    stage3_variance_components,
)
from recenter.simulate.quadrature import (
    N_NODES,
    binary_alignment,
    cohen_kappa,
    gauss_hermite,
    grade_correlation,
    majority_of_three,
    ordinal_probs,
    rank_correlation,
    sum_of_ratings,
    sum_of_three,
    weighted_kappa,
)

__all__ = [
    "N_NODES",
    "benefit_variances",
    "binary_alignment",
    "cohen_kappa",
    "gauss_hermite",
    "grade_correlation",
    "human_offsets",
    "majority_of_three",
    "ndtr",
    "ordinal_probs",
    "rank_correlation",
    "reward_model_spearman",
    "stage1_label_probs",
    "stage1_population",
    "stage2_population",
    "stage2_variance_components",
    "stage2_vote_probs",
    "stage3_cells",
    "stage3_population",
    "stage3_variance_components",
    "sum_of_ratings",
    "sum_of_three",
    "weighted_kappa",
]

# ---- Stage 1 -------------------------------------------------------------------------------
_PAIRS3 = [(0, 1), (0, 2), (1, 2)]


def stage1_label_probs(
    q: np.ndarray, offset: float, c_rej: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(accepted), P(uncertain), P(rejected) of one annotator given quality ``q``."""
    p_rej = ndtr(c_rej - q - offset)
    p_prob = ndtr(-q - offset)
    return 1.0 - p_prob, p_prob - p_rej, p_rej


def _stage1_pool(p: dict, weights: dict[str, float]) -> tuple[dict, dict]:
    """Label shares per dataset, and the dataset-weighted (pooled) integrals: reference rate
    (majority problematic), any-flag rate, per-annotator and per-pair problematic rates, the
    human ceilings' reference and true positives, each verifier's flag and true-positive rate."""
    x, w = gauss_hermite()
    total = sum(weights.values())
    per_dataset = {}
    pool: dict[str, Any] = {
        "ref": 0.0,
        "flag": 0.0,
        "sys": {v: 0.0 for v in p["verifiers"]},
        "tp": {v: 0.0 for v in p["verifiers"]},
        "pair": np.zeros(3),
        "prob": np.zeros(3),
        "ceiling_ref": np.zeros(3),  # P(both other annotators say problematic)
        "ceiling_tp": np.zeros(3),  # P(all three say problematic)
    }
    for d, wt in sorted(weights.items()):
        share = wt / total
        q = p["mu"][d] + p["sigma_q"] * x
        acc, unc, rej = zip(
            *(stage1_label_probs(q, o, p["c_rej"]) for o in p["offsets"]), strict=True
        )
        prob = [1.0 - a for a in acc]
        per_dataset[d] = {
            "accepted": float(np.mean([w @ a for a in acc])),
            "uncertain": float(np.mean([w @ u for u in unc])),
            "rejected": float(np.mean([w @ r for r in rej])),
        }
        maj = majority_of_three(*prob)
        anyflag = 1.0 - (1.0 - prob[0]) * (1.0 - prob[1]) * (1.0 - prob[2])
        pool["ref"] += share * (w @ maj)
        pool["flag"] += share * (w @ anyflag)
        for k, (a, b) in enumerate(_PAIRS3):
            pool["pair"][k] += share * (w @ (prob[a] * prob[b]))
        for k in range(3):
            pool["prob"][k] += share * (w @ prob[k])
            a, b = (i for i in range(3) if i != k)
            pool["ceiling_ref"][k] += share * (w @ (prob[a] * prob[b]))
            pool["ceiling_tp"][k] += share * (w @ (prob[0] * prob[1] * prob[2]))
        for v, vp in p["verifiers"].items():
            pv = ndtr(-vp["lambda"] * q - vp["t"])
            pool["sys"][v] += share * (w @ pv)
            pool["tp"][v] += share * (w @ (pv * maj))
    return per_dataset, pool


def _prf(p_sys: float, p_ref: float, tp: float) -> dict[str, float]:
    """Precision, recall and F1 of ``binary_alignment``."""
    return {
        k: val
        for k, val in binary_alignment(p_sys, p_ref, tp).items()
        if k in ("precision", "recall", "f1")
    }


def stage1_population(p: dict, weights: dict[str, float]) -> dict:
    """Population values of Stage 1 for dataset weights (share of attributes per dataset).

    ``p``: mu (per dataset), sigma_q, offsets (3 annotators), c_rej, verifiers
    {name: {"lambda", "t"}}, failure_mode_share, real_datasets.
    Reference for verifiers: the attribute is problematic when a majority (>= 2 of 3) of the
    annotators said uncertain or rejected.
    """
    per_dataset, pool = _stage1_pool(p, weights)
    real = [d for d in weights if d in p["real_datasets"]]
    synth = [d for d in weights if d not in p["real_datasets"]]

    def pooled_problematic(ds):
        tot = sum(weights[d] for d in ds)
        return sum(weights[d] / tot * (1.0 - per_dataset[d]["accepted"]) for d in ds)

    prob = pool["prob"]
    kappas = [cohen_kappa(prob[a], prob[b], pool["pair"][k]) for k, (a, b) in enumerate(_PAIRS3)]
    return {
        "label_share": per_dataset,
        "acceptance_rate": {d: v["accepted"] for d, v in per_dataset.items()},
        "problematic_rate_real": pooled_problematic(real),
        "problematic_rate_synthetic": pooled_problematic(synth),
        "problematic_gap_real_minus_synthetic": pooled_problematic(real)
        - pooled_problematic(synth),
        "flagged_share": float(pool["flag"]),
        "majority_problematic_share": float(pool["ref"]),
        "human_pairwise_kappa_problematic": float(np.mean(kappas)),
        "failure_mode_share": dict(p["failure_mode_share"]),
        "verifier": {
            v: _prf(pool["sys"][v], pool["ref"], pool["tp"][v])
            | {"flag_rate": float(pool["sys"][v])}
            for v in p["verifiers"]
        },
        # annotator k against the strict majority of the other two (both problematic; a 1-1
        # tie is not problematic), by annotator index
        "human_ceiling": [
            _prf(prob[k], pool["ceiling_ref"][k], pool["ceiling_tp"][k]) for k in range(3)
        ],
    }


# ---- Stage 2 -------------------------------------------------------------------------------


def stage2_vote_probs(p: dict, category: str) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """P(vote relevant | R, W) on the quadrature grid for every rater, and the grid weights."""
    x, w = gauss_hermite()
    z = p["category_mean"][category] + x[:, None]  # R along axis 0
    ww = x[None, :]  # W along axis 1
    grid_w = np.outer(w, w)
    out = {}
    for r, rp in p["raters"].items():
        out[r] = ndtr(rp["lambda"] * z + rp.get("gamma", 0.0) * ww - rp["t"])
    return out, grid_w


def stage2_population(p: dict, weights: dict[str, float]) -> dict:
    """Population rates, pairwise kappas and alignment with the human majority vote.

    ``p``: category_mean {category: m_c}, raters {id: {"lambda", "gamma", "t", "kind"}} with
    kind in human | llm | trained. ``weights``: share of items per category.
    """
    total = sum(weights.values())
    raters = sorted(p["raters"])
    humans = [r for r in raters if p["raters"][r]["kind"] == "human"]
    pairwise = [r for r in raters if p["raters"][r]["kind"] in ("human", "llm")]
    rate = dict.fromkeys(raters, 0.0)
    joint: dict[tuple[str, str], float] = {}
    cons = 0.0
    tp = dict.fromkeys(raters, 0.0)
    ceil_ref = dict.fromkeys(humans, 0.0)  # P(both other humans vote relevant)
    ceil_tp = dict.fromkeys(humans, 0.0)
    for c, wt in sorted(weights.items()):
        share = wt / total
        probs, gw = stage2_vote_probs(p, c)
        pc = majority_of_three(*(probs[h] for h in humans))
        cons += share * (gw * pc).sum()
        if len(humans) == 3:
            all3 = probs[humans[0]] * probs[humans[1]] * probs[humans[2]]
            for h in humans:
                a, b = (o for o in humans if o != h)
                ceil_ref[h] += share * (gw * probs[a] * probs[b]).sum()
                ceil_tp[h] += share * (gw * all3).sum()
        for r in raters:
            rate[r] += share * (gw * probs[r]).sum()
            tp[r] += share * (gw * probs[r] * pc).sum()
        for i, a in enumerate(pairwise):
            for b in pairwise[i + 1 :]:
                joint[(a, b)] = joint.get((a, b), 0.0) + share * (gw * probs[a] * probs[b]).sum()
    kappa = {f"{a}|{b}": cohen_kappa(rate[a], rate[b], j) for (a, b), j in joint.items()}
    groups: dict[str, list[float]] = {"human_human": [], "llm_llm": [], "llm_human": []}
    for (a, b), _ in joint.items():
        ka, kb = p["raters"][a]["kind"], p["raters"][b]["kind"]
        key = "human_human" if ka == kb == "human" else "llm_llm" if ka == kb else "llm_human"
        groups[key].append(kappa[f"{a}|{b}"])
    return {
        "relevance_rate": {r: float(rate[r]) for r in raters} | {"human_consensus": float(cons)},
        "kappa": dict(sorted(kappa.items())),
        "kappa_groups": {k: float(np.mean(v)) for k, v in groups.items() if v},
        "alignment": {r: binary_alignment(rate[r], cons, tp[r]) for r in raters if r not in humans},
        # each human against the strict majority of the other two (both relevant; a 1-1 tie is
        # not relevant, as in the consensus)
        "human_ceiling": {
            h: binary_alignment(rate[h], ceil_ref[h], ceil_tp[h])
            for h in humans
            if len(humans) == 3
        },
    }
