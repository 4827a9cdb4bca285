"""Stage-3 variance components (the paper's "preference is individual", made quantitative):
how much of the human 1-5 ratings' variance is due to the user-prompt pair, the response item,
the unit (attribute within item), the annotator and what is left.

Model [ours]: a linear mixed model fitted by REML with statsmodels' MixedLM,
``rating ~ generator + annotator (fixed) + pair (random intercept) + item + unit (variance
components nested in the pair)``; the annotator's component is the variance (ddof 1) of its
fitted means. Intervals: percentile cluster bootstrap over user-prompt pairs (the independent
groups: the 5 generators answered the same pairs), refitting the model on each replicate;
replicates whose fit does not converge are dropped and counted. A moment (ANOVA-type)
estimate of the same components is printed beside it as a cross-check.
"""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

from recenter.stage3 import data
from recenter.stats import moments, variance
from recenter.stats.bootstrap import none_if_nan
from recenter.variance_job import VarianceRun, write_components

log = logging.getLogger(__name__)

LEVELS = variance.levels(
    {
        "pair": "user-prompt pair (shared by the generators' responses to it)",
        "item": "response item (one generator's response to the pair), within the pair",
        "unit": "unit (attribute rated within the item)",
    },
    annotator_statistic="means",
    residual="one annotator's rating of one unit",
)


def long_ratings(units: data.Units, annotators: list[str], h: np.ndarray) -> dict[str, np.ndarray]:
    """One row per human rating: rating, pair, item, unit, generator and annotator."""
    frame = units.frame
    rows, cols = np.nonzero(~np.isnan(h))
    item = frame["response_item_id"].to_numpy().astype(str)
    pair = (frame["user_id"].cast(pl.String) + "|" + frame["prompt_id"].cast(pl.String)).to_numpy()
    unit = (frame["response_item_id"] + "|" + frame["attribute_id"]).to_numpy().astype(str)
    return {
        "rating": h[rows, cols],
        "pair": pair.astype(str)[rows],
        "item": item[rows],
        "unit": unit[rows],
        "generator": units.generators[rows],
        "annotator": np.asarray(annotators)[cols],
    }


def components(
    long: dict[str, np.ndarray], replicates: int, seed: int, confidence: float, workers: int = 1
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The table: one row per component with REML variance and share, their bootstrap
    intervals, the moment estimate, level counts and kept / dropped replicates; and the kept
    replicates of the shares the intervals are computed from (one row per kept replicate,
    ``variance.share_replicate_columns``). The REML refits run in ``workers`` processes (the
    same result for any number)."""
    fixed = {"generator": long["generator"], "annotator": long["annotator"]}
    if len(np.unique(long["generator"])) < 2:
        fixed = {"annotator": long["annotator"]}
    boot = variance.bootstrap_components(
        long["rating"],
        long["pair"],
        {"item": long["item"], "unit": long["unit"]},
        fixed,
        "pair",
        replicates=replicates,
        seed=seed,
        progress=log.info,
        workers=workers,
    )
    mom = moments.moment_components(
        long["rating"], fixed, long["pair"], {"item": long["item"]}, long["unit"], "pair", "unit"
    )
    counts = {k: len(np.unique(long[k])) for k in ("pair", "item", "unit", "annotator")}
    counts["residual"] = len(long["rating"])
    moment_share = {k: none_if_nan(v) for k, v in mom.share.items()}
    rows = variance.components_table(
        boot, confidence, counts, LEVELS, extra={"moment_share": moment_share}
    )
    return pl.DataFrame(rows), pl.DataFrame(variance.share_replicate_columns(boot))


def notes(replicates: int, seed: int, confidence: float, n_dropped: int, n_pairs: int) -> str:
    text = (
        "Linear mixed model of the human 1-5 ratings (statsmodels MixedLM, REML): fixed "
        "generator and annotator effects; a random intercept per user-prompt pair; variance "
        "components for the response item within the pair and the unit (attribute) within the "
        "item. annotator = variance (ddof 1) of the fitted annotator means (three annotators, "
        "crossed with everything, enter as fixed effects). share = component / sum of the five "
        "components (generator differences excluded). moment_share = the same shares from a "
        "moment estimator (mean products of centred ratings sharing a level), a cross-check. "
        f"Intervals: {confidence:.0%} percentile cluster bootstrap over user-prompt pairs "
        f"({replicates} replicates, seed {seed}), refitting the model on each; non-converged "
        f"refits (after a retry with Powell) are dropped (n_dropped). {n_pairs} pairs: "
        "the intervals are wide (16 pairs in the paper's design)."
    )
    if n_dropped > 0.01 * replicates:
        text += (
            f" NOTE: {n_dropped} of {replicates} replicates ({n_dropped / replicates:.0%}) "
            "were dropped (fit did not converge, mostly a component at 0): the interval "
            "rests on the others."
        )
    return text


def variance_job(run: VarianceRun) -> None:
    """stage3_variance_components from the study database, and the kept bootstrap replicates
    of the shares (for the notebook); ``run.threads`` processes refit."""
    db, replicates, seed, confidence = run.db, run.replicates, run.seed, run.confidence
    with data.connect(db) as con:
        kind = data.data_kind(con)
        units = data.load_units(con)
        annotators, h = data.human_matrix(con, units)
    long = long_ratings(units, annotators, h)
    if long["rating"].size == 0:
        raise ValueError(f"{db}: no human rating (response_ratings is empty)")
    table, kept = components(long, replicates, seed, confidence, workers=run.threads)
    n_dropped = int(table["n_dropped"][0])
    text = notes(replicates, seed, confidence, n_dropped, int(table["n_levels"][0]))
    title = "Stage 3: variance components of the human ratings"
    write_components(run, kind, table, kept, title, text)
