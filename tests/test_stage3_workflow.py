"""Stage 3 end to end with Snakemake: the simulated default recovers its truth, a judge file
dropped into the study re-runs only its job and the jobs that gather judges, and a study with
response pairs but no ratings, judges or flags skips every Stage-3 output with a reason."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from test_stage2_workflow import default_run_outputs, drop_in_reruns, executed_jobs

from conftest import add_study, make_workdir, run_snakemake

pytestmark = pytest.mark.workflow

TABLES = (
    "stage3_agreement",
    "fig5_human_ratings",
    "tab6_judges",
    "fig6_mention_gap",
    "fig7_mention_vs_penalty",
    "reward_models",
    "gaps_stage3",
)
FIGURES = ("fig5_human_ratings", "tab6_judges", "fig6_mention_gap", "fig7_mention_vs_penalty")
#: register_output names of Stage 3.
OUTPUT_NAMES = set(TABLES)


def stage3_targets(study: str, tables=TABLES, figures=FIGURES) -> list[str]:
    out = [f"results/{study}/tables/{t}.{ext}" for t in tables for ext in ("csv", "md")]
    out += [
        f"results/{study}/figures/{f}.{ext}" for f in figures for ext in ("vl.json", "png", "svg")
    ]
    return out


# ---- recovery of the simulated truth --------------------------------------------------------
def _intervals_vs_truth(tables: Path, t: dict) -> list[tuple[str, float, float, float]]:
    """(statistic, truth, ci_low, ci_high) of every Stage-3 statistic truth.json knows."""
    rows = []
    agr = {
        r["statistic"]: r
        for r in pl.read_csv(tables / "stage3_agreement.csv").iter_rows(named=True)
        if r["pair"] == "mean over pairs"
    }
    for stat, key in (
        ("mean pairwise Spearman rho", "human_pairwise_spearman"),
        ("mean pairwise weighted kappa (linear)", "human_pairwise_weighted_kappa_linear"),
        ("mean pairwise weighted kappa (quadratic)", "human_pairwise_weighted_kappa_quadratic"),
    ):
        rows.append((key, t[key], agr[stat]["ci_low"], agr[stat]["ci_high"]))
    for r in pl.read_csv(tables / "fig5_human_ratings.csv").iter_rows(named=True):
        if r["generator"] == "all generators":
            rows.append(("human_mean", t["human_mean"], r["ci_low"], r["ci_high"]))
            rows.append(
                (
                    "no_better_share",
                    t["no_better_share"],
                    r["no_better_ci_low"],
                    r["no_better_ci_high"],
                )
            )
        else:
            g = r["generator"]
            rows.append(
                (
                    f"human_mean_by_generator.{g}",
                    t["human_mean_by_generator"][g],
                    r["ci_low"],
                    r["ci_high"],
                )
            )
    tab6 = pl.read_csv(tables / "tab6_judges.csv")
    # the humans' mean on the judges' units (every judge rates every unit of the simulated
    # study, so it is the population human mean); one row: the judges share those units
    first = tab6.row(0, named=True)
    rows.append(
        (
            "human_mean.judge_units",
            t["human_mean"],
            first["human_mean_ci_low"],
            first["human_mean_ci_high"],
        )
    )
    for r in tab6.iter_rows(named=True):
        j = t["judge"][r["system"]]
        rows.append((f"judge.{r['system']}.mean", j["mean"], r["mean_ci_low"], r["mean_ci_high"]))
        rows.append(
            (
                f"judge.{r['system']}.spearman",
                j["spearman_with_human_mean"],
                r["spearman_ci_low"],
                r["spearman_ci_high"],
            )
        )
    for r in pl.read_csv(tables / "fig6_mention_gap.csv").iter_rows(named=True):
        key = "human" if r["kind"] == "human" else r["rater"]
        rows.append((f"mention_delta.{key}", t["mention_delta"][key], r["ci_low"], r["ci_high"]))
    fig7 = pl.read_csv(tables / "fig7_mention_vs_penalty.csv")
    for r in fig7.filter(pl.col("mention_rate").is_not_null()).iter_rows(named=True):
        m = r["model"]
        rows.append((f"mention_rate.{m}", t["mention_rate"][m], r["ci_low"], r["ci_high"]))
    for r in pl.read_csv(tables / "reward_models.csv").iter_rows(named=True):
        rows.append(
            (
                f"reward_model_spearman.{r['system']}",
                t["reward_model_spearman"][r["system"]],
                r["spearman_ci_low"],
                r["spearman_ci_high"],
            )
        )
    return rows


def test_simulated_default_recovers_truth(simulated_workdir):
    """Run the Stage-3 targets on the simulated default (seed of config/config.yaml) and check
    that the 95% intervals cover the population values of truth.json (defined for infinitely
    many units with the design's mix of units per generator and mention rates; the rater draws
    are what is random).

    34 intervals: 3 human agreement, human mean, no-better share, 5 generator means, 5 judges ×
    (mean, Spearman), 6 mention Δ, 5 mention rates (Clopper–Pearson), 3 reward models. At 95%
    about 2 misses are expected; the simulator's README documents two on this seed (Claude's
    mention rate, 0 of 74 units, and GPT-5.4's Δ as judge). We require ≥ 90% coverage (the
    intervals share clusters, so misses are correlated) and that nothing of the truth is
    silently missing from the outputs.
    """
    workdir = simulated_workdir
    run_snakemake(workdir, "--cores", "2", *stage3_targets("simulated"), check=True)
    truth = json.loads((workdir / "data/raw/simulated/truth.json").read_text())
    t = truth["population"]["stage3"]
    rows = _intervals_vs_truth(workdir / "results/simulated/tables", t)
    names = {r[0] for r in rows}
    assert {f"judge.{j}.mean" for j in t["judge"]} <= names
    assert {f"mention_delta.{k}" for k in t["mention_delta"]} <= names
    assert {f"mention_rate.{g}" for g in t["mention_rate"]} <= names
    assert {f"reward_model_spearman.{k}" for k in t["reward_model_spearman"]} <= names
    assert len(rows) == 6 + len(t["human_mean_by_generator"]) + 2 * len(t["judge"]) + len(
        t["mention_delta"]
    ) + len(t["mention_rate"]) + len(t["reward_model_spearman"])
    misses = [r for r in rows if not (r[2] <= r[1] <= r[3])]
    print(f"{len(rows)} intervals, {len(misses)} miss the truth:", *misses, sep="\n  ")
    assert len(misses) <= 0.10 * len(rows), misses

    # Fig 7 over the 5 models, and the paper's headline pattern: every judge rates higher than
    # the humans, significantly after Holm.
    fig7 = pl.read_csv(workdir / "results/simulated/tables/fig7_mention_vs_penalty.csv")
    summary = fig7.filter(pl.col("mention_rate").is_null()).row(0, named=True)
    assert summary["n_units"] == 5 and summary["permutation"] == "exact, all 5! pairings"
    tab6 = pl.read_csv(workdir / "results/simulated/tables/tab6_judges.csv")
    assert (tab6["difference_ci_low"] > 0).all() and (tab6["p_holm"] < 0.05).all()
    for fig in FIGURES:
        spec = (workdir / f"results/simulated/figures/{fig}.vl.json").read_text()
        assert "SIMULATED DATA" in spec


# ---- drop-in judge ----------------------------------------------------------------------------
def test_dropped_in_judge_reruns_only_its_job_and_the_aggregations(built_workdir):
    """Add models/judge/llm_judge/new-judge.jsonl to a finished default run of the fixture
    (the fixture has no model that is both generator and judge, so Fig 7 is skipped there).
    The run's log must list exactly the new judge's job, the jobs that gather judges (Table 6,
    Fig 6's table, the gaps rows), their figures and drop_in_reruns(); never the human-only
    jobs, the other judges' jobs, the reward models or anything of Stages 1 and 2 (their
    files keep their mtimes, Fig 5 its bytes)."""
    workdir = built_workdir
    study = workdir / "data/raw/study"
    args = ("--cores", "2", "--config", "study=study")
    targets = default_run_outputs(workdir)
    assert not (workdir / "results/study/tables/fig7_mention_vs_penalty.csv").exists()

    processed = workdir / "data/processed/study/stage3"
    untouched = sorted(processed.rglob("*.parquet"))
    for name in ("stage3_agreement", "fig5_human_ratings", "reward_models"):
        untouched.append(workdir / f"results/study/tables/{name}.csv")
    untouched.append(workdir / "results/study/figures/fig5_human_ratings.vl.json")
    before = {p: p.stat().st_mtime_ns for p in untouched}

    lines = (study / "models/judge/llm_judge/llm-a.jsonl").read_text().splitlines()
    new = []
    for i, line in enumerate(lines):
        rec = json.loads(line)
        rec["rating"] = 1 + (rec["rating"] + i) % 5
        new.append(json.dumps(rec))
    (study / "models/judge/llm_judge/new-judge.jsonl").write_text("\n".join(new) + "\n")

    run = run_snakemake(workdir, *targets, *args, check=True)
    ran = executed_jobs(run.stdout + run.stderr)
    expected = {
        ("stage3_judge", "study=study, kind=llm_judge, system=new-judge"),
        ("tab6_judges", "study=study"),
        ("fig6_mention_gap", "study=study"),
        ("gaps_stage3", "study=study"),
        ("tab6_judges_figure", "study=study"),
        ("fig6_mention_gap_figure", "study=study"),
    }
    expected |= drop_in_reruns("stage3_responses")
    assert len(ran) == len(set(ran)), ran  # no job twice
    assert set(ran) == expected, (sorted(set(ran) - expected), sorted(expected - set(ran)))
    assert {p: p.stat().st_mtime_ns for p in untouched} == before

    tables = workdir / "results/study/tables"
    tab6 = pl.read_csv(tables / "tab6_judges.csv")
    assert tab6["system"].to_list() == ["llm-a", "new-judge"]
    fig6 = pl.read_csv(tables / "fig6_mention_gap.csv")
    assert "new-judge" in fig6["rater"].to_list()
    for fig in ("tab6_judges", "fig6_mention_gap"):
        assert "new-judge" in (workdir / f"results/study/figures/{fig}.vl.json").read_text()


# ---- partial data -----------------------------------------------------------------------------
def test_response_pairs_without_ratings_skip_every_stage3_output(tmp_path):
    """Like the authors' real import: generator files (response pairs) but no human ratings, no
    judge files and no mention flags. Every Stage-3 output is listed in skipped.csv with a
    reason, none is built (no empty table or figure), and the full run succeeds."""
    workdir = make_workdir(tmp_path / "wf")
    study = add_study(workdir)
    (study / "response_ratings.jsonl").unlink()
    (study / "mention_flags.jsonl").unlink()
    shutil.rmtree(study / "models/judge")
    run_snakemake(workdir, "--cores", "2", "--config", "study=study", check=True)
    results = workdir / "results/study"
    with (results / "skipped.csv").open(encoding="utf-8") as fh:
        skipped = {r["output"]: r["reason"] for r in csv.DictReader(fh)}
    assert OUTPUT_NAMES <= set(skipped), skipped
    for name in OUTPUT_NAMES:
        assert "Stage 3 needs" in skipped[name] or "Fig 7 needs" in skipped[name], skipped[name]
        assert not list(results.rglob(f"{name}.*")), name
    assert not (workdir / "data/processed/study/stage3").exists()
