"""What each job asks a scheduler for (workflow/rules/*.smk: ``resources:``).

Every rule states ``threads``, ``resources`` (``mem_mb``: memory in MB; ``runtime``: wall-time
limit in minutes) and a ``benchmark`` file (``benchmarks/<study>/<rule>[/<wildcards>].tsv``:
the job's time and peak memory, read by ``bench/scale.py``). Memory and run time grow with the
size of the job's inputs (the study's raw files or its database), so a study 100x the paper's
asks for more; each retry (``--retries``, set in the SLURM profile) multiplies both by the
attempt number, so a job a cluster kills for memory is re-run with twice as much. The
coefficients are rough, set by hand per kind of job (ingest and import hold a file's records,
analyses a database, figures only a table); the jobs' benchmark files, which bench/scale.py
collects, show how far they are from what the jobs really used.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

Resource = Callable[..., int]


def job_memory_mb(base_mb: float, per_input_mb: float) -> Resource:
    """``mem_mb`` of a job: ``base_mb`` plus ``per_input_mb`` per MB of its inputs."""

    def mem_mb(wildcards: Any, input: Any, attempt: int) -> int:
        return math.ceil((base_mb + per_input_mb * input.size_mb) * attempt)

    return mem_mb


def job_runtime_min(base_min: float, per_input_mb: float) -> Resource:
    """``runtime`` (minutes) of a job: ``base_min`` plus ``per_input_mb`` per MB of inputs."""

    def runtime(wildcards: Any, input: Any, attempt: int) -> int:
        return math.ceil((base_min + per_input_mb * input.size_mb) * attempt)

    return runtime


def simulate_memory_mb(scale: int) -> int:
    """The simulator reads nothing: its memory grows with the configured scale."""
    return 400 + 40 * scale


def simulate_runtime_min(scale: int) -> int:
    return 5 + math.ceil(scale / 2)
