"""Report captions: every caption renders with the configured confidence level and the paper's
values from paper_values.yaml (strictly: a misspelt id is an error, not an empty string), and
none types a confidence level or a paper number itself."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import jinja2
import pytest

from recenter import paper

REPORT = Path(__file__).resolve().parents[1] / "workflow" / "report"
CAPTIONS = sorted(REPORT.glob("*.rst"))


def _render(path: Path, confidence: float) -> str:
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    snakemake = SimpleNamespace(
        config={"paper": paper.texts(), "bootstrap": {"confidence": confidence}, "study": "x"},
        wildcards=SimpleNamespace(notebook="stage1_attributes", study="x", name="tab6_judges"),
    )
    return env.from_string(path.read_text(encoding="utf-8")).render(snakemake=snakemake)


def test_there_are_captions() -> None:
    assert len(CAPTIONS) >= 25


@pytest.mark.parametrize("path", CAPTIONS, ids=lambda p: p.name)
def test_caption_renders_with_the_configured_level(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    assert "95%" not in source and "95 %" not in source
    for key in re.findall(r"""p\[["']([^"']+)["']\]""", source):
        assert key in paper.texts(), f"{path.name}: no paper value {key!r}"
    at_90 = _render(path, 0.90)
    assert "95%" not in at_90
    if "{{ level }}" in source:
        assert "90%" in at_90 and "95%" in _render(path, 0.95)


def test_a_caption_shows_the_papers_printed_value() -> None:
    text = _render(REPORT / "fig3_kappa_matrix.rst", 0.95)
    assert paper.text("s2.kappa_human_human") in text
    assert paper.text("s2.kappa_llm_llm") in text


def test_every_registered_figure_has_its_caption_and_chart_function() -> None:
    """recenter.figures: rule <name>_figure, file figures/<name>.*, caption <name>.rst."""
    from recenter.figures import FIGURES

    assert len(FIGURES) >= 12
    for name, fig in FIGURES.items():
        assert fig.caption == f"{name}.rst" and (REPORT / fig.caption).is_file(), name
        assert callable(fig.function()), fig.chart
        assert fig.rule == f"{name}_figure"
