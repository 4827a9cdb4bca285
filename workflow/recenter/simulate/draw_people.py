"""The block generator's first stages: users and their interests, the Stage-2 design that
fixes the WildChat profile sizes, the attributes (with their latent quality) and the
conversations (generate.py runs them in this order)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from recenter.simulate import design, text
from recenter.simulate.streams import DATASETS, PARAMS, Block


@dataclass(frozen=True)
class User:
    id: str
    dataset: str
    topics: np.ndarray
    weights: np.ndarray  # topic weights


@dataclass(frozen=True)
class Attribute:
    id: str
    user: int  # index into the block's users
    kind: str  # style | topical
    topic: int | None  # None for a style attribute
    phrase: str  # mention phrase
    text: str


@dataclass(frozen=True)
class People:
    """The users of a block (WildChat and synthetic, as indices), and the Stage-2 design."""

    users: list[User]
    wildchat: list[int]
    synthetic: list[int]
    grid: np.ndarray  # (prompts x 4) WildChat slots (indices into ``wildchat``)
    sizes: np.ndarray  # attributes per user


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


def draw_users(blk: Block) -> list[User]:
    """Users and their interests (stream ``users``); writes users.jsonl."""
    rng = blk.rng("users")
    users = []
    for d in DATASETS:
        n = design.N_USERS[d]
        width = blk.width(3 if d == "wildchat" else 2, n)
        for i in range(n):
            uid = blk.id(design.USER_PREFIX[d], n, i, width)
            k = rng.integers(4, 8) if d == "wildchat" else rng.integers(2, 4)
            topics = rng.choice(design.N_TOPICS, size=k, replace=False)
            users.append(User(uid, d, topics, rng.dirichlet(np.full(k, 2.0))))
            blk.out.add(
                "users.jsonl", {"user_id": uid, "source_dataset": d, "is_real": d == "wildchat"}
            )
    return users


def draw_people(blk: Block) -> People:
    """The users, then the Stage-2 design (stream ``stage2_design``), which fixes the WildChat
    profile sizes: every WildChat user is in 3 or 4 user-prompt pairs, and the pairs' items
    add up to the paper's item count."""
    users = draw_users(blk)
    wc = [i for i, u in enumerate(users) if u.dataset == "wildchat"]
    synth = [i for i, u in enumerate(users) if u.dataset != "wildchat"]
    rng = blk.rng("stage2_design")
    n_wc = len(wc)
    n_four = design.N_PAIRS - 3 * n_wc  # users in 4 pairs; the others are in 3
    appearances = rng.permutation(np.array([4] * n_four + [3] * (n_wc - n_four)))
    grid = _assign_users_to_prompts(rng, appearances)
    sizes = np.zeros(len(users), dtype=int)
    sizes[wc] = _profile_sizes(rng, appearances)
    rest = design.N_ATTRIBUTES - int(sizes.sum())
    sizes[synth] = _fixed_total(rng, len(synth), rest, 10, 50, 5.0)
    return People(users, wc, synth, grid, sizes)


def _attribute_texts(blk: Block, rng, people: People) -> list[Attribute]:
    """Each user's attributes: kind, topic and a text the user does not have yet."""
    width = blk.width(4, design.N_ATTRIBUTES)
    attrs: list[Attribute] = []
    for ui, user in enumerate(people.users):
        seen: set[str] = set()
        for _ in range(people.sizes[ui]):
            for _try in range(30):
                kind = "style" if rng.random() < design.STYLE_SHARE else "topical"
                topic = int(rng.choice(user.topics, p=user.weights))
                variant, verb = int(rng.integers(1000)), int(rng.integers(1000))
                k1, k2 = rng.choice(len(text.TOPICS[topic][3]), size=2, replace=False)
                txt, phrase = text.attribute_text(kind, topic, variant, verb, (int(k1), int(k2)))
                if txt not in seen:
                    break
            seen.add(txt)
            aid = blk.id("attr", design.N_ATTRIBUTES, len(attrs), width)
            attrs.append(
                Attribute(aid, ui, kind, topic if kind == "topical" else None, phrase, txt)
            )
    return attrs


def draw_attributes(blk: Block, people: People) -> tuple[list[Attribute], np.ndarray]:
    """The attributes and their latent quality (stream ``attributes``); writes
    attributes.jsonl with the extractor's confidence. Quality = dataset mean + user effect
    (shared by the user's attributes) + the attribute's own part."""
    p1 = PARAMS["stage1"]
    rng = blk.rng("attributes")
    attrs = _attribute_texts(blk, rng, people)
    n_attr = len(attrs)
    a_user = np.array([a.user for a in attrs])
    a_dataset = np.array([DATASETS.index(people.users[u].dataset) for u in a_user])
    mu = np.array([p1["mu"][d] for d in DATASETS])[a_dataset]
    user_effect = np.sqrt(p1["user_share"]) * rng.standard_normal(len(people.users))
    own = np.sqrt(1.0 - p1["user_share"]) * rng.standard_normal(n_attr)
    quality = mu + p1["sigma_q"] * (user_effect[a_user] + own)
    conf = 0.4 + 0.6 * ndtr(
        0.6 * (quality - mu) / p1["sigma_q"] + 0.8 * rng.standard_normal(n_attr)
    )
    for a, c in zip(attrs, conf, strict=True):
        blk.out.add(
            "attributes.jsonl",
            {
                "attribute_id": a.id,
                "user_id": people.users[a.user].id,
                "text": a.text,
                "extractor": design.EXTRACTOR,
                "confidence": round(float(c), 2),
            },
        )
    for d in DATASETS:
        blk.comp.attributes[d] += int((a_dataset == DATASETS.index(d)).sum())
    return attrs, quality


def draw_conversations(blk: Block, people: People) -> None:
    """Every user's conversations (stream ``conversations``); writes conversations.jsonl."""
    rng = blk.rng("conversations")
    users, wc, synth = people.users, people.wildchat, people.synthetic
    n_conv_wc = design.N_CONVERSATIONS - 5 * len(synth)
    per_user = np.zeros(len(users), dtype=int)
    for group, total in ((wc, n_conv_wc), (synth, design.N_CONVERSATIONS - n_conv_wc)):
        extra = total - design.MIN_WILDCHAT_CONVERSATIONS * len(group)
        per_user[group] = design.MIN_WILDCHAT_CONVERSATIONS + rng.multinomial(
            extra, rng.dirichlet(np.full(len(group), 2.0))
        )
    width = blk.width(4, design.N_CONVERSATIONS)
    n_conv = 0
    for ui, user in enumerate(users):
        real = user.dataset == "wildchat"
        lengths = 2 * rng.integers(1, 6, size=per_user[ui])
        if real and lengths.sum() < design.MIN_WILDCHAT_TURNS:
            lengths[-1] += design.MIN_WILDCHAT_TURNS - lengths.sum()
        for n_turns in lengths:
            topic = int(rng.choice(user.topics, p=user.weights))
            blk.out.add(
                "conversations.jsonl",
                {
                    "conversation_id": blk.id("conv", design.N_CONVERSATIONS, n_conv, width),
                    "user_id": user.id,
                    "turns": text.conversation_turns(rng, topic, int(n_turns), real),
                },
            )
            n_conv += 1
    blk.comp.count("conversations", n_conv)
