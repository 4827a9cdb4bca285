"""The audit notebooks' check: agreement up to the tables' printed rounding, nothing looser."""

from __future__ import annotations

import pytest

from recenter import audit


def test_values_either_side_of_a_rounding_boundary_agree() -> None:
    # the workflow's full value 0.9375934999999 prints as 0.937593; the notebook's, 2e-13
    # higher, prints as 0.937594: the same number to the table's precision
    audit.check("boundary", 0.9375935000001, 0.937593)
    audit.check("boundary, other side", 0.9375934999999, 0.937594)


def test_a_difference_beyond_the_rounding_fails() -> None:
    with pytest.raises(audit.AuditError, match="differ by"):
        audit.check("one more in the 6th decimal", 0.9375951, 0.937594)
    with pytest.raises(audit.AuditError):
        audit.check("a count is exact", 11, 12, decimals=None)
    with pytest.raises(audit.AuditError):
        audit.check("one value missing", float("nan"), 0.5)


def test_counts_and_missing_values() -> None:
    audit.check("same count", 12, 12.0, decimals=None)
    audit.check("both missing", None, float("nan"))
    with pytest.raises(audit.AuditError):
        audit.check("a count off by 1e-7", 12.0000001, 12.0, decimals=None)
