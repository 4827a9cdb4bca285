"""Design of the simulated study: counts, names and the files the simulator writes.

At ``scale`` k the simulator writes k independent *blocks*, each a complete copy of the paper's
design (paper.md) with fresh draws and its own ids, so every count is k times the paper's.
"""

from __future__ import annotations

from recenter import layout, paper

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

# ---- counts of one block (= the paper's design, read from paper_values.yaml) --------------


def _count(value_id: str) -> int:
    """A design count the paper reports (workflow/resources/paper_values.yaml)."""
    v = paper.value(value_id)
    if not isinstance(v, float) or not v.is_integer():
        raise ValueError(f"paper value {value_id!r} is not a whole count: {v!r}")
    return int(v)


def _range(value_id: str) -> tuple[float, float]:
    """A range the paper reports (workflow/resources/paper_values.yaml)."""
    v = paper.value(value_id)
    if not isinstance(v, tuple):
        raise ValueError(f"paper value {value_id!r} is not a range: {v!r}")
    return v


def _share(total: int, parts: int, what: str) -> int:
    """total / parts, which the paper's design makes a whole number."""
    if total % parts:
        raise ValueError(f"{what}: {total} does not split into {parts} equal parts")
    return total // parts


_N_REAL = _count("s1.users_real")
#: the synthetic users come from three benchmarks, the same number from each
_N_PER_BENCHMARK = _share(_count("s1.users") - _N_REAL, 3, "synthetic users per benchmark")
N_USERS = {
    "wildchat": _N_REAL,
    "cupid": _N_PER_BENCHMARK,
    "prefeval": _N_PER_BENCHMARK,
    "personalens": _N_PER_BENCHMARK,
}
USER_PREFIX = {"wildchat": "wc", "cupid": "cupid", "prefeval": "prefeval", "personalens": "plens"}
N_CONVERSATIONS = _count("design.conversations")
N_ATTRIBUTES = _count("s1.attributes")
N_PROMPTS = _count("s2.prompts")
N_PAIRS = _count("s2.pairs")
USERS_PER_PROMPT = _share(N_PAIRS, N_PROMPTS, "users per prompt")
N_RELEVANCE_ITEMS = _count("s2.items")
PROFILE_MIN, PROFILE_MAX = (int(x) for x in _range("s2.profile_size"))
#: every pair is answered by each of the five LLMs (one response item each)
N_RESPONSE_ITEMS_PER_GENERATOR = _share(_count("s3.items"), len(LLMS), "response items")
N_RATED_UNITS = _count("s3.units")
MIN_WILDCHAT_CONVERSATIONS = _count("s1.min_conversations")
MIN_WILDCHAT_TURNS = _count("s1.min_turns")

# ---- text structure [ours] ----------------------------------------------------------------
N_TOPIC_GROUPS = 6
TOPICS_PER_GROUP = 4
N_TOPICS = N_TOPIC_GROUPS * TOPICS_PER_GROUP
#: share of attributes that are communication-style preferences (relevant to any prompt)
STYLE_SHARE = 0.25


def expected_attribute_weights() -> dict[str, float]:
    """Expected attributes per dataset in one block.

    WildChat profiles are the Stage-2 profiles: N_RELEVANCE_ITEMS items over N_PAIRS pairs of
    the WildChat users, so a WildChat user has N_RELEVANCE_ITEMS / N_PAIRS attributes on
    average; the other datasets share the rest.
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


#: the human-written files of a study (the canonical format's list, recenter.layout)
CORE_FILES = layout.CORE_FILES


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
