"""The claims ledger's rules on hand-made tables: rounding bands, intervals, ranges, directional
tests, missing tables and columns, the numbers for the text and the gaps summary."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from recenter import claims, paper


def _ctx(tmp_path: Path, tables: dict[str, pl.DataFrame], **kw) -> claims.Context:
    tdir = tmp_path / "tables"
    tdir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.with_columns(pl.lit("fixture").alias("data_kind")).write_csv(tdir / f"{name}.csv")
    args = {"counts": {}, "confidence": 0.95, "data_kind": "fixture", "study": "t"} | kw
    return claims.Context(tdir, **args)


@pytest.mark.parametrize(
    ("text", "half"),
    [
        ("0.426", 0.0005),
        (".719", 0.0005),
        ("53.9%", 0.0005),
        ("+22 points", 0.005),
        ("58%", 0.005),
        ("3.176", 0.0005),
        ("1,983", 0.5),
        ("−0.39", 0.005),
        ("0.3", 0.05),
    ],
)
def test_half_unit_of_the_printed_digit(text: str, half: float) -> None:
    assert claims.half_unit(text) == pytest.approx(half, rel=1e-12)


def test_compare_with_and_without_an_interval() -> None:
    pv = paper.get("s2.kappa_human_human")  # 0.426 -> band [0.4255, 0.4265]
    assert claims.compare(pv, 0.41, 0.40, 0.4256).consistent is True
    assert claims.compare(pv, 0.41, 0.40, 0.4254).consistent is False
    assert claims.compare(pv, 0.44, 0.4264, 0.46).consistent is True
    assert claims.compare(pv, 0.44, 0.4266, 0.46).consistent is False
    assert claims.compare(pv, 0.4264).consistent is True  # no interval: within rounding
    assert claims.compare(pv, 0.4266).consistent is False
    assert claims.compare(pv, None).consistent is None
    rng = paper.get("s2.overselection")  # 2–3×
    assert claims.compare(rng, 3.2, 2.9, 3.5).consistent is True
    assert claims.compare(rng, 3.4, 3.1, 3.7).consistent is False
    about = paper.get("s3.reward_models_rho")  # "≈ 0.3", tolerance 0.05
    assert claims.band(about) == pytest.approx((0.25, 0.35))


def test_every_paper_value_has_a_check_and_a_unique_macro() -> None:
    values = paper.values()
    assert set(values) <= set(claims.CHECKS)
    names = [claims.macro_name(i) for i in values]
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[A-Za-z]+", n) for n in names)
    assert claims.macro_name("s2.kappa_human_human") == "StageTwoKappaHumanHuman"
    assert claims.macro_name("s2.bm25_f1") == "StageTwoBmTwoFiveFOne"
    assert claims.macro_name("design.judgments_total") == "DesignJudgmentsTotal"


def test_a_missing_table_gives_an_empty_verdict_with_the_skip_reason(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, {}, skipped={"tab6_judges": "Stage 3 needs response_ratings.jsonl"})
    led = claims.build_ledger(ctx)
    row = led.filter(pl.col("claim_id") == "s3.judge_mean_claude").row(0, named=True)
    assert row["consistent"] is None and row["value"] is None
    assert "Stage 3 needs response_ratings.jsonl" in row["note"]
    # counts of a stage the study does not have are not compared
    row = led.filter(pl.col("claim_id") == "s2.items").row(0, named=True)
    assert row["consistent"] is None and "no relevance_items" in row["note"]
    # a claim no data can check says why
    row = led.filter(pl.col("claim_id") == "s1.verify_and_refine_after").row(0, named=True)
    assert row["consistent"] is None and "verify-and-refine" in row["note"]
    assert list(led.columns[:2]) == ["claim_id", "claim"]
    assert set(claims.LEDGER_COLUMNS) == set(led.columns)


def test_kappa_rows_and_their_order(tmp_path: Path) -> None:
    groups = pl.DataFrame(
        {
            "group": ["human_human", "llm_llm", "llm_human"],
            "statistic": ["mean pairwise Cohen's kappa"] * 3,
            "estimate": [0.43, 0.61, 0.29],
            "ci_low": [0.40, 0.600, 0.28],
            "ci_high": [0.46, 0.62, 0.31],
        }
    )
    gaps = pl.DataFrame(
        {
            "stage": ["2"] * 2,
            "comparison": ["κ LLM–human minus κ human–human", "κ LLM–LLM minus κ human–human"],
            "statistic": ["difference"] * 2,
            "estimate": [-0.14, 0.18],
            "ci_low": [-0.17, -0.01],
            "ci_high": [-0.11, 0.21],
        }
    )
    ctx = _ctx(tmp_path, {"kappa_groups": groups, "gaps_stage2": gaps}, counts={"s2_annotators": 3})
    led = claims.build_ledger(ctx)
    got = dict(led.select("claim_id", "consistent").iter_rows())
    assert got["s2.kappa_human_human"] is True  # 0.426 in [0.40, 0.46]
    assert got["s2.kappa_llm_llm"] is False  # 0.597 below [0.600, 0.62]
    assert got["s2.kappa_llm_human"] is True
    # LLM-LLM minus human-human interval reaches below 0: the order does not follow
    assert got["s2.kappa_order"] is False


def test_every_judge_above_humans_uses_the_adjusted_p(tmp_path: Path) -> None:
    judges = pl.DataFrame(
        {
            "system": ["claude-x", "gpt-y"],
            "mean_rating": [3.4, 3.5],
            "mean_ci_low": [3.3, 3.4],
            "mean_ci_high": [3.5, 3.6],
            "difference": [0.2, 0.3],
            "spearman": [0.3, 0.3],
            "spearman_ci_low": [0.2, 0.2],
            "spearman_ci_high": [0.4, 0.4],
            "p_holm": [0.001, 0.2],
        }
    )
    one = claims.build_ledger(_ctx(tmp_path / "a", {"tab6_judges": judges}))
    row = one.filter(pl.col("claim_id") == "s3.judges_above_humans").row(0, named=True)
    assert row["consistent"] is False and "p_holm" in row["test"]
    # a cluster-aware column, when a stage adds it, is preferred over p_holm
    both = judges.with_columns(pl.Series("p_cluster_holm", [0.001, 0.01]))
    two = claims.build_ledger(_ctx(tmp_path / "b", {"tab6_judges": both}))
    row = two.filter(pl.col("claim_id") == "s3.judges_above_humans").row(0, named=True)
    assert row["consistent"] is True and "p_cluster_holm" in row["test"]
    mean = two.filter(pl.col("claim_id") == "s3.judge_mean_claude").row(0, named=True)
    assert mean["value"] == pytest.approx(3.4) and mean["consistent"] is True  # 3.428


def test_a_renamed_column_names_the_table_and_the_mapping(tmp_path: Path) -> None:
    groups = pl.DataFrame({"group": ["human_human"], "statistic": ["mean"], "kappa": [0.4]})
    with pytest.raises(claims.MissingColumn, match=r"kappa_groups\.csv .*COLUMNS"):
        claims.build_ledger(_ctx(tmp_path, {"kappa_groups": groups}))


def test_design_counts_are_compared_exactly(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, {}, counts={"s1_judgments": 5949, "attributes": 1983, "users": 70})
    led = claims.build_ledger(ctx)
    got = dict(led.select("claim_id", "consistent").iter_rows())
    assert got["s1.judgments"] is True and got["s1.attributes"] is True
    assert got["s1.users"] is False


def test_simulated_notes_quote_the_population_value(tmp_path: Path) -> None:
    groups = pl.DataFrame(
        {
            "group": ["llm_llm"],
            "statistic": ["mean pairwise Cohen's kappa"],
            "estimate": [0.615],
            "ci_low": [0.600],
            "ci_high": [0.630],
        }
    )
    truth = {"population": {"stage2": {"kappa_groups": {"llm_llm": 0.5997}}}}
    ctx = _ctx(tmp_path, {"kappa_groups": groups}, data_kind="simulated", truth=truth)
    row = (
        claims.build_ledger(ctx).filter(pl.col("claim_id") == "s2.kappa_llm_llm").row(0, named=True)
    )
    assert row["consistent"] is False
    assert "population value 0.600" in row["note"] and "sampling miss" in row["note"]
    assert claims._split_truth_path("stage3.judge.gpt-5.4.mean") == [
        "stage3",
        "judge",
        "gpt-5.4",
        "mean",
    ]


def test_numbers_tex_defines_each_macro_once(tmp_path: Path) -> None:
    ctx = _ctx(tmp_path, {}, counts={"s1_judgments": 5949})
    led = claims.build_ledger(ctx)
    tex = claims.numbers_tex(led, ctx)
    names = re.findall(r"\\newcommand\{\\([A-Za-z]+)\}", tex)
    assert len(names) == len(set(names))
    assert "\\newcommand{\\StageOneJudgments}{5{,}949}" in tex
    assert "\\newcommand{\\StageOneJudgmentsPaper}{5,949}" in tex
    assert "\\newcommand{\\StageTwoOverselectionPaper}{2--3$\\times$}" in tex
    js = claims.numbers(led, ctx)
    assert js["claims"]["s1.judgments"]["value"] == 5949
    assert js["claims"]["s2.overselection"]["paper_value"] == [2.0, 3.0]


def test_gaps_summary_joins_the_stages_with_the_papers_values() -> None:
    s1 = pl.DataFrame(
        {
            "stage": ["1 attribute extraction"],
            "comparison": ["problematic share (uncertain + rejected judgments): real minus ..."],
            "statistic": ["difference of shares"],
            "estimate": [0.23],
            "ci_low": [0.20],
            "ci_high": [0.26],
        }
    )
    s2 = pl.DataFrame(
        {
            "stage": ["2 relevance matching"] * 2,
            "comparison": [
                "LLM/human relevance-rate ratio (mean LLM rate / human consensus rate)",
                "something new",
            ],
            "statistic": ["ratio", "ratio"],
            "estimate": [3.4, 1.0],
            "ci_low": [3.1, 0.9],
            "ci_high": [3.7, 1.1],
        }
    )
    out = claims.gaps_summary({1: s1, 2: s2})
    assert out.height == 3
    r = out.row(0, named=True)
    assert r["claim_id"] == "s1.problematic_gap_real_synthetic" and r["consistent"] is True
    assert (r["paper_low"], r["paper_high"]) == pytest.approx((0.215, 0.225))
    r = out.row(1, named=True)
    assert r["claim_id"] == "s2.overselection" and r["consistent"] is False
    assert out.row(2, named=True)["claim_id"] is None


def test_unknown_status_is_never_called_consistent(tmp_path: Path) -> None:
    pv = paper.get("s1.human_agreement")
    assert pv.status == "unknown"
    agree = pl.DataFrame(
        {
            "statistic": ["Krippendorff's alpha (ordinal)"],
            "estimate": [0.4],
            "ci_low": [0.3],
            "ci_high": [0.5],
        }
    )
    led = claims.build_ledger(_ctx(tmp_path, {"stage1_agreement": agree}), {pv.id: replace(pv)})
    assert led.row(0, named=True)["consistent"] is None
    assert led.row(0, named=True)["value"] == pytest.approx(0.4)


def test_one_human_rater_cannot_check_statistics_over_annotators(tmp_path: Path) -> None:
    """An export with only the consensus label as Stage-2 'human' rater (the authors' final
    round) cannot check the mean LLM-human kappa or the annotators' mean rate."""
    groups = pl.DataFrame(
        {
            "group": ["llm_human"],
            "statistic": ["mean pairwise Cohen's kappa"],
            "estimate": [0.30],
            "ci_low": [0.28],
            "ci_high": [0.32],
        }
    )
    rates = pl.DataFrame(
        {
            "rater": ["consensus"],
            "rater_kind": ["human"],
            "rate": [0.2],
            "ci_low": [0.18],
            "ci_high": [0.22],
            "n": [100],
            "n_relevant": [20],
        }
    )
    for n, expect in ((1, None), (3, True)):
        ctx = _ctx(
            tmp_path / str(n),
            {"kappa_groups": groups, "relevance_rates": rates},
            counts={"s2_annotators": n},
        )
        got = dict(claims.build_ledger(ctx).select("claim_id", "consistent").iter_rows())
        assert got["s2.kappa_llm_human"] is expect
    row = claims.build_ledger(ctx).filter(pl.col("claim_id") == "s2.rate_humans").row(0, named=True)
    assert row["consistent"] is None and "individual annotators" in row["note"]


def test_every_public_name_resolves_and_the_checks_register_first():
    """The package hands its names out on first use; a fresh interpreter shows that each name
    of ``__all__`` has a home, that the column map comes without polars, and that any other
    name brings every claim's check into CHECKS (a ledger never sees a partial registry)."""
    import subprocess
    import sys

    code = """
import sys
from recenter import claims
assert set(claims._HOME) == set(claims.__all__), set(claims._HOME) ^ set(claims.__all__)
claims.TABLES
assert "polars" not in sys.modules
n = len(claims.CHECKS)
assert n > 0 and all(getattr(claims, name) is not None for name in claims.__all__)
assert len(claims.CHECKS) == n
from recenter import paper
assert set(claims.CHECKS) >= {e.id for e in paper.load().values() if e.checkable} - {None}
print(n)
"""
    env = {**__import__("os").environ, "PYTHONPATH": str(Path(__file__).parents[1] / "workflow")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
