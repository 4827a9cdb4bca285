"""The gaps summary: every stage's gaps rows (recenter.gaps) with the paper's value where it has
one."""

from __future__ import annotations

import re

import polars as pl

from recenter import paper
from recenter.claims.model import band, column, compare, num
from recenter.schemas import INTERVAL

#: (stage, start of the gaps row's comparison, claim id of the paper's value)
GAP_CLAIMS = (
    (1, "problematic share", "s1.problematic_gap_real_synthetic"),
    (1, "verifier F1", "s1.verifier_f1_gap"),
    (2, "LLM/human relevance-rate ratio (mean LLM rate / human consensus", "s2.overselection"),
    (2, "κ LLM–human minus", "s2.kappa_gap_llm_human"),
    (2, "κ LLM–LLM minus", "s2.kappa_gap_llm_llm"),
    (3, "LLM-judge mean rating minus", "s3.judge_minus_human_mean"),
)
# The like-for-like Spearman rows of gaps_stage3 get no paper mark: the paper's derived gaps
# are another estimand (see _UNLIKE).

GAPS_SUMMARY_SCHEMA: dict[str, type[pl.DataType]] = {
    "stage": pl.String,
    "comparison": pl.String,
    "statistic": pl.String,
    **INTERVAL,
    "claim_id": pl.String,
    "paper_value": pl.String,
    "paper_low": pl.Float64,
    "paper_high": pl.Float64,
    "consistent": pl.Boolean,
    "note": pl.String,  # the stage's reason when the estimate is undefined
}


def gaps_summary(frames: dict[int, pl.DataFrame]) -> pl.DataFrame:
    """Every gaps row of the stages present (stage -> its gaps_stage<k> table, data_kind
    dropped), with the paper's value where it has one: the paper's band (value ± rounding, or
    its range) in paper_low/paper_high, and whether it meets our interval."""
    values = paper.values()
    rows = []
    for stage in sorted(frames):
        f = frames[stage]
        cols = {
            k: column(f, "gaps", k)
            for k in ("stage", "comparison", "statistic", "estimate", "ci_low", "ci_high")
        }
        for r in f.iter_rows(named=True):
            comp = r[cols["comparison"]]
            claim = next(
                (c for s, start, c in GAP_CLAIMS if s == stage and comp.startswith(start)), None
            )
            pv = values.get(claim) if claim else None
            lo = hi = None
            consistent = None
            if pv is not None and pv.value is not None:
                lo, hi = band(pv)
                consistent = compare(
                    pv, r[cols["estimate"]], r[cols["ci_low"]], r[cols["ci_high"]]
                ).consistent
            rows.append(
                {
                    "stage": r[cols["stage"]],
                    "comparison": comp,
                    "statistic": r[cols["statistic"]],
                    "estimate": num(r[cols["estimate"]]),
                    "ci_low": num(r[cols["ci_low"]]),
                    "ci_high": num(r[cols["ci_high"]]),
                    "claim_id": claim,
                    "paper_value": pv.paper_text if pv is not None else None,
                    "paper_low": lo,
                    "paper_high": hi,
                    "consistent": consistent,
                    "note": r.get("note"),
                }
            )
    return pl.DataFrame(rows, schema=GAPS_SUMMARY_SCHEMA)


def gaps_summary_job(parts: list[str], csv: str, md: str, confidence: float) -> None:
    """tables/gaps_summary from the gaps_stage<k> tables the study has."""
    from recenter.outputs import write_table

    frames, kinds = {}, set()
    for path in parts:
        m = re.search(r"gaps_stage(\d)\.csv$", str(path))
        if not m:
            raise ValueError(f"not a gaps table: {path}")
        f = pl.read_csv(path, infer_schema_length=None)
        kinds.update(f["data_kind"].unique().to_list())
        frames[int(m.group(1))] = f.drop("data_kind")
    if len(kinds) != 1:
        raise ValueError(f"gaps tables of mixed data kinds {sorted(kinds)}: {parts}")
    table = gaps_summary(frames)
    write_table(
        table,
        csv,
        md,
        title="Gaps summary: synthetic vs human and LLM vs human, every stage",
        data_kind=kinds.pop(),
        notes=(
            "Rows of gaps_stage1/2/3 (each stage's notes say which clusters its joint bootstrap "
            f"resamples: users, user-prompt pairs, response items), {confidence:.0%} "
            "percentile intervals. paper_value: the paper's number for the same comparison "
            "(derived ones computed from reported values, see workflow/resources/"
            "paper_values.yaml); paper_low/paper_high: that value ± its printed rounding, or "
            "its range; consistent: the band meets our interval. A stage without its gaps "
            "table (skipped.csv) has no rows."
        ),
    )
