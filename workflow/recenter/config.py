"""Start-up check of the workflow configuration against workflow/schemas/config.schema.yaml."""

from __future__ import annotations

from pathlib import Path
from typing import Any


class ConfigError(ValueError):
    """The configuration breaks its schema; the message lists every problem, one per line."""


_SCALAR_TYPES = {"integer", "number", "boolean", "null"}


def coerce_command_line_values(config: dict[str, Any], schema: dict[str, Any]) -> None:
    """Turn strings that Snakemake's ``--config`` left unparsed into the types the schema asks for.

    ``--config simulate="{scale: 100}"`` reaches the workflow as ``{"scale": "100"}``: Snakemake
    parses a nested value with YAML's BaseLoader, which keeps every scalar a string. Where the
    schema of a key allows a number, boolean or null but not a string, the string is read as a
    YAML scalar (``"100"`` -> 100, ``"0.9"`` -> 0.9, ``"true"`` -> True); a string that does not
    read as one of the allowed types is left alone, so validation reports it. Changes ``config``
    in place (it is Snakemake's own config object)."""
    import yaml

    def walk(value: Any, node: dict[str, Any]) -> Any:
        if isinstance(value, dict):
            props = node.get("properties", {})
            for key in list(value):
                if key in props:
                    value[key] = walk(value[key], props[key])
            return value
        if not isinstance(value, str):
            return value
        types = node.get("type", [])
        types = {types} if isinstance(types, str) else set(types)
        if "string" in types or not types & _SCALAR_TYPES:
            return value
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        kinds = {
            "integer": isinstance(parsed, int) and not isinstance(parsed, bool),
            "number": isinstance(parsed, int | float) and not isinstance(parsed, bool),
            "boolean": isinstance(parsed, bool),
            "null": parsed is None,
        }
        return parsed if any(kinds.get(t, False) for t in types) else value

    walk(config, schema)


def check_config(config: dict[str, Any], schema_path: str | Path) -> None:
    """Coerce command-line strings (see coerce_command_line_values), then raise ConfigError
    naming each offending key (``a.b.c``), its value and what is allowed."""
    import yaml
    from jsonschema import Draft202012Validator

    schema = yaml.safe_load(Path(schema_path).read_text(encoding="utf-8"))
    coerce_command_line_values(config, schema)
    problems = []
    for err in sorted(Draft202012Validator(schema).iter_errors(config), key=lambda e: list(e.path)):
        key = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        problems.append(f"  {key}: {err.message}")
    if problems:
        raise ConfigError(
            "invalid configuration (config/config.yaml or --config):\n" + "\n".join(problems)
        )
