"""The paper's reported values, read from ``workflow/resources/paper_values.yaml``.

Every number the paper reports lives in that file once, with its figure, statistic, population
and status; everything else (the claims ledger, report captions, notebooks, table notes) asks
this module for it. ``text(id)`` is the value as the paper prints it, ``value(id)`` the number.

A malformed file stops with a message naming the file, the line and the field.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recenter.errors import LocatedError

#: The file, inside the package's sibling folder workflow/resources/.
PATH = Path(__file__).resolve().parents[1] / "resources" / "paper_values.yaml"

STATUSES = ("reported", "derived", "unknown")
KINDS = ("value", "count", "range", "lower_bound", "approx", "directional", "setting")
_REQUIRED = ("id", "figure", "claim", "statistic", "population", "status", "kind")
_OPTIONAL = ("value", "paper_text", "checkable", "why", "note", "tolerance", "formula")
_ID = re.compile(r"^(design|s1|s2|s3)\.[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class PaperValue:
    """One reported value (or directional claim) of the paper."""

    id: str
    figure: str
    claim: str
    statistic: str
    population: str
    status: str
    kind: str
    value: float | tuple[float, float] | None = None
    paper_text: str | None = None
    checkable: bool = True
    why: str | None = None
    note: str | None = None
    tolerance: float | None = None
    formula: str | None = None
    line: int | None = None

    @property
    def stage(self) -> str:
        """design | 1 | 2 | 3 (the part of the id before the dot)."""
        part = self.id.split(".", 1)[0]
        return part[1:] if part.startswith("s") else part

    @property
    def has_number(self) -> bool:
        return self.value is not None

    def shown(self) -> str:
        """How the paper prints the value (empty when it has none)."""
        return self.paper_text or ""


def parse_paper_text(text: str) -> float | tuple[float, float]:
    """The number a ``paper_text`` stands for, e.g. '12.5%' -> 0.125, '+7 points' -> 0.07,
    '1,234' -> 1234, '.123' -> 0.123, '−0.12' -> -0.12, '10–30%' -> (0.1, 0.3),
    '4–5×' -> (4, 5), 'over 80%' -> 0.8, '≥3' -> 3. Used by the tests to check the file
    against itself."""
    t = text.strip().replace("−", "-").replace(",", "")
    t = re.sub(r"^(over|about|≈|~|≥)\s*", "", t)
    scale = 1.0
    if t.endswith("%"):
        scale, t = 0.01, t[:-1]
    elif t.endswith(" points"):
        scale, t = 0.01, t[: -len(" points")]
    elif t.endswith("×"):
        t = t[:-1]
    m = re.fullmatch(r"([+-]?\d*\.?\d+)–(\d*\.?\d+)", t)
    if m:
        return (round(float(m.group(1)) * scale, 12), round(float(m.group(2)) * scale, 12))
    return round(float(t) * scale, 12)


_FORMULA_ID = re.compile(r"\b(?:design|s1|s2|s3)\.[a-z][a-z0-9_]*")


def evaluate_formula(formula: str, table: dict[str, PaperValue]) -> float:
    """The value of a derived entry's formula: ids of other entries, + - * /, parentheses and
    mean(...). Used by the tests to recompute derived values."""
    names: dict[str, float] = {}

    def sub(m: re.Match) -> str:
        entry = table[m.group(0)]
        if not isinstance(entry.value, float):
            raise ValueError(f"{m.group(0)} has no single number")
        key = f"v{len(names)}"
        names[key] = entry.value
        return key

    expr = _FORMULA_ID.sub(sub, formula)
    if not re.fullmatch(r"[v0-9\s+\-*/().,mean]*", expr):
        raise ValueError(f"formula {formula!r} has something other than ids and arithmetic")
    return float(eval(expr, {"__builtins__": {}, "mean": lambda *a: sum(a) / len(a)}, names))


def _loader() -> type:
    """PyYAML's safe loader, its libyaml build where installed: the workflow reads this file
    in every Snakemake invocation, and the pure-Python parser took a tenth of a no-op run.
    Both build the same objects (same resolver and constructor; only the parser differs)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _entry_lines(path: Path, text: str) -> list[int]:
    """1-based line of each entry of ``values`` (for error messages)."""
    import yaml

    root = yaml.compose(text, Loader=_loader())
    for key, node in root.value:
        if key.value == "values" and isinstance(node, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in node.value]
    raise LocatedError(str(path), None, "values", "missing: the file needs a list `values`")


def _check(path: Path, line: int, raw: Any) -> PaperValue:
    where = str(path)
    if not isinstance(raw, dict):
        raise LocatedError(where, line, None, f"an entry must be a mapping, got {raw!r}")
    for name in _REQUIRED:
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise LocatedError(where, line, name, f"required text, got {raw.get(name)!r}")
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise LocatedError(where, line, unknown[0], "unknown field")
    if not _ID.match(raw["id"]):
        raise LocatedError(
            where, line, "id", f"{raw['id']!r} is not <design|s1|s2|s3>.<lower_snake_name>"
        )
    if raw["status"] not in STATUSES:
        raise LocatedError(where, line, "status", f"{raw['status']!r} not in {STATUSES}")
    if raw["kind"] not in KINDS:
        raise LocatedError(where, line, "kind", f"{raw['kind']!r} not in {KINDS}")
    value = raw.get("value")
    if raw["kind"] == "range":
        ok = isinstance(value, list) and len(value) == 2
        ok = ok and all(isinstance(v, int | float) for v in value) and value[0] <= value[1]
        if not ok:
            raise LocatedError(where, line, "value", f"a range needs [low, high], got {value!r}")
        value = (float(value[0]), float(value[1]))
    elif value is not None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise LocatedError(where, line, "value", f"expected a number or null, got {value!r}")
        value = float(value)
    needs_value = raw["status"] != "unknown" and raw["kind"] != "directional"
    if needs_value and value is None:
        raise LocatedError(where, line, "value", f"a {raw['status']} {raw['kind']} needs a value")
    if value is not None and not isinstance(raw.get("paper_text"), str):
        raise LocatedError(where, line, "paper_text", "a value needs the paper's text of it")
    if raw["status"] == "derived" and not isinstance(raw.get("formula"), str):
        raise LocatedError(where, line, "formula", "a derived value needs its formula")
    checkable = raw.get("checkable", True)
    if not isinstance(checkable, bool):
        raise LocatedError(where, line, "checkable", f"expected true/false, got {checkable!r}")
    if not checkable and not raw.get("why"):
        raise LocatedError(where, line, "why", "an entry with checkable: false must say why")
    tol = raw.get("tolerance")
    if tol is not None and (isinstance(tol, bool) or not isinstance(tol, int | float) or tol < 0):
        raise LocatedError(where, line, "tolerance", f"expected a number >= 0, got {tol!r}")
    return PaperValue(
        id=raw["id"],
        figure=raw["figure"],
        claim=raw["claim"],
        statistic=raw["statistic"],
        population=raw["population"],
        status=raw["status"],
        kind=raw["kind"],
        value=value,
        paper_text=raw.get("paper_text"),
        checkable=checkable,
        why=raw.get("why"),
        note=raw.get("note"),
        tolerance=None if tol is None else float(tol),
        formula=raw.get("formula"),
        line=line,
    )


def load(path: str | Path | None = None) -> dict[str, PaperValue]:
    """Every entry of the file, by id, in file order. Raises LocatedError on a bad entry."""
    import yaml

    path = Path(path) if path is not None else PATH
    text = path.read_text(encoding="utf-8")
    try:
        doc = yaml.load(text, Loader=_loader())
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise LocatedError(
            str(path), None if mark is None else mark.line + 1, None, f"not valid YAML: {err}"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("values"), list):
        raise LocatedError(str(path), None, "values", "the file needs a list `values`")
    lines = _entry_lines(path, text)
    out: dict[str, PaperValue] = {}
    for line, raw in zip(lines, doc["values"], strict=True):
        entry = _check(path, line, raw)
        if entry.id in out:
            raise LocatedError(
                str(path),
                line,
                "id",
                f"duplicate id {entry.id!r} (first at line {out[entry.id].line})",
            )
        out[entry.id] = entry
    return out


@functools.cache
def _default() -> dict[str, PaperValue]:
    return load(PATH)


def values(path: str | Path | None = None) -> dict[str, PaperValue]:
    """All entries (the default file is read once per process)."""
    return _default() if path is None else load(path)


def get(value_id: str) -> PaperValue:
    table = _default()
    if value_id not in table:
        raise KeyError(f"no paper value {value_id!r} in {PATH}")
    return table[value_id]


def value(value_id: str) -> float | tuple[float, float]:
    """The number of a paper value (raises if the paper has none)."""
    entry = get(value_id)
    if entry.value is None:
        raise ValueError(f"paper value {value_id!r} has no number (status {entry.status})")
    return entry.value


def text(value_id: str) -> str:
    """The value as the paper prints it (e.g. a share as '12.5%', a difference as '+7 points')."""
    entry = get(value_id)
    if not entry.paper_text:
        raise ValueError(f"paper value {value_id!r} has no printed value")
    return entry.paper_text


def texts() -> dict[str, str]:
    """id -> printed value, for every entry that has one (report captions read this)."""
    return {k: v.paper_text for k, v in _default().items() if v.paper_text}
