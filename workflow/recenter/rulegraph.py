"""The workflow's rule graph as a Markdown page with a Mermaid chart (`make rulegraph`).

Snakemake draws the graph itself (``--rulegraph mermaid-js``); this module only runs it on the
default study and wraps the chart in a page, so that ``docs/rulegraph.md`` can be regenerated
byte for byte and a test can tell when the committed page no longer matches the rules.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# --forceall: the graph of every rule of the default target, whatever is already built.
ARGS = ["--rulegraph", "mermaid-js", "--forceall", "--cores", "1", "--quiet"]

HEADER = """# Rule graph

Every rule of the workflow and what feeds what, for the simulated default study (`snakemake
--rulegraph mermaid-js`). Regenerate with `make rulegraph`; `tests/test_rulegraph.py` fails when
this page is out of date. One box is one rule, however many jobs it has (one per model file for
the per-model rules).

"""


def mermaid_chart(repo: Path = REPO) -> str:
    """Snakemake's Mermaid rule graph of the workflow in ``repo`` (its default target)."""
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", *ARGS],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"snakemake --rulegraph failed ({proc.returncode}):\n{proc.stderr}")
    start = proc.stdout.find("---")
    if start < 0:
        raise RuntimeError(f"snakemake --rulegraph printed no Mermaid chart:\n{proc.stdout}")
    lines = proc.stdout[start:].strip().splitlines()
    # Snakemake prints the edges in set order, which changes from run to run: sort them.
    edges = sorted((ln for ln in lines if "-->" in ln), key=_edge_key)
    return "\n".join([ln for ln in lines if "-->" not in ln] + edges) + "\n"


def _edge_key(line: str) -> tuple[int, int]:
    source, target = (part.strip().removeprefix("id") for part in line.split("-->"))
    return int(target), int(source)


def page(repo: Path = REPO) -> str:
    """The Markdown page: a short header and the chart in a ``mermaid`` code block."""
    return HEADER + "```mermaid\n" + mermaid_chart(repo) + "```\n"


if __name__ == "__main__":
    sys.stdout.write(page())
