"""Stage-3 analyses: human agreement, Fig 5, Table 6, Fig 6, Fig 7, reward models and the
Stage-3 gaps rows. The cluster is the user (recenter.stage3.data explains why). Intervals are
percentile cluster-bootstrap intervals over users (recenter.stats.bootstrap), widened for few
clusters (``small_cluster_interval``: a generator's 16 items rest on at most 16 users); every
statistic bootstrapped with the same (clusters, replicates, seed) uses the same resamples, so
replicates of different statistics can be combined. Tests are cluster-level
(recenter.stats.cluster_tests); unit-level tests are kept only in columns named ``unit_*`` for
contrast, and Holm runs over the cluster-level p.

The code lives by concern, like Stages 1 and 2: ``agreement`` (human agreement, Fig 5),
``judges`` (Table 6, reward models), ``mentions`` (Fig 6, Fig 7) and ``gaps`` (the gaps
rows); this module keeps their names importable from one place.
"""

from __future__ import annotations

from recenter.stage3.agreement import (
    AGREEMENT_SCHEMA,
    HUMAN_RATINGS_SCHEMA,
    PAPER_AGREEMENT_IDS,
    agreement_table,
    closest_kappa_to_paper,
    human_ratings_table,
)
from recenter.stage3.common import ALL, HUMANS
from recenter.stage3.data import unit_mean as _unit_mean
from recenter.stage3.gaps import STAGE3_GAPS_SCHEMA as GAPS_SCHEMA
from recenter.stage3.gaps import gaps_rows
from recenter.stage3.judges import (
    JUDGE_SCHEMA,
    REWARD_MODEL_COLUMNS,
    JudgeResult,
    judge_analysis,
    judges_table,
    reward_models_table,
)
from recenter.stage3.mentions import (
    GAP_SCHEMA,
    MENTION_RATE_SCHEMA,
    mention_gap_row,
    mention_gap_table,
    mention_rates,
    mention_vs_penalty,
    rank_correlation_summary,
)
from recenter.stats.bootstrap import BootstrapConfig

__all__ = [
    "AGREEMENT_SCHEMA",
    "ALL",
    "GAPS_SCHEMA",
    "GAP_SCHEMA",
    "HUMANS",
    "HUMAN_RATINGS_SCHEMA",
    "JUDGE_SCHEMA",
    "MENTION_RATE_SCHEMA",
    "PAPER_AGREEMENT_IDS",
    "REWARD_MODEL_COLUMNS",
    "BootstrapConfig",
    "JudgeResult",
    "_unit_mean",
    "agreement_table",
    "closest_kappa_to_paper",
    "gaps_rows",
    "human_ratings_table",
    "judge_analysis",
    "judges_table",
    "mention_gap_row",
    "mention_gap_table",
    "mention_rates",
    "mention_vs_penalty",
    "rank_correlation_summary",
    "reward_models_table",
]
