"""Save an executed analysis notebook as .ipynb and .html, reproducibly: rule render_notebook
takes the copy Snakemake's notebook directive executed (rule run_notebook's log) and writes it
without what changes between runs and machines; execute_notebook runs one with papermill (tests)."""

from __future__ import annotations

import logging
import re
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


#: The lab template without the scripts it loads from a CDN (require.js, MathJax, mermaid): the
#: HTML is read offline (and the notebooks show no math or diagrams), and a page that tries to
#: fetch them offline logs errors in the browser console. Its code cells are the lab template's
#: without the bleach pass over pygments' output: pygments escapes the source it highlights
#: (tests/test_notebooks.py), bleach left the four notebooks' pages byte-identical, and it took
#: about half a second of each render.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block input %}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
     </div>
</div>
{%- endblock input %}
"""


def put_interpreter_on_path() -> None:
    """Put the directory of this Python's executable first on PATH (once), so the commands the
    notebook directive shells out to (papermill, jupyter) come from the same environment."""
    import os
    import sys

    _prepend("PATH", os.path.dirname(sys.executable))


def _prepend(variable: str, directory: str) -> None:
    """Put ``directory`` first in the search-path variable (once), leaving every entry after
    it as it was (an empty entry in PATH means the working directory: it is kept)."""
    import os

    value = os.environ.get(variable, "")
    parts = value.split(os.pathsep) if value else []
    if not parts or parts[0] != directory:
        os.environ[variable] = os.pathsep.join([directory, *parts])


def use_kernel_specs(directory: str | Path) -> None:
    """Look up Jupyter kernel specs in ``directory``/kernels first (JUPYTER_PATH), so that the
    notebook jobs' ``python3`` kernel is the workflow's own spec (workflow/rules/notebooks.smk
    says why)."""
    import os

    _prepend("JUPYTER_PATH", os.path.abspath(directory))


#: the tag of the cell Snakemake's notebook directive injects (the `snakemake` object, pickled,
#: and an os.chdir to the absolute working directory)
SNAKEMAKE_TAG = "snakemake-job-properties"

_INJECTED = (
    "# Snakemake injected the job's `snakemake` object here (inputs, outputs, params, "
    "wildcards)\n# and changed to the workflow's directory; removed from the saved copy, which "
    "names no absolute path."
)


def _normalise(nb, root: str) -> None:
    """Strip timings and absolute paths; keep execution counts (renumbered 1, 2, ...)."""
    _strip_volatile(nb)
    nb.metadata.pop("widgets", None)
    info = nb.metadata.get("language_info")
    if info is not None:
        nb.metadata["language_info"] = {"name": info.get("name", "python")}
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    count = 0
    for cell in nb.cells:
        if SNAKEMAKE_TAG in cell.metadata.get("tags", []):
            cell["source"] = _INJECTED
            cell["outputs"] = []
        if cell.get("cell_type") != "code":
            continue
        if cell.get("execution_count") is not None:
            count += 1
            cell["execution_count"] = count
        for output in cell.get("outputs", []):
            if "execution_count" in output:
                output["execution_count"] = cell["execution_count"]
            _strip_root(output, root)


def _strip_root(node, root: str):
    """Replace the absolute working directory by '.' in every string of an output."""
    if isinstance(node, dict):
        for key, value in node.items():
            node[key] = _strip_root(value, root)
        return node
    if isinstance(node, list):
        return [_strip_root(v, root) for v in node]
    if isinstance(node, str):
        if root and root in node:
            node = node.replace(root + "/", "").replace(root, ".")
        return _strip_kernel_files(node)
    return node


_KERNEL_FILE = re.compile(r"ipykernel_\d+/\d+\.py")
_PATH_END = frozenset(" \t\r\n\"'")


def _strip_kernel_files(text: str) -> str:
    """Replace each path of a kernel's temporary cell file (``/tmp/ipykernel_<pid>/<n>.py``, as
    a warning names it) by ``<cell>``. Linear in the text: outputs hold base64 images of
    hundreds of kilobytes without a blank, on which a pattern with a leading ``[^\\s]*`` would
    try every start position (quadratic; it hung the notebook jobs)."""
    if "ipykernel_" not in text:
        return text
    parts, pos = [], 0
    for match in _KERNEL_FILE.finditer(text):
        start = match.start()
        while start > pos and text[start - 1] not in _PATH_END:  # back to the path's start
            start -= 1
        parts += [text[pos:start], "<cell>"]
        pos = match.end()
    parts.append(text[pos:])
    return "".join(parts)


def render_executed(
    executed: str | Path, ipynb_out: str | Path, html_out: str | Path, root: str | Path
) -> None:
    """Write the notebook Snakemake executed (``executed``) normalised, and its HTML."""
    import nbformat

    nb = nbformat.read(str(executed), as_version=4)
    _normalise(nb, str(Path(root).resolve()))
    text = nbformat.writes(nb) + "\n"
    if str(Path(root).resolve()) in text:
        raise ValueError(f"{executed}: an absolute path of the checkout remains after normalising")
    atomic_write_text(ipynb_out, text)
    html, _ = html_exporter().from_notebook_node(nb)
    atomic_write_text(html_out, html)


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
    _normalise(nb, str(Path(parameters.get("root") or ".").resolve()))
    atomic_write_text(ipynb_out, nbformat.writes(nb) + "\n")
    html, _ = html_exporter().from_notebook_node(nb)
    atomic_write_text(html_out, html)
