"""The whole DAG at several simulated scales: cold run, no-op re-run and a dropped-in model file.

Run by hand (or `make bench-scale`), never by the test suite:

    .venv/bin/python bench/scale.py --scales 1 10 100 --cores 2

For each scale, in a fresh temporary workflow directory (Snakefile, workflow/, notebooks/ and
profiles/ linked, config/ copied), with the scale set on the command line
(`--config simulate="{scale: N}"`):

1. cold: `snakemake --cores N` from nothing (simulate, ingest, every analysis, figure, notebook);
2. no-op: the same command again (must do nothing);
3. drop-in: one more relevance model file (a copy of an LLM's votes under a new name) and the same
   command again.

Per-job time and peak memory come from the `benchmark:` file each rule writes under
`benchmarks/`; `peak_rss_mib` is the largest job's maximum resident set size (and, as a check,
no smaller than what the kernel reports for the largest child process). Writes one row per
scale to bench/results/scale.csv (columns in COLUMNS) with the machine it ran on, and the
profile of the cold runs, one row per (scale, rule), to bench/results/scale_rules.csv; both
after every scale. Prints the table.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "scale.csv"
#: Where the time goes: one row per (scale, rule), summed over the rule's jobs of the cold run.
PROFILE_COLUMNS = ["scale", "rule", "jobs", "wall_s", "max_job_s", "cpu_s", "max_rss_mib"]
COLUMNS = [
    "scale",
    "judgments",
    "jobs",
    "wall_s",
    "cpu_s",
    "peak_rss_mib",
    "slowest_rule",
    "slowest_rule_s",
    "noop_s",
    "dropin_s",
    "dropin_jobs",
    "status",
    "machine",
]
HUMAN_JUDGMENT_FILES = (
    "attribute_judgments.jsonl",
    "relevance_judgments.jsonl",
    "response_ratings.jsonl",
)


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    system = f"{platform.system()} {platform.release()}"
    return f"{model}, {os.cpu_count()} cores, {mem_gib:.0f} GiB, {system}"


def workdir(root: Path) -> Path:
    root.mkdir(parents=True)
    # profiles/ too: Snakemake then loads profiles/default/ as in a checkout (its scheduling
    # priority and terminal display are part of what a user's run costs)
    for name in ("Snakefile", "workflow", "notebooks", "profiles"):
        (root / name).symlink_to(REPO / name)
    shutil.copytree(REPO / "config", root / "config")
    return root


def snakemake(wd: Path, cores: int, scale: int) -> tuple[float, str]:
    exe = Path(sys.executable).with_name("snakemake")
    start = time.perf_counter()
    proc = subprocess.run(
        [str(exe), "--cores", str(cores), "--config", f"simulate={{scale: {scale}}}"],
        cwd=wd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise Failed(wall, proc.stdout + proc.stderr)
    return wall, proc.stdout + proc.stderr


class Failed(Exception):
    """A Snakemake run that did not complete: its wall time and log."""

    def __init__(self, wall: float, log: str):
        super().__init__(log[-4000:])
        self.wall, self.log = wall, log


def failed_rules(log: str) -> str:
    """The rules Snakemake names in its "Error in rule" lines."""
    rules = sorted(
        {
            line.split("Error in rule", 1)[1].strip(" :")
            for line in log.splitlines()
            if "Error in rule" in line
        }
    )
    return ", ".join(rules) or "unknown"


def _number(text: str) -> float:
    return float(text) if text not in ("", "NA", "-") else 0.0


def benchmark_rows(wd: Path) -> list[dict]:
    """Every job's benchmark record: rule, seconds, max RSS (MiB), CPU time (s). Rules write
    benchmarks/<study>/<rule>.tsv, or benchmarks/<study>/<rule>/<wildcards>.tsv per job (and the
    simulator, before any study exists, benchmarks/simulate.tsv)."""
    rows = []
    for path in sorted((wd / "benchmarks").rglob("*.tsv")):
        parts = path.relative_to(wd / "benchmarks").parts
        # benchmarks/simulate.tsv is the one rule before any study exists
        rule = (parts[0] if len(parts) == 1 else parts[1]).removesuffix(".tsv")
        with path.open() as fh:
            for rec in csv.DictReader(fh, delimiter="\t"):
                rows.append(
                    {
                        "rule": rule,
                        "s": float(rec["s"]),
                        "max_rss": float(rec["max_rss"])
                        if rec["max_rss"] not in ("", "NA")
                        else 0.0,
                        "cpu_time": float(rec["cpu_time"])
                        if rec["cpu_time"] not in ("", "NA")
                        else 0.0,
                    }
                )
    return rows


def run_log(wd: Path) -> str:
    """The complete log of the newest run (.snakemake/log/): the terminal shows the default
    profile's display, the log file Snakemake's standard listing."""
    logs = sorted((wd / ".snakemake" / "log").glob("*.snakemake.log"))
    return logs[-1].read_text(encoding="utf-8") if logs else ""


def jobs_run(log: str) -> int:
    """Jobs Snakemake ran (the "N of N steps (100%) done" line), without the local `all`."""
    done = [line for line in log.splitlines() if "steps (100%) done" in line]
    if not done:
        return 0
    return int(done[-1].split(" of ")[1].split()[0]) - 1


def profile(scale: int, jobs: list[dict]) -> list[dict]:
    """Per-rule totals of the cold run's benchmark records, slowest rule first."""
    by_rule: dict[str, list[dict]] = {}
    for job in jobs:
        by_rule.setdefault(job["rule"], []).append(job)
    rows = [
        {
            "scale": scale,
            "rule": rule,
            "jobs": len(recs),
            "wall_s": round(sum(r["s"] for r in recs), 1),
            "max_job_s": round(max(r["s"] for r in recs), 1),
            "cpu_s": round(sum(r["cpu_time"] for r in recs), 1),
            "max_rss_mib": round(max(r["max_rss"] for r in recs)),
        }
        for rule, recs in by_rule.items()
    ]
    return sorted(rows, key=lambda r: (-r["wall_s"], r["rule"]))


def write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    """Write atomically (a temporary file renamed over the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)


def one_scale(scale: int, cores: int) -> tuple[dict, list[dict]]:
    with tempfile.TemporaryDirectory(prefix=f"recenter-scale{scale}-") as tmp:
        wd = workdir(Path(tmp) / "wf")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        try:
            wall, _ = snakemake(wd, cores, scale)
            log, status = run_log(wd), "ok"
        except Failed as err:  # keep what ran: the profile of the jobs that finished
            wall, log = err.wall, err.log + run_log(wd)  # the log file names the failed rule
            status = f"failed in {failed_rules(log)}"
            print(f"  scale {scale} failed:\n{err}", file=sys.stderr)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        jobs = benchmark_rows(wd)
        slowest = max(jobs, key=lambda r: r["s"]) if jobs else {"rule": "", "s": float("nan")}
        peak = max([r["max_rss"] for r in jobs] + [after.ru_maxrss / 1024])
        raw = wd / "data" / "raw" / "simulated"
        judgments = 0
        for name in HUMAN_JUDGMENT_FILES:
            with (raw / name).open("rb") as fh:
                judgments += sum(1 for line in fh if line.strip())
        noop_s = dropin_s = float("nan")
        dropin_jobs = 0
        if status == "ok":
            noop_s, noop_log = snakemake(wd, cores, scale)
            if "Nothing to be done" not in noop_log:
                sys.exit(f"the no-op re-run at scale {scale} ran jobs:\n{noop_log[-3000:]}")
            src = sorted((raw / "models" / "relevance" / "llm").glob("*.jsonl"))[0]
            shutil.copy(src, src.with_name("dropin-model.jsonl"))
            dropin_s, _ = snakemake(wd, cores, scale)
            dropin_jobs = jobs_run(run_log(wd))
        return {
            "scale": scale,
            "judgments": judgments,
            "jobs": jobs_run(log) if status == "ok" else len(jobs),
            "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1),
            "peak_rss_mib": round(peak),
            "slowest_rule": slowest["rule"],
            "slowest_rule_s": round(slowest["s"], 1),
            "noop_s": round(noop_s, 1),
            "dropin_s": round(dropin_s, 1),
            "dropin_jobs": dropin_jobs,
            "status": status,
            "machine": machine(),
        }, profile(scale, jobs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    rows: list[dict] = []
    rules: list[dict] = []
    for scale in args.scales:
        print(f"scale {scale} ...", file=sys.stderr, flush=True)
        row, prof = one_scale(scale, args.cores)
        rows.append(row)
        rules.extend(prof)
        print(
            "  " + ", ".join(f"{k}={v}" for k, v in row.items() if k != "machine"), file=sys.stderr
        )
        # written after every scale, so a long scale that is stopped keeps the ones before it
        write_csv(args.out, COLUMNS, rows)
        write_csv(args.out.with_name(args.out.stem + "_rules.csv"), PROFILE_COLUMNS, rules)
    print(args.out.read_text(), end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
