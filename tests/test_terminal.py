"""What a user sees on the terminal with the default profile (issue 14): a table of the jobs
to run instead of every job's listing, the refused-input messages as the last lines, and the
complete log still written under .snakemake/log/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import Built, add_study, make_workdir, run_snakemake

pytestmark = pytest.mark.workflow


@pytest.fixture
def user_workdir(tmp_path: Path) -> Path:
    """The fixture study in a directory with the profile a user gets (rich logger kept)."""
    workdir = make_workdir(tmp_path / "wf", rich_logger=True)
    add_study(workdir)
    return workdir


def test_the_plan_is_a_table_not_a_listing_of_every_job(user_workdir: Path) -> None:
    proc = run_snakemake(user_workdir, "-n", "--cores", "2", "--config", "study=study", check=True)
    lines = proc.stderr.splitlines()
    assert any(ln.split() == ["rule", "count"] for ln in lines), proc.stderr[:2000]
    total = [ln.split() for ln in lines if ln.split()[:1] == ["total"]]
    assert total and int(total[0][1]) > 30
    # the standard logger prints each job with its input, output and reason
    assert not [ln for ln in lines if ln.startswith(("localrule ", "    input:", "    reason:"))]


def test_refused_input_messages_are_the_last_lines(user_workdir: Path) -> None:
    path = user_workdir / "data/raw/study/relevance_judgments.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[8])
    record["relevant"] = "sometimes"
    lines[8] = json.dumps(record)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run_snakemake(user_workdir, "--cores", "2", "--config", "study=study")
    assert proc.returncode != 0
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    head = max(i for i, x in enumerate(lines) if x.startswith("recenter: cannot ingest"))
    assert lines[head] == "recenter: cannot ingest data/raw/study: 1 problem", lines[head:]
    want = "relevance_judgments.jsonl, line 9, field 'relevant': expected boolean"
    assert want in lines[head + 1]
    assert lines[-1] == "  (full trace: logs/study/ingest.log)"
    assert len(lines) - head <= 4  # the messages, where the results went, where the trace is
    # a run prints no job listing with every input file (a line naming dozens of raw files)
    assert max(x.count("data/raw/") for x in lines) <= 3, max(lines, key=lambda x: x.count("/"))
    # the complete log keeps Snakemake's standard listing of the job that ran
    logs = sorted((user_workdir / ".snakemake/log").glob("*.snakemake.log"))
    assert logs and "rule ingest:" in logs[-1].read_text(encoding="utf-8")


def test_a_full_run_shows_no_progress_bar_of_a_job(built: Built) -> None:
    """The notebook jobs' papermill draws a bar per cell (tqdm) on stderr, which Snakemake
    passes to the terminal; notebooks.smk turns them off (TQDM_DISABLE)."""
    assert "run_notebook" in built.stderr  # the notebooks ran in this build
    assert "Executing:" not in built.stderr and "cell/s" not in built.stderr


def test_a_full_run_prints_no_kernel_log_and_no_scheduler_fallback(built: Built) -> None:
    """Two kinds of line that said nothing to a user and came back every run: each notebook
    kernel's log (a warning that it talks over local TCP without encryption, and an ERROR
    "KeyboardInterrupt caught in kernel" when the shutdown's interrupt lands mid-message; the
    kernel spec of workflow/resources/jupyter/ sets its log to CRITICAL), and Snakemake's ILP
    scheduler falling back to the greedy one at nearly every step (the profile asks for greedy)."""
    assert "run_notebook" in built.stderr  # the notebooks ran in this build
    assert "[IPKernelApp]" not in built.stderr
    assert "KeyboardInterrupt" not in built.stderr
    assert "ILP solver" not in built.stderr
