"""The simulator: write a complete canonical study (data/raw/README.md) from the calibrated
latent-variable model (model.py, calibrated.py) and record its truth.

``simulate(out_dir, seed, scale)`` writes ``scale`` independent blocks, each a full copy of the
paper's design with its own ids. Randomness comes from named child streams
``default_rng(SeedSequence([seed, stream, block]))``, rows are written in id order, JSON is
canonical (sorted keys, compact separators), so the same seed and scale give the same bytes.
Everything is written into a temporary folder next to ``out_dir`` and moved into place at the
end: a crash leaves the previous study untouched. Files in ``out_dir`` that the simulator
does not write (a model file a user dropped in) are left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.special import ndtr

from recenter.simulate import design, text
from recenter.simulate.calibrated import PARAMS

STREAMS = {
    "users": 1,
    "stage2_design": 2,
    "attributes": 3,
    "stage1_labels": 4,
    "verifiers": 5,
    "failure_modes": 6,
    "conversations": 7,
    "prompts": 8,
    "relevance": 9,
    "stage3_design": 10,
    "ratings": 11,
    "responses": 12,
}
DATASETS = ("wildchat", "cupid", "prefeval", "personalens")
CATEGORIES = ("same", "related", "style", "unrelated")


def stream(seed: int, name: str, block: int) -> np.random.Generator:
    """The named child stream of one block."""
    return np.random.default_rng(np.random.SeedSequence([seed, STREAMS[name], block]))


def dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class _Writer:
    """Append JSON lines to the study's files inside a temporary folder."""

    def __init__(self, root: Path):
        self.root = root
        self.handles = {}
        for rel in design.planned_files(1):
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            self.handles[rel] = path.open("w", encoding="utf-8", newline="\n")
        self.buffers: dict[str, list[str]] = {rel: [] for rel in self.handles}

    def add(self, rel: str, record: dict) -> None:
        self.buffers[rel].append(dumps(record))

    def flush(self) -> None:
        for rel, lines in self.buffers.items():
            if lines:
                self.handles[rel].write("\n".join(lines) + "\n")
                lines.clear()

    def close(self) -> None:
        self.flush()
        for h in self.handles.values():
            h.close()


def _width(minimum: int, largest: int) -> int:
    return max(minimum, len(str(largest)))


def _fixed_total(rng, n: int, total: int, lo: int, hi: int, mean_sd: float) -> np.ndarray:
    """n integers in [lo, hi] summing exactly to ``total``: rounded normals, then +-1 steps
    on random members until the sum is reached."""
    x = np.clip(np.rint(rng.normal(total / n, mean_sd, n)), lo, hi).astype(int)
    diff = total - int(x.sum())
    while diff != 0:
        step = 1 if diff > 0 else -1
        ok = np.flatnonzero((x < hi) if step > 0 else (x > lo))
        x[ok[rng.integers(len(ok))]] += step
        diff -= step
    return x


def _profile_sizes(rng, appearances: np.ndarray) -> np.ndarray:
    """WildChat profile sizes in [PROFILE_MIN, PROFILE_MAX] with sum(appearances * size) =
    N_RELEVANCE_ITEMS exactly."""
    lo, hi = design.PROFILE_MIN, design.PROFILE_MAX
    target = design.N_RELEVANCE_ITEMS
    s = np.clip(np.rint(rng.normal(target / appearances.sum(), 6.0, len(appearances))), lo, hi)
    s = s.astype(int)
    diff = target - int(appearances @ s)
    while diff != 0:
        sign = 1 if diff > 0 else -1
        can_move = (s < hi) if sign > 0 else (s > lo)
        fits = can_move & (appearances <= abs(diff))
        if fits.any():
            idx = np.flatnonzero(fits)
            # prefer the largest weight that fits, so the loop ends quickly
            idx = idx[appearances[idx] == appearances[idx].max()]
            i = idx[rng.integers(len(idx))]
            s[i] += sign
            diff -= sign * appearances[i]
        else:  # |diff| < min weight: +1 on a weight-4 user and -1 on a weight-3 user
            up = np.flatnonzero((appearances == 4) & ((s < hi) if sign > 0 else (s > lo)))
            down = np.flatnonzero((appearances == 3) & ((s > lo) if sign > 0 else (s < hi)))
            s[up[rng.integers(len(up))]] += sign
            s[down[rng.integers(len(down))]] -= sign
            diff -= sign
    return s


def _assign_users_to_prompts(rng, appearances: np.ndarray) -> np.ndarray:
    """(prompts x 4) user indices, each user ``appearances[u]`` times, no user twice in a row."""
    slots = rng.permutation(np.repeat(np.arange(len(appearances)), appearances))
    grid = slots.reshape(design.N_PROMPTS, design.USERS_PER_PROMPT)
    for _ in range(100_000):
        bad = [r for r in range(len(grid)) if len(set(grid[r])) < grid.shape[1]]
        if not bad:
            return np.sort(grid, axis=1)
        r = bad[0]
        row = list(grid[r])
        c = next(i for i in range(len(row)) if row.count(row[i]) > 1)
        r2, c2 = rng.integers(len(grid)), rng.integers(grid.shape[1])
        a, b = grid[r, c], grid[r2, c2]
        if r2 != r and b not in grid[r] and a not in grid[r2]:
            grid[r, c], grid[r2, c2] = b, a
    raise RuntimeError("could not assign users to prompts")  # pragma: no cover


def _ordinal(latent: np.ndarray, cuts, noise: np.ndarray) -> np.ndarray:
    """Rating 1..5: 1 + number of cut points below latent + noise."""
    y = latent + noise
    return 1 + (y[..., None] > np.asarray(cuts)).sum(axis=-1)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class _Composition:
    """Design composition accumulated over blocks (the weights of the population values)."""

    def __init__(self):
        self.attributes = dict.fromkeys(DATASETS, 0)
        self.categories = dict.fromkeys(CATEGORIES, 0)
        self.units = dict.fromkeys(design.LLMS, 0)
        self.counts: dict[str, int] = {}

    def count(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + int(n)


def _block(seed: int, scale: int, b: int, w: _Writer, comp: _Composition) -> None:
    p1, p2, p3 = PARAMS["stage1"], PARAMS["stage2"], PARAMS["stage3"]

    # ---- users and their interests ---------------------------------------------------------
    rng = stream(seed, "users", b)
    users = []  # (user_id, dataset, topics, topic weights)
    for d in DATASETS:
        n = design.N_USERS[d]
        width = _width(3 if d == "wildchat" else 2, scale * n)
        for i in range(n):
            uid = f"{design.USER_PREFIX[d]}{b * n + i + 1:0{width}d}"
            k = rng.integers(4, 8) if d == "wildchat" else rng.integers(2, 4)
            topics = rng.choice(design.N_TOPICS, size=k, replace=False)
            users.append((uid, d, topics, rng.dirichlet(np.full(k, 2.0))))
            w.add("users.jsonl", {"user_id": uid, "source_dataset": d, "is_real": d == "wildchat"})
    wc = [i for i, u in enumerate(users) if u[1] == "wildchat"]
    synth = [i for i, u in enumerate(users) if u[1] != "wildchat"]

    # ---- Stage-2 design fixes the WildChat profile sizes -----------------------------------
    rng = stream(seed, "stage2_design", b)
    n_wc = len(wc)
    n_four = design.N_PAIRS - 3 * n_wc  # users in 4 pairs; the others are in 3
    appearances = rng.permutation(np.array([4] * n_four + [3] * (n_wc - n_four)))
    grid = _assign_users_to_prompts(rng, appearances)
    sizes = np.zeros(len(users), dtype=int)
    sizes[wc] = _profile_sizes(rng, appearances)
    rest = design.N_ATTRIBUTES - int(sizes.sum())
    sizes[synth] = _fixed_total(rng, len(synth), rest, 10, 50, 5.0)

    # ---- attributes ------------------------------------------------------------------------
    rng = stream(seed, "attributes", b)
    width = _width(4, scale * design.N_ATTRIBUTES)
    attrs = []  # per attribute: (id, user index, kind, topic, mention phrase)
    for ui, (_uid, _d, topics, weights) in enumerate(users):
        seen: set[str] = set()
        for _ in range(sizes[ui]):
            for _try in range(30):
                kind = "style" if rng.random() < design.STYLE_SHARE else "topical"
                topic = int(rng.choice(topics, p=weights))
                variant, verb = int(rng.integers(1000)), int(rng.integers(1000))
                k1, k2 = rng.choice(len(text.TOPICS[topic][3]), size=2, replace=False)
                txt, phrase = text.attribute_text(kind, topic, variant, verb, (int(k1), int(k2)))
                if txt not in seen:
                    break
            seen.add(txt)
            aid = f"attr{b * design.N_ATTRIBUTES + len(attrs) + 1:0{width}d}"
            attrs.append((aid, ui, kind, topic if kind == "topical" else None, phrase, txt))
    n_attr = len(attrs)
    a_user = np.array([a[1] for a in attrs])
    a_dataset = np.array([DATASETS.index(users[u][1]) for u in a_user])
    mu = np.array([p1["mu"][d] for d in DATASETS])[a_dataset]
    # quality = dataset mean + user effect (shared by the user's attributes) + own part
    user_effect = np.sqrt(p1["user_share"]) * rng.standard_normal(len(users))
    own = np.sqrt(1.0 - p1["user_share"]) * rng.standard_normal(n_attr)
    quality = mu + p1["sigma_q"] * (user_effect[a_user] + own)
    conf = 0.4 + 0.6 * ndtr(
        0.6 * (quality - mu) / p1["sigma_q"] + 0.8 * rng.standard_normal(n_attr)
    )
    for (aid, ui, _k, _t, _p, txt), c in zip(attrs, conf, strict=True):
        w.add(
            "attributes.jsonl",
            {
                "attribute_id": aid,
                "user_id": users[ui][0],
                "text": txt,
                "extractor": design.EXTRACTOR,
                "confidence": round(float(c), 2),
            },
        )
    for d in DATASETS:
        comp.attributes[d] += int((a_dataset == DATASETS.index(d)).sum())

    # ---- Stage 1 labels, failure modes, verifiers ------------------------------------------
    rng = stream(seed, "stage1_labels", b)
    y = quality[:, None] + np.asarray(p1["offsets"])[None, :] + rng.standard_normal((n_attr, 3))
    labels = np.where(y >= 0, "accepted", np.where(y < p1["c_rej"], "rejected", "uncertain"))
    for i, (aid, *_rest) in enumerate(attrs):
        for j, h in enumerate(design.HUMANS_S1):
            w.add(
                "attribute_judgments.jsonl",
                {"attribute_id": aid, "annotator_id": h, "label": str(labels[i, j])},
            )
    flagged = (labels != "accepted").any(axis=1)
    rng = stream(seed, "failure_modes", b)
    cats = list(p1["failure_mode_share"])
    share = np.array([p1["failure_mode_share"][c] for c in cats])
    drawn = rng.choice(len(cats), size=n_attr, p=share / share.sum())
    for i in np.flatnonzero(flagged):
        w.add(
            "failure_modes.jsonl",
            {
                "attribute_id": attrs[i][0],
                "labeler": design.FAILURE_MODE_LABELER,
                "category": cats[drawn[i]],
            },
        )
    comp.count("flagged_attributes", flagged.sum())
    rng = stream(seed, "verifiers", b)
    for v in design.VERIFIERS:
        vp = p1["verifiers"][v]
        latent = -vp["lambda"] * quality - vp["t"] + rng.standard_normal(n_attr)
        kind = "trained" if v in design.TRAINED_VERIFIERS else "llm"
        rel = f"models/verifier/{kind}/{v}.jsonl"
        score = np.round(_sigmoid(1.7 * latent), 4)
        for i, (aid, *_rest) in enumerate(attrs):
            rec = {"attribute_id": aid, "problematic": bool(latent[i] > 0)}
            if kind == "trained":
                rec["score"] = float(score[i])
            w.add(rel, rec)

    # ---- conversations ---------------------------------------------------------------------
    rng = stream(seed, "conversations", b)
    n_conv_wc = design.N_CONVERSATIONS - 5 * len(synth)
    per_user = np.zeros(len(users), dtype=int)
    for group, total in ((wc, n_conv_wc), (synth, design.N_CONVERSATIONS - n_conv_wc)):
        extra = total - design.MIN_WILDCHAT_CONVERSATIONS * len(group)
        per_user[group] = design.MIN_WILDCHAT_CONVERSATIONS + rng.multinomial(
            extra, rng.dirichlet(np.full(len(group), 2.0))
        )
    width = _width(4, scale * design.N_CONVERSATIONS)
    n_conv = 0
    for ui, (uid, d, topics, weights) in enumerate(users):
        lengths = 2 * rng.integers(1, 6, size=per_user[ui])
        if d == "wildchat" and lengths.sum() < design.MIN_WILDCHAT_TURNS:
            lengths[-1] += design.MIN_WILDCHAT_TURNS - lengths.sum()
        for n_turns in lengths:
            n_conv += 1
            topic = int(rng.choice(topics, p=weights))
            w.add(
                "conversations.jsonl",
                {
                    "conversation_id": f"conv{b * design.N_CONVERSATIONS + n_conv:0{width}d}",
                    "user_id": uid,
                    "turns": text.conversation_turns(rng, topic, int(n_turns), d == "wildchat"),
                },
            )
    comp.count("conversations", n_conv)
    comp.count("attributes", n_attr)
    comp.count("users", len(users))

    # ---- Stage 2: prompts, items, votes ----------------------------------------------------
    rng = stream(seed, "prompts", b)
    width = _width(3, scale * design.N_PROMPTS)
    prompt_topic = rng.integers(design.N_TOPICS, size=design.N_PROMPTS)
    prompt_ids = []
    for k in range(design.N_PROMPTS):
        pid = f"p{b * design.N_PROMPTS + k + 1:0{width}d}"
        prompt_ids.append(pid)
        w.add(
            "prompts.jsonl",
            {
                "prompt_id": pid,
                "text": text.prompt_text(rng, int(prompt_topic[k])),
                "source": "simulated",
            },
        )
    by_user: dict[int, list[int]] = {}
    for i, a in enumerate(attrs):
        by_user.setdefault(a[1], []).append(i)
    item_attr, item_prompt, item_user = [], [], []
    pairs = []  # (prompt index, user index, item indices)
    for k in range(design.N_PROMPTS):
        for slot in grid[k]:
            ui = wc[slot]
            first = len(item_attr)
            for ai in by_user[ui]:
                item_attr.append(ai)
                item_prompt.append(k)
                item_user.append(ui)
            pairs.append((k, ui, np.arange(first, len(item_attr))))
    item_attr = np.array(item_attr)
    item_prompt = np.array(item_prompt)
    n_items = len(item_attr)
    a_topic = np.array([-1 if a[3] is None else a[3] for a in attrs])[item_attr]
    p_topic = prompt_topic[item_prompt]
    category = np.where(
        a_topic < 0,
        CATEGORIES.index("style"),
        np.where(
            a_topic == p_topic,
            CATEGORIES.index("same"),
            np.where(
                text.TOPIC_GROUP[np.maximum(a_topic, 0)] == text.TOPIC_GROUP[p_topic],
                CATEGORIES.index("related"),
                CATEGORIES.index("unrelated"),
            ),
        ),
    )
    for c in CATEGORIES:
        comp.categories[c] += int((category == CATEGORIES.index(c)).sum())
    rng = stream(seed, "relevance", b)
    item_user = np.array(item_user)
    item_pair = np.concatenate([np.full(len(it), k) for k, (_p, _u, it) in enumerate(pairs)])
    levels = {  # the level each item belongs to, as indices into that level's effects
        "user": item_user,
        "attribute": item_attr,
        "pair": item_pair,
        "item": np.arange(n_items),
    }
    sizes_of = {"user": len(users), "attribute": n_attr, "pair": len(pairs), "item": n_items}

    def nested_latent(shares: dict[str, float]) -> np.ndarray:
        # sum over levels of sqrt(share) x a N(0, 1) effect per level member: variance 1
        out = np.zeros(n_items)
        for lev in ("user", "attribute", "pair", "item"):
            effect = rng.standard_normal(sizes_of[lev])
            out += np.sqrt(shares[lev]) * effect[levels[lev]]
        return out

    z = np.array([p2["category_mean"][c] for c in CATEGORIES])[category]
    z = z + nested_latent(p2["relevance_shares"])
    shared = nested_latent(p2["shared_shares"])
    votes = {}
    scores = {}
    for r in (*design.HUMANS_S2, *design.LLMS, *design.TRAINED_RELEVANCE):
        rp = p2["raters"][r]
        latent = rp["lambda"] * z + rp["gamma"] * shared - rp["t"] + rng.standard_normal(n_items)
        votes[r] = latent > 0
        scores[r] = np.round(_sigmoid(1.7 * latent), 4)
    width = _width(5, scale * design.N_RELEVANCE_ITEMS)
    item_ids = [f"ri{b * design.N_RELEVANCE_ITEMS + i + 1:0{width}d}" for i in range(n_items)]
    for i, iid in enumerate(item_ids):
        w.add(
            "relevance_items.jsonl",
            {
                "item_id": iid,
                "user_id": users[item_user[i]][0],
                "prompt_id": prompt_ids[item_prompt[i]],
                "attribute_id": attrs[item_attr[i]][0],
            },
        )
        for h in design.HUMANS_S2:
            w.add(
                "relevance_judgments.jsonl",
                {"item_id": iid, "annotator_id": h, "relevant": bool(votes[h][i])},
            )
    for m in design.LLMS:
        rel = f"models/relevance/llm/{m}.jsonl"
        for i, iid in enumerate(item_ids):
            w.add(rel, {"item_id": iid, "relevant": bool(votes[m][i])})
    for m in design.TRAINED_RELEVANCE:
        rel = f"models/relevance/trained/{m}.jsonl"
        for i, iid in enumerate(item_ids):
            w.add(
                rel, {"item_id": iid, "relevant": bool(votes[m][i]), "score": float(scores[m][i])}
            )
    comp.count("relevance_items", n_items)
    comp.count("pairs", len(pairs))
    human_votes = sum(votes[h].astype(int) for h in design.HUMANS_S2)

    # ---- Stage 3: response items, ratings, mentions ----------------------------------------
    rng = stream(seed, "stage3_design", b)
    n_per = design.N_RESPONSE_ITEMS_PER_GENERATOR
    n_gen = len(design.LLMS)
    n_resp = n_per * n_gen
    # units per generator as equal as possible (the paper's units in 5 near-equal parts, e.g.
    # 74 + 74 + 73 + 73 + 73; which generators get the extra unit rotates over blocks), then
    # spread over its items (>= 1 each)
    per_gen = np.full(n_gen, design.N_RATED_UNITS // n_gen)
    per_gen[(b + np.arange(design.N_RATED_UNITS % n_gen)) % n_gen] += 1
    k_units = np.concatenate(
        [1 + rng.multinomial(t - n_per, np.full(n_per, 1.0 / n_per)) for t in per_gen]
    )
    # the paper's design: every generator answered the same user-prompt pairs (16 pairs x 5
    # generators = 80 response items); a pair's attributes in one order for all generators
    # (best-case input: the human-majority relevant attributes first, then by votes)
    s3_pairs = np.sort(rng.choice(len(pairs), size=n_per, replace=False))
    pair_order = {}
    for pi in s3_pairs:
        items = pairs[pi][2]
        pair_order[pi] = items[np.lexsort((rng.random(len(items)), -human_votes[items]))]
    chosen = []  # (generator, pair, attribute indices)
    for g in design.LLMS:
        for pi in s3_pairs:
            k = int(k_units[len(chosen)])
            chosen.append((g, pi, sorted(item_attr[pair_order[pi][:k]])))
    rng = stream(seed, "ratings", b)
    txt_rng = stream(seed, "responses", b)
    width = _width(3, scale * n_resp)
    cuts = p3["cuts"]
    # benefit = generator mean + pair effect (shared by the 5 generators' items of the pair) +
    # item effect + unit effect; variances sigma_b^2 x benefit_shares
    sd = {k: p3["sigma_b"] * np.sqrt(v) for k, v in p3["benefit_shares"].items()}
    pair_effect = dict(zip(s3_pairs.tolist(), sd["pair"] * rng.standard_normal(n_per), strict=True))
    offsets = np.asarray(p3["human_offsets"])[None, :]
    for n, (g, pi, picked) in enumerate(chosen):
        k_prompt, ui, _items = pairs[pi]
        rid = f"resp{b * n_resp + n + 1:0{width}d}"
        k = len(picked)
        item_effect = sd["item"] * rng.standard_normal()
        benefit = (
            p3["mu_gen"][g]
            + pair_effect[int(pi)]
            + item_effect
            + sd["unit"] * rng.standard_normal(k)
        )
        mention = rng.random(k) < p3["mention_rate"][g]
        human = _ordinal(
            benefit[:, None] + p3["eta_human"] * mention[:, None] + offsets,
            cuts,
            rng.standard_normal((k, 3)),
        )
        position = np.where(rng.random(3) < 0.5, "first", "second")
        judge = {}
        for j in design.LLMS:
            jp = p3["judges"][j]
            judge[j] = _ordinal(
                jp["alpha"] + jp["beta"] * benefit + jp["delta"] * mention,
                cuts,
                rng.standard_normal(k),
            )
        rm = {
            m: np.round(p3["reward_models"][m]["beta"] * benefit + rng.standard_normal(k), 4)
            for m in design.REWARD_MODELS
        }
        generic = text.generic_response(txt_rng, int(prompt_topic[k_prompt]))
        personalized = text.personalized_response(
            txt_rng,
            generic,
            [(attrs[a][4], attrs[a][3], bool(mention[u])) for u, a in enumerate(picked)],
        )
        w.add(
            f"models/generator/{g}.jsonl",
            {
                "response_item_id": rid,
                "user_id": users[ui][0],
                "prompt_id": prompt_ids[k_prompt],
                "generic_response": generic,
                "personalized_response": personalized,
                "attribute_ids": [attrs[a][0] for a in picked],
            },
        )
        for u, a in enumerate(picked):
            aid = attrs[a][0]
            for h in range(3):
                w.add(
                    "response_ratings.jsonl",
                    {
                        "response_item_id": rid,
                        "attribute_id": aid,
                        "annotator_id": design.HUMANS_S3[h],
                        "rating": int(human[u, h]),
                        "personalized_position": str(position[h]),
                    },
                )
            w.add(
                "mention_flags.jsonl",
                {
                    "response_item_id": rid,
                    "attribute_id": aid,
                    "flagger": design.MENTION_FLAGGER,
                    "explicit_mention": bool(mention[u]),
                },
            )
            for j in design.LLMS:
                w.add(
                    f"models/judge/llm_judge/{j}.jsonl",
                    {"response_item_id": rid, "attribute_id": aid, "rating": int(judge[j][u])},
                )
            for m in design.REWARD_MODELS:
                w.add(
                    f"models/judge/reward_model/{m}.jsonl",
                    {"response_item_id": rid, "attribute_id": aid, "rating": float(rm[m][u])},
                )
        comp.units[g] += k
    comp.count("response_items", n_resp)
    comp.count("rated_units", int(k_units.sum()))


def study_record(seed: int, scale: int) -> dict:
    return {
        "name": "simulated",
        "data_kind": "simulated",
        "description": (
            "SIMULATED DATA, not the study's data: a synthetic study with the design of "
            "Zhang, Liu and August (2026), 'Re-Centering Humans in LLM Personalization' "
            "(arXiv 2606.06614), generated by the workflow from a latent-variable model "
            "calibrated to the paper's reported numbers. Every text is synthetic and tagged "
            f"{text.TAG}. Generating parameters and population values: truth.json."
        ),
        "source": f"recenter simulator v{design.GENERATOR_VERSION}, seed {seed}, scale {scale}",
    }


def truth_record(seed: int, scale: int, comp: _Composition) -> dict:
    from recenter.simulate import calibrate

    weights = {
        "stage1": {d: float(n) for d, n in comp.attributes.items()},
        "stage2": {c: float(n) for c, n in comp.categories.items()},
        "stage3": {g: float(n) for g, n in comp.units.items()},
    }
    return {
        "seed": seed,
        "scale": scale,
        "generator_version": design.GENERATOR_VERSION,
        "data_kind": "simulated",
        "definition": (
            "population = the limit at infinitely many units with these parameters and this "
            "design composition (attributes per dataset, Stage-2 items per text category, "
            "Stage-3 units per generator); exact Gauss-Hermite integrals (model.py)"
        ),
        "parameters": PARAMS,
        "composition": {
            "stage1_attributes_per_dataset": dict(comp.attributes),
            "stage2_items_per_category": dict(comp.categories),
            "stage3_units_per_generator": dict(comp.units),
            "counts": dict(sorted(comp.counts.items())),
        },
        "calibration_targets": {
            stage: {k: {"value": v, "origin": o, "tolerance": t} for k, (v, o, t) in tg.items()}
            for stage, tg in calibrate.TARGETS.items()
        },
        "random_effects": random_effects(PARAMS),
        "population": calibrate.population(PARAMS, weights),
    }


def random_effects(params: dict) -> dict:
    """Variances of every random effect of the model on its latent scale (the dependence
    structure: which units share which latent), for truth.json."""
    p1, p2, p3 = params["stage1"], params["stage2"], params["stage3"]
    s2 = {
        name: {lev: float(v) for lev, v in p2[key].items()}
        for name, key in (("relevance_R", "relevance_shares"), ("llm_shared_W", "shared_shares"))
    }
    return {
        "definition": (
            "variances on the latent (probit) scale; a level's effect is shared by every unit "
            "of that level. Annotator leniency: fixed offsets of the 3 annotators (variance "
            "with ddof 1, what a 3-level random effect estimates)."
        ),
        "stage1": {
            "quality_user": float(p1["sigma_q"] ** 2 * p1["user_share"]),
            "quality_attribute": float(p1["sigma_q"] ** 2 * (1 - p1["user_share"])),
            "annotator_offsets": list(p1["offsets"]),
            "annotator_variance": float(np.var(p1["offsets"], ddof=1)),
            "judgment_noise": 1.0,
        },
        "stage2": {
            **s2,
            "levels": "user > (attribute x pair, both within user) > item",
            "human_thresholds": {h: float(p2["raters"][h]["t"]) for h in design.HUMANS_S2},
            "judgment_noise": 1.0,
        },
        "stage3": {
            **{f"benefit_{k}": v for k, v in _benefit_variances(p3).items()},
            "annotator_offsets": list(p3["human_offsets"]),
            "annotator_variance": float(np.var(p3["human_offsets"], ddof=1)),
            "rating_noise": 1.0,
        },
    }


def _benefit_variances(p3: dict) -> dict[str, float]:
    from recenter.simulate import model

    return model.benefit_variances(p3)


def simulate(
    out_dir: str | os.PathLike,
    seed: int,
    scale: int = 1,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write the simulated study into ``out_dir``; return truth.json's content."""
    seed, scale = int(seed), int(scale)
    if scale < 1:
        raise ValueError(f"scale must be >= 1, got {scale}")
    out = Path(out_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        writer = _Writer(tmp)
        comp = _Composition()
        try:
            for b in range(scale):
                _block(seed, scale, b, writer, comp)
                writer.flush()
                if progress and (scale < 20 or (b + 1) % max(1, scale // 20) == 0):
                    progress(f"simulated block {b + 1}/{scale}")
        finally:
            writer.close()
        truth = truth_record(seed, scale, comp)
        (tmp / "study.json").write_text(dumps(study_record(seed, scale)) + "\n", encoding="utf-8")
        (tmp / "truth.json").write_text(
            json.dumps(truth, ensure_ascii=False, sort_keys=True, indent=1) + "\n",
            encoding="utf-8",
        )
        for rel in [*design.planned_files(scale), "study.json", "truth.json"]:
            dest = out / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / rel, dest)
        if progress:
            progress(f"wrote {out} (seed {seed}, scale {scale})")
        return truth
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
