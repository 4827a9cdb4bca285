"""Stage-3 data from a study database: the rated units (response item, attribute) in a fixed
order with their cluster, and every rater's ratings aligned to them (NaN = not rated).

The cluster is the **user**. The 5 generators answered the same user–prompt pair, so its
response items share the prompt and the rated attributes; the pairs of one user share that
user's profile attributes (in the authors' export a user has 1–5 pairs). Units are therefore
dependent within a user, and the user is the coarsest level at which they are: resampling
response items (the paper's stated convention) or pairs would treat dependent units as
independent whenever a user has several. When every user has one pair (the paper's final
design, 16 pairs), user and pair clusters coincide."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from recenter.db import connect, data_kind, read  # noqa: F401 (re-exported)

HUMAN, LLM_JUDGE, REWARD_MODEL = "human", "llm_judge", "reward_model"
#: The 1–5 scale of humans and LLM judges (1 much worse, 3 no difference, 5 much better).
SCALE = (1.0, 2.0, 3.0, 4.0, 5.0)
NEUTRAL = 3.0


@dataclass(frozen=True)
class Units:
    """The rated (response item, attribute) units, sorted by item then attribute."""

    frame: pl.DataFrame  # response_item_id, attribute_id, generator, user_id, prompt_id
    clusters: np.ndarray  # cluster code per unit: the user (codes by sorted user_id)
    n_clusters: int
    items: np.ndarray  # response-item code per unit (sorted response_item_id)
    pairs: np.ndarray  # user–prompt pair code per unit (sorted (user_id, prompt_id))

    @property
    def n(self) -> int:
        return self.frame.height

    @property
    def generators(self) -> np.ndarray:
        return self.frame["generator"].to_numpy().astype(str)


def load_units(con) -> Units:
    frame = con.sql(
        "SELECT response_item_id, attribute_id, generator, user_id, prompt_id "
        "FROM preference_units ORDER BY response_item_id, attribute_id"
    ).pl()
    users, codes = np.unique(frame["user_id"].to_numpy().astype(str), return_inverse=True)
    _, items = np.unique(frame["response_item_id"].to_numpy().astype(str), return_inverse=True)
    pair_keys = frame["user_id"].cast(pl.String) + "\x1f" + frame["prompt_id"].cast(pl.String)
    _, pairs = np.unique(pair_keys.to_numpy().astype(str), return_inverse=True)
    return Units(
        frame=frame,
        clusters=codes.astype(np.int64),
        n_clusters=len(users),
        items=items.astype(np.int64),
        pairs=pairs.astype(np.int64),
    )


def rater_ids(con, kind: str) -> list[str]:
    """Raters of one kind that rated anything, sorted."""
    rows = con.sql(
        "SELECT DISTINCT rater_id FROM preference_ratings WHERE rater_kind = ? ORDER BY rater_id",
        params=[kind],
    ).fetchall()
    return [r[0] for r in rows]


def _aligned(units: Units, frame: pl.DataFrame, value: str) -> np.ndarray:
    joined = units.frame.select("response_item_id", "attribute_id").join(
        frame.select("response_item_id", "attribute_id", pl.col(value).cast(pl.Float64)),
        on=["response_item_id", "attribute_id"],
        how="left",
    )
    return joined[value].fill_null(float("nan")).to_numpy().astype(float)


def ratings_of(con, units: Units, rater_id: str) -> np.ndarray:
    """One rater's ratings aligned to ``units`` (NaN where it did not rate)."""
    frame = con.sql(
        "SELECT response_item_id, attribute_id, rating FROM preference_ratings WHERE rater_id = ?",
        params=[rater_id],
    ).pl()
    return _aligned(units, frame, "rating")


def human_matrix(con, units: Units) -> tuple[list[str], np.ndarray]:
    """(annotator ids, units × annotators ratings, NaN = not rated)."""
    ids = rater_ids(con, HUMAN)
    mat = np.full((units.n, len(ids)), np.nan)
    for j, rid in enumerate(ids):
        mat[:, j] = ratings_of(con, units, rid)
    return ids, mat


def unit_mean(matrix: np.ndarray) -> np.ndarray:
    """Mean human rating per unit over the annotators who rated it (NaN if nobody did)."""
    m = np.asarray(matrix, dtype=float)
    n = (~np.isnan(m)).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, np.nansum(m, axis=1) / np.maximum(n, 1), np.nan)


def mention_vector(con, units: Units) -> tuple[np.ndarray, list[str]]:
    """Explicit mention per unit: 1 if any flagger flagged it, 0 if flagged by none of the
    flaggers who judged it, NaN if nobody judged it. Returns (vector, sorted flaggers)."""
    frame = con.sql(
        "SELECT response_item_id, attribute_id, bool_or(explicit_mention) AS explicit_mention "
        "FROM mention_flags GROUP BY ALL"
    ).pl()
    flaggers = [
        r[0] for r in con.sql("SELECT DISTINCT flagger FROM mention_flags ORDER BY 1").fetchall()
    ]
    return _aligned(units, frame, "explicit_mention"), flaggers
