"""The committed rule-graph page matches the rules (make rulegraph regenerates it)."""

from __future__ import annotations

import pytest

from recenter.rulegraph import REPO, page

pytestmark = pytest.mark.workflow


def test_committed_rule_graph_is_up_to_date() -> None:
    committed = (REPO / "docs" / "rulegraph.md").read_text(encoding="utf-8")
    assert committed == page(), "docs/rulegraph.md is out of date: run `make rulegraph`"


def test_rule_graph_names_the_rules_a_reader_looks_for() -> None:
    text = page()
    for rule in ("simulate", "ingest", "stage1_agreement", "fig3_kappa_matrix", "gaps_stage3"):
        assert f"[{rule}]" in text, rule
