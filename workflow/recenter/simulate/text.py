"""Synthetic text with structure: topic vocabularies, attributes, prompts, conversations and
responses of the simulated study.

Every text is built from templates and a topic's vocabulary, so an attribute and a prompt of
the same topic share words (BM25 and embedding baselines have real, imperfect signal) and a
personalized response that names an attribute explicitly contains the attribute's phrase
(mention detection has signal). Every text carries a ``[simulated]`` tag: nobody reading a
file can mistake it for the study's data.
"""

from __future__ import annotations

import numpy as np

from recenter.simulate import design

TAG = "[simulated]"

#: 6 groups x 4 topics; each topic: (name, interest phrases, keywords). Topics of one group
#: share a domain (a "related" topic in Stage 2).
TOPIC_GROUPS: dict[str, list[tuple[str, list[str], list[str]]]] = {
    "food": [
        (
            "cooking",
            ["cooking vegetarian curries", "one-pot weeknight dinners", "making spice blends"],
            ["recipe", "curry", "spices", "dinner", "simmer", "onions", "stew"],
        ),
        (
            "baking",
            ["baking sourdough bread", "decorating layer cakes", "laminating croissant dough"],
            ["oven", "flour", "dough", "yeast", "bread", "proofing", "crust"],
        ),
        (
            "coffee",
            ["brewing pour-over coffee", "pulling espresso shots", "roasting coffee beans"],
            ["coffee", "espresso", "grinder", "beans", "brew", "roast", "crema"],
        ),
        (
            "nutrition",
            ["planning high-protein meals", "tracking macronutrients", "eating plant-based"],
            ["protein", "calories", "vitamins", "meal", "diet", "fiber", "macros"],
        ),
    ],
    "outdoors": [
        (
            "cycling",
            ["long-distance road cycling", "commuting by bike", "maintaining a gravel bike"],
            ["bike", "cycling", "saddle", "gears", "chain", "route", "tyres"],
        ),
        (
            "running",
            ["training for a half marathon", "trail running", "improving running pace"],
            ["running", "pace", "marathon", "shoes", "intervals", "stride", "miles"],
        ),
        (
            "hiking",
            ["multi-day backpacking trips", "hiking mountain trails", "planning hut-to-hut treks"],
            ["trail", "backpack", "tent", "summit", "boots", "map", "camp"],
        ),
        (
            "climbing",
            ["indoor bouldering", "sport climbing outdoors", "training finger strength"],
            ["climbing", "boulder", "rope", "grip", "harness", "route", "crag"],
        ),
    ],
    "tech": [
        (
            "python",
            ["writing Python scripts", "learning object-oriented Python", "testing Python code"],
            ["python", "function", "script", "library", "class", "error", "package"],
        ),
        (
            "webdev",
            ["building React web apps", "styling pages with CSS", "deploying static websites"],
            ["website", "javascript", "css", "browser", "react", "server", "html"],
        ),
        (
            "data",
            ["analysing data with pandas", "building dashboards", "learning statistics"],
            ["data", "dataset", "chart", "regression", "pandas", "statistics", "model"],
        ),
        (
            "networking",
            ["setting up a home server", "configuring Wi-Fi mesh networks", "self-hosting apps"],
            ["router", "network", "server", "wifi", "linux", "docker", "firewall"],
        ),
    ],
    "home": [
        (
            "gardening",
            ["growing tomatoes on a balcony", "composting kitchen scraps", "raising vegetables"],
            ["garden", "soil", "seeds", "compost", "tomatoes", "watering", "balcony"],
        ),
        (
            "woodworking",
            ["building furniture from oak", "hand-cutting dovetails", "restoring old chairs"],
            ["wood", "saw", "chisel", "joinery", "sanding", "oak", "workbench"],
        ),
        (
            "renovation",
            ["renovating an old kitchen", "painting interior walls", "tiling a bathroom"],
            ["renovation", "tiles", "paint", "walls", "plumbing", "budget", "contractor"],
        ),
        (
            "houseplants",
            ["caring for houseplants", "propagating succulents", "keeping orchids alive"],
            ["plants", "pot", "light", "succulent", "orchid", "humidity", "repotting"],
        ),
    ],
    "arts": [
        (
            "photography",
            ["street photography", "shooting portraits in natural light", "editing raw photos"],
            ["camera", "lens", "photo", "exposure", "light", "portrait", "editing"],
        ),
        (
            "painting",
            ["painting with watercolours", "sketching landscapes", "mixing acrylic colours"],
            ["paint", "brush", "canvas", "colour", "watercolour", "sketch", "palette"],
        ),
        (
            "guitar",
            [
                "playing acoustic guitar",
                "learning blues guitar solos",
                "writing chord progressions",
            ],
            ["guitar", "chords", "strings", "scale", "practice", "song", "rhythm"],
        ),
        (
            "writing",
            ["writing short stories", "drafting a fantasy novel", "keeping a daily journal"],
            ["story", "novel", "characters", "plot", "draft", "writing", "chapter"],
        ),
    ],
    "life": [
        (
            "finance",
            ["budgeting a monthly salary", "investing in index funds", "paying off student loans"],
            ["budget", "savings", "invest", "loan", "money", "fund", "expenses"],
        ),
        (
            "travel",
            ["backpacking through Southeast Asia", "planning trips by train", "travelling cheaply"],
            ["trip", "travel", "flight", "hotel", "itinerary", "train", "visa"],
        ),
        (
            "languages",
            ["learning Spanish", "practising Japanese kanji", "improving English pronunciation"],
            ["language", "vocabulary", "grammar", "spanish", "fluent", "words", "lessons"],
        ),
        (
            "parenting",
            ["raising two toddlers", "homeschooling a ten-year-old", "planning family activities"],
            ["kids", "children", "toddler", "school", "family", "bedtime", "parenting"],
        ),
    ],
}

TOPICS: list[tuple[str, str, list[str], list[str]]] = [
    (name, group, phrases, words)
    for group, topics in TOPIC_GROUPS.items()
    for name, phrases, words in topics
]
assert len(TOPICS) == design.N_TOPICS
assert all(len(t) == design.TOPICS_PER_GROUP for t in TOPIC_GROUPS.values())

TOPIC_GROUP = np.array([list(TOPIC_GROUPS).index(g) for _, g, _, _ in TOPICS])

#: communication-style and context attributes (relevant to many prompts, no topic words)
STYLE_PHRASES = [
    "prefers concise answers with bullet points",
    "prefers detailed step-by-step explanations",
    "likes answers that include concrete examples",
    "is a non-native English speaker who likes simple wording",
    "prefers a casual, friendly tone",
    "wants sources or references for factual claims",
    "is short on time on weekdays",
    "prefers metric units",
    "is on a tight budget",
    "is a beginner who dislikes jargon",
    "prefers answers formatted as tables",
    "likes a bit of humour in answers",
    "wants to understand the reasoning, not just the result",
    "lives in a small apartment",
    "is a university student",
    "prefers answers in British English",
]

INTEREST_VERBS = [
    "enjoys",
    "is interested in",
    "spends weekends on",
    "is getting better at",
    "has years of experience in",
    "recently started",
]
SECOND_PERSON = {
    "prefers": "prefer",
    "likes": "like",
    "wants": "want",
    "is": "are",
    "lives": "live",
}


def second_person(phrase: str) -> str:
    """'prefers concise answers' -> 'prefer concise answers' (for "Since you ...")."""
    first, _, rest = phrase.partition(" ")
    return f"{SECOND_PERSON.get(first, first)} {rest}"


def attribute_text(
    kind: str, topic: int, variant: int, verb: int, keywords: tuple[int, int] = (0, 1)
) -> tuple[str, str]:
    """(attribute text, phrase an explicit mention uses) of one attribute: for a style
    attribute the second-person clause, for a topical one the interest itself. A topical
    attribute also names two of its topic's keywords (the words prompts of the topic use)."""
    if kind == "style":
        phrase = STYLE_PHRASES[variant % len(STYLE_PHRASES)]
        return f"The user {TAG} {phrase}.", second_person(phrase)
    _name, _group, phrases, words = TOPICS[topic]
    interest = phrases[variant % len(phrases)]
    k1, k2 = (words[k % len(words)] for k in keywords)
    verb_text = INTEREST_VERBS[verb % len(INTEREST_VERBS)]
    return f"The user {TAG} {verb_text} {interest}, often asking about {k1} and {k2}.", interest


PROMPT_TEMPLATES = [
    "What is a good way to get started with {p}? Mention the {w1} and the {w2}.",
    "Can you explain the most common mistakes people make when {p}, especially with the {w1}?",
    "Give me a four-week plan for {p}; I care about {w1} and {w2}.",
    "How do I choose the right {w1} for {p}?",
    "Write a short guide to {p} that covers {w1}, {w2} and what to avoid.",
    "What should I know about {w1} and {w2} before {p}?",
]


def prompt_text(rng: np.random.Generator, topic: int) -> str:
    """A LIMA-like prompt about one topic (the phrase drops the attribute's verb)."""
    _name, _group, phrases, words = TOPICS[topic]
    template = PROMPT_TEMPLATES[rng.integers(len(PROMPT_TEMPLATES))]
    w1, w2 = rng.choice(len(words), size=2, replace=False)
    text = template.format(p=phrases[rng.integers(len(phrases))], w1=words[w1], w2=words[w2])
    return f"{TAG} {text}"


USER_OPENERS = [
    "I need help with {w1} for {p}.",
    "Quick question about {w1}: what do you think about {w2}?",
    "Can you check my plan for {p}? I am unsure about the {w1}.",
    "My {w1} keeps going wrong, any idea why? It happens with the {w2} too.",
    "Explain {w2} to me like I am new to {p}.",
    "Compare two options for {w1} when {p}.",
    "I tried {p} yesterday and the {w1} was a disaster.",
    "What is the difference between {w1} and {w2}?",
]
ASSISTANT_REPLIES = [
    "Here are a few points about {w1}: start small, keep notes on the {w2}, and adjust.",
    "The usual cause is the {w1}; check the {w2} first and then retry.",
    "For {p}, focus on {w1} before worrying about {w2}.",
    "A simple rule of thumb: {w1} first, {w2} second, and review after a week.",
    "Both work; {w1} is easier for beginners, {w2} gives more control.",
]
FOLLOW_UPS = [
    "Thanks. And what about the {w1}?",
    "That helps. Could you make it shorter?",
    "Ok, and if I only have an hour for {w1}?",
    "Can you give an example with {w2}?",
]
#: synthetic benchmark personas repeat a narrower set of templates (lower diversity)
SYNTHETIC_TEMPLATES = 3


def conversation_turns(
    rng: np.random.Generator, topic: int, n_turns: int, is_real: bool
) -> list[dict[str, str]]:
    """Alternating user/assistant turns about one topic, starting with the user."""
    _name, _group, phrases, words = TOPICS[topic]
    k = None if is_real else SYNTHETIC_TEMPLATES
    turns = []
    for i in range(n_turns):
        w1, w2 = rng.choice(len(words), size=2, replace=False)
        fill = {"p": phrases[rng.integers(len(phrases))], "w1": words[w1], "w2": words[w2]}
        if i % 2 == 1:
            pool = ASSISTANT_REPLIES[:k]
            role = "assistant"
        elif i == 0:
            pool, role = USER_OPENERS[:k], "user"
        else:
            pool, role = FOLLOW_UPS[:k], "user"
        turns.append(
            {"role": role, "text": f"{TAG} " + pool[rng.integers(len(pool))].format(**fill)}
        )
    return turns


GENERIC_TEMPLATES = [
    "Here is a general answer about {w1}. Start with the basics of {w2}, practise a little "
    "every day, and review what worked after a week.",
    "A good approach to {w1} is to break it into small steps: learn the {w2}, try it once, "
    "then refine.",
    "Most people succeed with {w1} by keeping it simple: pick one {w2} method and stick to it.",
]
MENTION_TEMPLATES = {
    "topical": [
        "Given your interest in {phrase}, {advice}",
        "Since you are into {phrase}, {advice}",
        "Because you mentioned {phrase}, {advice}",
    ],
    "style": [
        "Since you {phrase}, {advice}",
        "Because you {phrase}, {advice}",
        "Given that you {phrase}, {advice}",
    ],
}
ADVICE = [
    "I adapted the plan accordingly.",
    "the steps below are adjusted for you.",
    "I kept the suggestions close to that.",
]
IMPLICIT_TEMPLATES = [
    "One option that fits well: combine it with {w}.",
    "A variation worth trying uses {w}.",
    "Keep the {w} part short and practical.",
]


def generic_response(rng: np.random.Generator, prompt_topic: int) -> str:
    words = TOPICS[prompt_topic][3]
    w1, w2 = rng.choice(len(words), size=2, replace=False)
    t = GENERIC_TEMPLATES[rng.integers(len(GENERIC_TEMPLATES))]
    return f"{TAG} " + t.format(w1=words[w1], w2=words[w2])


def personalized_response(
    rng: np.random.Generator,
    generic: str,
    units: list[tuple[str, int | None, bool]],
) -> str:
    """The generic answer plus one tailoring sentence per given attribute.

    ``units``: (mentionable phrase, topic or None for style, explicit mention?). An explicit
    mention names the attribute's phrase; an implicit one only uses its topic's vocabulary.
    """
    parts = [generic]
    for phrase, topic, mention in units:
        if mention:
            pool = MENTION_TEMPLATES["style" if topic is None else "topical"]
            t = pool[rng.integers(len(pool))]
            parts.append(t.format(phrase=phrase, advice=ADVICE[rng.integers(len(ADVICE))]))
        else:
            if topic is None:
                word = "the format you like"
            else:
                words = TOPICS[topic][3]
                word = words[rng.integers(len(words))]
            t = IMPLICIT_TEMPLATES[rng.integers(len(IMPLICIT_TEMPLATES))]
            parts.append(t.format(w=word))
    return " ".join(parts)
