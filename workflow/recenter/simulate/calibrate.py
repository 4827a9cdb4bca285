"""Calibration of the simulator: solve the model's parameters so that population values hit
the paper's numbers.

Run once, offline: ``python -m recenter.simulate.calibrate`` rewrites ``calibrated.py`` (the
parameters the simulator uses). ``tests/test_simulate_calibration.py`` re-runs the solver and
checks that it reproduces the stored parameters, and that the population values of the stored
parameters meet every target within its tolerance.

Each target says where it comes from: ``reported`` (paper.md), ``derived`` (arithmetic on
reported numbers) or ``ours`` (a plausible value the paper does not report).
"""

from __future__ import annotations

import pprint
import sys
from pathlib import Path
from typing import Any

import numpy as np

from recenter.simulate import design, model
from recenter.simulate.targets import FIXED, TARGETS, calibration_weights, target

__all__ = [
    "FIXED",
    "TARGETS",
    "calibration_weights",
    "check",
    "main",
    "population",
    "solve",
    "target",
]


# ---- Stage 1 -------------------------------------------------------------------------------


def _solve_stage1() -> dict:
    from scipy.optimize import brentq  # slow import: only when calibrating

    fixed = FIXED["stage1"]
    weights = calibration_weights()["stage1"]
    x, w = model.gauss_hermite()
    offsets = fixed["offsets"]

    def prob_rate(mu, sigma):
        q = mu + sigma * x
        return np.mean([w @ model.ndtr(-q - o) for o in offsets])

    def mus(sigma):
        return {
            d: brentq(
                lambda m, d=d: prob_rate(m, sigma) - target("stage1", f"problematic_rate.{d}"),
                -10,
                10,
                xtol=1e-13,
            )
            for d in weights
        }

    def kappa(sigma):
        p = {
            "mu": mus(sigma),
            "sigma_q": sigma,
            "offsets": offsets,
            "c_rej": -1.0,
            "verifiers": {},
            "failure_mode_share": fixed["failure_mode_share"],
            "real_datasets": fixed["real_datasets"],
        }
        return model.stage1_population(p, weights)["human_pairwise_kappa_problematic"]

    sigma = brentq(
        lambda s: kappa(s) - target("stage1", "human_pairwise_kappa_problematic"),
        0.05,
        5,
        xtol=1e-13,
    )
    mu = mus(sigma)

    def rejected_share(c):
        q = mu["wildchat"] + sigma * x
        rej = np.mean([w @ model.ndtr(c - q - o) for o in offsets])
        return rej / prob_rate(mu["wildchat"], sigma)

    c_rej = brentq(
        lambda c: rejected_share(c) - target("stage1", "rejected_share_of_problematic.wildchat"),
        -10,
        0,
        xtol=1e-13,
    )
    p = {
        "mu": mu,
        "sigma_q": sigma,
        "offsets": offsets,
        "c_rej": c_rej,
        "verifiers": {},
        "failure_mode_share": fixed["failure_mode_share"],
        "real_datasets": fixed["real_datasets"],
        "user_share": fixed["user_share"],
    }
    _solve_verifiers(p, weights)
    return p


def _solve_verifiers(p: dict, weights: dict[str, float]) -> None:
    """Each verifier's (lambda, t) into ``p["verifiers"]``: the flag rate that its target
    recall and F1 imply against the majority reference, and the lambda that gives the recall."""
    from scipy.optimize import brentq

    x, w = model.gauss_hermite()
    mu, sigma = p["mu"], p["sigma_q"]
    ref = model.stage1_population(p, weights)["majority_problematic_share"]
    total = sum(weights.values())
    qs = [(weights[d] / total, mu[d] + sigma * x) for d in sorted(weights)]

    def flag_rate(lam, t):
        return sum(s * (w @ model.ndtr(-lam * q - t)) for s, q in qs)

    for v in design.VERIFIERS:
        r = target("stage1", f"verifier.{v}.recall")
        f1 = target("stage1", f"verifier.{v}.f1")
        precision = f1 * r / (2 * r - f1)
        rate = r * ref / precision

        def t_of(lam, rate=rate):
            return brentq(lambda t: flag_rate(lam, t) - rate, -50, 50, xtol=1e-13)

        def recall(lam, t_of=t_of):
            pv = {"lambda": lam, "t": t_of(lam)}
            pp = p | {"verifiers": {"v": pv}}
            return model.stage1_population(pp, weights)["verifier"]["v"]["recall"]

        lam = brentq(lambda lam, r=r, recall=recall: recall(lam) - r, 1e-3, 30, xtol=1e-12)
        p["verifiers"][v] = {"lambda": lam, "t": t_of(lam)}


# ---- Stage 2 -------------------------------------------------------------------------------


def _stage2_params(theta, fixed) -> dict:
    from scipy.optimize import brentq

    lam_h, pbar, lam_l, gam_l, lam_c = theta
    cat = fixed["category_mean"]
    weights = calibration_weights()["stage2"]
    total = sum(weights.values())
    x, w = model.gauss_hermite()

    def rate(lam, gam, t):
        out = 0.0
        for c, wt in weights.items():
            z = cat[c] + x[:, None]
            out += wt / total * (np.outer(w, w) * model.ndtr(lam * z + gam * x[None, :] - t)).sum()
        return out

    def threshold(lam, gam, p):
        span = 20 + 10 * (lam + gam)
        return brentq(lambda t: rate(lam, gam, t) - p, -span, span, xtol=1e-13)

    raters = {}
    for h, d in zip(design.HUMANS_S2, fixed["human_rate_spread"], strict=True):
        raters[h] = {"kind": "human", "lambda": lam_h, "gamma": 0.0}
        raters[h]["t"] = threshold(lam_h, 0.0, pbar + d)
    for llm in design.LLMS:
        lam = lam_c if llm == "claude-sonnet-4.6" else lam_l
        raters[llm] = {"kind": "llm", "lambda": lam, "gamma": gam_l}
        raters[llm]["t"] = threshold(lam, gam_l, target("stage2", f"relevance_rate.{llm}"))
    return {
        "category_mean": dict(cat),
        "raters": raters,
        "relevance_shares": dict(fixed["relevance_shares"]),
        "shared_shares": dict(fixed["shared_shares"]),
        "_threshold": threshold,
    }


def _solve_stage2() -> dict:
    from scipy.optimize import brentq, least_squares

    fixed = FIXED["stage2"]
    weights = calibration_weights()["stage2"]
    keys = [
        "kappa_groups.human_human",
        "relevance_rate.human_consensus",
        "kappa_groups.llm_llm",
        "kappa_groups.llm_human",
        "alignment.claude-sonnet-4.6.f1",
    ]

    def resid(theta):
        p = _stage2_params(theta, fixed)
        p.pop("_threshold")
        pop = model.stage2_population(p, weights)
        return [_lookup(pop, k) - target("stage2", k) for k in keys]

    sol = least_squares(
        resid,
        x0=[1.0, 0.2, 1.0, 0.8, 1.0],
        bounds=([0.05, 0.05, 0.05, 0.0, 0.05], [10, 0.5, 10, 10, 10]),
        xtol=1e-13,
        ftol=1e-13,
        gtol=1e-13,
    )
    p = _stage2_params(sol.x, fixed)
    threshold = p.pop("_threshold")
    for name in design.TRAINED_RELEVANCE:
        f1 = target("stage2", f"alignment.{name}.f1")
        r = target("stage2", f"alignment.{name}.recall")
        cons = target("stage2", "relevance_rate.human_consensus")
        rate = r * cons / (f1 * r / (2 * r - f1))

        def f1_of(lam, name=name, rate=rate):
            pp = {
                **{k: v for k, v in p.items() if k != "raters"},
                "raters": {k: v for k, v in p["raters"].items() if v["kind"] == "human"}
                | {name: {"kind": "trained", "lambda": lam, "gamma": 0.0}},
            }
            pp["raters"][name]["t"] = threshold(lam, 0.0, rate)
            return model.stage2_population(pp, weights)["alignment"][name]["f1"]

        lam = brentq(lambda lam, f1_of=f1_of, f1=f1: f1_of(lam) - f1, 0.05, 50, xtol=1e-12)
        p["raters"][name] = {
            "kind": "trained",
            "lambda": lam,
            "gamma": 0.0,
            "t": threshold(lam, 0.0, rate),
        }
    return p


# ---- Stage 3 -------------------------------------------------------------------------------


def _cuts(width: float, step: float) -> list[float]:
    return [-width / 2 - step, -width / 2, width / 2, width / 2 + step]


def _solve_stage3() -> dict:
    from scipy.optimize import brentq, least_squares

    fixed = FIXED["stage3"]
    counts = calibration_weights()["stage3"]
    gens = list(design.LLMS)
    keys_h = [f"human_mean_by_generator.{g}" for g in gens] + [
        "human_pairwise_spearman",
        "mention_delta.human",
        "no_better_share",
    ]

    def human_params(theta):
        return {
            "mu_gen": dict(zip(gens, theta[:5], strict=True)),
            "sigma_b": theta[5],
            "eta_human": theta[6],
            "cuts": _cuts(theta[7], fixed["outer_step"]),
            "mention_rate": fixed["mention_rate"],
            "human_offsets": list(fixed["human_offsets"]),
            "benefit_shares": dict(fixed["benefit_shares"]),
            "judges": {},
            "reward_models": {},
        }

    def resid_h(theta):
        pop = model.stage3_population(human_params(theta), counts)
        return [_lookup(pop, k) - target("stage3", k) for k in keys_h]

    sol = least_squares(
        resid_h,
        x0=[0.1] * 5 + [0.8, 0.0, 1.5],
        bounds=([-5] * 5 + [0.01, -3, 0.05], [5] * 5 + [5, 3, 8]),
        xtol=1e-13,
        ftol=1e-13,
        gtol=1e-13,
    )
    p = human_params(sol.x)
    for j in design.LLMS:
        keys = [f"judge.{j}.mean", f"judge.{j}.spearman_with_human_mean", f"mention_delta.{j}"]

        def resid_j(theta, keys=keys, j=j):
            pj = p | {"judges": {j: dict(zip(("alpha", "beta", "delta"), theta, strict=True))}}
            pop = model.stage3_population(pj, counts)
            return [_lookup(pop, k) - target("stage3", k) for k in keys]

        sj = least_squares(
            resid_j,
            x0=[0.5, 0.5, 0.0],
            bounds=([-5, 0.0, -5], [5, 10, 5]),
            xtol=1e-13,
            ftol=1e-13,
            gtol=1e-13,
        )
        p["judges"][j] = dict(zip(("alpha", "beta", "delta"), map(float, sj.x), strict=True))
    for k in design.REWARD_MODELS:
        rho = target("stage3", f"reward_model_spearman.{k}")
        beta = brentq(
            lambda b, rho=rho: model.reward_model_spearman(p, counts, b) - rho,
            1e-3,
            20,
            xtol=1e-12,
        )
        p["reward_models"][k] = {"beta": beta}
    return p


def _lookup(pop: dict, key: str) -> float:
    """pop["a"]["b.c"]... for a dotted key whose parts may themselves contain dots."""
    node: Any = pop
    rest = key
    while isinstance(node, dict) and rest:
        for k in sorted(node, key=len, reverse=True):
            if rest == k or rest.startswith(k + "."):
                node = node[k]
                rest = rest[len(k) + 1 :]
                break
        else:
            raise KeyError(key)
    return float(node)


def _clean(obj):
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in sorted(obj.items())}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.floating | float):
        return float(obj)
    return obj


def solve() -> dict:
    """Solve every stage's parameters (deterministic; takes a few seconds)."""
    return _clean(
        {
            "stage1": _solve_stage1(),
            "stage2": _solve_stage2(),
            "stage3": _solve_stage3(),
        }
    )


def population(params: dict, weights: dict | None = None) -> dict:
    """Population values of all stages for a composition (default: the calibration's)."""
    weights = weights or calibration_weights()
    s1 = model.stage1_population(params["stage1"], weights["stage1"])
    s1["human_ceiling"] = dict(zip(design.HUMANS_S1, s1["human_ceiling"], strict=True))
    return {
        "stage1": s1,
        "stage2": model.stage2_population(params["stage2"], weights["stage2"]),
        "stage3": model.stage3_population(params["stage3"], weights["stage3"])
        | {
            "variance_components": model.stage3_variance_components(
                params["stage3"], weights["stage3"]
            )
        },
    }


def check(params: dict, weights: dict | None = None) -> list[tuple[str, float, float, float]]:
    """(key, target, population value, tolerance) of every target missed by more than its
    tolerance; empty when the parameters are calibrated."""
    pop = population(params, weights)
    misses = []
    for stage, targets in TARGETS.items():
        for key, (value, _origin, tol) in targets.items():
            if key.startswith("problematic_rate."):
                d = key.split(".", 1)[1]
                got = 1.0 - pop["stage1"]["acceptance_rate"][d]
            elif key.startswith("rejected_share_of_problematic."):
                d = key.split(".", 1)[1]
                share = pop["stage1"]["label_share"][d]
                got = share["rejected"] / (share["rejected"] + share["uncertain"])
            else:
                got = _lookup(pop[stage], key)
            if abs(got - value) > tol:
                misses.append((f"{stage}.{key}", value, got, tol))
    return misses


def main() -> None:
    params = solve()
    misses = check(params)
    for m in misses:
        print("MISSED", m, file=sys.stderr)
    out = Path(__file__).with_name("calibrated.py")
    body = pprint.pformat(params, width=96, sort_dicts=True)
    out.write_text(
        '"""Calibrated parameters of the simulator. GENERATED by\n'
        "``python -m recenter.simulate.calibrate`` (see calibrate.py); do not edit by hand.\n"
        '"""\n\n'
        f"PARAMS = {body}\n",
        encoding="utf-8",
    )
    print(f"wrote {out}; {len(misses)} targets missed")
    sys.exit(1 if misses else 0)


if __name__ == "__main__":
    main()
