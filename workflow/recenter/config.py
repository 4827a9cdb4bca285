"""Start-up check of the workflow configuration against workflow/schemas/config.schema.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """The configuration breaks its schema; the message lists every problem, one per line."""


def check_config(config: dict[str, Any], schema_path: str | Path) -> None:
    """Raise ConfigError naming each offending key (``a.b.c``), its value and what is allowed."""
    import yaml
    from jsonschema import Draft202012Validator

    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    problems = []
    for err in sorted(Draft202012Validator(schema).iter_errors(config), key=lambda e: list(e.path)):
        key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        problems.append(f"  {key}: {err.message}")
    if problems:
        raise ConfigError(
            "invalid configuration (config/config.yaml or --config):\n" + "\n".join(problems)
        )
