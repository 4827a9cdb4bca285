"""The same DAG on a real SLURM cluster: the fixture study run through
workflow/profiles/slurm (snakemake-executor-plugin-slurm, jobs submitted with sbatch to the
single-node cluster that `.ci/slurm-cluster.sh start` brings up) gives results byte-identical
to a local run.

Needs a running cluster (``sinfo`` answers with a node that takes jobs; SLURM_CONF names its
configuration). Outside CI the test skips saying why; in CI (CI=true), where .ci/run starts the
cluster, its absence is a failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, Built, digests

pytestmark = [pytest.mark.slurm, pytest.mark.workflow]

#: Reasons for which SLURM keeps a job pending for ever on this cluster: a job asking for more
#: CPUs or memory than a node has (PartitionConfig), or for a node that does not exist.
NEVER_STARTS = {"PartitionConfig", "PartitionNodeLimit", "BadConstraints"}

SLURM_CONF_DEFAULT = Path(os.environ.get("RECENTER_SLURM_DIR", "/tmp/recenter-slurm")) / (
    "slurm.conf"
)


def _cluster_env() -> dict[str, str]:
    """Environment that reaches the cluster, or skip (fail in CI) saying what is missing."""
    env = dict(os.environ)
    if "SLURM_CONF" not in env and SLURM_CONF_DEFAULT.is_file():
        env["SLURM_CONF"] = str(SLURM_CONF_DEFAULT)
    why = None
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        why = "SLURM's client commands (sbatch, sinfo) are not installed"
    else:
        proc = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], env=env, capture_output=True, text=True, timeout=30
        )
        states = proc.stdout.split()
        if proc.returncode != 0 or not any(s in {"idle", "mixed", "allocated"} for s in states):
            why = f"no SLURM node takes jobs (sinfo: {proc.stdout.strip() or proc.stderr.strip()})"
    if why:
        why += "; start one with `.ci/slurm-cluster.sh start`"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    return env


# Every job is a submission whose start-up (sbatch, srun, Snakemake in the job) costs about
# 10 s on the 2-core CI machine while the other test worker runs: about 12 minutes in all,
# near the suite's default per-test limit (1,500 s); a job that can never start fails at once.
@pytest.mark.timeout(2400)
def test_fixture_study_on_slurm_matches_a_local_run(built: Built, tmp_path: Path) -> None:
    """The local build (conftest.built) copied; in the copy, with every output, log and
    Snakemake's state removed, the SLURM run."""
    env = _cluster_env()
    workdir = built.copy(tmp_path / "wf")
    local = digests(built.workdir / "results", built.workdir)
    assert local, "the local run wrote no results"
    for generated in ("results", "data/processed", "logs", ".snakemake"):
        shutil.rmtree(workdir / generated)

    exe = Path(sys.executable).with_name("snakemake")
    cmd = [str(exe), "--profile", str(REPO / "workflow/profiles/slurm"), "--config", "study=study"]
    rc, out = _run_watching_the_queue(cmd, workdir, {**env, "PYTHONHASHSEED": "0"}, tmp_path)
    assert rc == 0, out[-6000:]
    # every job but the local `all` went through sbatch (the plugin logs each submission)
    submitted = out.count("has been submitted with SLURM jobid")
    assert submitted >= 30, out[-3000:]
    assert digests(workdir / "results", workdir) == local


def _stuck_jobs(env: dict[str, str]) -> list[str]:
    """Pending jobs that this cluster can never start, as 'jobid reason comment' (the executor
    plugin puts the rule and wildcards in the comment)."""
    proc = subprocess.run(
        ["squeue", "-h", "-t", "PD", "-o", "%i %r %k"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    return [
        line
        for line in proc.stdout.splitlines()
        if len(parts := line.split(" ", 2)) > 1 and parts[1] in NEVER_STARTS
    ]


def _run_watching_the_queue(
    cmd: list[str], cwd: Path, env: dict[str, str], tmp_path: Path, limit_s: float = 2300
) -> tuple[int, str]:
    """Run ``cmd`` (Snakemake with the SLURM profile) and return its exit code and output; fail
    at once, naming the rule, when one of its jobs is pending for a reason that never clears
    (a rule asking for more CPUs than the node has waited 25 minutes for the test's timeout
    before this check)."""
    log = tmp_path / "snakemake-slurm.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=fh, stderr=subprocess.STDOUT)
        start = time.monotonic()
        stuck: list[str] = []
        while proc.poll() is None:
            time.sleep(5)
            stuck = _stuck_jobs(env)
            if stuck or time.monotonic() - start > limit_s:
                proc.terminate()
                proc.wait(timeout=120)
                break
    out = log.read_text()
    if stuck:
        subprocess.run(["scancel", *(s.split()[0] for s in stuck)], env=env, timeout=30)
        pytest.fail("SLURM jobs that can never start:\n" + "\n".join(stuck) + "\n" + out[-3000:])
    assert proc.returncode is not None
    return proc.returncode, out
