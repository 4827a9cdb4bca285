"""Population variance components of the simulator's model (model.py): the Stage-3 human
ratings and the Stage-2 human votes, on the scale of the data, as the mixed models of
``recenter.stats.variance`` estimate them."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from recenter.simulate.model_stage3 import human_offsets
from recenter.simulate.quadrature import gauss_hermite, ordinal_probs


def benefit_variances(p: dict) -> dict[str, float]:
    """Latent-scale variances of the Stage-3 benefit's pair, item and unit effects."""
    shares = p.get("benefit_shares", {"pair": 0.0, "item": 0.0, "unit": 1.0})
    return {k: float(p["sigma_b"] ** 2 * shares[k]) for k in ("pair", "item", "unit")}


class _Stage3Integrals:
    """The conditional means and covariances of human ratings that the Stage-3 components are
    made of, on a Gauss-Hermite grid of ``n`` nodes."""

    def __init__(self, p: dict, counts: dict[str, float], n: int = 64):
        self.p = p
        self.x, self.w = gauss_hermite(n)
        self.cuts = np.asarray(p["cuts"])
        self.ks = np.arange(1, 6, dtype=float)
        self.v = benefit_variances(p)
        self.offs = human_offsets(p)
        total = sum(counts.values())
        self.gens = sorted(counts)
        self.share = {g: counts[g] / total for g in self.gens}
        self.hh = [(a, b) for a in range(3) for b in range(3)]

    def cond_mean(self, g: str, h: int, s: np.ndarray, rest: float, m=None) -> np.ndarray:
        """E[rating | shared latent s] of annotator h on generator g's units; the latent not
        shared has variance ``rest`` (plus the unit N(0, 1) noise); M integrated unless given."""
        p, cuts, ks = self.p, self.cuts, self.ks
        sd = np.sqrt(rest + 1.0)
        rho = p["mention_rate"][g]
        base = p["mu_gen"][g] + s + self.offs[h]
        if m is not None:
            return ordinal_probs(base + p["eta_human"] * m, cuts, sd) @ ks
        return (1 - rho) * (ordinal_probs(base, cuts, sd) @ ks) + rho * (
            ordinal_probs(base + p["eta_human"], cuts, sd) @ ks
        )

    @staticmethod
    def cov(f1: np.ndarray, f2: np.ndarray, ww: np.ndarray) -> float:
        return float(ww @ (f1 * f2) - (ww @ f1) * (ww @ f2))

    def pair(self) -> float:
        """Cov of two items of different generators in one pair (shared latent P)."""
        v, share, w = self.v, self.share, self.w
        sp = np.sqrt(v["pair"]) * self.x
        num, den = 0.0, 0.0
        for g1 in self.gens:
            for g2 in self.gens:
                if g1 == g2:
                    continue
                wt = share[g1] * share[g2]
                for a, b in self.hh:
                    f1 = self.cond_mean(g1, a, sp, v["item"] + v["unit"])
                    f2 = self.cond_mean(g2, b, sp, v["item"] + v["unit"])
                    num += wt * self.cov(f1, f2, w) / len(self.hh)
                den += wt
        return num / den

    def item(self) -> float:
        """Cov of two units of one item (shared P + I)."""
        v = self.v
        spi = np.sqrt(v["pair"] + v["item"]) * self.x
        c_pi = 0.0
        for g in self.gens:
            for a, b in self.hh:
                f1 = self.cond_mean(g, a, spi, v["unit"])
                f2 = self.cond_mean(g, b, spi, v["unit"])
                c_pi += self.share[g] * self.cov(f1, f2, self.w) / len(self.hh)
        return c_pi

    def unit(self) -> tuple[float, float, np.ndarray]:
        """Cov of two annotators on one unit (shared P + I + U and M), the residual
        E Var(rating | latents, annotator), and the annotators' mean ratings."""
        p, v, w, cuts, ks = self.p, self.v, self.w, self.cuts, self.ks
        spiu = np.sqrt(v["pair"] + v["item"] + v["unit"]) * self.x
        c_piu, resid = 0.0, 0.0
        annot_means = np.zeros(3)
        for g in self.gens:
            share = self.share[g]
            rho = p["mention_rate"][g]
            ww = np.concatenate([(1 - rho) * w, rho * w])
            f = [
                np.concatenate(
                    [self.cond_mean(g, h, spiu, 0.0, 0), self.cond_mean(g, h, spiu, 0.0, 1)]
                )
                for h in range(3)
            ]
            pairs_ab = [(a, b) for a in range(3) for b in range(3) if a != b]
            c_piu += share * float(np.mean([self.cov(f[a], f[b], ww) for a, b in pairs_ab]))
            for h in range(3):
                lat = p["mu_gen"][g] + spiu + self.offs[h]
                pk = np.concatenate(
                    [ordinal_probs(lat, cuts), ordinal_probs(lat + p["eta_human"], cuts)]
                )
                var_given = pk @ ks**2 - (pk @ ks) ** 2
                resid += share * float(ww @ var_given) / 3.0
                annot_means[h] += share * float(ww @ f[h])
        return c_piu, resid, annot_means


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
    ints = _Stage3Integrals(p, counts)
    c_pair = ints.pair()
    c_pi = ints.item()
    c_piu, resid, annot_means = ints.unit()
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
