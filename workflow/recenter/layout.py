"""Where things live: the canonical study layout and the model-file convention.

A study is a folder ``data/raw/<study>/`` (format: data/raw/README.md). Model outputs are one
file per system, ``models/<role>/<kind>/<system>.jsonl`` (generators: ``models/generator/
<system>.jsonl``); the file name is the system's name and the folder its kind.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

RAW_ROOT = Path("data/raw")
PROCESSED_ROOT = Path("data/processed")
RESULTS_ROOT = Path("results")

#: Human-written (non-model) files of a study, in load order.
CORE_FILES = (
    "users.jsonl",
    "conversations.jsonl",
    "attributes.jsonl",
    "attribute_judgments.jsonl",
    "failure_modes.jsonl",
    "prompts.jsonl",
    "relevance_items.jsonl",
    "relevance_judgments.jsonl",
    "response_ratings.jsonl",
    "mention_flags.jsonl",
)

#: role -> allowed kinds (None: the role has no kind folder).
MODEL_ROLES: dict[str, tuple[str, ...] | None] = {
    "verifier": ("llm", "trained"),
    "relevance": ("llm", "baseline", "trained"),
    "generator": None,
    "judge": ("llm_judge", "reward_model"),
}

SYSTEM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


@dataclass(frozen=True, order=True)
class ModelFile:
    """One model-output file: ``role``/``kind``/``system``, path relative to the study."""

    role: str
    kind: str | None
    system: str

    @property
    def relpath(self) -> str:
        if self.kind is None:
            return f"models/{self.role}/{self.system}.jsonl"
        return f"models/{self.role}/{self.kind}/{self.system}.jsonl"


class LayoutError(ValueError):
    """A file sits where the canonical layout has no place for it."""


def parse_model_path(relpath: str) -> ModelFile:
    """Read role, kind and system from a path relative to the study folder."""
    parts = Path(relpath).parts
    if len(parts) < 3 or parts[0] != "models" or not parts[-1].endswith(".jsonl"):
        raise LayoutError(f"{relpath}: not a model file (expected models/<role>/...<system>.jsonl)")
    role = parts[1]
    if role not in MODEL_ROLES:
        raise LayoutError(
            f"{relpath}: unknown model role {role!r}; expected one of {sorted(MODEL_ROLES)}"
        )
    kinds = MODEL_ROLES[role]
    if kinds is None:
        if len(parts) != 3:
            raise LayoutError(f"{relpath}: expected models/{role}/<system>.jsonl")
        kind = None
    else:
        if len(parts) != 4 or parts[2] not in kinds:
            raise LayoutError(
                f"{relpath}: expected models/{role}/<kind>/<system>.jsonl "
                f"with kind in {list(kinds)}"
            )
        kind = parts[2]
    system = parts[-1][: -len(".jsonl")]
    if not SYSTEM_NAME.match(system):
        raise LayoutError(
            f"{relpath}: system name {system!r} must match {SYSTEM_NAME.pattern} "
            "(letters, digits, '.', '_', '+', '-')"
        )
    return ModelFile(role, kind, system)


def existing_files(study_dir: Path) -> list[str]:
    """Every data file present in a study folder, relative to it, sorted."""
    if not study_dir.is_dir():
        return []
    # os.walk, not Path.rglob: the DAG asks for this list hundreds of times per invocation,
    # and pathlib's per-entry objects made it a fifth of a no-op run's time
    found: list[str] = []
    for dirpath, _, names in os.walk(study_dir):
        rel = os.path.relpath(dirpath, study_dir).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        found.extend(prefix + n for n in names if n.endswith(".jsonl"))
    return sorted(found)


def model_files(relpaths: list[str], role: str) -> list[ModelFile]:
    """The model files of one role among ``relpaths``, sorted by kind then system."""
    out = []
    for rel in relpaths:
        if rel.startswith(f"models/{role}/"):
            out.append(parse_model_path(rel))
    return sorted(out)
