"""The configuration: command-line values reach the schema with the types it asks for, so a
user can set the simulation scale without editing a file; wrong values are still refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from recenter.config import ConfigError, check_config, coerce_command_line_values

from conftest import REPO, make_workdir, run_snakemake

SCHEMA_PATH = REPO / "workflow/schemas/config.schema.yaml"


def _default() -> dict:
    return yaml.safe_load((REPO / "config/config.yaml").read_text(encoding="utf-8"))


def test_strings_from_the_command_line_become_the_schema_types() -> None:
    """What Snakemake hands over for --config simulate="{scale: 100}" bootstrap="{...}":
    YAML's BaseLoader keeps every nested scalar a string."""
    config = _default()
    config["simulate"] = {"seed": "5", "scale": "100"}
    config["bootstrap"] = {"replicates": "200", "seed": "1", "confidence": "0.9"}
    check_config(config, SCHEMA_PATH)
    assert config["simulate"] == {"seed": 5, "scale": 100}
    assert config["bootstrap"] == {"replicates": 200, "seed": 1, "confidence": 0.9}
    assert isinstance(config["bootstrap"]["confidence"], float)


def test_strings_the_schema_allows_stay_strings() -> None:
    schema = yaml.safe_load(SCHEMA_PATH.read_text(encoding="utf-8"))
    config = _default()
    config["study"] = "2026"  # a study folder may be named with digits
    config["annotation_tool_dir"] = "123"
    coerce_command_line_values(config, schema)
    assert config["study"] == "2026" and config["annotation_tool_dir"] == "123"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("scale", "ten", "simulate.scale: 'ten' is not of type 'integer'"),
        ("scale", "2.5", "simulate.scale: '2.5' is not of type 'integer'"),
        ("scale", "0", "simulate.scale: 0 is less than the minimum of 1"),
        ("seed", "true", "simulate.seed: 'true' is not of type 'integer'"),
    ],
)
def test_values_that_do_not_fit_are_still_refused(key: str, value: str, message: str) -> None:
    config = _default()
    config["simulate"][key] = value
    with pytest.raises(ConfigError) as err:
        check_config(config, SCHEMA_PATH)
    assert message in str(err.value)


@pytest.mark.workflow
def test_scale_set_on_the_command_line_reaches_the_simulator(tmp_path: Path) -> None:
    """--config simulate="{scale: 2}" simulates the scale-2 study with config.yaml's seed
    (Snakemake merges a nested --config value into the file's); a value that is no integer is
    refused before anything runs."""
    workdir = make_workdir(tmp_path / "wf")
    target = "data/raw/simulated/study.json"
    run_snakemake(workdir, target, "--cores", "1", "--config", "simulate={scale: 2}", check=True)
    study = json.loads((workdir / target).read_text(encoding="utf-8"))
    seed = _default()["simulate"]["seed"]
    assert study["source"].endswith(f"seed {seed}, scale 2")
    refused = run_snakemake(workdir, "-n", "--cores", "1", "--config", "simulate={scale: many}")
    assert refused.returncode != 0
    assert "simulate.scale: 'many' is not of type 'integer'" in refused.stdout + refused.stderr
