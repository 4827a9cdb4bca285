"""Stage 2 end to end with Snakemake: the simulated default recovers its truth, and a model
file dropped into the study becomes a rater everywhere while re-running only what reads it."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import polars as pl
import pytest

from recenter.stage2 import names

from conftest import run_snakemake

pytestmark = pytest.mark.workflow

TABLES = (
    "consensus_summary",
    "relevance_rates",
    "fig3_kappa_matrix",
    "kappa_groups",
    "tab3_relevance_alignment",
    "gaps_stage2",
)
FIGURES = ("relevance_rates", "fig3_kappa_matrix", "fig4_relevance_prf")


def stage2_targets(study: str) -> list[str]:
    out = [f"results/{study}/tables/{t}.{ext}" for t in TABLES for ext in ("csv", "md")]
    out += [
        f"results/{study}/figures/{f}.{ext}" for f in FIGURES for ext in ("vl.json", "png", "svg")
    ]
    return out


def executed_jobs(stdout: str) -> list[tuple[str, str]]:
    """(rule, wildcards) of every job a Snakemake run executed, from its log."""
    jobs, current = [], None
    for line in stdout.splitlines():
        m = re.match(r"^(?:local)?(?:rule|checkpoint) (\S+):$", line.strip())
        if m:
            if current:
                jobs.append(current)
            current = (m.group(1), "")
            continue
        w = re.match(r"^\s+wildcards: (.*)$", line)
        if w and current:
            current = (current[0], w.group(1))
    if current:
        jobs.append(current)
    return sorted(jobs)


def default_run_outputs(workdir: Path) -> list[str]:
    """Every result file of a finished default run (a copy of conftest.built), relative to
    ``workdir``: the targets of the drop-in runs."""
    results = workdir / "results/study"
    return sorted(str(p.relative_to(workdir)) for p in results.rglob("*") if p.is_file())


def drop_in_reruns(stage_notebook: str) -> set[tuple[str, str]]:
    """The jobs of a default run (``snakemake`` with no target) that re-run after one model
    file is dropped into the fixture study, besides the stage's own: ingest and the
    provenance (they read every raw file), Fig 1 (it counts the models of every stage), the
    gaps summary, its figure and the claims ledger (they read the stage's tables), the
    overview notebook (it shows the ledger and Fig 1) and the stage's notebook, each run and
    rendered."""
    return {
        ("ingest", "study=study"),
        ("provenance", "study=study"),
        ("fig1_pipeline_figure", "study=study"),
        ("gaps_summary", "study=study"),
        ("gaps_summary_figure", "study=study"),
        ("claims_ledger", "study=study"),
        ("run_notebook", "study=study, notebook=00_study_overview"),
        ("run_notebook", f"study=study, notebook={stage_notebook}"),
        ("render_notebook", "study=study, notebook=00_study_overview"),
        ("render_notebook", f"study=study, notebook={stage_notebook}"),
    }


# ---- recovery of the simulated truth --------------------------------------------------------
def _intervals_vs_truth(results: Path, truth: dict) -> list[tuple[str, float, float, float]]:
    """(statistic, truth, ci_low, ci_high) of every Stage-2 statistic truth.json knows."""
    t = truth["population"]["stage2"]
    tables = results / "tables"
    rows = []
    for r in pl.read_csv(tables / "relevance_rates.csv").iter_rows(named=True):
        key = "human_consensus" if r["rater_kind"] == "consensus" else r["rater"]
        rows.append((f"rate {key}", t["relevance_rate"][key], r["ci_low"], r["ci_high"]))
    matrix = pl.read_csv(tables / "fig3_kappa_matrix.csv")
    for r in matrix.filter(pl.col("rater_a") < pl.col("rater_b")).iter_rows(named=True):
        key = f"{r['rater_a']}|{r['rater_b']}"
        rows.append((f"kappa {key}", t["kappa"][key], r["ci_low"], r["ci_high"]))
    groups = pl.read_csv(tables / "kappa_groups.csv")
    for r in groups.filter(pl.col("statistic").str.starts_with("mean")).iter_rows(named=True):
        g = r["group"]
        rows.append((f"kappa group {g}", t["kappa_groups"][g], r["ci_low"], r["ci_high"]))
    for r in pl.read_csv(tables / "tab3_relevance_alignment.csv").iter_rows(named=True):
        # human rows: the human ceiling (annotator vs the majority of the others)
        truth = t["human_ceiling"] if r["kind"] == "human" else t["alignment"]
        for m, value in truth.get(r["system"], {}).items():
            rows.append((f"{r['system']} {m}", value, r[f"{m}_ci_low"], r[f"{m}_ci_high"]))
    return rows


def test_simulated_default_recovers_truth(simulated_workdir):
    """Run the Stage-2 targets on the simulated default (seed of config/config.yaml) and check
    that the 95% intervals cover the population values of truth.json.

    75 intervals (9 rates, 28 pairwise kappas, 3 group means, 7 systems × 5 metrics). At 95%
    about 4 misses are expected; the intervals are positively correlated (shared clusters), so
    we require ≥ 90% coverage rather than an exact binomial bound. Every rater and system of
    the truth must appear in the outputs (nothing silently dropped).
    """
    workdir = simulated_workdir
    run_snakemake(workdir, "--cores", "2", *stage2_targets("simulated"), check=True)
    truth = json.loads((workdir / "data/raw/simulated/truth.json").read_text())
    rows = _intervals_vs_truth(workdir / "results/simulated", truth)
    t = truth["population"]["stage2"]
    humans = {r for r in t["relevance_rate"] if r not in t["alignment"]} - {"human_consensus"}
    raters = {f"rate {r}" for r in humans | _llms(workdir) | {"human_consensus"}}
    assert {r[0] for r in rows if r[0].startswith("rate ")} == raters
    assert {r[0] for r in rows if r[0].startswith("kappa ") and "group" not in r[0]} == {
        f"kappa {k}" for k in t["kappa"]
    }
    assert len([r for r in rows if r[0].startswith("kappa group")]) == 3
    n_systems = len(t["alignment"]) + len(t["human_ceiling"])
    assert len(rows) == len(raters) + len(t["kappa"]) + 3 + 5 * n_systems
    misses = [r for r in rows if not (r[2] <= r[1] <= r[3])]
    print(f"{len(rows)} intervals, {len(misses)} miss the truth:", *misses, sep="\n  ")
    assert len(misses) <= 0.10 * len(rows), misses
    # the paper's headline pattern, from the same outputs: LLMs over-select relevance
    gaps = pl.read_csv(workdir / "results/simulated/tables/gaps_stage2.csv")
    assert gaps["ci_low"][0] > 1


def _llms(workdir: Path) -> set[str]:
    folder = workdir / "data/raw/simulated/models/relevance/llm"
    return {p.stem for p in folder.glob("*.jsonl")}


# ---- drop-in model ----------------------------------------------------------------------------
def test_dropped_in_llm_becomes_a_rater_and_reruns_only_its_jobs(built_workdir):
    """Add models/relevance/llm/new-model.jsonl to a finished default run of the fixture. The
    dry run is an upper bound (ingest is a checkpoint: the jobs that read the database are
    re-evaluated after it runs), so the jobs are read from the real run's log and must be
    exactly: the new model's alignment, the jobs that gather all raters (Table 3, rates,
    kappa, gaps) with their figures and table pages, plus drop_in_reruns(); never the baselines, the
    consensus, another system's alignment or anything of Stages 1 and 3 (their files keep
    their mtimes)."""
    workdir = built_workdir
    study = workdir / "data/raw/study"
    args = ("--cores", "2", "--config", "study=study")
    targets = default_run_outputs(workdir)

    processed = workdir / "data/processed/study/stage2"
    untouched = (
        sorted(processed.glob("baselines/*.parquet"))
        + sorted(processed.glob("baselines/scores/*.parquet"))
        + sorted(processed.glob("embeddings/*.parquet"))
        + sorted(processed.glob("alignment/*/*.parquet"))
    )
    untouched.append(workdir / "results/study/tables/consensus_summary.csv")
    before = {p: p.stat().st_mtime_ns for p in untouched}

    # a new LLM: llm-b's votes with every other vote flipped, so it is a distinct rater
    lines = (study / "models/relevance/llm/llm-b.jsonl").read_text().splitlines()
    new = []
    for i, line in enumerate(lines):
        rec = json.loads(line)
        if i % 2:
            rec["relevant"] = not rec["relevant"]
        new.append(json.dumps(rec))
    (study / "models/relevance/llm/new-model.jsonl").write_text("\n".join(new) + "\n")

    dry = run_snakemake(workdir, "-n", *targets, *args, check=True)
    planned = {rule for rule, _ in executed_jobs(dry.stdout + dry.stderr)}
    assert "stage2_baseline" not in planned  # the baselines never depend on LLM files

    run = run_snakemake(workdir, *targets, *args, check=True)
    ran = executed_jobs(run.stdout + run.stderr)
    expected = {
        ("stage2_alignment", "study=study, kind=llm, system=new-model"),
        ("tab3_relevance_alignment", "study=study"),
        ("relevance_rates", "study=study"),
        ("fig3_kappa_matrix", "study=study"),
        ("gaps_stage2", "study=study"),
        ("relevance_rates_figure", "study=study"),
        ("fig3_kappa_matrix_figure", "study=study"),
        ("fig4_relevance_prf_figure", "study=study"),
    }
    expected |= drop_in_reruns("stage2_relevance")
    assert len(ran) == len(set(ran)), ran  # no job twice
    assert set(ran) == expected, (sorted(set(ran) - expected), sorted(expected - set(ran)))
    assert {p: p.stat().st_mtime_ns for p in untouched} == before

    tables = workdir / "results/study/tables"
    rates = pl.read_csv(tables / "relevance_rates.csv")
    assert "new-model" in rates["rater"].to_list()
    matrix = pl.read_csv(tables / "fig3_kappa_matrix.csv")
    assert matrix.filter(pl.col("rater_a") == "new-model").height == rates.height - 1
    tab3 = pl.read_csv(tables / "tab3_relevance_alignment.csv")
    assert tab3.filter(pl.col("system") == "new-model")["kind"].to_list() == ["llm"]
    for fig in FIGURES:
        spec = (workdir / f"results/study/figures/{fig}.vl.json").read_text()
        assert "new-model" in spec, fig

    # the sentence model embeds each text once: its lost output is rebuilt from the text-hash
    # cache without loading the model
    model = names.SENTENCE_MODELS["all-MiniLM-L6-v2"]
    if model.missing():
        (pytest.fail if os.environ.get("CI") == "true" else pytest.skip)(model.missing())
    embeddings = processed / "embeddings" / f"{model.name}.parquet"
    log = workdir / f"logs/study/stage2_embedding_{model.name}.log"
    assert "loading" in log.read_text() and embeddings.exists()
    before = pl.read_parquet(embeddings)
    embeddings.unlink()
    rel = str(embeddings.relative_to(workdir))
    run = run_snakemake(workdir, rel, *args, check=True)
    assert ("stage2_embedding", f"study=study, model={model.name}") in executed_jobs(
        run.stdout + run.stderr
    )
    text = log.read_text()
    assert " 0 to embed" in text and "loading" not in text, text
    assert pl.read_parquet(embeddings).equals(before)
