"""Checking a record against its JSON schema: a fast test for the flat schemas, jsonschema
for the rest and for the message, and the message in the study's words."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

from recenter.ingest.kinds import SCHEMA_DIR

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "null": (type(None),),
}


@cache
def _fast_check(schema_name: str) -> Callable[[dict[str, Any]], bool] | None:
    """A quick test that accepts only records the JSON schema accepts (flat schemas only).

    Most records are valid; this spares them the jsonschema validator (about 60 us a record).
    A record it does not accept goes to jsonschema, which has the last word and the message.
    """
    schema = json.loads((SCHEMA_DIR / f"{schema_name}.schema.json").read_text(encoding="utf-8"))
    checks = []
    for name, prop in schema["properties"].items():
        if set(prop) - {"type", "enum", "minimum", "maximum", "minLength", "pattern"}:
            return None  # nested or unusual: leave it to jsonschema
        if "pattern" in prop:
            return None
        kinds = prop.get("type")
        types = None
        if kinds is not None:
            kinds = [kinds] if isinstance(kinds, str) else kinds
            types = tuple(t for k in kinds for t in _JSON_TYPES[k])
        checks.append(
            (
                name,
                types,
                set(prop["enum"]) if "enum" in prop else None,
                prop.get("minimum"),
                prop.get("maximum"),
                prop.get("minLength"),
            )
        )
    required = frozenset(schema.get("required", ()))
    allowed = frozenset(schema["properties"])

    def check(record: dict[str, Any]) -> bool:
        keys = record.keys()
        if not required <= keys or not keys <= allowed:
            return False
        for name, types, enum, low, high, min_len in checks:
            if name not in record:
                continue
            value = record[name]
            if types is not None and type(value) not in types:
                return False
            if enum is not None and (type(value) is not str or value not in enum):
                return False
            if value is None:
                continue
            if low is not None and value < low:
                return False
            if high is not None and value > high:
                return False
            if min_len is not None and len(value) < min_len:
                return False
        return True

    return check


@cache
def _validator(schema_name: str):
    from jsonschema import Draft202012Validator

    schema = json.loads((SCHEMA_DIR / f"{schema_name}.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _type_name(value: Any) -> str:
    return {
        bool: "boolean",
        int: "integer",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }.get(type(value), type(value).__name__)


def _describe_schema_error(err) -> tuple[str | None, str]:
    """(field path, message) of a jsonschema ValidationError, in the study's words."""
    path = ".".join(str(p) for p in err.absolute_path) or None
    kind = err.validator
    if kind == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        name = f"{path}.{missing}" if path else missing
        return name, "required field is missing"
    if kind == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        name = f"{path}.{extra[0]}" if path else extra[0]
        allowed = ", ".join(sorted(err.schema.get("properties", {})))
        return name, f"unknown field (misspelt?); allowed fields: {allowed}"
    if kind == "type":
        want = err.validator_value
        want = " or ".join(want) if isinstance(want, list) else want
        return path, f"expected {want}, got {err.instance!r} ({_type_name(err.instance)})"
    if kind == "enum":
        allowed = ", ".join(repr(v) for v in err.validator_value)
        return path, f"expected one of {allowed}; got {err.instance!r}"
    if kind in {"minimum", "maximum"}:
        bound = "at least" if kind == "minimum" else "at most"
        return path, f"expected a value {bound} {err.validator_value}, got {err.instance!r}"
    if kind == "minLength":
        return path, "expected a non-empty string"
    if kind == "minItems":
        return path, f"expected at least {err.validator_value} element(s)"
    if kind == "pattern":
        return path, f"expected text matching {err.validator_value}, got {err.instance!r}"
    return path, err.message
