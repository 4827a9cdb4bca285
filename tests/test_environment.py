"""The installed environment is the one the lock describes, without the import that costs every
job a second and a half.

jsonschema 4.25+ pulls rfc3987-syntax in through its format-nongpl extra (required by
jupyter-events, under the notebook server of ``--edit-notebook``); that package builds Earley
parsers when it is imported, and jsonschema imports it whenever it is present. Altair, papermill,
nbconvert and every notebook kernel import jsonschema, so the lock holds jsonschema at 4.24.1
(see its header). These tests fail if an upgrade brings it back.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

from conftest import REPO


def _locked_names() -> set[str]:
    names = set()
    for lock in ("requirements.lock", "requirements-embedding.lock"):
        for line in (REPO / lock).read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                names.add(line.split("==", 1)[0].lower().replace("_", "-"))
    return names


def test_the_lock_and_the_environment_leave_out_rfc3987_syntax() -> None:
    assert "rfc3987-syntax" not in _locked_names()
    assert importlib.util.find_spec("rfc3987_syntax") is None


def test_importing_altair_and_papermill_does_not_import_a_parser_generator() -> None:
    code = (
        "import sys, altair, papermill, nbconvert; "
        "print(sorted(m for m in ('rfc3987_syntax', 'lark') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_installed_requirements_are_consistent() -> None:
    """Holding jsonschema back must not break what requires it (pip's own check)."""
    proc = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_schema_uses_the_iri_formats_left_unchecked() -> None:
    """Without rfc3987-syntax (or the GPL rfc3987) jsonschema checks no "iri" format: none of
    our schemas may use one."""
    texts = [p.read_text(encoding="utf-8") for p in (REPO / "workflow").rglob("*.json")]
    schemas = (REPO / "workflow" / "schemas").rglob("*")
    texts += [p.read_text(encoding="utf-8") for p in schemas if p.is_file()]
    assert texts
    assert not any('"iri' in t or "format: iri" in t for t in texts)
