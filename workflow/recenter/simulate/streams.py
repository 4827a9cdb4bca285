"""What every stage of the simulator's block generator shares: the named random streams, the
JSON-lines writer, the design composition it accumulates, and one block's context.

A block is one full copy of the paper's design with its own ids (generate.py). Each stage of
a block draws from its own named child stream ``default_rng(SeedSequence([seed, stream,
block]))``, so a stage's draws do not depend on how many numbers another stage used.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from recenter.simulate import calibrated, design

#: the calibrated parameters (calibrated.py), typed for the stages that read them
PARAMS: dict[str, Any] = calibrated.PARAMS

STREAMS = {
    "users": 1,
    "stage2_design": 2,
    "attributes": 3,
    "stage1_labels": 4,
    "verifiers": 5,
    "failure_modes": 6,
    "conversations": 7,
    "prompts": 8,
    "relevance": 9,
    "stage3_design": 10,
    "ratings": 11,
    "responses": 12,
}
DATASETS = ("wildchat", "cupid", "prefeval", "personalens")
CATEGORIES = ("same", "related", "style", "unrelated")


def stream(seed: int, name: str, block: int) -> np.random.Generator:
    """The named child stream of one block."""
    return np.random.default_rng(np.random.SeedSequence([seed, STREAMS[name], block]))


def dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class Writer:
    """Append JSON lines to the study's files inside a temporary folder."""

    def __init__(self, root: Path):
        self.root = root
        self.handles = {}
        for rel in design.planned_files(1):
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            self.handles[rel] = path.open("w", encoding="utf-8", newline="\n")
        self.buffers: dict[str, list[str]] = {rel: [] for rel in self.handles}

    def add(self, rel: str, record: dict) -> None:
        self.buffers[rel].append(dumps(record))

    def flush(self) -> None:
        for rel, lines in self.buffers.items():
            if lines:
                self.handles[rel].write("\n".join(lines) + "\n")
                lines.clear()

    def close(self) -> None:
        self.flush()
        for h in self.handles.values():
            h.close()


class Composition:
    """Design composition accumulated over blocks (the weights of the population values)."""

    def __init__(self) -> None:
        self.attributes = dict.fromkeys(DATASETS, 0)
        self.categories = dict.fromkeys(CATEGORIES, 0)
        self.units = dict.fromkeys(design.LLMS, 0)
        self.counts: dict[str, int] = {}

    def count(self, key: str, n: int) -> None:
        self.counts[key] = self.counts.get(key, 0) + int(n)


@dataclass(frozen=True)
class Block:
    """One block being generated: where its randomness comes from and where it goes."""

    seed: int
    scale: int
    index: int
    out: Writer
    comp: Composition

    def rng(self, name: str) -> np.random.Generator:
        return stream(self.seed, name, self.index)

    def width(self, minimum: int, per_block: int) -> int:
        """Digits of the zero-padded ids of a kind with ``per_block`` members per block."""
        return max(minimum, len(str(self.scale * per_block)))

    def id(self, prefix: str, per_block: int, k: int, width: int) -> str:
        """Id of the k-th (0-based) member of this block of a kind with ``per_block`` members."""
        return f"{prefix}{self.index * per_block + k + 1:0{width}d}"


def ordinal(latent: np.ndarray, cuts: Any, noise: np.ndarray) -> np.ndarray:
    """Rating 1..5: 1 + number of cut points below latent + noise."""
    y = latent + noise
    return 1 + (y[..., None] > np.asarray(cuts)).sum(axis=-1)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
