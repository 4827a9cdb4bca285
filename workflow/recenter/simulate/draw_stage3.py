"""The block generator's Stage-3 stage: which attributes of which user-prompt pairs each
generator personalized for, the responses, the humans' 1-5 ratings, the mention flags and the
LLM judges' and reward models' ratings (model.py, Stage 3)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recenter.simulate import design, text
from recenter.simulate.draw_people import Attribute, People
from recenter.simulate.draw_stage2 import Items, Prompts
from recenter.simulate.streams import PARAMS, Block, ordinal


@dataclass(frozen=True)
class ResponseItem:
    generator: str
    pair: int  # index into Items.pairs
    picked: list[int]  # attribute indices, sorted


@dataclass(frozen=True)
class Ratings:
    """The draws of one response item's rated units (its picked attributes)."""

    mention: np.ndarray  # (k,) explicit mention
    human: np.ndarray  # (k x 3) the human annotators' ratings
    position: np.ndarray  # (3,) where each annotator saw the personalized response
    judge: dict[str, np.ndarray]  # LLM judge -> (k,) ratings
    reward: dict[str, np.ndarray]  # reward model -> (k,) scores


def stage3_design(blk: Block, items: Items, votes: np.ndarray) -> list[ResponseItem]:
    """The response items (stream ``stage3_design``). Units per generator as equal as
    possible (the paper's units in 5 near-equal parts, e.g. 74 + 74 + 73 + 73 + 73; which
    generators get the extra unit rotates over blocks), spread over its items (>= 1 each).
    Every generator answered the same user-prompt pairs (16 pairs x 5 generators = 80
    response items) with a pair's attributes in one order for all generators (best-case
    input: the human-majority relevant attributes first, then by ``votes``)."""
    rng = blk.rng("stage3_design")
    n_per = design.N_RESPONSE_ITEMS_PER_GENERATOR
    n_gen = len(design.LLMS)
    per_gen = np.full(n_gen, design.N_RATED_UNITS // n_gen)
    per_gen[(blk.index + np.arange(design.N_RATED_UNITS % n_gen)) % n_gen] += 1
    k_units = np.concatenate(
        [1 + rng.multinomial(t - n_per, np.full(n_per, 1.0 / n_per)) for t in per_gen]
    )
    s3_pairs = np.sort(rng.choice(len(items.pairs), size=n_per, replace=False))
    pair_order = {}
    for pi in s3_pairs:
        its = items.pairs[pi][2]
        pair_order[pi] = its[np.lexsort((rng.random(len(its)), -votes[its]))]
    chosen: list[ResponseItem] = []
    for g in design.LLMS:
        for pi in s3_pairs:
            k = int(k_units[len(chosen)])
            chosen.append(ResponseItem(g, int(pi), sorted(items.attr[pair_order[pi][:k]])))
    blk.comp.count("rated_units", int(k_units.sum()))
    return chosen


def _rate(rng, g: str, benefit: np.ndarray) -> Ratings:
    """Mentions and every rater's rating of the units of one response item of generator g."""
    p3 = PARAMS["stage3"]
    cuts = p3["cuts"]
    k = len(benefit)
    offsets = np.asarray(p3["human_offsets"])[None, :]
    mention = rng.random(k) < p3["mention_rate"][g]
    human = ordinal(
        benefit[:, None] + p3["eta_human"] * mention[:, None] + offsets,
        cuts,
        rng.standard_normal((k, 3)),
    )
    position = np.where(rng.random(3) < 0.5, "first", "second")
    judge = {}
    for j in design.LLMS:
        jp = p3["judges"][j]
        judge[j] = ordinal(
            jp["alpha"] + jp["beta"] * benefit + jp["delta"] * mention,
            cuts,
            rng.standard_normal(k),
        )
    reward = {
        m: np.round(p3["reward_models"][m]["beta"] * benefit + rng.standard_normal(k), 4)
        for m in design.REWARD_MODELS
    }
    return Ratings(mention, human, position, judge, reward)


def _write_units(blk: Block, rid: str, aids: list[str], r: Ratings) -> None:
    """The ratings, mention flags, judges' and reward models' rows of one response item."""
    for u, aid in enumerate(aids):
        for h in range(3):
            blk.out.add(
                "response_ratings.jsonl",
                {
                    "response_item_id": rid,
                    "attribute_id": aid,
                    "annotator_id": design.HUMANS_S3[h],
                    "rating": int(r.human[u, h]),
                    "personalized_position": str(r.position[h]),
                },
            )
        blk.out.add(
            "mention_flags.jsonl",
            {
                "response_item_id": rid,
                "attribute_id": aid,
                "flagger": design.MENTION_FLAGGER,
                "explicit_mention": bool(r.mention[u]),
            },
        )
        for j in design.LLMS:
            blk.out.add(
                f"models/judge/llm_judge/{j}.jsonl",
                {"response_item_id": rid, "attribute_id": aid, "rating": int(r.judge[j][u])},
            )
        for m in design.REWARD_MODELS:
            blk.out.add(
                f"models/judge/reward_model/{m}.jsonl",
                {"response_item_id": rid, "attribute_id": aid, "rating": float(r.reward[m][u])},
            )


def draw_responses(
    blk: Block,
    people: People,
    attrs: list[Attribute],
    prompts: Prompts,
    items: Items,
    chosen: list[ResponseItem],
) -> None:
    """Responses (stream ``responses``) and ratings (stream ``ratings``) of every response
    item. Benefit = generator mean + pair effect (shared by the 5 generators' items of the
    pair) + item effect + unit effect; variances sigma_b^2 x benefit_shares."""
    p3 = PARAMS["stage3"]
    rng = blk.rng("ratings")
    txt_rng = blk.rng("responses")
    n_resp = design.N_RESPONSE_ITEMS_PER_GENERATOR * len(design.LLMS)
    width = blk.width(3, n_resp)
    sd = {k: p3["sigma_b"] * np.sqrt(v) for k, v in p3["benefit_shares"].items()}
    s3_pairs = sorted({c.pair for c in chosen})
    pair_effect = dict(zip(s3_pairs, sd["pair"] * rng.standard_normal(len(s3_pairs)), strict=True))
    for n, item in enumerate(chosen):
        k_prompt, ui, _its = items.pairs[item.pair]
        rid = blk.id("resp", n_resp, n, width)
        k = len(item.picked)
        item_effect = sd["item"] * rng.standard_normal()
        benefit = (
            p3["mu_gen"][item.generator]
            + pair_effect[item.pair]
            + item_effect
            + sd["unit"] * rng.standard_normal(k)
        )
        r = _rate(rng, item.generator, benefit)
        generic = text.generic_response(txt_rng, int(prompts.topic[k_prompt]))
        personalized = text.personalized_response(
            txt_rng,
            generic,
            [
                (attrs[a].phrase, attrs[a].topic, bool(r.mention[u]))
                for u, a in enumerate(item.picked)
            ],
        )
        blk.out.add(
            f"models/generator/{item.generator}.jsonl",
            {
                "response_item_id": rid,
                "user_id": people.users[ui].id,
                "prompt_id": prompts.ids[k_prompt],
                "generic_response": generic,
                "personalized_response": personalized,
                "attribute_ids": [attrs[a].id for a in item.picked],
            },
        )
        _write_units(blk, rid, [attrs[a].id for a in item.picked], r)
        blk.comp.units[item.generator] += k
    blk.comp.count("response_items", n_resp)
