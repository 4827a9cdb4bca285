"""Integration tests on the authors' real annotation-tool export (../shared/realdata/...):
the importer's counts and the workflow's Stage-2 numbers against values computed here, straight
from the raw export JSON with scikit-learn; no raw annotator identifier in any output; and a
copy of the export with one more LLM vote file gains that model in every Stage-2 output."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import polars as pl
import pytest
from realdata import annotation_tool_export
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    f1_score,
    precision_score,
    recall_score,
)

from recenter.importers import annotation_tool as at

from conftest import make_workdir, run_snakemake

pytestmark = pytest.mark.realdata

STUDY = "authors"
TOL = 2e-6  # CSV floats carry 6 decimals


@pytest.fixture(scope="module")
def export() -> Path:
    return annotation_tool_export()


# ---- independent reading of the raw export ---------------------------------------------------


def _lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def _raw_names(export: Path) -> list[str]:
    """Raw annotator names = prefixes of <name>_task<N>.jsonl one folder down."""
    names = set()
    for p in export.glob("*/*_task*.jsonl"):
        m = re.fullmatch(r"(.+)_task[0-9]+\.jsonl", p.name)
        if m and p.parent.name not in ("task6", "extracted"):
            names.add(m[1])
    return sorted(names)


def _human_task3(export: Path) -> dict[str, dict[tuple[int, str], bool]]:
    """pseudonym -> {(sample index, attribute text): vote} from the raw task3 files
    (later line of an index wins, flagged records and null votes left out)."""
    alias = {n: f"H{k}" for k, n in enumerate(_raw_names(export), start=1)}
    out: dict[str, dict] = {}
    for p in sorted(export.glob("*/*_task3.jsonl")):
        latest = {int(r["index"]): r for r in _lines(p)}
        votes = out.setdefault(alias[p.name[: -len("_task3.jsonl")]], {})
        for index, r in latest.items():
            if r.get("flagged") in (True, "True", "true"):
                continue
            for j in r["relevance_judgments"]:
                if j["relevant"] is not None:
                    votes[(index, j["attribute"])] = bool(j["relevant"])
    return {k: v for k, v in out.items() if v}


def _llm_votes(folder: Path) -> dict[str, dict[tuple[int, str], bool]]:
    """system name (file stem after the provider prefix) -> {(sample, text): vote}."""
    out = {}
    for p in sorted(folder.glob("*.jsonl")):
        name = p.stem.split("_", 1)[-1]
        out[name] = {
            (r["sample_index"], i["attribute"]): i["relevant"]
            for r in _lines(p)
            for i in r["items"]
            if i["relevant"] is not None
        }
    return out


def _final_ground_truth(export: Path) -> dict[tuple[int, str], bool]:
    """(task5 sample index, text) -> ground_truth (non-null) from the eval_results files."""
    sample = {
        f"{r['user_id']}_{r['prompt_index']}": r["item_index"]
        for r in _lines(export / "extracted/task5_items.jsonl")
    }
    gt = {}
    for p in sorted(export.glob("task6/eval_results_task5_gt_attributes_*.jsonl")):
        for r in _lines(p):
            for a in r["profile_attributes"]:
                if a["ground_truth"] is not None:
                    gt[(sample[r["prompt_id"]], a["attribute"])] = a["ground_truth"]
    return gt


def _metrics(truth: dict, votes: dict) -> dict[str, float]:
    keys = sorted(set(truth) & set(votes))
    y, p = [truth[k] for k in keys], [votes[k] for k in keys]
    return {
        "n": len(keys),
        "accuracy": accuracy_score(y, p),
        "precision": precision_score(y, p),
        "recall": recall_score(y, p),
        "f1": f1_score(y, p),
        "kappa": cohen_kappa_score(y, p),
    }


def _csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


# ---- importer counts --------------------------------------------------------------------------


def test_import_of_the_real_export_matches_the_raw_files(export: Path, tmp_path: Path) -> None:
    result = at.import_export(export, STUDY, tmp_path)
    pilot = result.studies[f"{STUDY}-pilot"].files
    final = result.studies[f"{STUDY}-final"].files
    task5 = _lines(export / "extracted/task5_items.jsonl")
    assert len(final["relevance_items.jsonl"]) == sum(len(r["profile_attributes"]) for r in task5)
    gt = _final_ground_truth(export)
    assert len(final["relevance_judgments.jsonl"]) == len(gt)
    n_null = sum(
        a["ground_truth"] is None
        for p in export.glob("task6/eval_results_task5_gt_attributes_*.jsonl")
        for r in _lines(p)
        for a in r["profile_attributes"]
    )
    assert result.counts.get(f"{STUDY}-final", "ground_truth_null") == n_null
    tags = Counter(r["model_tag"] for r in _lines(export / "extracted/task6_items.jsonl"))
    for tag, n in tags.items():
        assert len(final[f"models/generator/{tag}.jsonl"]) == n
    humans = _human_task3(export)
    assert len(pilot["relevance_judgments.jsonl"]) == sum(len(v) for v in humans.values())
    task1 = Counter()
    for p in export.glob("*/*_task1.jsonl"):
        for r in {int(r["index"]): r for r in _lines(p)}.values():
            if not r.get("flagged"):
                task1["n"] += sum(j["judgment"] is not None for j in r["attr_judgments"])
    assert len(pilot["attribute_judgments.jsonl"]) == task1["n"]


# ---- the workflow on the real export ----------------------------------------------------------


def _run(workdir: Path, export_copy: Path) -> None:
    run_snakemake(
        workdir,
        "--cores",
        "2",
        "--config",
        f"study={STUDY}",
        f"annotation_tool_dir={export_copy}",
        check=True,
    )


def _base64_blobs(data: bytes) -> list[bytes]:
    """The decoded content of every long base64 run in ``data`` (Snakemake's report and
    metadata embed files and records that way), gunzipped where they are gzip."""
    import base64
    import gzip

    out = []
    for m in re.finditer(rb"[A-Za-z0-9+/]{40,}={0,2}", data):
        chunk = m.group(0)
        try:
            decoded = base64.b64decode(chunk + b"=" * (-len(chunk) % 4))
        except ValueError:
            continue
        if decoded[:2] == b"\x1f\x8b":
            try:
                decoded = gzip.decompress(decoded)
            except (OSError, EOFError):
                continue
        try:  # text only: a run that merely looks like base64 decodes to noise
            decoded.decode("utf-8")
        except UnicodeDecodeError:
            continue
        out.append(decoded)
    return out


def _no_raw_identifier(workdir: Path, export: Path, extra: list[Path] = ()) -> None:
    """No raw annotator name or Prolific id in anything the workflow wrote: data/processed/,
    results/, logs/, Snakemake's own .snakemake/ (logs, metadata, scripts) and ``extra`` files
    (a --report); a byte search of every text file, of the base64 blobs in them (decoded) and
    of the strings in every database and parquet file."""
    names = _raw_names(export)
    assert any(re.fullmatch(r"[0-9a-f]{24}", n) for n in names)
    patterns = [
        re.compile(rb"(?<![A-Za-z0-9])" + re.escape(n.encode()) + rb"(?![A-Za-z0-9])")
        for n in names
    ]
    prolific = [n.encode() for n in names if re.fullmatch(r"[0-9a-f]{24}", n)]
    checked = 0
    paths = [
        path
        for root in ("data/processed", "results", "logs", ".snakemake")
        for path in sorted((workdir / root).rglob("*"))
    ]
    for path in [*paths, *extra]:
        if not path.is_file():
            continue
        data = path.read_bytes()
        assert not any(p in data for p in prolific), path  # 24 hex digits: in any file
        # a file name (metadata files are named by the base64 of an output path)
        assert not any(p.search(path.name.encode()) for p in patterns), path
        if path.suffix == ".duckdb":
            con = duckdb.connect(str(path), read_only=True)
            cols = con.sql(
                "SELECT table_name, column_name FROM information_schema.columns "
                "WHERE data_type = 'VARCHAR'"
            ).fetchall()
            for table, col in cols:
                values = con.sql(f'SELECT DISTINCT "{col}" FROM "{table}"').fetchall()
                text = "\n".join(str(v[0]) for v in values).encode()
                assert not any(p.search(text) for p in patterns), (path, table, col)
            con.close()
        elif path.suffix == ".parquet":
            df = pl.read_parquet(path)
            for col in df.columns:
                if df[col].dtype == pl.String:
                    text = "\n".join(map(str, df[col].to_list())).encode()
                    assert not any(p.search(text) for p in patterns), (path, col)
        elif path.suffix != ".png":  # text files; PNGs are rendered from the .vl.json
            assert not any(p.search(data) for p in patterns), path
            for blob in _base64_blobs(data):
                assert not any(p in blob for p in prolific), (path, "base64")
                assert not any(p.search(blob) for p in patterns), (path, "base64")
        checked += 1
    assert checked > 10
    assert any(p.parts[-2] == "metadata" for p in paths if p.is_file())
    assert any(p.parts[-2] == "log" for p in paths if p.is_file())


def _check_stage2_final(results: Path, export: Path) -> None:
    gt = _final_ground_truth(export)
    llm = _llm_votes(export / "relevance_task5")
    rows = {r["system"]: r for r in _csv(results / "tables/tab3_relevance_alignment.csv")}
    for name, votes in llm.items():
        want = _metrics(gt, votes)
        got = rows[name]
        assert got["kind"] == "llm" and int(got["n"]) == want["n"]
        for m in ("accuracy", "precision", "recall", "f1", "kappa"):
            assert float(got[m]) == pytest.approx(want[m], abs=TOL), (name, m)
    rates = {r["rater"]: r for r in _csv(results / "tables/relevance_rates.csv")}
    # one human rater (the authors' consensus): listed once, as the workflow's consensus row
    assert "consensus" not in rates and rates["human consensus"]["rater_kind"] == "consensus"
    for name, votes in {**llm, "human consensus": gt}.items():
        assert int(rates[name]["n"]) == len(votes)
        assert int(rates[name]["n_relevant"]) == sum(votes.values())


def _check_stage2_pilot(results: Path, export: Path) -> None:
    raters = {**_human_task3(export), **_llm_votes(export / "relevance_task3")}
    cells = {
        (r["rater_a"], r["rater_b"]): r for r in _csv(results / "tables/fig3_kappa_matrix.csv")
    }
    assert {a for a, _ in cells} == set(raters)
    for a in raters:
        for b in raters:
            if a >= b:
                continue
            common = sorted(set(raters[a]) & set(raters[b]))
            cell = cells[(a, b)]
            assert int(cell["n"]) == len(common), (a, b)
            want = cohen_kappa_score([raters[a][k] for k in common], [raters[b][k] for k in common])
            assert float(cell["kappa"]) == pytest.approx(want, abs=TOL), (a, b)
    rates = {r["rater"]: r for r in _csv(results / "tables/relevance_rates.csv")}
    for name, votes in raters.items():
        assert int(rates[name]["n"]) == len(votes)
        assert int(rates[name]["n_relevant"]) == sum(votes.values())


def _check_skipped(workdir: Path, study: str) -> None:
    """Every output skipped.csv lists is absent; no result file is empty."""
    results = workdir / "results" / study
    skipped = _csv(results / "skipped.csv")
    for row in skipped:
        assert row["reason"], row
        assert not list(results.rglob(f"{row['output']}.*")), row
    for path in results.rglob("*"):
        if path.is_file():
            assert path.stat().st_size > 0, path


def _flipped_copy(src: Path, dest: Path, every: int = 3) -> None:
    """A new model's vote file: gemma's votes with every ``every``-th vote flipped."""
    out = []
    k = 0
    for r in _lines(src):
        r["model"] = "acme/flipped-gemma"
        for item in r["items"]:
            if k % every == 0:
                item["relevant"] = not item["relevant"]
            k += 1
        out.append(json.dumps(r))
    dest.write_text("\n".join(out) + "\n", encoding="utf-8")


def _check_groups(results: Path, llm: dict[str, dict]) -> None:
    """The LLM-LLM group of kappa_groups: every pair of LLM files, mean κ as sklearn gives."""
    groups = {r["group"]: r for r in _csv(results / "tables/kappa_groups.csv")}
    names = sorted(llm)
    pairs = [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    assert int(groups["llm_llm"]["n_pairs"]) == len(pairs)
    kappas = []
    for a, b in pairs:
        common = sorted(set(llm[a]) & set(llm[b]))
        kappas.append(cohen_kappa_score([llm[a][k] for k in common], [llm[b][k] for k in common]))
    want = sum(kappas) / len(kappas)
    assert float(groups["llm_llm"]["estimate"]) == pytest.approx(want, abs=TOL)


def _check_gaps(results: Path, llm: dict[str, dict], consensus: dict) -> None:
    """gaps_stage2: mean LLM relevance rate over the human consensus rate."""
    rows = _csv(results / "tables/gaps_stage2.csv")
    row = next(r for r in rows if "mean LLM rate / human consensus rate" in r["comparison"])
    mean_llm = sum(sum(v.values()) / len(v) for v in llm.values()) / len(llm)
    want = mean_llm / (sum(consensus.values()) / len(consensus))
    assert float(row["estimate"]) == pytest.approx(want, abs=1e-5)


@pytest.mark.workflow
def test_workflow_on_the_real_export_with_a_dropped_in_model(export: Path, tmp_path: Path) -> None:
    """One run of the documented command on a copy of the export that holds one more LLM vote
    file per round (gemma's votes, every third flipped): the real models' numbers and the new
    model's agree with sklearn on the raw files, and the new model is in every Stage-2 output."""
    export_copy = tmp_path / "export"
    shutil.copytree(export, export_copy)
    new = "flipped-gemma"
    for folder in ("relevance_task3", "relevance_task5"):
        _flipped_copy(
            export_copy / folder / "google_gemma-4-31b-it.jsonl",
            export_copy / folder / f"acme_{new}.jsonl",
        )
    workdir = make_workdir(tmp_path / "wf")
    # Point estimates do not depend on the number of bootstrap replicates: keep the run short.
    cfg = workdir / "config" / "config.yaml"
    # (every `replicates:` of config.yaml: the bootstrap's and the variance components')
    text, n = re.subn(r"(?m)^(\s+replicates:) \d+", r"\1 20", cfg.read_text(encoding="utf-8"))
    assert n >= 1
    cfg.write_text(text, encoding="utf-8")
    _run(workdir, export_copy)

    pilot, final = workdir / f"results/{STUDY}-pilot", workdir / f"results/{STUDY}-final"
    _check_stage2_final(final, export_copy)  # every LLM file, the new one too, vs sklearn
    _check_stage2_pilot(pilot, export_copy)
    _check_groups(final, _llm_votes(export_copy / "relevance_task5"))
    _check_groups(pilot, _llm_votes(export_copy / "relevance_task3"))
    _check_gaps(final, _llm_votes(export_copy / "relevance_task5"), _final_ground_truth(export))
    for study in (f"{STUDY}-pilot", f"{STUDY}-final"):
        _check_skipped(workdir, study)
    for results in (pilot, final):
        for table in ("tab3_relevance_alignment", "relevance_rates", "fig3_kappa_matrix"):
            rows = _csv(results / "tables" / f"{table}.csv")
            assert any(new in row.values() for row in rows), (results.name, table)
        for fig in ("fig3_kappa_matrix", "relevance_rates", "fig4_relevance_prf"):
            spec = (results / "figures" / f"{fig}.vl.json").read_text(encoding="utf-8")
            assert new in spec, (results.name, fig)
    # Snakemake's report of the run, as a user would make it to share the results
    run_snakemake(
        workdir,
        "--report",
        "report.html",
        "--config",
        f"study={STUDY}",
        f"annotation_tool_dir={export_copy}",
        check=True,
    )
    _no_raw_identifier(workdir, export_copy, extra=[workdir / "report.html"])

    # One more final-round vote file: only its own import job and the final study's jobs
    # that read LLM files run again; the main import and the pilot study are untouched.
    shutil.copy(
        export_copy / "relevance_task5" / f"acme_{new}.jsonl",
        export_copy / "relevance_task5" / "acme_second-copy.jsonl",
    )
    dry = run_snakemake(
        workdir,
        "-n",
        "--cores",
        "2",
        "--config",
        f"study={STUDY}",
        f"annotation_tool_dir={export_copy}",
        check=True,
    )
    out = dry.stdout + dry.stderr
    stats = dict(re.findall(r"^(\w+)\s+(\d+)$", out.split("Job stats:")[1], flags=re.M))
    assert stats.get("import_annotation_tool_votes") == "1"
    assert "import_annotation_tool" not in stats
    assert f"data/raw/{STUDY}-final/models/relevance/llm/second-copy.jsonl" in out
    assert f"study={STUDY}-pilot" not in out
