"""What the Stage-3 analyses share: the row names of the pooled rows and the small-cluster
widening of an interval by the number of users behind it (recenter.stage3.data explains why
the user is the cluster)."""

from __future__ import annotations

import numpy as np

from recenter.stage3.data import Units
from recenter.stats import ratings as rs
from recenter.stats.bootstrap import none_if_nan

ALL = "all generators"
HUMANS = "humans (mean per unit)"


def est_cols(e: rs.Estimate) -> dict:
    """The estimate and interval of ``e`` as table cells (NaN -> empty)."""
    return {
        "estimate": none_if_nan(e.estimate),
        "ci_low": none_if_nan(e.ci_low),
        "ci_high": none_if_nan(e.ci_high),
    }


def n_clusters(units: Units, mask) -> int:
    """Clusters (users) with at least one unit in ``mask``."""
    return int(np.unique(units.clusters[np.asarray(mask, dtype=bool)]).size)


def small(e: rs.Estimate, units: Units, mask, boot, jackknife=None) -> rs.Estimate:
    """``e`` with its interval widened for the number of clusters behind it (BCa first when
    leave-one-cluster-out ``jackknife`` values are given)."""
    return rs.small_cluster(e, n_clusters(units, mask), boot.confidence, jackknife)
