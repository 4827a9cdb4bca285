"""Checks of Stage 2, relevance matching: kappa groups and gaps, relevance rates, Table 3."""

from __future__ import annotations

import polars as pl

from recenter import paper
from recenter.claims.model import (
    Outcome,
    check,
    column,
    compare,
    directional_gap,
    first_row,
    fmt,
    fmt_ci,
    gap_compare,
    join_notes,
    not_supported,
    num,
    system_metric,
    table_check,
    verdict,
)

_KAPPA = {
    "s2.kappa_human_human": "human_human",
    "s2.kappa_llm_llm": "llm_llm",
    "s2.kappa_llm_human": "llm_human",
}


@table_check("kappa_groups", *_KAPPA)
def _kappa(ctx, pv, name, frame):
    g, stat = column(frame, name, "group"), column(frame, name, "statistic")
    sel = frame.filter((pl.col(g) == _KAPPA[pv.id]) & pl.col(stat).str.starts_with("mean"))
    source = f"tables/{name}.csv: {_KAPPA[pv.id]}, mean pairwise kappa"
    if sel.height == 0:
        return not_supported(f"no {_KAPPA[pv.id]} row", source)
    r = sel.row(0, named=True)
    est, lo, hi = (r[column(frame, name, c)] for c in ("estimate", "ci_low", "ci_high"))
    if _KAPPA[pv.id] != "llm_llm" and ctx.counts.get("s2_annotators", 0) < 2:
        return _one_human_rater(ctx, source, est, lo, hi)
    return compare(pv, est, lo, hi, source)


def _one_human_rater(ctx, source, est=None, lo=None, hi=None) -> Outcome:
    n = ctx.counts.get("s2_annotators", 0)
    return not_supported(
        f"this study has {n} human Stage-2 rater{'' if n == 1 else 's'} (e.g. only the "
        "consensus label): the paper's statistic is over individual annotators (ours shown)",
        source,
        est,
        lo,
        hi,
    )


@check("s2.kappa_gap_llm_human")
def _kappa_gap_lh(ctx, pv):
    return gap_compare(ctx, pv, 2, "κ LLM–human minus")


@check("s2.kappa_gap_llm_llm")
def _kappa_gap_ll(ctx, pv):
    return gap_compare(ctx, pv, 2, "κ LLM–LLM minus")


@check("s2.kappa_order")
def _kappa_order(ctx, pv):
    a = directional_gap(ctx, 2, "κ LLM–LLM minus", +1, "κ LLM–LLM minus κ human–human")
    b = directional_gap(ctx, 2, "κ LLM–human minus", -1, "κ LLM–human minus κ human–human")
    if a.consistent is None or b.consistent is None:
        return a if a.consistent is None else b
    return verdict(
        a.consistent and b.consistent,
        f"{ctx.level()} bootstrap intervals: κ LLM–LLM − κ human–human above 0 and κ LLM–human "
        "− κ human–human below 0",
        f"LLM–LLM − human–human {fmt(a.value)} {fmt_ci(a.ci_low, a.ci_high)}; LLM–human − "
        f"human–human {fmt(b.value)} {fmt_ci(b.ci_low, b.ci_high)}",
        "tables/gaps_stage2.csv: κ rows",
    )


@table_check("relevance_rates", "s2.rate_humans")
def _rate_humans(ctx, pv, name, frame):
    kind, est = column(frame, name, "rater_kind"), column(frame, name, "estimate")
    hum = frame.filter(pl.col(kind) == "human")
    source = f"tables/{name}.csv: mean of the human annotators' rates"
    if hum.height == 0 and ctx.counts.get("s2_annotators", 0) == 0:
        return not_supported("no human annotator", source)
    if hum.height < 2:
        # one rater: the table lists its rate once, as the human-consensus row
        one = hum if hum.height else frame.filter(pl.col(kind) == "consensus")
        return _one_human_rater(ctx, source, one[est].mean() if one.height else None)
    return compare(
        pv,
        hum[est].mean(),
        source=source,
        note=f"{hum.height} annotators, rates {fmt(hum[est].min())}–{fmt(hum[est].max())}",
    )


@table_check("relevance_rates", "s2.consensus_rate")
def _consensus_rate(ctx, pv, name, frame):
    kind = column(frame, name, "rater_kind")
    r = first_row(frame, **{kind: "consensus"})
    source = f"tables/{name}.csv: human consensus"
    if r is None:
        return not_supported("no consensus row", source)
    return compare(
        pv,
        r[column(frame, name, "estimate")],
        r[column(frame, name, "ci_low")],
        r[column(frame, name, "ci_high")],
        source,
        f"{r[column(frame, name, 'n_relevant')]:,} of {r[column(frame, name, 'n')]:,}"
        " items with a consensus",
    )


@table_check("relevance_rates", "s2.consensus_relevant")
def _consensus_relevant(ctx, pv, name, frame):
    r = first_row(frame, **{column(frame, name, "rater_kind"): "consensus"})
    source = f"tables/{name}.csv: human consensus, n_relevant (interval = n × rate interval)"
    if r is None:
        return not_supported("no consensus row", source)
    n = r[column(frame, name, "n")]
    lo, hi = num(r[column(frame, name, "ci_low")]), num(r[column(frame, name, "ci_high")])
    out = compare(
        pv,
        r[column(frame, name, "n_relevant")],
        None if lo is None else lo * n,
        None if hi is None else hi * n,
        source,
        f"an outcome count: {n:,} items with a consensus here, "
        f"{int(paper.value('s2.labelled_items')):,} in the paper",
    )
    return out


@table_check("relevance_rates", "s2.rate_llms")
def _rate_llms(ctx, pv, name, frame):
    kind, rater = column(frame, name, "rater_kind"), column(frame, name, "rater")
    est, lo, hi = (column(frame, name, c) for c in ("estimate", "ci_low", "ci_high"))
    llm = frame.filter(pl.col(kind) == "llm")
    source = f"tables/{name}.csv: every LLM"
    if llm.height == 0:
        return not_supported("no LLM relevance file in this study", source)
    r_lo, r_hi = pv.value
    rows = [r for r in llm.iter_rows(named=True) if None not in (r[lo], r[hi])]
    if not rows:
        return not_supported("no LLM rate with an interval", source)
    inside = [r[lo] <= r_hi and r[hi] >= r_lo for r in rows]
    listing = ", ".join(f"{r[rater]} {fmt(r[est])}" for r in rows)
    return Outcome(
        num(llm[est].mean()),
        None,
        None,
        all(inside),
        f"every LLM's {ctx.level()} interval overlaps the paper's range",
        f"value = mean over LLMs; {listing}",
        source,
    )


@check("s2.overselection")
def _overselection(ctx, pv):
    return gap_compare(
        ctx, pv, 2, "LLM/human relevance-rate ratio (mean LLM rate / human consensus"
    )


_TAB3 = {
    "s2.bm25_f1": ("bm25", "f1", None),
    "s2.embedding_f1": ("embedding", "f1", None),
    "s2.claude_accuracy": ("claude", "accuracy", "llm"),
    "s2.claude_precision": ("claude", "precision", "llm"),
    "s2.claude_recall": ("claude", "recall", "llm"),
    "s2.claude_f1": ("claude", "f1", "llm"),
    "s2.roberta_accuracy": ("roberta", "accuracy", "trained"),
    "s2.roberta_precision": ("roberta", "precision", "trained"),
    "s2.roberta_recall": ("roberta", "recall", "trained"),
    "s2.roberta_f1": ("roberta", "f1", "trained"),
    "s2.grpo_accuracy": ("grpo", "accuracy", "trained"),
    "s2.grpo_precision": ("grpo", "precision", "trained"),
    "s2.grpo_recall": ("grpo", "recall", "trained"),
    "s2.grpo_f1": ("grpo", "f1", "trained"),
}


@check(*_TAB3)
def _tab3(ctx, pv):
    key, metric, kind = _TAB3[pv.id]
    out = system_metric(ctx, pv, "tab3_relevance_alignment", key, metric, kind=kind)
    if pv.note:
        out.note = join_notes(out.note, pv.note)
    return out


@table_check("tab3_relevance_alignment", "s2.llm_recall_over_precision")
def _recall_over_precision(ctx, pv, name, frame):
    llm = frame.filter(pl.col(column(frame, name, "kind")) == "llm")
    source = f"tables/{name}.csv: every LLM, recall and precision"
    if llm.height == 0:
        return not_supported("no LLM relevance file in this study", source)
    rows = list(llm.iter_rows(named=True))
    rows = [r for r in rows if None not in (r["recall_ci_low"], r["precision_ci_high"])]
    if not rows:
        return not_supported("recall or precision undefined for every LLM", source)
    sep = [r["recall_ci_low"] > r["precision_ci_high"] for r in rows]
    listing = ", ".join(
        f"{r['system']} R {fmt(r['recall'])} / P {fmt(r['precision'])}" for r in rows
    )
    return verdict(
        all(sep),
        f"for every LLM the {ctx.level()} interval of recall lies above that of precision",
        listing,
        source,
    )
