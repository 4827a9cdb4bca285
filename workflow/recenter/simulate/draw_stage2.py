"""The block generator's Stage-2 stage: the prompts, the relevance items (every attribute of
each user of a user-prompt pair) with their text category, and the raters' votes on the
nested latents of model.py (Stage 2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recenter.simulate import design, text
from recenter.simulate.draw_people import Attribute, People
from recenter.simulate.streams import CATEGORIES, PARAMS, Block, sigmoid


@dataclass(frozen=True)
class Prompts:
    ids: list[str]
    topic: np.ndarray


@dataclass(frozen=True)
class Items:
    """The relevance items of a block, in id order."""

    attr: np.ndarray  # attribute index of each item
    prompt: np.ndarray  # prompt index
    user: np.ndarray  # user index
    pairs: list[tuple[int, int, np.ndarray]]  # (prompt index, user index, item indices)
    category: np.ndarray  # index into CATEGORIES


def draw_prompts(blk: Block) -> Prompts:
    """Prompts and their topics (stream ``prompts``); writes prompts.jsonl."""
    rng = blk.rng("prompts")
    width = blk.width(3, design.N_PROMPTS)
    prompt_topic = rng.integers(design.N_TOPICS, size=design.N_PROMPTS)
    prompt_ids = []
    for k in range(design.N_PROMPTS):
        pid = blk.id("p", design.N_PROMPTS, k, width)
        prompt_ids.append(pid)
        blk.out.add(
            "prompts.jsonl",
            {
                "prompt_id": pid,
                "text": text.prompt_text(rng, int(prompt_topic[k])),
                "source": "simulated",
            },
        )
    return Prompts(prompt_ids, prompt_topic)


def _category(a_topic: np.ndarray, p_topic: np.ndarray) -> np.ndarray:
    """Text category of items: style attribute (topic -1), else topical whose topic is the
    prompt's (same), in its topic group (related) or elsewhere (unrelated)."""
    return np.where(
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


def relevance_items(blk: Block, people: People, attrs: list[Attribute], prompts: Prompts) -> Items:
    """The items of every user-prompt pair of the design grid (no randomness)."""
    by_user: dict[int, list[int]] = {}
    for i, a in enumerate(attrs):
        by_user.setdefault(a.user, []).append(i)
    item_attr: list[int] = []
    item_prompt: list[int] = []
    item_user: list[int] = []
    pairs = []
    for k in range(design.N_PROMPTS):
        for slot in people.grid[k]:
            ui = people.wildchat[slot]
            first = len(item_attr)
            for ai in by_user[ui]:
                item_attr.append(ai)
                item_prompt.append(k)
                item_user.append(ui)
            pairs.append((k, ui, np.arange(first, len(item_attr))))
    attr_ix, prompt_ix = np.array(item_attr), np.array(item_prompt)
    a_topic = np.array([-1 if a.topic is None else a.topic for a in attrs])[attr_ix]
    category = _category(a_topic, prompts.topic[prompt_ix])
    for c in CATEGORIES:
        blk.comp.categories[c] += int((category == CATEGORIES.index(c)).sum())
    return Items(attr_ix, prompt_ix, np.array(item_user), pairs, category)


def draw_votes(blk: Block, n_users: int, n_attr: int, items: Items) -> dict[str, np.ndarray]:
    """Latent relevance and LLM-shared latent of every item, each a sum over the levels user,
    attribute, pair and item of sqrt(share) x an N(0, 1) effect per level member (variance
    1), and every rater's latent vote (stream ``relevance``): rater -> latent (> 0: relevant)."""
    p2 = PARAMS["stage2"]
    rng = blk.rng("relevance")
    n_items = len(items.attr)
    item_pair = np.concatenate([np.full(len(it), k) for k, (_p, _u, it) in enumerate(items.pairs)])
    levels = {  # the level each item belongs to, as indices into that level's effects
        "user": items.user,
        "attribute": items.attr,
        "pair": item_pair,
        "item": np.arange(n_items),
    }
    sizes_of = {"user": n_users, "attribute": n_attr, "pair": len(items.pairs), "item": n_items}

    def nested_latent(shares: dict[str, float]) -> np.ndarray:
        out = np.zeros(n_items)
        for lev in ("user", "attribute", "pair", "item"):
            effect = rng.standard_normal(sizes_of[lev])
            out += np.sqrt(shares[lev]) * effect[levels[lev]]
        return out

    z = np.array([p2["category_mean"][c] for c in CATEGORIES])[items.category]
    z = z + nested_latent(p2["relevance_shares"])
    shared = nested_latent(p2["shared_shares"])
    latents = {}
    for r in (*design.HUMANS_S2, *design.LLMS, *design.TRAINED_RELEVANCE):
        rp = p2["raters"][r]
        latents[r] = (
            rp["lambda"] * z + rp["gamma"] * shared - rp["t"] + rng.standard_normal(n_items)
        )
    return latents


def write_relevance(
    blk: Block,
    people: People,
    attrs: list[Attribute],
    prompts: Prompts,
    items: Items,
    latents: dict[str, np.ndarray],
) -> None:
    """relevance_items.jsonl, the humans' judgments and every relevance model's file."""
    votes = {r: v > 0 for r, v in latents.items()}
    n_items = len(items.attr)
    width = blk.width(5, design.N_RELEVANCE_ITEMS)
    item_ids = [blk.id("ri", design.N_RELEVANCE_ITEMS, i, width) for i in range(n_items)]
    for i, iid in enumerate(item_ids):
        blk.out.add(
            "relevance_items.jsonl",
            {
                "item_id": iid,
                "user_id": people.users[items.user[i]].id,
                "prompt_id": prompts.ids[items.prompt[i]],
                "attribute_id": attrs[items.attr[i]].id,
            },
        )
        for h in design.HUMANS_S2:
            blk.out.add(
                "relevance_judgments.jsonl",
                {"item_id": iid, "annotator_id": h, "relevant": bool(votes[h][i])},
            )
    for m in design.LLMS:
        rel = f"models/relevance/llm/{m}.jsonl"
        for i, iid in enumerate(item_ids):
            blk.out.add(rel, {"item_id": iid, "relevant": bool(votes[m][i])})
    for m in design.TRAINED_RELEVANCE:
        rel = f"models/relevance/trained/{m}.jsonl"
        score = np.round(sigmoid(1.7 * latents[m]), 4)
        for i, iid in enumerate(item_ids):
            blk.out.add(
                rel, {"item_id": iid, "relevant": bool(votes[m][i]), "score": float(score[i])}
            )
    blk.comp.count("relevance_items", n_items)
    blk.comp.count("pairs", len(items.pairs))


def human_votes(latents: dict[str, np.ndarray]) -> np.ndarray:
    """Number of human annotators who voted each item relevant."""
    return np.asarray(sum((latents[h] > 0).astype(int) for h in design.HUMANS_S2))
