"""Stage-1 jobs: what each Snakemake script does, as functions of paths and parameters
(the scripts only unpack ``snakemake`` and call these)."""

from __future__ import annotations

import logging

import polars as pl

from recenter import paper
from recenter.gaps import write_gaps
from recenter.outputs import atomic_write, write_study_table, write_table
from recenter.stage1 import data, quality, verifiers
from recenter.stats.bootstrap import BootstrapConfig, dropped_replicates_note

log = logging.getLogger(__name__)


def _boot_note(boot: BootstrapConfig) -> str:
    return boot.note("users")


def _matrix(con) -> data.JudgmentMatrix:
    judgments = data.load_judgments(con)
    if judgments.height == 0:
        raise ValueError("the study has no Stage-1 judgment (attribute_judgments is empty)")
    return data.judgment_matrix(judgments)


def shares_job(db: str, csv: str, md: str, boot: BootstrapConfig) -> None:
    """fig2_attribute_quality: label shares per dataset, real vs synthetic, and the gap."""
    res = write_study_table(
        db,
        _matrix,
        lambda jm: quality.label_shares(jm, boot),
        csv,
        md,
        title="Fig 2: attribute quality by source dataset",
        notes=lambda res: (
            "share = judgments with the label / all human judgments of the group's attributes "
            "(n_judgments). problematic = uncertain + rejected. Groups: each source dataset, "
            "then pooled real (is_real) and synthetic users, and all users; the last row is the "
            "problematic share of real minus synthetic users (paper: "
            f"{paper.text('s1.problematic_gap_real_synthetic')}; WildChat acceptance about "
            f"{paper.text('s1.wildchat_acceptance')}). **Test of the gap (cluster level):** "
            "p_permutation permutes "
            "the real/synthetic label among users, each user keeping all its judgments (the "
            "label belongs to the user and a user's attributes are dependent), statistic = the "
            "gap itself, two-sided (`test` says exact or Monte Carlo and the seed). "
            + _boot_note(boot)
            + dropped_replicates_note(
                {
                    f"{r['group']} {r['label']}": r["n_replicates_dropped"]
                    for r in res.table.iter_rows(named=True)
                    if r["n_replicates_dropped"] is not None
                },
                boot.replicates,
            )
        ),
    )
    log.info("gap real - synthetic: %s", res.gap_estimate)


def failure_modes_job(db: str, csv: str, md: str, boot: BootstrapConfig) -> None:
    """failure_modes: share per category among the flagged attributes that have a category."""
    with data.connect(db) as con:
        kind = data.data_kind(con)
        modes = data.load_failure_modes(con)
        jm = _matrix(con)
    kept, dropped = quality.flagged_failure_modes(modes, jm)
    if kept.height == 0:
        raise ValueError("no failure-mode label of a flagged attribute")
    table = quality.failure_mode_shares(kept, boot)
    flagged = quality.flagged_attributes(jm)
    labelled = set(kept["attribute_id"].to_list())
    notes = (
        "share = flagged attributes in the category / flagged attributes the labeler "
        "categorised (n_labelled); flagged = at least one annotator did not accept. Paper "
        f"(GPT-5.4, {paper.text('s1.flagged_attributes')} flagged attributes): "
        f"overgeneralization {paper.text('s1.failure_overgeneralization')}, missing evidence "
        f"{paper.text('s1.failure_missing_evidence')}, task-context confusion "
        f"{paper.text('s1.failure_task_context_confusion')}, not standalone "
        f"{paper.text('s1.failure_not_standalone')}, other about "
        f"{paper.text('s1.failure_other')}. "
        + _boot_note(boot)
        + f"\n\nFlagged attributes: {len(flagged)}; with a category: {len(labelled)}. "
        f"Labels left out (attribute not flagged or never judged): {dropped}."
    )
    log.info("failure modes: %d labels kept, %d left out", kept.height, dropped)
    write_table(
        table, csv, md, title="Failure modes of flagged attributes", data_kind=kind, notes=notes
    )


def agreement_job(db: str, csv: str, md: str, boot: BootstrapConfig) -> None:
    """stage1_agreement: ordinal and nominal alpha, mean pairwise kappa on problematic."""
    write_study_table(
        db,
        _matrix,
        lambda jm: quality.agreement_table(jm, boot),
        csv,
        md,
        title="Stage 1: agreement of the human annotators",
        notes=(
            "Krippendorff's α, ordinal on accepted < uncertain < rejected and nominal on the "
            "binary problematic label (estimates from the `krippendorff` package, missing "
            "judgments as missing; n = attributes judged by at least two annotators). Mean "
            "pairwise Cohen's κ on problematic over annotator pairs with common attributes "
            "(n = their summed common attributes); its interval recomputes every pair on each "
            "replicate. The paper does not report Stage-1 agreement. " + _boot_note(boot)
        ),
    )


def verifier_job(db: str, out: str, system: str, kind: str, boot: BootstrapConfig) -> None:
    """One verifier file against the human label -> one-row parquet."""
    with data.connect(db) as con:
        jm = _matrix(con)
        predictions = data.load_verifier(con, system)
    if predictions.height == 0:
        raise ValueError(f"no predictions of verifier {system!r} in {db}")
    row = verifiers.verifier_row(jm, system, kind, predictions, boot)
    log.info("%s", row.to_dicts())
    atomic_write(out, lambda p: row.write_parquet(p))


def verifier_table_job(db: str, parts: list[str], csv: str, md: str, boot) -> None:
    """tab2_verifiers from the per-verifier parquets."""
    from recenter.stage2.alignment import CEILING_RULE

    def table(jm: data.JudgmentMatrix) -> pl.DataFrame:
        ceiling = verifiers.human_ceiling_rows(jm, boot)
        return verifiers.verifier_table([pl.read_parquet(p) for p in sorted(parts)] + ceiling)

    write_study_table(
        db,
        _matrix,
        table,
        csv,
        md,
        title="Table 2: Stage-1 verifiers vs human labels (detecting problematic attributes)",
        notes=(
            verifiers.REFERENCE_NOTE
            + " Every verifier file models/verifier/<kind>/<system>.jsonl, on "
            "the attributes that have both a prediction and a human label (n); positive class = "
            "problematic. prompt_variant comes from a `_basic`/`_optimized` suffix of the "
            f"system name. Paper: RoBERTa F1 {paper.text('s1.verifier_roberta_f1')}, best LLM "
            f"(Claude, optimized) {paper.text('s1.verifier_best_llm_f1')}, Gemma recall "
            f"{paper.text('s1.verifier_gemma_recall_basic')} -> "
            f"{paper.text('s1.verifier_gemma_recall_optimized')} with the optimized prompt. "
            + CEILING_RULE.replace("positive", "problematic").replace("negative", "not problematic")
            + " "
            + _boot_note(boot)
        ),
    )


def gaps_job(db: str, csv: str, md: str, boot: BootstrapConfig) -> None:
    """gaps_stage1: real-minus-synthetic problematic share; best LLM minus trained F1."""
    with data.connect(db) as con:
        kind = data.data_kind(con)
        jm = _matrix(con)
        systems = data.verifier_systems(con)
        f1, votes = {}, {}
        for system, vkind in systems.iter_rows():
            votes[(vkind, system)] = data.aligned(
                jm, data.load_verifier(con, system), "problematic"
            )
            f1[(vkind, system)] = verifiers.verifier_f1_replicates(jm, votes[(vkind, system)], boot)
    shares = quality.label_shares(jm, boot)
    table, notes = verifiers.gaps_rows(
        shares.gap_estimate, shares.gap_replicates, f1, boot, jm=jm, votes=votes
    )
    write_gaps(
        table,
        csv,
        md,
        title="Stage 1 rows of the gaps summary",
        data_kind=kind,
        notes=[
            "Intervals from joint bootstrap replicates (same user resamples for every statistic).",
            verifiers.REFERENCE_NOTE,
            _boot_note(boot),
        ],
        row_notes=notes,
    )


def diversity_job(db: str, csv: str, md: str) -> None:
    """tab1_conversation_diversity from the conversation texts."""
    from recenter.stage1 import diversity

    with data.connect(db) as con:
        kind = data.data_kind(con)
        turns = data.load_user_turns(con)
    if turns.height == 0:
        raise ValueError("the study has no user turn in conversations")
    table = diversity.diversity_table(turns)
    write_table(
        table,
        csv,
        md,
        title="Table 1: conversation diversity per source dataset",
        data_kind=kind,
        notes=(
            "[ours] The paper's diversity metric is unknown. diversity_tfidf_cosine = mean "
            "cosine distance (1 - cos) over all pairs of a dataset's conversations, each "
            "conversation being its user turns as a TF-IDF vector fitted on that dataset "
            "(scikit-learn's default TfidfVectorizer settings). distinct_2 = distinct word "
            "bigrams / all bigrams of the dataset's user turns (depends on corpus size). "
            f"Paper: WildChat filtered+sampled {paper.text('s1.diversity_wildchat_filtered')}, "
            f"PersonaLens {paper.text('s1.diversity_personalens')}, PrefEval "
            f"{paper.text('s1.diversity_prefeval')}, WildChat uniform "
            f"{paper.text('s1.diversity_wildchat_uniform')}, CUPID "
            f"{paper.text('s1.diversity_cupid')} (not comparable: unknown metric). No interval."
        ),
    )
