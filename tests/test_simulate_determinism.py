"""Same seed and scale -> identical bytes; the simulator never half-writes a study and never
touches files it does not own."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from recenter.simulate import cli, design, generate


def _hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_seed_same_bytes_different_seed_different_bytes(tmp_path):
    a, b, c = (tmp_path / x / "simulated" for x in "abc")
    generate.simulate(a, seed=3, scale=1)
    generate.simulate(b, seed=3, scale=1)
    generate.simulate(c, seed=4, scale=1)
    ha, hb, hc = _hashes(a), _hashes(b), _hashes(c)
    assert len(ha) == len(design.planned_files(1)) + 2  # + study.json, truth.json
    assert ha == hb
    differing = {k for k in ha if ha[k] != hc[k]}
    # every file with random content differs; users.jsonl is fixed by the design
    assert differing >= set(ha) - {"users.jsonl"}


def test_records_are_canonical_json(tmp_path):
    out = tmp_path / "simulated"
    generate.simulate(out, seed=1, scale=1)
    for rel in ("relevance_items.jsonl", "models/generator/gpt-5.4.jsonl", "study.json"):
        for line in (out / rel).read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            assert line == json.dumps(
                rec, ensure_ascii=False, sort_keys=True, separators=(",", ":")
            )


def test_foreign_files_are_kept_and_nothing_is_left_behind(tmp_path):
    out = tmp_path / "simulated"
    extra = out / "models/relevance/llm/my-model.jsonl"
    extra.parent.mkdir(parents=True)
    extra.write_text('{"item_id":"x","relevant":true}\n')
    generate.simulate(out, seed=2, scale=1)
    assert extra.read_text() == '{"item_id":"x","relevant":true}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["simulated"]  # no temp folder left


def test_a_failed_run_leaves_the_previous_study_untouched(tmp_path, monkeypatch):
    out = tmp_path / "simulated"
    generate.simulate(out, seed=2, scale=1)
    before = _hashes(out)

    def broken(*args, **kwargs):
        raise RuntimeError("simulated crash")

    monkeypatch.setattr(generate, "truth_record", broken)
    with pytest.raises(RuntimeError, match="simulated crash"):
        generate.simulate(out, seed=9, scale=1)
    assert _hashes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["simulated"]


def test_study_json_names_seed_scale_and_version(tmp_path):
    out = tmp_path / "simulated"
    truth = generate.simulate(out, seed=8, scale=1)
    meta = json.loads((out / "study.json").read_text())
    assert meta["source"] == f"recenter simulator v{design.GENERATOR_VERSION}, seed 8, scale 1"
    assert truth["seed"] == 8 and truth["scale"] == 1
    assert truth["generator_version"] == design.GENERATOR_VERSION


def test_cli_writes_the_same_study_as_the_library(tmp_path, capsys):
    a, b = tmp_path / "a" / "simulated", tmp_path / "b" / "simulated"
    assert cli.main(["--out", str(a), "--seed", "6", "--scale", "1"]) == 0
    assert "relevance_items=3973" in capsys.readouterr().err
    generate.simulate(b, seed=6, scale=1)
    assert _hashes(a) == _hashes(b)
    with pytest.raises(ValueError):
        generate.simulate(tmp_path / "c", seed=6, scale=0)


def test_bytes_do_not_depend_on_the_process_hash_seed(tmp_path):
    """Two processes with different PYTHONHASHSEED (set/dict-order sensitivity) agree."""
    outs = []
    for hash_seed in ("1", "2"):
        out = tmp_path / hash_seed / "simulated"
        env = os.environ | {"PYTHONHASHSEED": hash_seed}
        subprocess.run(
            [sys.executable, "-m", "recenter.simulate.cli", "--out", str(out), "--seed", "12"],
            check=True,
            env=env,
            capture_output=True,
        )
        outs.append(_hashes(out))
    assert outs[0] == outs[1]
