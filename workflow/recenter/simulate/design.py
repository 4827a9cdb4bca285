"""Design of the simulated study: counts, names and the files the simulator writes.

At ``scale`` k the simulator writes k independent *blocks*, each a complete copy of the paper's
design (paper.md) with fresh draws and its own ids, so every count is k times the paper's.
"""

from __future__ import annotations

#: Version of the generator; part of study.json's ``source`` and truth.json.
GENERATOR_VERSION = "2.0.0"

#: The five LLMs of the paper: Stage-2 raters, Stage-1 verifiers, Stage-3 generators and judges.
LLMS = ("claude-sonnet-4.6", "gemma-4-31b", "gpt-5.4", "llama-3.3-70b", "qwen3.5-27b")
PROMPT_VARIANTS = ("basic", "optimized")
VERIFIERS = (*tuple(f"{m}_{v}" for m in LLMS for v in PROMPT_VARIANTS), "roberta-verifier")
TRAINED_VERIFIERS = ("roberta-verifier",)
TRAINED_RELEVANCE = ("roberta", "qwen3-4b-grpo")
REWARD_MODELS = ("modernbert", "qwen2.5-1.5b", "llama-3.2-1b")
EXTRACTOR = "llama-3.3-70b"
FAILURE_MODE_LABELER = "gpt-5.4"
MENTION_FLAGGER = "gpt-5.4"

#: Annotator ids. Stage 2's three ids label every item (one rater each in the kappa matrix).
HUMANS_S1 = ("S1-H1", "S1-H2", "S1-H3")
HUMANS_S2 = ("H1", "H2", "H3")
HUMANS_S3 = ("S3-H1", "S3-H2", "S3-H3")

# ---- counts of one block (= the paper's design, paper.md) --------------------------------
N_USERS = {"wildchat": 47, "cupid": 10, "prefeval": 10, "personalens": 10}
USER_PREFIX = {"wildchat": "wc", "cupid": "cupid", "prefeval": "prefeval", "personalens": "plens"}
N_CONVERSATIONS = 550
N_ATTRIBUTES = 1983
N_PROMPTS = 41
USERS_PER_PROMPT = 4
N_PAIRS = N_PROMPTS * USERS_PER_PROMPT  # 164
N_RELEVANCE_ITEMS = 3973
PROFILE_MIN, PROFILE_MAX = 17, 42
N_RESPONSE_ITEMS_PER_GENERATOR = 16  # 80 items over 5 generators
N_RATED_UNITS = 367
MIN_WILDCHAT_CONVERSATIONS = 3
MIN_WILDCHAT_TURNS = 15

# ---- text structure [ours] ----------------------------------------------------------------
N_TOPIC_GROUPS = 6
TOPICS_PER_GROUP = 4
N_TOPICS = N_TOPIC_GROUPS * TOPICS_PER_GROUP
#: share of attributes that are communication-style preferences (relevant to any prompt)
STYLE_SHARE = 0.25


def expected_attribute_weights() -> dict[str, float]:
    """Expected attributes per dataset in one block.

    WildChat profiles are the Stage-2 profiles: 3,973 items over 164 pairs of 47 users, so a
    WildChat user has 3,973 / 164 attributes on average; the other datasets share the rest.
    """
    wc = N_RELEVANCE_ITEMS / N_PAIRS * N_USERS["wildchat"]
    rest = (N_ATTRIBUTES - wc) / 3
    return {"wildchat": wc, "cupid": rest, "prefeval": rest, "personalens": rest}


def expected_category_weights() -> dict[str, float]:
    """Expected share of Stage-2 items per text category.

    A prompt's topic is uniform over the topics, independent of the user, so a topical
    attribute has the prompt's topic with probability 1/T and another topic of its group with
    probability (G - 1)/T (T topics in groups of G).
    """
    topical = 1.0 - STYLE_SHARE
    return {
        "style": STYLE_SHARE,
        "same": topical / N_TOPICS,
        "related": topical * (TOPICS_PER_GROUP - 1) / N_TOPICS,
        "unrelated": topical * (N_TOPICS - TOPICS_PER_GROUP) / N_TOPICS,
    }


CORE_FILES = (
    "users.jsonl",
    "conversations.jsonl",
    "attributes.jsonl",
    "attribute_judgments.jsonl",
    "failure_modes.jsonl",
    "prompts.jsonl",
    "relevance_items.jsonl",
    "relevance_judgments.jsonl",
    "response_ratings.jsonl",
    "mention_flags.jsonl",
)


def model_files() -> list[str]:
    """Model-output files of the simulated study (relative to the study folder)."""
    files = [f"models/verifier/llm/{v}.jsonl" for v in VERIFIERS if v not in TRAINED_VERIFIERS]
    files += [f"models/verifier/trained/{v}.jsonl" for v in TRAINED_VERIFIERS]
    files += [f"models/relevance/llm/{m}.jsonl" for m in LLMS]
    files += [f"models/relevance/trained/{m}.jsonl" for m in TRAINED_RELEVANCE]
    files += [f"models/generator/{m}.jsonl" for m in LLMS]
    files += [f"models/judge/llm_judge/{m}.jsonl" for m in LLMS]
    files += [f"models/judge/reward_model/{m}.jsonl" for m in REWARD_MODELS]
    return files


def planned_files(scale: int) -> list[str]:
    """Raw files (relative to data/raw/simulated/) the simulator writes: the same set at every
    scale (the scale multiplies rows, not files)."""
    if int(scale) < 1:
        raise ValueError(f"scale must be >= 1, got {scale!r}")
    return sorted([*CORE_FILES, *model_files()])
