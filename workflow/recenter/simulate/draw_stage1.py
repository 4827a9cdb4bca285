"""The block generator's Stage-1 stage: the three annotators' labels of every attribute, the
failure modes of the flagged ones and the verifiers' outputs (model.py, Stage 1)."""

from __future__ import annotations

import numpy as np

from recenter.simulate import design
from recenter.simulate.draw_people import Attribute
from recenter.simulate.streams import PARAMS, Block, sigmoid


def draw_labels(blk: Block, attrs: list[Attribute], quality: np.ndarray) -> None:
    """Labels (stream ``stage1_labels``) and failure modes of the attributes some annotator
    did not accept (stream ``failure_modes``)."""
    p1 = PARAMS["stage1"]
    n_attr = len(attrs)
    rng = blk.rng("stage1_labels")
    y = quality[:, None] + np.asarray(p1["offsets"])[None, :] + rng.standard_normal((n_attr, 3))
    labels = np.where(y >= 0, "accepted", np.where(y < p1["c_rej"], "rejected", "uncertain"))
    for i, a in enumerate(attrs):
        for j, h in enumerate(design.HUMANS_S1):
            blk.out.add(
                "attribute_judgments.jsonl",
                {"attribute_id": a.id, "annotator_id": h, "label": str(labels[i, j])},
            )
    flagged = (labels != "accepted").any(axis=1)
    rng = blk.rng("failure_modes")
    cats = list(p1["failure_mode_share"])
    share = np.array([p1["failure_mode_share"][c] for c in cats])
    drawn = rng.choice(len(cats), size=n_attr, p=share / share.sum())
    for i in np.flatnonzero(flagged).tolist():
        blk.out.add(
            "failure_modes.jsonl",
            {
                "attribute_id": attrs[i].id,
                "labeler": design.FAILURE_MODE_LABELER,
                "category": cats[drawn[i]],
            },
        )
    blk.comp.count("flagged_attributes", flagged.sum())


def draw_verifiers(blk: Block, attrs: list[Attribute], quality: np.ndarray) -> None:
    """Every verifier's verdict on every attribute (stream ``verifiers``); trained verifiers
    also give a score."""
    p1 = PARAMS["stage1"]
    rng = blk.rng("verifiers")
    for v in design.VERIFIERS:
        vp = p1["verifiers"][v]
        latent = -vp["lambda"] * quality - vp["t"] + rng.standard_normal(len(attrs))
        kind = "trained" if v in design.TRAINED_VERIFIERS else "llm"
        rel = f"models/verifier/{kind}/{v}.jsonl"
        score = np.round(sigmoid(1.7 * latent), 4)
        for i, a in enumerate(attrs):
            rec = {"attribute_id": a.id, "problematic": bool(latent[i] > 0)}
            if kind == "trained":
                rec["score"] = float(score[i])
            blk.out.add(rel, rec)
