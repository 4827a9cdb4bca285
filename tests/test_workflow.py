"""The workflow end to end on the fixture study: it builds, a second run does nothing, and bad
input stops it with the file, line and field, leaving no database or result behind."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import make_workdir, run_snakemake

pytestmark = pytest.mark.workflow


def test_fixture_builds_and_second_run_does_nothing(built_workdir: Path) -> None:
    """The build (conftest.built) made the database and the skipped list; a second run plans
    nothing. That the same inputs give the same bytes is shown by the interruption tests of
    test_reliability.py, which rebuild every result in another folder and compare."""
    assert (built_workdir / "data/processed/study/study.duckdb").is_file()
    assert (built_workdir / "results/study/skipped.csv").is_file()
    assert any(p.suffix == ".html" for p in (built_workdir / "results").rglob("*"))
    again = run_snakemake(
        built_workdir, "-n", "--cores", "2", "--config", "study=study", check=True
    )
    assert "Nothing to be done" in again.stdout + again.stderr


def test_bad_input_stops_the_run_and_leaves_nothing(fixture_workdir: Path) -> None:
    path = fixture_workdir / "data/raw/study/relevance_judgments.jsonl"
    lines = path.read_text().splitlines()
    record = json.loads(lines[8])
    record["relevant"] = "sometimes"
    lines[8] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n")
    proc = run_snakemake(fixture_workdir, "--cores", "2", "--config", "study=study")
    assert proc.returncode != 0
    assert "relevance_judgments.jsonl, line 9, field 'relevant': expected boolean" in proc.stderr
    assert not (fixture_workdir / "data/processed/study/study.duckdb").exists()
    leftovers = [p for p in (fixture_workdir / "data/processed").rglob("*") if p.is_file()]
    assert leftovers == []


def test_invalid_config_is_refused_with_a_readable_message(tmp_path: Path) -> None:
    workdir = make_workdir(tmp_path / "wf")
    proc = run_snakemake(workdir, "-n", "--cores", "1", "--config", "bootstrap={'replicates': 0}")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "bootstrap.replicates" in out and "invalid configuration" in out


def test_dry_run_plans_the_simulated_default(tmp_path: Path) -> None:
    workdir = make_workdir(tmp_path / "wf")
    proc = run_snakemake(workdir, "-n", "--cores", "8", check=True)
    out = proc.stdout + proc.stderr
    assert "ingest" in out


def test_script_preamble_sends_logging_and_uncaught_tracebacks_to_the_rules_log(
    tmp_path: Path,
) -> None:
    """recenter.script.log_to_rule, the preamble of every script: a record and an uncaught
    exception both land in the log file; the exception still reaches stderr and fails the job;
    a refusal's SystemExit is not logged as a crash."""
    script = tmp_path / "job.py"
    script.write_text(
        "import logging, sys\n"
        "from types import SimpleNamespace\n"
        "from recenter.script import log_to_rule\n"
        "log_to_rule(SimpleNamespace(log=[sys.argv[1]]))\n"
        "logging.info('step one done')\n"
        "if sys.argv[2] == 'exit':\n"
        "    sys.exit(3)\n"
        "raise RuntimeError('the job broke')\n",
        encoding="utf-8",
    )
    log = tmp_path / "job.log"
    crash = subprocess.run(
        [sys.executable, str(script), str(log), "raise"], capture_output=True, text=True
    )
    assert crash.returncode == 1
    assert "RuntimeError: the job broke" in crash.stderr
    text = log.read_text(encoding="utf-8")
    assert "step one done" in text
    assert "Traceback (most recent call last)" in text and "RuntimeError: the job broke" in text

    refused = subprocess.run(
        [sys.executable, str(script), str(log), "exit"], capture_output=True, text=True
    )
    assert refused.returncode == 3
    text = log.read_text(encoding="utf-8")  # truncated by the new run
    assert "step one done" in text and "Traceback" not in text
