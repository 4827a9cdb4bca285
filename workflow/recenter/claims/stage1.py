"""Checks of Stage 1, attribute extraction: Fig 2, failure modes, Table 1 diversity, Table 2
verifiers, the Stage-1 gaps rows and agreement."""

from __future__ import annotations

import polars as pl

from recenter.claims.model import (
    Outcome,
    check,
    column,
    compare_first,
    compare_row,
    directional_gap,
    first_row,
    fmt,
    gap_compare,
    not_supported,
    num,
    system_metric,
    table_check,
    table_or_missing,
)


def _fig2(ctx, pv, group, label, group_kind=None):
    name = "fig2_attribute_quality"
    frame, miss = table_or_missing(ctx, name)
    if miss:
        return miss
    g, lab = column(frame, name, "group"), column(frame, name, "label")
    sel = frame.filter(pl.col(lab) == label)
    if group_kind is not None:
        sel = sel.filter(pl.col(column(frame, name, "group_kind")) == group_kind)
    else:
        sel = sel.filter(pl.col(g) == group)
    source = f"tables/{name}.csv: {group_kind or group}, {label}"
    missing = f"no row {group_kind or group} / {label} in tables/{name}"
    return compare_first(pv, frame, name, sel, source, missing)


@check("s1.problematic_gap_real_synthetic")
def _gap_real_synthetic(ctx, pv):
    return _fig2(ctx, pv, None, "problematic", group_kind="difference")


@check("s1.problematic_gap_direction")
def _gap_direction(ctx, pv):
    out = _fig2(
        ctx,
        pv.__class__(**{**pv.__dict__, "kind": "value", "value": 0.0, "paper_text": "0"}),
        None,
        "problematic",
        "difference",
    )
    if out.value is None:
        return out
    ok = out.ci_low is not None and out.ci_low > 0
    return Outcome(
        out.value,
        out.ci_low,
        out.ci_high,
        ok,
        f"the {ctx.level()} bootstrap interval of real minus synthetic lies above 0",
        "" if ok else "the interval reaches 0 or below: no significant excess on these data",
        out.source,
    )


@check("s1.wildchat_acceptance")
def _wildchat_acceptance(ctx, pv):
    return _fig2(ctx, pv, "wildchat", "accepted")


_FAILURE = {
    "s1.failure_overgeneralization": "overgeneralization",
    "s1.failure_missing_evidence": "missing_evidence",
    "s1.failure_task_context_confusion": "task_context_confusion",
    "s1.failure_not_standalone": "not_standalone",
    "s1.failure_other": "other",
}


@table_check("failure_modes", *_FAILURE)
def _failure(ctx, pv, name, frame):
    cat = _FAILURE[pv.id]
    r = first_row(frame, **{column(frame, name, "category"): cat})
    source = f"tables/{name}.csv: {cat}"
    if r is None:
        return not_supported(f"no flagged attribute labelled {cat}", source)
    return compare_row(pv, frame, name, r, source)


_DIVERSITY = {
    "s1.diversity_wildchat_filtered": "wildchat",
    "s1.diversity_personalens": "personalens",
    "s1.diversity_prefeval": "prefeval",
    "s1.diversity_wildchat_uniform": None,
    "s1.diversity_cupid": "cupid",
}


@check(*_DIVERSITY)
def _diversity(ctx, pv):
    name = "tab1_conversation_diversity"
    frame, miss = table_or_missing(ctx, name)
    if miss:
        miss.note = f"{pv.why}; {miss.note}"
        return miss
    ds = _DIVERSITY[pv.id]
    r = None if ds is None else first_row(frame, **{column(frame, name, "dataset"): ds})
    source = f"tables/{name}.csv: {ds}" if ds else f"tables/{name}.csv"
    value = None if r is None else r[column(frame, name, "estimate")]
    if value is None:
        return not_supported(f"{pv.why}; no such dataset in this study", source)
    return not_supported(f"{pv.why} (ours shown, metric [ours])", source, value)


@table_check("tab1_conversation_diversity", "s1.diversity_wildchat_most")
def _diversity_order(ctx, pv, name, frame):
    ds, est = column(frame, name, "dataset"), column(frame, name, "estimate")
    ranked = frame.sort(est, descending=True)
    source = f"tables/{name}.csv: {est} by dataset"
    if ranked.height < 2 or "wildchat" not in ranked[ds].to_list():
        return not_supported("needs WildChat and at least one other dataset", source)
    ranked = ranked.filter(pl.col(est).is_not_null())
    if ranked.height < 2 or "wildchat" not in ranked[ds].to_list():
        return not_supported("needs a diversity of WildChat and at least one other dataset", source)
    order = ", ".join(f"{d} {fmt(v)}" for d, v in ranked.select(ds, est).iter_rows())
    top = ranked[ds][0]
    return Outcome(
        num(ranked.filter(pl.col(ds) == "wildchat")[est][0]),
        None,
        None,
        top == "wildchat",
        "WildChat first in the order of our diversity metric [ours; no interval]",
        f"order: {order} (metric [ours], the paper's is unknown; the order is comparable, the "
        "values are not)",
        source,
    )


@check("s1.verifier_roberta_f1")
def _v_roberta(ctx, pv):
    return system_metric(ctx, pv, "tab2_verifiers", "roberta", "f1", kind="trained")


@check("s1.verifier_best_llm_f1")
def _v_best_llm(ctx, pv):
    out = system_metric(ctx, pv, "tab2_verifiers", "claude", "f1", kind="llm", variant="optimized")
    frame = ctx.table("tab2_verifiers")
    if out.value is not None and frame is not None:
        llm = frame.filter(pl.col(column(frame, "tab2_verifiers", "kind")) == "llm")
        best = llm.sort("f1", descending=True, nulls_last=True).row(0, named=True)
        is_best = abs(best["f1"] - out.value) < 1e-12
        out.note = "; ".join(
            x
            for x in (
                out.note,
                "Claude (optimized) is also our best LLM verifier"
                if is_best
                else f"our best LLM verifier is {best['system']} (F1 {fmt(best['f1'])})",
            )
            if x
        )
    return out


@check("s1.verifier_gemma_recall_basic")
def _v_gemma_basic(ctx, pv):
    return system_metric(ctx, pv, "tab2_verifiers", "gemma", "recall", kind="llm", variant="basic")


@check("s1.verifier_gemma_recall_optimized")
def _v_gemma_opt(ctx, pv):
    return system_metric(
        ctx, pv, "tab2_verifiers", "gemma", "recall", kind="llm", variant="optimized"
    )


@check("s1.verifier_f1_gap")
def _v_gap(ctx, pv):
    return gap_compare(ctx, pv, 1, "verifier F1")


@check("s1.verifier_trained_beats_llm")
def _v_trained_beats(ctx, pv):
    return directional_gap(ctx, 1, "verifier F1", -1, "best LLM minus best trained F1")


@table_check("stage1_agreement", "s1.human_agreement")
def _s1_agreement(ctx, pv, name, frame):
    stat = column(frame, name, "statistic")
    sel = frame.filter(pl.col(stat).str.contains("ordinal"))
    source = f"tables/{name}.csv: Krippendorff's alpha (ordinal)"
    if sel.height == 0:
        return not_supported("no ordinal alpha row", source)
    r = sel.row(0, named=True)
    return not_supported(
        "the paper reports no Stage-1 agreement: ours shown, nothing to compare",
        source,
        r[column(frame, name, "estimate")],
        r[column(frame, name, "ci_low")],
        r[column(frame, name, "ci_high")],
    )


@check(
    "s1.verify_and_refine_before",
    "s1.verify_and_refine_after",
    "s1.extractor_temperature",
    "s1.confidence_threshold",
    "s1.dedup_threshold",
)
def _not_checkable(ctx, pv):
    return not_supported(pv.why or "not checkable on these data", "—")
