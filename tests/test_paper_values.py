"""workflow/resources/paper_values.yaml against the paper's own page (../shared/docs/paper.md),
recenter.paper's checks of the file, and the rule that no paper number is typed anywhere else."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from realdata import shared_dir

from recenter import paper
from recenter.errors import LocatedError

REPO = Path(__file__).resolve().parents[1]


def paper_md() -> str:
    path = shared_dir() / "docs" / "paper.md"
    if not path.is_file():
        why = f"the paper's page is not at {path} (set RECENTER_SHARED)"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    return path.read_text(encoding="utf-8")


def _close(a, b, tol=1e-9) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return all(abs(x - y) <= tol for x, y in zip(a, b, strict=True))
    return abs(a - b) <= tol


def test_file_loads_with_unique_ids_and_enough_claims() -> None:
    values = paper.values()
    assert len(values) >= 40
    assert all(v.id == k for k, v in values.items())
    kinds = {v.kind for v in values.values()}
    assert {"value", "count", "range", "directional"} <= kinds


def test_every_printed_value_is_on_the_papers_page_and_means_its_number() -> None:
    text = paper_md().replace("**", "")
    for v in paper.values().values():
        if v.paper_text is None:
            continue
        assert _close(paper.parse_paper_text(v.paper_text), v.value), v.id
        if v.status == "reported":
            assert v.paper_text in text, f"{v.id}: {v.paper_text!r} is not in paper.md"


def _norm(token: str) -> str:
    """'−0.39' -> '-.39', '0.426' -> '.426', '1,983' -> '1983', '+22' -> '22'."""
    t = token.replace("−", "-").replace(",", "").lstrip("+")
    return re.sub(r"^(-?)0(?=\.)", r"\1", t)


def test_every_number_of_the_papers_table_of_figures_is_in_the_file() -> None:
    """Independent direction: each number in the 'reported numbers' column of paper.md's
    table of figures and tables is printed by some entry of the file."""
    text = paper_md()
    section = text.split("## What must be reproduced", 1)[1].split("\n## ", 1)[0]
    number = re.compile(r"[+−-]?(?:\d[\d,]*\.?\d*|\.\d+)")
    printed = set()
    for v in paper.values().values():
        for tok in number.findall(v.paper_text or ""):
            printed.add(_norm(tok.rstrip(",")))
    missing, seen = [], 0
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or cells[0] in ("id", "---") or cells[3] == "—":
            continue
        reported = re.sub(r"\[.*?\]", "", cells[3].replace("**", ""))  # bracketed remarks
        # model names carry digits (GPT-5.4, Qwen3.5-27B, Llama-3.3-70B, Qwen3-4B+GRPO)
        reported = re.sub(r"[A-Za-z][\w]*\d[\w.]*(?:-[\w.]+)*", " ", reported)
        reported = re.sub(r"\b[A-Za-z]+(?:-\d[\w.]*)+", " ", reported)
        reported = reported.replace("3 = neutral", "")
        for tok in number.findall(reported):
            tok = tok.rstrip(",")
            seen += 1
            if _norm(tok) not in printed:
                missing.append((cells[0], tok))
    assert seen >= 40
    assert missing == []


def test_derived_values_follow_from_their_formulas() -> None:
    values = paper.values()
    derived = [v for v in values.values() if v.status == "derived"]
    assert derived
    for v in derived:
        got = paper.evaluate_formula(v.formula, values)
        half = 0.5 * 10 ** -len(v.paper_text.split(".")[1]) if "." in v.paper_text else 0.5
        assert abs(got - v.value) <= half + 1e-12, (v.id, got, v.value)


def test_a_bad_entry_is_refused_with_file_line_and_field(tmp_path: Path) -> None:
    src = paper.PATH.read_text(encoding="utf-8")
    bad = src.replace("    status: reported\n", "    status: maybe\n", 1)
    path = tmp_path / "paper_values.yaml"
    path.write_text(bad, encoding="utf-8")
    line = bad.splitlines().index("    status: maybe") + 1
    with pytest.raises(LocatedError) as err:
        paper.load(path)
    msg = str(err.value)
    assert str(path) in msg and "field 'status'" in msg
    # the line named is the entry's first line, a few lines above the bad field
    reported = int(re.search(r"line (\d+)", msg).group(1))
    assert 0 < line - reported < 12

    dup = src + src.split("values:\n", 1)[1].split("\n  - id:", 2)[0].join(["", ""])
    first_id = re.search(r"- id: (\S+)", src).group(1)
    path.write_text(src + f"  - id: {first_id}\n" + "    figure: x\n" * 0, encoding="utf-8")
    with pytest.raises(LocatedError, match="figure"):
        paper.load(path)
    assert dup  # (constructed only to pick the first id)


# ---- no paper number anywhere else ------------------------------------------------------------
#: Files allowed to type paper numbers: none (every number is read from paper_values.yaml).
ALLOWED: tuple[str, ...] = ()
#: Generated files, not typed: their numbers come from paper_values.yaml through the code that
#: writes them. calibrated.py is the solver's output (calibrate.py builds its targets and fixed
#: shares from the yaml); test_simulate_calibration re-runs the solver and fails if the stored
#: file no longer follows from the yaml.
GENERATED = ("workflow/recenter/simulate/calibrated.py",)
#: bench/ is left out: its default sizes are the paper's design counts on purpose (a benchmark
#: at the paper's scale), not claims.
SCANNED = ("workflow", "notebooks", "Snakefile")
SUFFIXES = (".py", ".smk", ".rst", ".ipynb", ".j2")


def _patterns() -> list[tuple[str, re.Pattern]]:
    """A regex per paper number worth looking for: every printed value with at least three
    significant digits (0.426, .719, 53.9%, 1,983), and shorter ones only in their printed
    form with a unit or sign (58%, +22 points, −0.39, 2–3×)."""
    out = []
    for v in paper.values().values():
        t = v.paper_text
        if not t or v.kind in ("setting",):
            continue
        digits = re.sub(r"\D", "", t.split("–")[0]).lstrip("0")
        if v.kind == "count" and isinstance(v.value, float) and v.value < 100:
            continue  # 41, 47, 77, 80: too common to tell apart
        if len(digits) >= 3:
            num = abs(v.value) if not isinstance(v.value, tuple) else None
            forms = set()
            if v.kind == "count":
                forms |= {f"{int(num):,}", str(int(num))}
            elif num is not None:
                body = t.strip("+−-").rstrip("%").replace(" points", "")
                forms |= {body, re.sub(r"^0(?=\.)", "", body)}
                if t.endswith("%"):  # also as a fraction: 53.9% -> 0.539
                    decimals = len(body.split(".")[1]) if "." in body else 0
                    frac = f"{num:.{decimals + 2}f}"
                    forms |= {frac, frac[1:]}
                else:
                    forms.add(re.sub(r"^\.", "0.", body))
            for f in forms:
                if f.startswith("."):
                    out.append((v.id, re.compile(r"(?<![\w.])0?" + re.escape(f) + r"(?!\d)")))
                else:
                    out.append((v.id, re.compile(r"(?<![\w.])" + re.escape(f) + r"(?![\d])")))
        elif re.search(r"[%×]|points|^[+−]", t):
            body = re.escape(t).replace("−", "[−-]")
            out.append((v.id, re.compile(r"(?<![\w.])" + body)))
    return out


def _files() -> list[Path]:
    files = []
    for top in SCANNED:
        p = REPO / top
        cands = [p] if p.is_file() else sorted(p.rglob("*"))
        for f in cands:
            rel = f.relative_to(REPO).as_posix()
            if f.is_file() and (f.suffix in SUFFIXES or f.name == "Snakefile"):
                if not rel.startswith(ALLOWED + GENERATED) and "__pycache__" not in rel:
                    files.append(f)
    return files


def _text(path: Path) -> str:
    if path.suffix == ".ipynb":  # sources only: outputs of an executed notebook may quote
        nb = json.loads(path.read_text(encoding="utf-8"))
        return "\n".join("".join(c["source"]) for c in nb["cells"])
    return path.read_text(encoding="utf-8")


def test_no_paper_number_is_typed_outside_paper_values() -> None:
    patterns = _patterns()
    assert len(patterns) >= 40
    hits = []
    for f in _files():
        for lineno, line in enumerate(_text(f).splitlines(), 1):
            for claim_id, pat in patterns:
                if pat.search(line):
                    hits.append(f"{f.relative_to(REPO)}:{lineno}: {claim_id}: {line.strip()[:90]}")
    hits = sorted(set(hits))
    assert hits == [], "paper numbers typed outside paper_values.yaml:\n" + "\n".join(hits)


def _hits(path: Path) -> set[str]:
    patterns = _patterns()
    text = _text(path)
    return {cid for cid, pat in patterns if pat.search(text)}


def test_the_scan_finds_a_typed_number(tmp_path: Path) -> None:
    """The scan is not blind: it recognises the paper's numbers in each form they were typed
    in (a kappa, a share as a fraction and as a percent, a signed gap, a count with a comma),
    and the file holding them would be scanned if it were in the repository."""
    typed = tmp_path / "typed.py"
    typed.write_text(
        "KAPPA = 0.426  # Fig 3\n"
        "SHARE = 0.539\n"
        'NOTE = "overall mean 3.176, 54.6% no better, Claude -0.39, +22 points"\n'
        "N = 1983  # or 1,983\n",
        encoding="utf-8",
    )
    assert _hits(typed) >= {
        "s2.kappa_human_human",
        "s1.failure_overgeneralization",
        "s3.human_mean",
        "s3.no_better_share",
        "s3.mention_gap_claude",
        "s1.problematic_gap_real_synthetic",
        "s1.attributes",
    }
    clean = tmp_path / "clean.py"
    clean.write_text("KAPPA = paper.value('s2.kappa_human_human')\nN = 4267\n", encoding="utf-8")
    assert _hits(clean) == set()
    # the files that were migrated are scanned now (not allow-listed), and so is any new file
    scanned = {f.relative_to(REPO).as_posix() for f in _files()}
    for rel in (
        "workflow/recenter/simulate/calibrate.py",
        "workflow/recenter/simulate/design.py",
        "workflow/recenter/stage1/quality.py",
    ):
        assert rel in scanned, rel
    # the generated parameter file does hold paper numbers (passed through from the yaml)
    assert "s1.failure_overgeneralization" in _hits(REPO / GENERATED[0])
