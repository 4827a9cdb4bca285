"""Run an analysis notebook for one study and save it as .ipynb and .html, reproducibly."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from recenter.outputs import atomic_write_text

log = logging.getLogger(__name__)

#: cell/notebook metadata that changes on every run (timings), removed so that the same inputs
#: give the same bytes.
_VOLATILE = ("execution", "papermill")


def _strip_volatile(nb) -> None:
    for key in _VOLATILE:
        nb.metadata.pop(key, None)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{index:02d}"  # papermill gives its injected cell a random id
        for key in _VOLATILE:
            cell.metadata.pop(key, None)
        if cell.get("cell_type") == "code":
            cell["execution_count"] = None
            for output in cell.get("outputs", []):
                if "execution_count" in output:
                    output["execution_count"] = None


#: The lab template without the scripts it loads from a CDN (require.js, MathJax, mermaid): the
#: HTML is read offline (and the notebooks show no math or diagrams), and a page that tries to
#: fetch them offline logs errors in the browser console.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


def html_exporter():
    """nbconvert's HTML exporter (lab template) whose pages load nothing from the network."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"offline.html.j2": _OFFLINE_TEMPLATE})],
        template_file="offline.html.j2",
    )


def execute_notebook(
    source: str | Path, ipynb_out: str | Path, html_out: str | Path, parameters: dict[str, Any]
) -> None:
    """Execute ``source`` with papermill (parameters injected), strip run-specific metadata, and
    write the executed notebook and its HTML rendering atomically."""
    import nbformat
    import papermill

    with tempfile.TemporaryDirectory() as tmp:
        executed = Path(tmp) / "executed.ipynb"
        log.info("executing %s with %s", source, parameters)
        papermill.execute_notebook(
            str(source),
            str(executed),
            parameters=parameters,
            kernel_name="python3",
            progress_bar=False,
            cwd=parameters.get("root"),
        )
        nb = nbformat.read(executed, as_version=4)
    _strip_volatile(nb)
    atomic_write_text(ipynb_out, nbformat.writes(nb) + "\n")
    html, _ = html_exporter().from_notebook_node(nb)
    atomic_write_text(html_out, html)
