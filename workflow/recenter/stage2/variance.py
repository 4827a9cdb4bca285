"""Stage-2 variance components of the human relevance votes: how much of their variance is due
to the user, the attribute (judged in every pair of its user), the user-prompt pair, the item,
the annotator and what is left.

Decomposition [ours]: the linear probability scale (votes 0/1), by a moment (ANOVA-type)
estimator: votes are centred by annotator; a level's component is the mean product of centred
votes that share the level and nothing below it, net of the levels above (users > attribute x
pair, crossed within the user > item > residual). A REML mixed model of the paper-scale study's
votes with ~130 variance-component columns per user took 10 minutes for one fit here, too slow
to bootstrap; on the default simulated study (generator v2) the moment estimates differed from
that REML fit by at most 0.0017 in any component (measured once by hand; the Stage-3 REML-vs-
moments agreement is tested in tests/test_variance.py).
Intervals: percentile cluster bootstrap over users (an attribute appears in each of its user's
pairs, so users are the independent groups).
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

from recenter.stage2 import data
from recenter.stats import moments, variance
from recenter.variance_job import VarianceRun, write_components

log = logging.getLogger(__name__)

LEVELS = variance.levels(
    {
        "user": "user (all of a user's items)",
        "attribute": "attribute, within the user (the same attribute in each of the user's pairs)",
        "pair": "user-prompt pair, within the user",
        "item": "item (attribute x pair)",
    },
    annotator_statistic="rates",
    residual="one annotator's vote on one item",
)


def long_votes(items: pl.DataFrame, votes: pl.DataFrame) -> dict[str, np.ndarray]:
    """One row per human vote with its user, attribute, pair and item."""
    joined = votes.select("item_id", "rater_id", pl.col("relevant").cast(pl.Float64)).join(
        items.select("item_id", "user_id", "attribute_id", "pair_id"), on="item_id", how="inner"
    )
    joined = joined.sort("item_id", "rater_id")
    return {
        "vote": joined["relevant"].to_numpy(),
        "user": joined["user_id"].to_numpy().astype(str),
        "attribute": joined["attribute_id"].to_numpy().astype(str),
        "pair": joined["pair_id"].to_numpy().astype(str),
        "item": joined["item_id"].to_numpy().astype(str),
        "annotator": joined["rater_id"].to_numpy().astype(str),
    }


def components(
    long: dict[str, np.ndarray], replicates: int, seed: int, confidence: float
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The table (one row per component: variance and share with their intervals, level
    counts, kept / dropped replicates) and the kept replicates of the shares its intervals
    are computed from (one row per kept replicate, ``variance.share_replicate_columns``)."""
    boot = moments.bootstrap_moments(
        long["vote"],
        {"annotator": long["annotator"]},
        long["user"],
        {"attribute": long["attribute"], "pair": long["pair"]},
        long["item"],
        "user",
        "item",
        replicates=replicates,
        seed=seed,
    )
    counts = {
        k: len(np.unique(long[k])) for k in ("user", "attribute", "pair", "item", "annotator")
    }
    counts["residual"] = len(long["vote"])
    table = pl.DataFrame(variance.components_table(boot, confidence, counts, LEVELS))
    return table, pl.DataFrame(variance.share_replicate_columns(boot))


def variance_job(run: VarianceRun) -> None:
    """stage2_variance_components from the study database, and the kept bootstrap replicates
    of the shares (for the notebook); one thread whatever ``run.threads``: all replicates are
    one matrix product, ``recenter.stats.moments``."""
    db, replicates, seed, confidence = run.db, run.replicates, run.seed, run.confidence
    with data.connect(db) as con:
        kind = data.data_kind(con)
        items = data.load_items(con)
        votes = data.load_votes(con, kinds=[data.HUMAN])
    long = long_votes(items, votes)
    if long["vote"].size == 0:
        raise ValueError(f"{db}: no human relevance vote (relevance_judgments is empty)")
    table, kept = components(long, replicates, seed, confidence)
    n_dropped = int(table["n_dropped"][0])
    text = (
        "Human relevance votes (0/1) on the linear probability scale, moment (ANOVA-type) "
        "estimator: votes centred by annotator; a level's variance = mean product of centred "
        "votes sharing that level and no lower one, net of the levels above (user > attribute "
        "x pair, crossed within the user > item > residual); annotator = variance (ddof 1) of "
        "the annotators' relevance rates. share = component / sum of the six components. A "
        "component can be estimated below 0 (it is then 0 within noise). "
        f"Intervals: {confidence:.0%} percentile cluster bootstrap over users ({replicates} "
        f"replicates, seed {seed}; users because an attribute is judged in every pair of its "
        "user, so the pairs of one user are dependent)."
    )
    if n_dropped > 0.01 * replicates:
        text += f" NOTE: {n_dropped} replicates dropped (a component undefined)."
    title = "Stage 2: variance components of the human relevance votes"
    write_components(run, kind, table, kept, title, text)
