"""Every job tells a scheduler what it needs: each rule that writes files states threads,
resources (mem_mb, runtime) and a benchmark file, and memory and run time grow with the size of
the job's inputs and with each retry (recenter.resources)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from recenter import resources

from conftest import REPO

RULE = re.compile(r"^(\s*)(?:rule|checkpoint)(?: (\w+))?:\s*$")


def _rules() -> dict[str, set[str]]:
    """rule name -> the directives of its body, read from workflow/rules/*.smk (a rule defined
    in a loop, ``rule:`` with a ``name:`` directive, is named after its file and line)."""
    out = {}
    for path in sorted((REPO / "workflow/rules").glob("*.smk")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            m = RULE.match(line)
            if not m:
                continue
            key = re.compile("^" + m.group(1) + r"    (\w+):")
            keys = set()
            for body in lines[i + 1 :]:
                if body.strip() and not body.startswith(m.group(1) + "    "):
                    break
                k = key.match(body)
                if k:
                    keys.add(k.group(1))
            out[f"{path.name}:{m.group(2) or f'line {i + 1}'}"] = keys
    return out


def test_every_rule_that_writes_files_declares_threads_resources_and_a_benchmark() -> None:
    rules = _rules()
    assert len(rules) >= 40
    writing = {name: keys for name, keys in rules.items() if "output" in keys}
    missing = {
        name: sorted({"threads", "resources", "benchmark"} - keys)
        for name, keys in writing.items()
        if not {"threads", "resources", "benchmark"} <= keys
    }
    assert missing == {}
    # the rules without outputs are the target rules of the paper's parts, which run nothing
    assert {n.split(":")[1] for n in rules if n not in writing} == {
        "stage1",
        "stage2",
        "stage3",
        "claims",
    }


@pytest.mark.parametrize("factory", [resources.job_memory_mb, resources.job_runtime_min])
def test_requests_grow_with_the_inputs_and_with_each_attempt(factory) -> None:
    ask = factory(500, 2.0)
    small, large = SimpleNamespace(size_mb=10.0), SimpleNamespace(size_mb=1000.0)
    assert ask(None, small, 1) == 520  # 500 + 2 x 10, by hand
    assert ask(None, large, 1) == 2500
    assert ask(None, large, 2) == 5000
    assert ask(None, SimpleNamespace(size_mb=0.3), 1) == 501  # rounded up, never down


def test_the_simulator_asks_more_at_a_larger_scale() -> None:
    assert resources.simulate_memory_mb(100) > resources.simulate_memory_mb(10)
    assert resources.simulate_runtime_min(100) > resources.simulate_runtime_min(1)
