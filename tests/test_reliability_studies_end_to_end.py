"""Generated valid studies of random shape (the strategy of test_reliability_properties.py) run
through the whole DAG without a failed job (issue 16). Each statistic the data cannot define is
an empty cell with its reason in the row's ``note``, never 0, 1 or a crash; each output the data
cannot support is listed in skipped.csv with its reason.

A whole DAG per example is costly, so the examples are few and fixed (``derandomize``: the same
studies on every run and machine, so CI never meets a new one by chance); the degenerate study of
test_reliability.py covers the extreme corner by hand."""

from __future__ import annotations

import csv
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from conftest import make_workdir, run_snakemake
from test_reliability_properties import _write, studies

pytestmark = pytest.mark.workflow

SHORT = {
    "replicates: 2000": "replicates: 40",  # bootstrap
    "replicates: 100": "replicates: 4",  # variance components
    "sentence_model: all-MiniLM-L6-v2": "sentence_model: null",  # its own test covers it
}


def _failed_jobs(workdir: Path, out: str) -> str:
    """The failed rules of a run and the end of each one's log (where the traceback is): the
    log named in the few lines Snakemake prints after "Error in rule"."""
    lines = out.splitlines()
    parts = []
    for i, line in enumerate(lines):
        if line.startswith("Error in rule"):
            parts.append(line)
            for rel in re.findall(r"log: (logs/[^\s,]+)", "\n".join(lines[i : i + 12]))[:1]:
                path = workdir / rel
                text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
                parts.append(f"--- {rel}:\n{text[-3000:]}")
    return "\n".join(parts) or out[-4000:]


def _undefined_without_reason(tables: Path) -> list[tuple[str, dict]]:
    bad = []
    for path in sorted(tables.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                if "estimate" in row and row["estimate"] == "" and not row.get("note"):
                    bad.append((path.name, row))
    return bad


@settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    database=None,
    # no shrinking: each step would be another whole DAG; the failing study is printed as it is
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(studies())
def test_generated_studies_run_end_to_end_and_say_why_where_undefined(files) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = make_workdir(Path(tmp) / "wf")
        cfg = workdir / "config/config.yaml"
        text = cfg.read_text(encoding="utf-8")
        for old, new in SHORT.items():
            assert old in text, old
            text = text.replace(old, new)
        cfg.write_text(text, encoding="utf-8")
        _write(workdir / "data/raw/gen", files)
        proc = run_snakemake(workdir, "--cores", "2", "--keep-going", "--config", "study=gen")
        assert proc.returncode == 0, _failed_jobs(workdir, proc.stdout + proc.stderr)
        results = workdir / "results/gen"
        assert _undefined_without_reason(results / "tables") == []
        with open(results / "skipped.csv", encoding="utf-8", newline="") as fh:
            skipped = list(csv.DictReader(fh))
        assert all(row["reason"] for row in skipped), skipped
        assert (results / "claims.csv").is_file()
