"""The audit notebooks (notebooks/*.ipynb) under Snakemake's notebook directive, on the fixture
study: they run, look executed, name no absolute path, re-derive their numbers (the checks file
lists independent and workflow values that agree), give the same bytes twice, and a corrupted
result table makes its audit cell, and so the job, fail."""

from __future__ import annotations

import csv
import json
import math
import os
import re
from pathlib import Path

from conftest import REPO, run_snakemake

# --config takes every word after it: targets come first
ARGS = ("--cores", "2", "--config", "study=study")
NOTEBOOK = "stage2_relevance"


def _target(name: str, ext: str) -> str:
    return f"results/study/notebooks/{name}.{ext}"


def _checks(workdir: Path, name: str) -> list[dict[str, str]]:
    with (workdir / _target(name, "checks.csv")).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_notebooks_audit_look_executed_and_are_reproducible(built_workdir: Path) -> None:
    workdir = built_workdir
    run_snakemake(workdir, _target(NOTEBOOK, "html"), *ARGS, check=True)
    checks = _checks(workdir, NOTEBOOK)
    assert len(checks) >= 10  # consensus, rates, every kappa pair, Table 3, gaps
    for row in checks:  # the file records values that agree, not just names
        a, b = float(row["independent"]), float(row["workflow"])
        assert (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-9, row
    nb_path = workdir / _target(NOTEBOOK, "ipynb")
    html_path = workdir / _target(NOTEBOOK, "html")
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    counts = [c["execution_count"] for c in nb["cells"] if c["cell_type"] == "code"]
    assert counts == list(range(1, len(counts) + 1))  # looks executed, numbered in order
    for path in (nb_path, html_path):
        text = path.read_text(encoding="utf-8")
        assert str(workdir) not in text and str(workdir.resolve()) not in text, path
        assert "FIXTURE" in text.upper()
    injected = [
        c for c in nb["cells"] if "snakemake-job-properties" in c["metadata"].get("tags", [])
    ]
    assert len(injected) == 1 and "os.chdir" not in "".join(injected[0]["source"])
    before = (nb_path.read_bytes(), html_path.read_bytes())
    run_snakemake(
        workdir, _target(NOTEBOOK, "html"), "--forcerun", "run_notebook", *ARGS, check=True
    )
    assert (nb_path.read_bytes(), html_path.read_bytes()) == before


def test_corrupted_result_table_fails_its_audit_cell(built_workdir: Path) -> None:
    workdir = built_workdir
    run_snakemake(workdir, _target(NOTEBOOK, "checks.csv"), *ARGS, check=True)
    table = workdir / "results/study/tables/consensus_summary.csv"
    made = table.stat()
    lines = table.read_text(encoding="utf-8").splitlines()
    for k, line in enumerate(lines):
        if ",consensus relevant," in line:
            fields = line.split(",")
            fields[2] = str(int(fields[2]) + 1)  # one more relevant item than the votes give
            lines[k] = ",".join(fields)
            break
    else:
        raise AssertionError("no 'consensus relevant' row")
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # the table keeps its time: a table changed by hand (new time, new content) also makes the
    # claims ledger, which reads it, re-run, and Snakemake 9.27 then runs the ledger alone, not
    # the forced notebook (a second invocation does); this test is about the audit cell
    os.utime(table, ns=(made.st_atime_ns, made.st_mtime_ns))
    proc = run_snakemake(
        workdir,
        _target(NOTEBOOK, "checks.csv"),
        "--forcerun",  # takes every word up to the next option
        _target(NOTEBOOK, "checks.csv"),
        *ARGS,
    )
    assert proc.returncode != 0
    assert not (workdir / _target(NOTEBOOK, "checks.csv")).exists()
    executed = workdir / f"logs/study/notebooks/{NOTEBOOK}.executed.ipynb"
    nb = json.loads(executed.read_text(encoding="utf-8"))
    errors = [
        (c, o) for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"
    ]
    assert len(errors) == 1
    cell, error = errors[0]
    assert error["ename"] == "AuditError"
    assert "consensus relevant" in error["evalue"]
    assert 'tbl("consensus_summary")' in "".join(cell["source"])  # the consensus audit cell


def test_a_warning_naming_the_kernels_temporary_file_is_normalised() -> None:
    """A warning printed in a cell names /tmp/ipykernel_<pid>/<n>.py, whose pid changes from
    run to run (an interrupted and re-run notebook differed only there)."""
    from recenter.notebooks import _strip_root

    out = {
        "name": "stderr",
        "text": ["/tmp/ipykernel_23270/3268799266.py:37: ConvergenceWarning: x\n"],
    }
    again = {
        "name": "stderr",
        "text": ["/tmp/ipykernel_31268/3268799266.py:37: ConvergenceWarning: x\n"],
    }
    assert _strip_root(out, "/work/x") == _strip_root(again, "/work/x")
    assert _strip_root(out, "/work/x")["text"] == ["<cell>:37: ConvergenceWarning: x\n"]


def test_code_cells_are_escaped_without_the_bleach_pass() -> None:
    """The page's code cells skip nbconvert's bleach pass (recenter.notebooks._OFFLINE_TEMPLATE):
    markup in a cell's source must still reach the page as text, never as an element, and the
    cell must still be highlighted."""
    import nbformat

    from recenter.notebooks import html_exporter

    source = 'x = "<script>alert(1)</script><img src=x onerror=alert(2)>"  # <b>bold</b>'
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nb.metadata["language_info"] = {"name": "python"}
    html, _ = html_exporter().from_notebook_node(nb)
    body = html.split('<div class="cm-editor cm-s-jupyter">', 1)[1].split("</pre>", 1)[0]
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>bold" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert '<span class="c1">' in body  # pygments highlighted the comment


def test_kernel_file_normalising_is_linear_on_image_sized_outputs() -> None:
    """An output holds a base64 PNG of hundreds of kilobytes with no blank in it; the kernel-file
    replacement must leave it as it is and not scan it once per start position (the first
    version did, and every notebook job hung on a figure)."""
    import base64
    import random

    from recenter.notebooks import _strip_kernel_files

    image = base64.b64encode(random.Random(0).randbytes(600_000)).decode()
    assert _strip_kernel_files(image) == image
    quoted = f'"{image}" "/tmp/ipykernel_7/12.py:3: W" {image}ipykernel_8/9.py'
    assert _strip_kernel_files(quoted) == f'"{image}" "<cell>:3: W" <cell>'


#: What a notebook's source reads, as (pattern, path template): from results/<study>/, and
#: from data/processed/<study>/ beside the database (``db_path.parent / "a" / "b.parquet"``).
_READS = (
    (re.compile(r"""\btbl\(\s*["']([a-z0-9_]+)["']"""), "results/study/tables/{}.csv"),
    (
        re.compile(r"""audit\.figure\(\s*results\s*,\s*["']([a-z0-9_]+)["']"""),
        "results/study/figures/{}.png",
    ),
    (re.compile(r"""["']tables["']\s*/\s*["']([a-z0-9_]+\.md)["']"""), "results/study/tables/{}"),
    (re.compile(r"""audit\.claims\(()"""), "results/study/claims.csv"),
    (re.compile(r"""\bresults\s*/\s*["']([a-z0-9_]+\.csv)["']"""), "results/study/{}"),
    (
        re.compile(r"""\bdb_path\.parent((?:\s*/\s*["'][A-Za-z0-9_.]+["'])+)"""),
        "data/processed/study/{}",
    ),
)


def _path_part(match: str) -> str:
    """What a pattern captured, as a relative path: ``/ "stage2" / "x.parquet"`` (a chain of
    quoted parts) -> ``stage2/x.parquet``; anything else as it is."""
    parts = re.findall(r"""["']([^"']+)["']""", match)
    return "/".join(parts) if parts else match


def _reads(source: str) -> set[str]:
    """The files (relative to the workflow directory, study ``study``) a notebook's code reads."""
    return {
        template.format(_path_part(m))
        for pattern, template in _READS
        for m in pattern.findall(source)
    }


def test_the_read_patterns_see_results_and_files_beside_the_database() -> None:
    source = (
        'vc = tbl("stage2_variance_components")\n'
        'path = db_path.parent / "stage2" / "variance_replicates.parquet"\n'
        "audit.claims(results, ['x'])\n"
    )
    assert _reads(source) == {
        "results/study/tables/stage2_variance_components.csv",
        "data/processed/study/stage2/variance_replicates.parquet",
        "results/study/claims.csv",
    }


def _declared_notebook_inputs(workdir: Path) -> dict[str, set[str]]:
    """The input files of every run_notebook job, from a dry run that forces them."""
    proc = run_snakemake(
        workdir, "-n", "--forcerun", "run_notebook", "--workflow-profile", "none", *ARGS
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    declared: dict[str, set[str]] = {}
    for block in proc.stdout.split("rule run_notebook:")[1:]:
        inputs = re.search(r"^\s+input: (.*)$", block, re.M)
        output = re.search(r"notebooks/([A-Za-z0-9_]+)\.checks\.csv", block)
        assert inputs and output, block[:500]
        declared[output.group(1)] = set(inputs.group(1).split(", "))
    return declared


def test_every_result_a_notebook_reads_is_one_of_its_inputs(built_workdir: Path) -> None:
    """A notebook that reads a result its rule does not declare runs before or after that
    result is made, as the scheduler happens to order them: its bytes then differ between a
    local and a cluster run (the Stage-3 notebook read the variance components and the claims
    ledger undeclared). Every result a notebook reads that the study has must be an input."""
    declared = _declared_notebook_inputs(built_workdir)
    assert set(declared) == {p.stem for p in (REPO / "notebooks").glob("*.ipynb")}
    for name, inputs in declared.items():
        nb = json.loads((REPO / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
        source = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        made = {p for p in _reads(source) if (built_workdir / p).is_file()}
        assert made, f"{name}: no result read (the patterns above no longer match it)"
        assert made <= inputs, f"{name} reads results it does not declare: {made - inputs}"


def test_the_kernel_specs_go_first_on_jupyter_path_once(monkeypatch, tmp_path: Path) -> None:
    """notebooks.smk puts the workflow's kernel specs first on JUPYTER_PATH: once however often
    the Snakefile is parsed, the entries after it kept as they were (an empty PATH entry, the
    working directory, included), and Jupyter then finds its python3 spec there."""
    from jupyter_client.kernelspec import KernelSpecManager

    from recenter.notebooks import _prepend, use_kernel_specs

    specs = REPO / "workflow" / "resources" / "jupyter"
    monkeypatch.setenv("JUPYTER_PATH", os.pathsep.join(["/a", "", "/b"]))
    use_kernel_specs(specs)
    use_kernel_specs(specs)
    assert os.environ["JUPYTER_PATH"].split(os.pathsep) == [str(specs), "/a", "", "/b"]
    monkeypatch.delenv("JUPYTER_PATH")
    use_kernel_specs(specs)
    assert os.environ["JUPYTER_PATH"] == str(specs)
    found = KernelSpecManager().get_kernel_spec("python3")
    assert Path(found.resource_dir) == specs / "kernels" / "python3"
    assert "--IPKernelApp.log_level=CRITICAL" in found.argv
    monkeypatch.setenv("PATH", os.pathsep.join(["", "/usr/bin"]))
    _prepend("PATH", str(tmp_path))
    assert os.environ["PATH"].split(os.pathsep) == [str(tmp_path), "", "/usr/bin"]
