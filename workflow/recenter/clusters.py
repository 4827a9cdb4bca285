"""What the stages' data matrices share: rows grouped into clusters (the user), the unit every
cluster bootstrap resamples."""

from __future__ import annotations


class ClusteredRows:
    """Mixin of a frozen dataclass with a ``cluster_keys`` field (the clusters' ids, sorted; a
    row's cluster code indexes it)."""

    cluster_keys: list[str]

    @property
    def n_clusters(self) -> int:
        return len(self.cluster_keys)
