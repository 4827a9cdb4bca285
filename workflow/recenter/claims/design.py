"""Checks of the study design: counts of the database against the paper's, the selection rules
for real users, and the counts themselves (study_counts, also drawn in Fig 1)."""

from __future__ import annotations

from typing import cast

from recenter import paper
from recenter.claims.model import (
    Context,
    Outcome,
    check,
    compare,
    not_supported,
)

# Design counts, from the database.
COUNT_SOURCES = {
    "design.judgments_total": ("judgments_total", "human judgments of the three stages"),
    "design.conversations": ("conversations", "conversations"),
    "s1.users": ("users", "users"),
    "s1.users_real": ("users_real", "users with is_real"),
    "s1.attributes": ("attributes", "attributes"),
    "s1.judgments": ("s1_judgments", "attribute_judgments"),
    "s2.prompts": ("s2_prompts", "distinct prompts of relevance_items"),
    "s2.pairs": ("s2_pairs", "distinct user-prompt pairs of relevance_items"),
    "s2.items": ("s2_items", "relevance_items"),
    "s2.labelled_items": ("s2_labelled_items", "relevance items with a human vote"),
    "s2.judgments": ("s2_judgments", "human relevance_votes"),
    "s3.items": ("s3_items", "response items with a human rating"),
    "s3.units": ("s3_units", "(item, attribute) units with a human rating"),
    "s3.judgments": ("s3_judgments", "human preference_ratings"),
}
#: Which stage a count needs (0 there = the study has no data of that stage).
_COUNT_STAGE = {"design.conversations": "conversations"}


@check(*COUNT_SOURCES)
def _design_count(ctx: Context, pv: paper.PaperValue) -> Outcome:
    key, what = COUNT_SOURCES[pv.id]
    n = ctx.counts.get(key, 0)
    source = f"study.duckdb: {what}"
    if n == 0:
        return not_supported(f"this study has no {what}", source, 0)
    want = int(cast(float, pv.value))
    if ctx.data_kind == "real" and n < want:
        return not_supported(
            f"this export holds {n:,} of the paper's {want:,}: a part of the study cannot check "
            "the paper's total",
            source,
            n,
        )
    ok = n == want
    note = ""
    if not ok:
        note = f"this study has {n:,}, the paper {want:,}"
        if pv.note:
            note += f" ({pv.note})"
        if ctx.data_kind == "simulated" and pv.id == "s2.labelled_items":
            note += "; the simulator gives every item its three labels"
    return Outcome(float(n), None, None, ok, "same count", note, source)


#: The paper's selection rules for real users: the fewest a real user of the study has.
_SELECTION_MINIMA = {
    "s1.min_conversations": ("s1_real_min_conversations", "conversations"),
    "s1.min_turns": ("s1_real_min_turns", "turns (messages of all conversations)"),
}


@check(*_SELECTION_MINIMA)
def _selection_minimum(ctx: Context, pv: paper.PaperValue) -> Outcome:
    key, what = _SELECTION_MINIMA[pv.id]
    source = f"study.duckdb: fewest {what} of a real user"
    if ctx.counts.get("users_real", 0) == 0:
        return not_supported("this study has no real users", source)
    if ctx.counts.get("conversations", 0) == 0:
        return not_supported("this study has no conversations", source)
    n, want = ctx.counts.get(key, 0), int(cast(float, pv.value))
    if ctx.data_kind == "real" and n < want:
        return not_supported(
            f"a real user here has only {n:,} {what}, below the paper's rule of {want:,}: the "
            "export may hold a part of each user's conversations",
            source,
            n,
        )
    ok = n >= want
    note = "" if ok else f"a real user has only {n:,} {what}"
    return Outcome(
        float(n), None, None, ok, "is every real user at or above the rule?", note, source
    )


@check("s2.profile_size")
def _profile_size(ctx: Context, pv: paper.PaperValue) -> Outcome:
    source = "study.duckdb: items per user-prompt pair of relevance_items"
    if ctx.counts.get("s2_items", 0) == 0:
        return not_supported("this study has no relevance items", source)
    lo, hi = cast(tuple[float, float], pv.value)
    n_min, n_max = ctx.counts.get("s2_pair_min_items", 0), ctx.counts.get("s2_pair_max_items", 0)
    ok = lo <= n_min and n_max <= hi
    note = f"pairs have {n_min:,} to {n_max:,} items (ci_low, ci_high: fewest and most)"
    test = "are the fewest and the most items of a pair inside the paper's range?"
    return Outcome(None, float(n_min), float(n_max), ok, test, note, source)


@check("s1.attributes_per_user")
def _attributes_per_user(ctx, pv):
    users, attrs = ctx.counts.get("users_with_attributes", 0), ctx.counts.get("attributes", 0)
    source = "study.duckdb: attributes / users with attributes"
    if users == 0:
        return not_supported("this study has no Stage-1 attributes", source)
    paper_users = int(paper.value("s1.users"))
    if ctx.data_kind == "real" and users < paper_users:
        return not_supported(
            f"this export holds {users} of the paper's {paper_users} users: the paper's mean "
            "mixes real and synthetic users, a part of them cannot check it (ours shown)",
            source,
            attrs / users,
        )
    return compare(pv, attrs / users, source=source, note=pv.note or "")


@check("s1.flagged_attributes")
def _flagged(ctx, pv):
    n = ctx.counts.get("s1_flagged", 0)
    source = "study.duckdb: attributes with at least one uncertain or rejected judgment"
    judged = ctx.counts.get("s1_judged_attributes", 0)
    if judged == 0:
        return not_supported("this study has no Stage-1 judgments", source)
    paper_attrs = int(paper.value("s1.attributes"))
    if ctx.data_kind == "real" and judged < paper_attrs:
        return not_supported(
            f"this export holds {judged:,} of the paper's {paper_attrs:,} judged attributes: a "
            f"part of the study cannot check the total ({n:,} flagged here)",
            source,
            n,
        )
    ok = n == int(cast(float, pv.value))
    note = (
        ""
        if ok
        else (
            f"an outcome, not a design count: {n:,} of {judged:,} judged attributes flagged "
            f"({n / judged:.1%}) against the paper's {int(pv.value):,} of "
            f"{int(paper.value('s1.attributes')):,} "
            f"({pv.value / paper.value('s1.attributes'):.1%})"
        )
    )
    if not ok and ctx.data_kind == "simulated":
        note += "; the simulator calibrates label shares per dataset, not this count"
    return Outcome(float(n), None, None, ok, "same count", note, source)


def study_counts(con) -> dict[str, int]:
    """Counts of the design, from the database (also drawn in Fig 1)."""

    def one(sql: str) -> int:
        return int(con.sql(sql).fetchall()[0][0] or 0)

    c = {
        "users": one("SELECT count(*) FROM users"),
        "users_real": one("SELECT count(*) FROM users WHERE is_real"),
        "users_with_attributes": one("SELECT count(DISTINCT user_id) FROM attributes"),
        "conversations": one("SELECT count(*) FROM conversations"),
        "attributes": one("SELECT count(*) FROM attributes"),
        "s1_judgments": one("SELECT count(*) FROM attribute_judgments"),
        "s1_annotators": one("SELECT count(DISTINCT annotator_id) FROM attribute_judgments"),
        "s1_judged_attributes": one("SELECT count(DISTINCT attribute_id) FROM attribute_judgments"),
        "s1_flagged": one(
            "SELECT count(DISTINCT attribute_id) FROM attribute_judgments WHERE label <> 'accepted'"
        ),
        "s1_verifiers": one("SELECT count(DISTINCT system) FROM verifier_predictions"),
        "s2_prompts": one("SELECT count(DISTINCT prompt_id) FROM relevance_items"),
        "s2_pairs": one(
            "SELECT count(*) FROM (SELECT DISTINCT user_id, prompt_id FROM relevance_items)"
        ),
        "s2_items": one("SELECT count(*) FROM relevance_items"),
        "s2_labelled_items": one(
            "SELECT count(DISTINCT item_id) FROM relevance_votes WHERE rater_kind = 'human'"
        ),
        "s2_judgments": one("SELECT count(*) FROM relevance_votes WHERE rater_kind = 'human'"),
        "s2_annotators": one(
            "SELECT count(DISTINCT rater_id) FROM relevance_votes WHERE rater_kind = 'human'"
        ),
        "s2_llms": one(
            "SELECT count(DISTINCT rater_id) FROM relevance_votes WHERE rater_kind = 'llm'"
        ),
        "s3_items": one(
            "SELECT count(DISTINCT response_item_id) FROM preference_ratings "
            "WHERE rater_kind = 'human'"
        ),
        "s3_units": one(
            "SELECT count(*) FROM (SELECT DISTINCT response_item_id, attribute_id "
            "FROM preference_ratings WHERE rater_kind = 'human')"
        ),
        "s3_judgments": one("SELECT count(*) FROM preference_ratings WHERE rater_kind = 'human'"),
        "s3_annotators": one(
            "SELECT count(DISTINCT rater_id) FROM preference_ratings WHERE rater_kind = 'human'"
        ),
        "s3_generators": one("SELECT count(DISTINCT generator) FROM response_items"),
        "s3_judges": one(
            "SELECT count(DISTINCT rater_id) FROM preference_ratings WHERE rater_kind = 'llm_judge'"
        ),
        "s3_reward_models": one(
            "SELECT count(DISTINCT rater_id) FROM preference_ratings "
            "WHERE rater_kind = 'reward_model'"
        ),
    }
    per_real = (
        "SELECT min(n) FROM (SELECT u.user_id, count({what}) AS n FROM users u "
        "LEFT JOIN conversations c USING (user_id) {join} WHERE u.is_real GROUP BY u.user_id)"
    )
    c["s1_real_min_conversations"] = one(per_real.format(what="c.conversation_id", join=""))
    c["s1_real_min_turns"] = one(
        per_real.format(
            what="t.turn_index", join="LEFT JOIN conversation_turns t USING (conversation_id)"
        )
    )
    pair_sizes = "(SELECT count(*) AS n FROM relevance_items GROUP BY user_id, prompt_id)"
    c["s2_pair_min_items"] = one(f"SELECT min(n) FROM {pair_sizes}")
    c["s2_pair_max_items"] = one(f"SELECT max(n) FROM {pair_sizes}")
    c["judgments_total"] = c["s1_judgments"] + c["s2_judgments"] + c["s3_judgments"]
    return c
