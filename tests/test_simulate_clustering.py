"""Which resampling unit does the simulated dependence structure require?

The simulator (v2) gives the study's dependence structure: a user effect on the quality of a
user's attributes (Stage 1); user, attribute and user-prompt pair effects on relevance, an
attribute being judged in every pair of its user (Stage 2); pair, response-item and unit effects
on the benefit, every generator answering the same pairs, and annotator leniency (Stage 3).

One study is simulated at scale ``N_REP``: ``N_REP`` independent blocks, each a complete copy of
the paper's design. Each block is one replicate study. For ratio-of-sums statistics (rates and
means) we bootstrap every block at several resampling units and compare

* the mean bootstrap SE over the blocks with the Monte-Carlo SD of the estimate over the blocks
  (the true sampling SD of the design): a unit too fine gives an SE clearly below the SD;
* the coverage of the 95% percentile intervals of the population value (truth.json).

With ``N_REP`` = 24 replicates the SD is known to about 1/sqrt(2 (N_REP - 1)) = 15% (relative
SE), so "clearly below" is a ratio under 0.75 and "matches" a ratio of at least 0.8. Printed by
``pytest -s`` (numbers in the simulator's README).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from recenter.simulate import design
from recenter.simulate.generate import simulate

N_REP = 24
N_BOOT = 200


def _read(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def _number(identifier: str) -> int:
    return int(re.sub(r"\D", "", identifier))


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    out = tmp_path_factory.mktemp("clu") / "simulated"
    truth = simulate(out, seed=9090, scale=N_REP)
    return out, truth


def _boot(num: np.ndarray, den: np.ndarray, clusters: np.ndarray, seed: int) -> np.ndarray:
    """Cluster-bootstrap replicates of sum(num) / sum(den) (multinomial cluster counts)."""
    codes = np.unique(clusters, return_inverse=True)[1]
    c = codes.max() + 1
    sn = np.bincount(codes, weights=num, minlength=c)
    sd = np.bincount(codes, weights=den, minlength=c)
    w = np.random.default_rng(seed).multinomial(c, np.full(c, 1.0 / c), size=N_BOOT)
    return (w @ sn) / (w @ sd)


def _evaluate(stats, block: np.ndarray, units: dict[str, np.ndarray]) -> dict:
    """stats: name -> (num, den, truth). Returns per unit level: mean SE / SD ratio over the
    statistics and interval coverage, plus the per-statistic ratios."""
    out = {lev: {"ratio": [], "covered": 0, "n": 0} for lev in units}
    for k, (name, (num, den, truth)) in enumerate(sorted(stats.items())):
        est, ses = [], {lev: [] for lev in units}
        for b in range(N_REP):
            m = block == b
            est.append(num[m].sum() / den[m].sum())
            for lev, cl in units.items():
                reps = _boot(num[m], den[m], cl[m], seed=1000 * k + b)
                ses[lev].append(np.std(reps, ddof=1))
                lo, hi = np.quantile(reps, [0.025, 0.975])
                out[lev]["covered"] += int(lo <= truth <= hi)
                out[lev]["n"] += 1
        sd = np.std(est, ddof=1)
        for lev in units:
            out[lev]["ratio"].append(np.mean(ses[lev]) / sd)
        print(
            f"  {name}: MC SD {sd:.4f}; SE/SD",
            {lev: round(out[lev]["ratio"][-1], 2) for lev in units},
        )
    for lev in units:
        r = out[lev]
        r["mean_ratio"] = float(np.mean(r["ratio"]))
        r["coverage"] = r["covered"] / r["n"]
        print(f"  {lev}: mean SE/SD {r['mean_ratio']:.2f}, 95% coverage {r['coverage']:.2f}")
    return out


def test_stage1_users_are_the_unit(study):
    root, truth = study
    pop = truth["population"]["stage1"]
    users = {u["user_id"]: u["source_dataset"] for u in _read(root / "users.jsonl")}
    attrs = _read(root / "attributes.jsonl")
    pos = {a["attribute_id"]: k for k, a in enumerate(attrs)}
    n = len(attrs)
    problematic = np.zeros((n, 3))
    for j in _read(root / "attribute_judgments.jsonl"):
        problematic[pos[j["attribute_id"]], design.HUMANS_S1.index(j["annotator_id"])] = (
            j["label"] != "accepted"
        )
    block = np.array([(_number(a["attribute_id"]) - 1) // design.N_ATTRIBUTES for a in attrs])
    user = np.array([a["user_id"] for a in attrs])
    dataset = np.array([users[u] for u in user])
    wc = (dataset == "wildchat").astype(float)
    stats = {
        "acceptance_rate.wildchat": (
            (3 - problematic.sum(axis=1)) * wc,
            3 * wc,
            pop["acceptance_rate"]["wildchat"],
        ),
        "flagged_share": (
            (problematic.sum(axis=1) >= 1).astype(float),
            np.ones(n),
            pop["flagged_share"],
        ),
    }
    print("\nstage 1")
    res = _evaluate(stats, block, {"attribute": np.arange(n), "user": user})
    assert res["attribute"]["mean_ratio"] < 0.75
    assert res["user"]["mean_ratio"] >= 0.8
    assert res["user"]["coverage"] > res["attribute"]["coverage"]


def _stage2_arrays(root: Path):
    items = _read(root / "relevance_items.jsonl")
    pos = {it["item_id"]: k for k, it in enumerate(items)}
    n = len(items)
    votes = {}
    for j in _read(root / "relevance_judgments.jsonl"):
        votes.setdefault(j["annotator_id"], np.zeros(n))[pos[j["item_id"]]] = j["relevant"]
    for m in design.LLMS:
        v = np.zeros(n)
        for r in _read(root / f"models/relevance/llm/{m}.jsonl"):
            v[pos[r["item_id"]]] = r["relevant"]
        votes[m] = v
    block = np.array([(_number(i["item_id"]) - 1) // design.N_RELEVANCE_ITEMS for i in items])
    units = {
        "item": np.arange(n),
        "pair": np.array([f"{i['user_id']}|{i['prompt_id']}" for i in items]),
        "user": np.array([i["user_id"] for i in items]),
    }
    return votes, block, units


def test_stage2_items_too_fine_and_pairs_miss_the_user_level_dependence(study):
    """Items are far too fine. An attribute is judged in each of its user's 3-4 pairs, so the
    pairs of one user are dependent: the pair bootstrap's SE falls short of the user
    bootstrap's on the same data, and only the user bootstrap matches the Monte-Carlo SD."""
    root, truth = study
    pop = truth["population"]["stage2"]
    votes, block, units = _stage2_arrays(root)
    cons = (sum(votes[h] for h in design.HUMANS_S2) >= 2).astype(float)
    one = np.ones(len(cons))
    stats = {
        "relevance_rate.human_consensus": (cons, one, pop["relevance_rate"]["human_consensus"])
    }
    for r in (*design.HUMANS_S2, *design.LLMS):
        stats[f"relevance_rate.{r}"] = (votes[r], one, pop["relevance_rate"][r])
    print("\nstage 2")
    res = _evaluate(stats, block, units)
    assert res["item"]["mean_ratio"] < 0.75
    assert res["user"]["mean_ratio"] >= 0.8
    # on the same data, for every statistic, the pair SE is below the user SE
    pair_vs_user = np.array(res["pair"]["ratio"]) / np.array(res["user"]["ratio"])
    print(f"  pair SE / user SE per statistic: {np.round(pair_vs_user, 2)}")
    assert (pair_vs_user < 0.95).all()
    assert res["user"]["coverage"] >= res["pair"]["coverage"] > res["item"]["coverage"]


def test_stage3_units_too_fine_pairs_cover(study):
    """Units (response item, attribute) are too fine for the human statistics (Fig 5: the
    mean rating and the share no better than generic). Response items come close and
    user-prompt pairs, which hold the 5 generators' items of a pair together, match: resampling
    items also randomises the mix of generators, which partly offsets the pair dependence in
    pooled means (see the README). LLM-judge means load less on the benefit (beta < 1) and are
    printed only."""
    root, truth = study
    pop = truth["population"]["stage3"]
    units = sorted(
        {(r["response_item_id"], r["attribute_id"]) for r in _read(root / "mention_flags.jsonl")}
    )
    pos = {u: k for k, u in enumerate(units)}
    n = len(units)
    human = np.zeros((n, 3))
    for r in _read(root / "response_ratings.jsonl"):
        human[
            pos[(r["response_item_id"], r["attribute_id"])],
            design.HUMANS_S3.index(r["annotator_id"]),
        ] = r["rating"]
    pair_of = {}
    for g in design.LLMS:
        for r in _read(root / f"models/generator/{g}.jsonl"):
            pair_of[r["response_item_id"]] = f"{r['user_id']}|{r['prompt_id']}"
    item = np.array([u[0] for u in units])
    block = np.array(
        [(_number(i) - 1) // (5 * design.N_RESPONSE_ITEMS_PER_GENERATOR) for i in item]
    )
    levels = {"unit": np.arange(n), "item": item, "pair": np.array([pair_of[i] for i in item])}
    hmean = human.mean(axis=1)
    one = np.ones(n)
    stats = {
        "human_mean": (hmean, one, pop["human_mean"]),
        "no_better_share": ((hmean <= 3).astype(float), one, pop["no_better_share"]),
    }
    print("\nstage 3, human statistics")
    res = _evaluate(stats, block, levels)
    assert res["unit"]["mean_ratio"] < 0.75
    assert res["pair"]["mean_ratio"] >= 0.8
    assert res["pair"]["mean_ratio"] >= res["item"]["mean_ratio"]
    assert res["pair"]["coverage"] > res["unit"]["coverage"]
    judges = {}
    for j in design.LLMS:
        rating = np.zeros(n)
        for r in _read(root / f"models/judge/llm_judge/{j}.jsonl"):
            rating[pos[(r["response_item_id"], r["attribute_id"])]] = r["rating"]
        judges[f"judge.{j}.mean"] = (rating, one, pop["judge"][j]["mean"])
    print("stage 3, LLM-judge means (not asserted)")
    _evaluate(judges, block, levels)
