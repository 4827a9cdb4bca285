"""recenter.display, the reader view of a result table: intervals in one cell, p-values,
integers, labels; the .md page is compact while the CSV keeps every column at full precision;
a great-tables rendering has every row and the same bytes every time. Expected strings are
written out by hand."""

from __future__ import annotations

import math
import re

import polars as pl
import pytest

from recenter import display, display_html
from recenter.outputs import write_table


def judges() -> pl.DataFrame:
    """A Table-6-like frame: estimates with intervals, p-values with their text twins, a
    test's statistic and method, bootstrap bookkeeping."""
    return pl.DataFrame(
        {
            "system": ["judge-a", "judge-b"],
            "n": [3973, 12],
            "n_clusters": [14, 3],
            "mean_rating": [3.455041, 4.0],
            "mean_ci_low": [3.341405, 3.852],
            "mean_ci_high": [3.567578, 4.14],
            "cluster_wilcoxon_statistic": [5.0, 0.0],
            "p_cluster_wilcoxon": [0.001221, 0.0004],
            "p_cluster_wilcoxon_text": ["0.00122", "0.0004"],
            "cluster_wilcoxon_method": ["exact", "exact"],
            "spearman": [0.343935, None],
            "spearman_ci_low": [0.2215, None],
            "spearman_ci_high": [0.443378, None],
            "n_replicates_dropped": [0, 0],
            "p_holm": [0.5, float("nan")],
        }
    )


# ---- one value ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0004, "< 0.001"),
        (0.0, "< 0.001"),
        (0.001, "0.00100"),
        (0.001221, "0.00122"),
        (0.04123, "0.0412"),
        (0.5, "0.500"),
        (0.98765, "0.988"),
        (1.0, "1.00"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_p_values(p, text) -> None:
    assert display.fmt_p(p) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3973, "3,973"),
        (12, "12"),
        (1234567, "1,234,567"),
        (11919.0, "11,919"),
        (0.263397, "0.263"),
        (-0.07538, "-0.075"),
        (2.0, "2.000"),
        (0.000253, "0.00025"),
        (0.001989, "0.0020"),
        (0.0, "0.000"),
        (True, "yes"),
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_numbers(value, text) -> None:
    assert display.fmt(value) == text


def test_an_interval_is_one_cell_with_the_estimates_decimals() -> None:
    assert display.fmt_ci(0.39, 0.28, 0.49) == "0.390 [0.280, 0.490]"
    assert display.fmt_ci(0.39, 0.28, 0.49, digits=2) == "0.39 [0.28, 0.49]"
    assert display.fmt_ci(-0.1003, -0.209, 0.00089) == "-0.100 [-0.209, 0.001]"
    assert display.fmt_ci(0.000253, 0.000089, 0.000536) == "0.00025 [0.00009, 0.00054]"
    assert display.fmt_ci(0.3, None, None) == "0.300"


def test_labels_in_words() -> None:
    assert display.label("n") == "n"
    assert display.label("n_clusters") == "clusters"
    assert display.label("p_cluster_wilcoxon") == "p (cluster Wilcoxon)"
    assert display.label("spearman") == "Spearman ρ"
    assert display.label("p_some_new_test") == "p (some new test)"
    assert display.label("human_mean_same_units") == "human mean (same units)"
    assert display.label("a_new_column") == "a new column"


# ---- the view -----------------------------------------------------------------------------
def test_interval_columns_are_merged_with_their_estimate() -> None:
    cols = ["system", "estimate", "ci_low", "ci_high", "f1", "f1_ci_low", "f1_ci_high"]
    cols += ["mean_rating", "mean_ci_low", "mean_ci_high"]
    assert display.interval_columns(cols) == {
        "estimate": ("ci_low", "ci_high"),
        "f1": ("f1_ci_low", "f1_ci_high"),
        "mean_rating": ("mean_ci_low", "mean_ci_high"),
    }


def test_the_full_view() -> None:
    view = display.reader_view(judges().with_columns(data_kind=pl.lit("fixture")))
    assert view.columns == [
        "system",
        "n",
        "clusters",
        "mean rating [CI]",
        "cluster wilcoxon statistic",
        "p (cluster Wilcoxon)",
        "cluster wilcoxon method",
        "Spearman ρ [CI]",
        "replicates dropped",
        "p (Holm)",
    ]
    assert view.row(0) == (
        "judge-a",
        "3,973",
        "14",
        "3.455 [3.341, 3.568]",
        "5.000",
        "0.00122",
        "exact",
        "0.344 [0.222, 0.443]",
        "0",
        "0.500",
    )
    assert view.row(1)[3] == "4.000 [3.852, 4.140]"
    assert view.row(1)[5] == "< 0.001"
    assert view.row(1)[7] == "—"  # no estimate, no interval
    assert view.row(1)[9] == "—"  # NaN


def test_the_compact_view_drops_what_only_an_auditor_reads() -> None:
    view = display.reader_view(judges(), compact=True)
    assert view.columns == [
        "system",
        "n",
        "clusters",
        "mean rating [CI]",
        "p (cluster Wilcoxon)",
        "Spearman ρ [CI]",
        "p (Holm)",
    ]
    # a dropped replicate is news: the column stays when any row dropped one
    some = judges().with_columns(n_replicates_dropped=pl.Series([0, 3]))
    assert "replicates dropped" in display.reader_view(some, compact=True).columns
    # per table: Table 2's confusion counts and model files stay in the CSV
    tab2 = pl.DataFrame({"system": ["s"], "f1": [0.5], "tp": [3], "model": ["models/x.jsonl"]})
    assert display.reader_view(tab2, table="tab2_verifiers", compact=True).columns == [
        "system",
        "F1",
    ]
    assert display.reader_view(tab2, compact=True).columns == ["system", "F1", "tp", "model"]


def test_a_table_keeps_every_row() -> None:
    frame = pl.DataFrame({"rater": [f"r{i}" for i in range(250)], "kappa": [0.5] * 250})
    assert display.reader_view(frame).height == 250
    md = display.markdown(frame)
    assert md.count("\n| r") == 250


def test_markdown_aligns_numbers_and_escapes_pipes() -> None:
    frame = pl.DataFrame({"note": ["a | b"], "n": [1500], "p_gee": [0.0123]})
    assert display.markdown(frame) == (
        "| note | n | p (GEE) |\n|---|---:|---:|\n| a \\| b | 1,500 | 0.0123 |"
    )


# ---- the files ----------------------------------------------------------------------------
def test_the_csv_keeps_full_precision_and_the_md_is_compact(tmp_path) -> None:
    csv, md = tmp_path / "tab6_judges.csv", tmp_path / "tab6_judges.md"
    write_table(judges(), csv, md, title="Table 6", data_kind="fixture", notes="Some notes.")
    back = pl.read_csv(csv)
    assert back.columns == ["data_kind", *judges().columns]
    assert back["mean_rating"][0] == 3.455041
    assert back["p_cluster_wilcoxon"][0] == 0.001221
    assert back["cluster_wilcoxon_method"][0] == "exact"
    page = md.read_text(encoding="utf-8")
    assert page.startswith("# Table 6\n\n> **TEST FIXTURE: hand-written data for tests**\n\n")
    assert (
        "| system | n | clusters | mean rating [CI] | p (cluster Wilcoxon) | Spearman ρ [CI] | "
        "p (Holm) |\n|---|---:|---:|---:|---:|---:|---:|\n"
        "| judge-a | 3,973 | 14 | 3.455 [3.341, 3.568] | 0.00122 | 0.344 [0.222, 0.443] | 0.500 |\n"
        "| judge-b | 12 | 3 | 4.000 [3.852, 4.140] | < 0.001 | — | — |\n"
    ) in page
    assert "cluster_wilcoxon_statistic`, `cluster_wilcoxon_method`, `n_replicates_dropped`" in page
    assert page.endswith("\nSome notes.\n")
    assert "0.001221" not in page and "_text" not in page


# ---- great-tables ---------------------------------------------------------------------------
def test_a_gt_rendering_has_every_row_and_the_same_bytes_each_time() -> None:
    frame = pl.DataFrame(
        {
            "rater": [f"r{i}" for i in range(120)],
            "kappa": [i / 1000 for i in range(120)],
            "ci_low": [i / 1000 - 0.01 for i in range(120)],
            "ci_high": [i / 1000 + 0.01 for i in range(120)],
        }
    )
    first = display_html.html_table(frame, caption="Kappa")
    second = display_html.html_table(frame, caption="Kappa")
    assert first == second
    body = first[first.index("<tbody") :]
    assert len(re.findall(r"<tr>", body)) == 120
    assert ">r119</td>" in body
    assert ">0.119 [0.109, 0.129]</td>" in body
    # an interval and a short name never wrap inside their cell
    kappa_cells = re.findall(r"<td ([^>]*)>0\.\d+ \[", body)
    assert len(kappa_cells) == 120 and all("white-space: nowrap" in c for c in kappa_cells)
    assert len(re.findall(r'<td style="white-space: nowrap;"[^>]*>r\d+<', body)) == 120
    assert ">κ [CI]</th>" in first
    # the table id depends on the content only (great-tables draws a random one otherwise)
    ids = set(re.findall(r'<div id="([^"]+)"', first))
    assert ids == {display_html.table_id(display.reader_view(frame), "Kappa")}
    other = display_html.html_table(frame.head(3), caption="Kappa")
    assert re.findall(r'<div id="([^"]+)"', other) != list(ids)


def test_long_text_may_wrap_in_a_rendered_table() -> None:
    long = "a reason that runs on for well over thirty characters"
    frame = pl.DataFrame({"output": ["fig9"], "reason": [long], "kappa": [0.5]})
    body = display_html.html_table(frame)
    assert re.search(r'<td style="white-space: nowrap;"[^>]*>fig9<', body)
    assert re.search(r"<td (?![^>]*nowrap)[^>]*>" + long + "<", body)


def test_the_report_page_of_a_table(tmp_path) -> None:
    from recenter.outputs import read_table_page, write_table_page

    csv, md, page = (tmp_path / f"tab6_judges.{ext}" for ext in ("csv", "md", "html"))
    notes = "Holm across judges.\n\nA second paragraph with `code` and <b>raw</b> HTML."
    write_table(judges(), csv, md, title="Table 6", data_kind="fixture", notes=notes)
    assert read_table_page(md) == (
        "Table 6",
        "TEST FIXTURE: hand-written data for tests",
        notes,
    )
    write_table_page(csv, md, page)
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<h1>Table 6</h1>" in text
    assert '<p class="banner flag">TEST FIXTURE: hand-written data for tests</p>' in text
    assert ">3.455 [3.341, 3.568]</td>" in text and ">p (Holm)</th>" in text
    assert ">cluster wilcoxon method</th>" not in text  # the compact view
    assert "<p>Holm across judges.</p>" in text
    assert "&lt;b&gt;raw&lt;/b&gt;" in text and "<code>code</code>" in text
    write_table_page(csv, md, tmp_path / "again.html")
    assert (tmp_path / "again.html").read_bytes() == page.read_bytes()
