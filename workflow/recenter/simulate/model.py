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
"""

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


# ---- Stage 1 -------------------------------------------------------------------------------


def stage1_label_probs(
    q: np.ndarray, offset: float, c_rej: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(accepted), P(uncertain), P(rejected) of one annotator given quality ``q``."""
    p_rej = ndtr(c_rej - q - offset)
    p_prob = ndtr(-q - offset)
    return 1.0 - p_prob, p_prob - p_rej, p_rej


def stage1_population(p: dict, weights: dict[str, float]) -> dict:
    """Population values of Stage 1 for dataset weights (share of attributes per dataset).

    ``p``: mu (per dataset), sigma_q, offsets (3 annotators), c_rej, verifiers
    {name: {"lambda", "t"}}, failure_mode_share, real_datasets.
    Reference for verifiers: the attribute is problematic when a majority (>= 2 of 3) of the
    annotators said uncertain or rejected.
    """
    x, w = gauss_hermite()
    total = sum(weights.values())
    per_dataset = {}
    pooled_ref = 0.0
    pooled_flag = 0.0
    pooled_sys = {v: 0.0 for v in p["verifiers"]}
    pooled_tp = {v: 0.0 for v in p["verifiers"]}
    pooled_pair = np.zeros(3)
    pooled_prob = np.zeros(3)
    pooled_ceiling_ref = np.zeros(3)  # P(both other annotators say problematic)
    pooled_ceiling_tp = np.zeros(3)  # P(all three say problematic)
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
        pooled_ref += share * (w @ maj)
        pooled_flag += share * (w @ anyflag)
        for k, (a, b) in enumerate([(0, 1), (0, 2), (1, 2)]):
            pooled_pair[k] += share * (w @ (prob[a] * prob[b]))
        for k in range(3):
            pooled_prob[k] += share * (w @ prob[k])
            a, b = (i for i in range(3) if i != k)
            pooled_ceiling_ref[k] += share * (w @ (prob[a] * prob[b]))
            pooled_ceiling_tp[k] += share * (w @ (prob[0] * prob[1] * prob[2]))
        for v, vp in p["verifiers"].items():
            pv = ndtr(-vp["lambda"] * q - vp["t"])
            pooled_sys[v] += share * (w @ pv)
            pooled_tp[v] += share * (w @ (pv * maj))
    real = [d for d in weights if d in p["real_datasets"]]
    synth = [d for d in weights if d not in p["real_datasets"]]

    def pooled_problematic(ds):
        tot = sum(weights[d] for d in ds)
        return sum(weights[d] / tot * (1.0 - per_dataset[d]["accepted"]) for d in ds)

    kappas = [
        cohen_kappa(pooled_prob[a], pooled_prob[b], pooled_pair[k])
        for k, (a, b) in enumerate([(0, 1), (0, 2), (1, 2)])
    ]
    return {
        "label_share": per_dataset,
        "acceptance_rate": {d: v["accepted"] for d, v in per_dataset.items()},
        "problematic_rate_real": pooled_problematic(real),
        "problematic_rate_synthetic": pooled_problematic(synth),
        "problematic_gap_real_minus_synthetic": pooled_problematic(real)
        - pooled_problematic(synth),
        "flagged_share": float(pooled_flag),
        "majority_problematic_share": float(pooled_ref),
        "human_pairwise_kappa_problematic": float(np.mean(kappas)),
        "failure_mode_share": dict(p["failure_mode_share"]),
        "verifier": {
            v: {
                k: val
                for k, val in binary_alignment(pooled_sys[v], pooled_ref, pooled_tp[v]).items()
                if k in ("precision", "recall", "f1")
            }
            | {"flag_rate": float(pooled_sys[v])}
            for v in p["verifiers"]
        },
        # annotator k against the strict majority of the other two (both problematic; a 1-1
        # tie is not problematic), by annotator index
        "human_ceiling": [
            {
                m: val
                for m, val in binary_alignment(
                    pooled_prob[k], pooled_ceiling_ref[k], pooled_ceiling_tp[k]
                ).items()
                if m in ("precision", "recall", "f1")
            }
            for k in range(3)
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
    joint = {}
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


# ---- Stage 3 -------------------------------------------------------------------------------


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


def benefit_variances(p: dict) -> dict[str, float]:
    """Latent-scale variances of the Stage-3 benefit's pair, item and unit effects."""
    shares = p.get("benefit_shares", {"pair": 0.0, "item": 0.0, "unit": 1.0})
    return {k: float(p["sigma_b"] ** 2 * shares[k]) for k in ("pair", "item", "unit")}


def stage3_variance_components(p: dict, counts: dict[str, float]) -> dict:
    """Population variance components of the human 1-5 ratings, on the rating scale, as a
    linear mixed model with fixed generator and annotator effects estimates them:

    rating = generator + annotator + pair + item (within pair) + unit (within item) + residual.

    With latent ``B = mu_g + P + I + U`` (pair, item and unit effects, variances from
    ``benefit_variances``), the component of a level is the covariance of two ratings that
    share that level's latents and nothing below it, net of the levels above: pair = Cov of
    ratings of different items of one pair (different generators, every annotator pair),
    item = Cov of different units of one item minus pair, unit = Cov of two annotators' ratings
    of one unit minus item and pair; residual = E Var(rating | latents, annotator); annotator =
    variance (ddof 1, the estimate a 3-level random effect targets) of the annotators' mean
    ratings. Each Cov is an exact Gauss-Hermite integral over the shared latent; the explicit
    mention M is unit-level and integrated out. Averages over the design cells (generators by
    their unit counts). ``share`` = component / sum of the five components.
    """
    x, w = gauss_hermite(64)
    cuts = np.asarray(p["cuts"])
    ks = np.arange(1, 6, dtype=float)
    v = benefit_variances(p)
    offs = human_offsets(p)
    total = sum(counts.values())
    gens = sorted(counts)
    share = {g: counts[g] / total for g in gens}

    def cond_mean(g: str, h: int, s: np.ndarray, rest: float, m=None) -> np.ndarray:
        """E[rating | shared latent s] of annotator h on generator g's units; the latent not
        shared has variance ``rest`` (plus the unit N(0, 1) noise); M integrated unless given."""
        sd = np.sqrt(rest + 1.0)
        rho = p["mention_rate"][g]
        base = p["mu_gen"][g] + s + offs[h]
        if m is not None:
            return ordinal_probs(base + p["eta_human"] * m, cuts, sd) @ ks
        return (1 - rho) * (ordinal_probs(base, cuts, sd) @ ks) + rho * (
            ordinal_probs(base + p["eta_human"], cuts, sd) @ ks
        )

    def cov(f1: np.ndarray, f2: np.ndarray, ww: np.ndarray) -> float:
        return float(ww @ (f1 * f2) - (ww @ f1) * (ww @ f2))

    hh = [(a, b) for a in range(3) for b in range(3)]
    # pair: two items of different generators in one pair, shared latent P
    sp = np.sqrt(v["pair"]) * x
    num, den = 0.0, 0.0
    for g1 in gens:
        for g2 in gens:
            if g1 == g2:
                continue
            wt = share[g1] * share[g2]
            for a, b in hh:
                f1 = cond_mean(g1, a, sp, v["item"] + v["unit"])
                f2 = cond_mean(g2, b, sp, v["item"] + v["unit"])
                num += wt * cov(f1, f2, w) / len(hh)
            den += wt
    c_pair = num / den
    # item: two units of one item, shared P + I
    spi = np.sqrt(v["pair"] + v["item"]) * x
    c_pi = 0.0
    for g in gens:
        for a, b in hh:
            f1 = cond_mean(g, a, spi, v["unit"])
            f2 = cond_mean(g, b, spi, v["unit"])
            c_pi += share[g] * cov(f1, f2, w) / len(hh)
    # unit: two annotators on one unit, shared P + I + U and M
    spiu = np.sqrt(v["pair"] + v["item"] + v["unit"]) * x
    c_piu, resid = 0.0, 0.0
    annot_means = np.zeros(3)
    for g in gens:
        rho = p["mention_rate"][g]
        ww = np.concatenate([(1 - rho) * w, rho * w])
        f = [
            np.concatenate([cond_mean(g, h, spiu, 0.0, 0), cond_mean(g, h, spiu, 0.0, 1)])
            for h in range(3)
        ]
        pairs_ab = [(a, b) for a in range(3) for b in range(3) if a != b]
        c_piu += share[g] * np.mean([cov(f[a], f[b], ww) for a, b in pairs_ab])
        for h in range(3):
            lat = p["mu_gen"][g] + spiu + offs[h]
            pk = np.concatenate(
                [ordinal_probs(lat, cuts), ordinal_probs(lat + p["eta_human"], cuts)]
            )
            var_given = pk @ ks**2 - (pk @ ks) ** 2
            resid += share[g] * float(ww @ var_given) / 3.0
            annot_means[h] += share[g] * float(ww @ f[h])
    comps = {
        "pair": c_pair,
        "item": c_pi - c_pair,
        "unit": c_piu - c_pi,
        "annotator": float(np.var(annot_means, ddof=1)),
        "residual": resid,
    }
    tot = sum(comps.values())
    return {
        "scale": "1-5 rating",
        "model": "rating ~ generator + annotator (fixed) + pair + item + unit (random) + residual",
        "variance": {k: float(c) for k, c in comps.items()},
        "share": {k: float(c / tot) for k, c in comps.items()},
    }


def stage2_variance_components(
    p: dict, rater_ids: list[str], category_mean: float, shares: dict[str, float]
) -> dict:
    """Population variance components of binary relevance votes (linear probability scale) of
    ``rater_ids`` on items of one text category (latent mean ``category_mean``), when the
    item's latent relevance is ``Z = m + sum_l sqrt(shares[l]) * E_l`` over the levels
    user, attribute (within user), pair (within user) and item (shares sum to 1) and the raters
    (humans, ``gamma = 0``) vote 1 when ``lambda_r Z - t_r + e > 0``:

    vote = annotator (fixed) + user + attribute + pair + item + residual.

    user = Cov of votes on items of one user sharing neither attribute nor pair; attribute =
    Cov of items of one attribute (different pairs) minus user; pair = Cov of items of one
    pair (different attributes) minus user; item = Cov of two raters on one item minus user,
    attribute and pair; residual = E Var(vote | Z); annotator = variance (ddof 1) of the raters'
    mean votes. Exact Gauss-Hermite integrals; averaged over rater pairs (including a rater
    with itself for the levels above the item, as in the data).
    """
    x, w = gauss_hermite(64)
    raters = [p["raters"][r] for r in rater_ids]

    def cond(r: dict, s: np.ndarray, shared: float) -> np.ndarray:
        # P(vote | shared part s of Z); the rest of Z has variance 1 - shared
        sd = np.sqrt(r["lambda"] ** 2 * (1.0 - shared) + 1.0)
        return ndtr((r["lambda"] * (category_mean + s) - r["t"]) / sd)

    def level_cov(shared: float, same_rater: bool) -> float:
        s = np.sqrt(shared) * x
        vals = []
        for i, a in enumerate(raters):
            for j, b in enumerate(raters):
                if i == j and not same_rater:
                    continue
                fa, fb = cond(a, s, shared), cond(b, s, shared)
                vals.append(float(w @ (fa * fb) - (w @ fa) * (w @ fb)))
        return float(np.mean(vals))

    su, sa, sp = shares["user"], shares["attribute"], shares["pair"]
    c_u = level_cov(su, True)
    c_ua = level_cov(su + sa, True)
    c_up = level_cov(su + sp, True)
    c_all = level_cov(1.0, False)
    means = [float(w @ cond(r, x, 1.0)) for r in raters]
    resid = float(np.mean([w @ (cond(r, x, 1.0) * (1 - cond(r, x, 1.0))) for r in raters]))
    comps = {
        "user": c_u,
        "attribute": c_ua - c_u,
        "pair": c_up - c_u,
        "item": c_all - c_ua - c_up + c_u,
        "annotator": float(np.var(means, ddof=1)),
        "residual": resid,
    }
    tot = sum(comps.values())
    return {
        "scale": "vote 0/1 (linear probability)",
        "variance": {k: float(c) for k, c in comps.items()},
        "share": {k: float(c / tot) for k, c in comps.items()},
    }


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
