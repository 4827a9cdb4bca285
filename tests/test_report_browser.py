"""The verdict layer end to end on the fixture study: the ledger and its companions are built,
the part-of-the-paper targets cover rule all, `snakemake --report` writes the report, and the
report and every executed notebook open in headless Chromium with no JavaScript error and no
broken image (screenshots kept in the test's tmp folder)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import browser
import polars as pl
import pytest

from conftest import make_workdir, run_snakemake

pytestmark = pytest.mark.workflow

#: Click the element whose whole text is the given string (a category of the report).
CLICK_TEXT = """(() => {
  const e = Array.from(document.querySelectorAll('a, button, td, li, span, div')).reverse()
    .find(x => x.textContent.trim() === '%s');
  if (!e) throw new Error('nothing to click');
  e.click();
  return true;
})()"""
#: Click the preview ("eye") button of the report's row of a result file.
CLICK_EYE = """(() => {
  const name = '%s';
  const t = Array.from(document.querySelectorAll('*'))
    .find(x => x.childElementCount === 0 && x.textContent.trim() === name);
  if (!t) throw new Error('no row ' + name);
  let row = t;
  for (let i = 0; i < 5 && row && !row.querySelector('svg'); i++) row = row.parentElement;
  const b = row.querySelector('a, button') || row.querySelector('svg');
  b.dispatchEvent(new MouseEvent('click', {bubbles: true}));
  return true;
})()"""


def need_chromium() -> None:
    if browser.chromium() is None:
        why = "no chromium on PATH (Debian package `chromium`; .ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)


def test_the_checker_sees_a_broken_image_and_a_javascript_error(tmp_path: Path) -> None:
    """The browser check can fail: a page with a missing image and a throwing script."""
    need_chromium()
    bad = tmp_path / "bad.html"
    bad.write_text(
        "<html><body><h1>bad</h1><img src='missing.png'>"
        "<script>console.error('boom'); undefinedFunction();</script></body></html>",
        encoding="utf-8",
    )
    good = tmp_path / "good.html"
    good.write_text("<html><body><h1>good</h1><p>fine</p></body></html>", encoding="utf-8")
    res = {Path(r.url).name: r for r in browser.check_pages([bad, good], tmp_path / "shots")}
    assert res["bad.html"].broken_images == ["file://" + str(tmp_path / "missing.png")]
    assert any("boom" in e for e in res["bad.html"].errors)
    assert any("undefinedFunction" in e for e in res["bad.html"].errors)
    assert res["good.html"].ok and res["good.html"].text.startswith("good")
    assert res["good.html"].screenshot.stat().st_size > 1000


def _jobs(proc) -> dict[str, int]:
    """Job counts of a dry run (its 'Job stats' table), without rule all."""
    out = proc.stdout + proc.stderr
    table = out.split("Job stats:", 1)[1].split("Reasons:", 1)[0]
    rows = re.findall(r"^(\w+)\s+(\d+)$", table, flags=re.M)
    return {
        r: int(n)
        for r, n in rows
        if r not in ("all", "total", "stage1", "stage2", "stage3", "claims")
    }


def test_part_targets_cover_rule_all(tmp_path: Path) -> None:
    """stage1 + stage2 + stage3 + claims plan the same jobs as rule all (so every registered
    output belongs to a part of the paper)."""
    workdir = make_workdir(tmp_path / "wf")
    everything = _jobs(run_snakemake(workdir, "-n", "--cores", "2", check=True))
    parts = _jobs(
        run_snakemake(
            workdir, "-n", "--cores", "2", "stage1", "stage2", "stage3", "claims", check=True
        )
    )
    missing = {r: n for r, n in everything.items() if parts.get(r) != n}
    # the overview notebook belongs to no stage: rule all alone runs (and renders) it
    notebook_rules = ("run_notebook", "render_notebook")
    assert missing == {r: everything[r] for r in notebook_rules}
    assert all(parts[r] == everything[r] - 1 for r in notebook_rules)
    one = _jobs(run_snakemake(workdir, "-n", "--cores", "2", "stage2", check=True))
    assert "stage3_judge" not in one and "stage2_alignment" in one


def test_fixture_ledger_report_and_notebooks_render(built_workdir: Path, tmp_path: Path) -> None:
    fixture_workdir = built_workdir  # the whole DAG, built once by conftest.built
    res = fixture_workdir / "results" / "study"
    ledger = pl.read_csv(res / "claims.csv", infer_schema_length=None)
    for col in (
        "claim_id",
        "claim",
        "stage",
        "source",
        "paper_value",
        "value",
        "ci_low",
        "ci_high",
        "consistent",
        "note",
    ):
        assert col in ledger.columns
    assert ledger.height >= 40
    # every row is either decided or says why not
    undecided = ledger.filter(pl.col("consistent").is_null())
    assert undecided.filter(pl.col("note").is_null() | (pl.col("note") == "")).height == 0
    numbers = json.loads((res / "numbers.json").read_text(encoding="utf-8"))
    assert set(numbers["claims"]) == set(ledger["claim_id"])
    assert numbers["data_kind"] == "fixture"
    tex = (res / "numbers.tex").read_text(encoding="utf-8")
    assert "\\newcommand{\\StageTwoKappaHumanHuman}" in tex
    assert "TEST FIXTURE" in (res / "claims.md").read_text(encoding="utf-8")
    for name in ("gaps_summary", "fig1_pipeline"):
        for ext in ("vl.json", "png", "svg"):
            assert (res / "figures" / f"{name}.{ext}").stat().st_size > 0
    assert (res / "tables" / "gaps_summary.csv").is_file()

    report = res / "report.html"
    run_snakemake(
        fixture_workdir,
        "--cores",
        "1",
        "--config",
        "study=study",
        "--report",
        str(report.relative_to(fixture_workdir)),
        check=True,
    )
    assert report.stat().st_size > 100_000

    need_chromium()
    pages = [report, *sorted((res / "notebooks").glob("*.html"))]
    assert len(pages) == 5
    # in the report: open the Claims ledger category, then the gaps-summary figure's preview
    actions = {
        "report.html": [
            CLICK_TEXT % "Claims ledger",
            CLICK_EYE % "results/study/figures/gaps_summary.png",
        ]
    }
    checks = browser.check_pages(pages, tmp_path / "screenshots", settle=4.0, actions=actions)
    for c in checks:
        assert c.ok, (c.url, c.errors, c.broken_images)
        assert c.screenshot.stat().st_size > 5_000
    by_name = {Path(c.url).name: c for c in checks}
    assert "Claims ledger" in by_name["report.html"].text
    assert "results/study/claims.md" in by_name["report.html"].text
    assert by_name["report.html"].n_images >= 2  # the logo and the opened figure, rendered
    # the stage notebooks show their figures, and they rendered
    for name in ("stage1_attributes.html", "stage2_relevance.html", "00_study_overview.html"):
        assert by_name[name].n_images >= 2, name
    assert "claims" in by_name["00_study_overview.html"].text
