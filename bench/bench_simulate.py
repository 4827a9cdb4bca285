"""Benchmark of the simulator: wall time and peak memory at scale 1, 10 and 100.

Run by hand (not part of the test suite):

    python bench/bench_simulate.py            # scales 1 10 100
    python bench/bench_simulate.py 1 10       # chosen scales

Each scale runs in a fresh subprocess (so peak RSS is that run's), writing into a temporary
folder that is removed afterwards. Prints one line per scale: seconds, peak RSS, bytes written
and rows of the largest file.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path
from recenter.simulate.generate import simulate
out, scale = Path(sys.argv[1]), int(sys.argv[2])
t0 = time.perf_counter()
simulate(out, seed=20260606, scale=scale)
dt = time.perf_counter() - t0
files = [p for p in out.rglob("*") if p.is_file()]
print(json.dumps({
    "seconds": dt,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "bytes": sum(p.stat().st_size for p in files),
    "relevance_judgments": sum(1 for _ in (out / "relevance_judgments.jsonl").open()),
}))
"""


def run(scale: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        res = subprocess.run(
            [sys.executable, "-c", CHILD, str(Path(tmp) / "simulated"), str(scale)],
            check=True,
            capture_output=True,
            text=True,
        )
        out = json.loads(res.stdout.strip().splitlines()[-1])
        out["process_seconds"] = time.perf_counter() - start
        return out


def main(argv: list[str]) -> None:
    scales = [int(a) for a in argv] or [1, 10, 100]
    print("scale  simulate_s  process_s  peak_RSS_MB  MB_written  relevance_judgments")
    for scale in scales:
        r = run(scale)
        print(
            f"{scale:5d}  {r['seconds']:10.1f}  {r['process_seconds']:9.1f}  "
            f"{r['peak_rss_mb']:11.0f}  {r['bytes'] / 1e6:10.1f}  {r['relevance_judgments']:19d}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
