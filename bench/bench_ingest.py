"""Benchmark of the ingestion (validate + write DuckDB) on the simulated study at several scales.

Run by hand, not by the test suite:

    .venv/bin/python bench/bench_ingest.py --scales 1 10 [100]

Each scale runs in a fresh process (peak memory is per process), simulating into a temporary
folder first (not timed). Prints one line per scale: records, seconds to read and validate,
seconds to write the database, peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def one_scale(scale: int, seed: int) -> dict:
    from recenter.ingest import read_study, write_database
    from recenter.simulate.generate import simulate

    with tempfile.TemporaryDirectory() as tmp:
        study_dir = Path(tmp) / "simulated"
        simulate(study_dir, seed, scale, progress=lambda _m: None)
        start = time.perf_counter()
        study = read_study(study_dir, progress=lambda _m: None)
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        write_database(study, Path(tmp) / "study.duckdb")
        write_s = time.perf_counter() - start
        records = sum(len(f.records) for f in study.files.values())
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "scale": scale,
        "records": records,
        "read_validate_s": round(read_s, 2),
        "write_db_s": round(write_s, 2),
        "peak_rss_mib": round(peak_mib),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--seed", type=int, default=20260606)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(json.dumps(one_scale(args.one, args.seed)))
        return
    for scale in args.scales:
        out = subprocess.run(
            [sys.executable, __file__, "--one", str(scale), "--seed", str(args.seed)],
            capture_output=True,
            text=True,
            check=True,
        )
        print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
