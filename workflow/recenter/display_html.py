"""A result table's reader view (recenter.display) as HTML: a great-tables table for the
notebooks (:func:`html_table`) and a self-contained page for the report (:func:`page_html`).
Every row is shown, numbers aligned right, under a table id derived from the content, so the
HTML is the same bytes on every run."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from recenter.display import ALWAYS_DROP, columns, reader_view

if TYPE_CHECKING:  # great-tables is imported only by the jobs that render HTML
    from great_tables import GT

__all__ = ["gt_table", "html_table", "page_html", "table_id"]


def table_id(view: pl.DataFrame, caption: str | None = None) -> str:
    """An id for a rendered table that depends only on what it shows: great-tables draws a
    random one otherwise, and the notebook's HTML would differ on every run."""
    digest = hashlib.sha256()
    digest.update((caption or "").encode())
    digest.update("\x1f".join(view.columns).encode())
    for row in view.iter_rows():
        digest.update(("\x1e" + "\x1f".join(row)).encode())
    return "rt" + digest.hexdigest()[:12]


#: Text cells up to this many characters are kept on one line in rendered tables.
SHORT_TEXT = 30


def _longest(column: pl.Series) -> int:
    """Characters in the longest cell of a text column (0 when empty)."""
    longest = column.str.len_chars().max()
    return int(longest) if isinstance(longest, int) else 0


def gt_table(
    frame: pl.DataFrame,
    *,
    table: str | None = None,
    compact: bool = False,
    digits: int = 3,
    caption: str | None = None,
    drop: Sequence[str] = ALWAYS_DROP,
) -> GT:
    """The reader view of ``frame`` as a great-tables table: every row, numbers aligned right,
    a table id derived from its content (the same HTML bytes on every run)."""
    from great_tables import GT

    cols = columns(frame, table=table, compact=compact, drop=drop)
    view = reader_view(frame, table=table, compact=compact, digits=digits, drop=drop)
    gt = GT(view, id=table_id(view, caption), auto_align=False)
    numeric = [c.label for c in cols if c.numeric]
    text = [c.label for c in cols if not c.numeric]
    # "0.39 [0.28, 0.49]" and short names ("claude-sonnet-4.6") stay on one line: a wrapped
    # interval reads as two numbers; long text (notes, reasons) may wrap
    whole = numeric + [c for c in text if _longest(view[c]) <= SHORT_TEXT]
    if whole:
        from great_tables import loc, style

        gt = gt.tab_style(style.text(whitespace="nowrap"), loc.body(columns=whole))
    if numeric:
        gt = gt.cols_align("right", columns=numeric)
    if text:
        gt = gt.cols_align("left", columns=text)
    if caption:
        gt = gt.tab_header(title=caption)
    return gt.tab_options(
        table_font_size="13px",
        heading_title_font_size="14px",
        heading_align="left",
        data_row_padding="3px",
        table_margin_left="0px",
    )


def html_table(frame: pl.DataFrame, **kwargs: Any) -> str:
    """:func:`gt_table` as an HTML fragment (a ``<style>`` and a ``<div>`` with the table)."""
    return gt_table(frame, **kwargs).as_raw_html()


_PAGE_STYLE = (
    "body{font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Arial,sans-serif;"
    "color:#333;margin:16px 24px;max-width:96em}h1{font-size:18px;margin:0 0 8px 0}"
    ".banner{font-weight:bold;margin:0 0 12px 0}.banner.flag{color:#c0392b}"
    ".notes{font-size:13px;line-height:1.45;max-width:60em}"
)


def page_html(
    frame: pl.DataFrame,
    *,
    table: str,
    title: str,
    banner: str,
    notes: str = "",
    real: bool = False,
) -> str:
    """A self-contained HTML page of a result table for the report: its title, the data-kind
    banner (red unless the data are real), the compact reader view (great-tables, every row)
    and the table's notes (Markdown, raw HTML not passed through). The same bytes every run."""
    import html

    from markdown_it import MarkdownIt

    render = MarkdownIt("commonmark", {"html": False}).enable("table").render
    gt = gt_table(frame, table=table, compact=True)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_PAGE_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n"
        f'<p class="banner{"" if real else " flag"}">{html.escape(banner)}</p>\n'
        f"{gt.as_raw_html()}\n"
        f'<div class="notes">\n{render(notes)}</div>\n</body>\n</html>\n'
    )
