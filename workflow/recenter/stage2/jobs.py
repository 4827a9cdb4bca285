"""Stage-2 jobs: what each Snakemake script does, as functions of paths and parameters
(the scripts only unpack ``snakemake`` and call these)."""

from __future__ import annotations

import logging

import numpy as np
import polars as pl

from recenter.gaps import gaps_table, write_gaps
from recenter.outputs import atomic_write, write_study_table, write_table
from recenter.stage2 import agreement, alignment, baselines, data
from recenter.stats.bootstrap import BootstrapConfig

log = logging.getLogger(__name__)


def _boot_note(boot: BootstrapConfig) -> str:
    return boot.note(
        "users (an attribute is judged in every pair of its user, so a user's pairs are dependent)"
    )


def _human_llm_matrix(con) -> tuple[pl.DataFrame, data.LabelMatrix, np.ndarray]:
    items = data.load_items(con)
    votes = data.load_votes(con, kinds=[data.HUMAN, data.LLM])
    raters, kinds = data.rater_order(votes)
    lm = data.label_matrix(items, votes, raters, kinds)
    cons = data.consensus_vector(items, data.load_consensus(con))
    return items, lm, cons


def consensus_job(db: str, csv: str, md: str) -> None:
    """consensus_summary: counts of the majority vote, ties and excluded items."""
    with data.connect(db) as con:
        kind = data.data_kind(con)
        items = data.load_items(con)
        consensus = data.load_consensus(con)
        agreement.check_consensus_view(data.load_votes(con, kinds=[data.HUMAN]), consensus)
    table = agreement.consensus_summary(items, consensus)
    write_table(
        table,
        csv,
        md,
        title="Stage 2: human consensus (majority vote)",
        data_kind=kind,
        notes=(
            "Consensus = majority of the human labels present for an item (database view "
            "`human_relevance_consensus`, checked against `recenter.stats.agreement."
            "majority_vote` at run time). A tie is *not relevant*; items without any human "
            "label are excluded from every comparison with the consensus. Shares of ties, "
            "relevant items and label counts are of the items with a consensus."
        ),
    )
    log.info("consensus: %s", table.to_dicts())


def rates_job(db: str, csv: str, md: str, boot: BootstrapConfig) -> None:
    """relevance_rates: share relevant per rater and over-selection ratio to the consensus."""

    def rates(loaded) -> agreement.RatesResult:
        _, lm, cons = loaded
        return agreement.relevance_rates(lm, cons, boot)

    write_study_table(
        db,
        _human_llm_matrix,
        rates,
        csv,
        md,
        title="Stage 2: share of attributes marked relevant",
        notes=lambda res: (
            "rate = relevant / labelled items of the rater (n). ratio_to_consensus = the "
            "rater's relevant count / the consensus relevant count on the items both have "
            "(n_common_with_consensus): the over-selection ratio. "
            + (res.note + " " if res.note else "")
            + _boot_note(boot)
        ),
    )


def kappa_job(db: str, matrix_csv, matrix_md, groups_csv, groups_md, boot) -> None:
    """fig3_kappa_matrix (long) and kappa_groups (mean kappa per group, alpha per group)."""
    kind, (_, lm, _) = data.read(db, _human_llm_matrix)
    res = agreement.kappa_analysis(lm, boot)
    write_table(
        res.matrix,
        matrix_csv,
        matrix_md,
        title="Fig 3: pairwise Cohen's kappa between raters",
        data_kind=kind,
        notes=(
            "Unweighted Cohen's κ on the items both raters labelled (n). Raters: humans "
            "(sorted) then LLMs (sorted). Undefined κ (no common item, or both raters constant) "
            "is left empty. " + _boot_note(boot)
        ),
    )
    write_table(
        res.groups,
        groups_csv,
        groups_md,
        title="Stage 2: agreement within and between humans and LLMs",
        data_kind=kind,
        notes=(
            "Mean pairwise κ within humans, within LLMs and between the groups; its interval "
            "recomputes every pair's κ on each bootstrap replicate and averages them. "
            "Krippendorff's α (nominal; missing labels as missing) per group, estimate from "
            "the `krippendorff` package; n = items labelled by at least two raters of the "
            "group. NA rows say why in `note`. " + _boot_note(boot)
        ),
    )


def gaps_job(db: str, csv: str, md: str, boot: BootstrapConfig) -> None:
    """gaps_stage2: LLM vs human rows of the cross-stage gaps summary."""
    with data.connect(db) as con:
        kind = data.data_kind(con)
        _, lm, cons = _human_llm_matrix(con)
        items = data.load_items(con)
        trained_votes = data.load_votes(con, kinds=[data.TRAINED])
    rates = agreement.relevance_rates(lm, cons, boot)
    kappa = agreement.kappa_analysis(lm, boot)
    table = agreement.gaps_rows(rates, kappa, lm.kinds, boot)
    llm = {r: lm.column(r) for r, k in zip(lm.raters, lm.kinds, strict=True) if k == data.LLM}
    trained = {
        m: data.label_vector(items, trained_votes.filter(pl.col("rater_id") == m))
        for m in sorted(trained_votes["rater_id"].unique().to_list())
    }
    diff_rows, diff_notes = alignment.llm_minus_trained_rows(
        llm, trained, cons, lm.clusters, lm.n_clusters, boot
    )
    if diff_rows:
        reasons = {row[0]: alignment.LLM_MINUS_TRAINED_UNDEFINED for row in diff_rows}
        more = gaps_table(table["stage"][0], diff_rows, reasons=reasons, replicates=boot.replicates)
        table = pl.concat([table, more], how="vertical")
    write_gaps(
        table,
        csv,
        md,
        title="Stage 2 rows of the gaps summary (LLM vs human, LLM vs trained models)",
        data_kind=kind,
        notes=[
            "Intervals from the joint bootstrap replicates of the rates and κ. Each "
            "LLM-minus-trained F1 difference is computed on the items both systems voted "
            "on, against the human consensus, from one bootstrap of both systems' "
            "confusion counts (the same resampled users for both).",
            _boot_note(boot),
        ],
        row_notes=diff_notes,
    )


def embedding_job(db: str, out: str, cache: str, model_name: str, threads: int = 1) -> None:
    """Sentence embeddings of the study's distinct attribute and prompt texts -> parquet
    (text_sha256, vector, model), reusing and extending the per-model cache by text hash."""
    from recenter.stage2 import embedding, names

    model = names.SENTENCE_MODELS[model_name]
    why = model.missing()
    if why:
        raise RuntimeError(why)
    with data.connect(db) as con:
        items = data.load_items(con)
    digest = embedding.weights_digest(model)
    encoders = []

    def encode(texts):  # the model is loaded only if a text is not in the cache
        if not encoders:
            log.info("loading %s from %s", model.name, embedding.model_folder(model))
            encoders.append(embedding.load_encoder(model, threads=threads))
        return encoders[0](texts)

    frame, n_new = embedding.embed_texts(embedding.study_texts(items), encode, digest, cache)
    desc = embedding.describe(model, digest)
    frame = frame.with_columns(pl.lit(desc).alias("model"))
    log.info("%s: %d texts, %d newly embedded; %s", model.name, frame.height, n_new, desc)
    atomic_write(out, lambda p: frame.write_parquet(p))


def baseline_scores_job(
    db: str, out: str, scorer: str, dimensions: int, embeddings: str | None = None
) -> None:
    """One scorer's score of every item with texts -> parquet (item_id, score, model)."""
    with data.connect(db) as con:
        items = data.load_items(con)
    emb = pl.read_parquet(embeddings) if embeddings else None
    emb_model = emb["model"][0] if emb is not None and emb.height else None
    frame, model = baselines.item_scores(items, scorer, dimensions, emb, emb_model)
    frame = frame.with_columns(pl.lit(model).alias("model"))
    log.info("%s: %d items scored; %s", scorer, frame.height, model)
    atomic_write(out, lambda p: frame.write_parquet(p))


def baseline_job(
    db: str, out: str, system: str, n_folds: int, seed: int, scores: str | None = None
) -> None:
    """Votes of one baseline system (scores + protocol, or a reference row) -> parquet."""
    with data.connect(db) as con:
        items = data.load_items(con)
        cons = data.consensus_vector(items, data.load_consensus(con))
    score_frame = pl.read_parquet(scores) if scores else None
    model = score_frame["model"][0] if score_frame is not None and score_frame.height else ""
    frame, text = baselines.baseline_predictions(
        items, cons, system, score_frame, n_folds, seed=seed, model=model
    )
    frame = frame.with_columns(pl.lit(text).alias("model"))
    voted = frame["relevant"].drop_nulls()
    log.info(
        "%s: %d items, %d votes, %d relevant; %s",
        system,
        frame.height,
        voted.len(),
        int(voted.sum()),
        text,
    )
    atomic_write(out, lambda p: frame.write_parquet(p))


def alignment_job(
    db: str, out: str, system: str, kind: str, boot, predictions: str | None = None
) -> None:
    """One system against the consensus -> one-row parquet. Votes come from the database
    (model files) or from a baseline prediction parquet."""
    with data.connect(db) as con:
        items = data.load_items(con)
        cons = data.consensus_vector(items, data.load_consensus(con))
        if predictions is None:
            frame = data.load_votes(con, rater_ids=[system])
            model = f"model file models/relevance/{kind}/{system}.jsonl"
            if frame.height == 0:
                raise ValueError(f"no votes of {system!r} in {db}")
        else:
            frame = pl.read_parquet(predictions)
            model = frame["model"][0] if frame.height else None
    clusters, keys = data.item_clusters(items)
    row = alignment.alignment_row(
        system=system,
        kind=kind,
        votes=data.label_vector(items, frame, "relevant"),
        scores=data.label_vector(items, frame, "score"),
        consensus=cons,
        clusters=clusters,
        n_clusters=len(keys),
        boot=boot,
        model=model,
    )
    atomic_write(out, lambda p: row.write_parquet(p))


def _human_matrix(con) -> data.LabelMatrix:
    items = data.load_items(con)
    humans = data.load_votes(con, kinds=[data.HUMAN])
    raters, kinds = data.rater_order(humans, kinds=(data.HUMAN,))
    return data.label_matrix(items, humans, raters, kinds)


def alignment_table_job(db: str, parts: list[str], csv: str, md: str, boot) -> None:
    """tab3_relevance_alignment from the per-system parquets."""

    def table(hm: data.LabelMatrix) -> pl.DataFrame:
        ceiling = alignment.human_ceiling_rows(
            hm.labels, hm.raters, hm.clusters, hm.n_clusters, boot
        )
        return alignment.alignment_table([pl.read_parquet(p) for p in sorted(parts)] + ceiling)

    write_study_table(
        db,
        _human_matrix,
        table,
        csv,
        md,
        title="Table 3: relevance alignment with the human consensus",
        notes=(
            "Every LLM, baseline and trained system against the human majority vote, on the "
            "items that have both (n). "
            + baselines.TABLE_NOTE
            + " "
            + alignment.CEILING_RULE
            + " "
            + _boot_note(boot)
        ),
    )
