# Annotation-tool export (config annotation_tool_dir) -> canonical studies <study>-pilot and
# <study>-final under data/raw/ (recenter.importers.annotation_tool; mapping in its README).
# The export's annotator files are named after Prolific ids, and Snakemake records every job's
# inputs (.snakemake/, its log, --report): so the main import and the report take as input a
# content manifest of the export (pseudonymised paths, sizes, SHA-256), which is computed here
# when the DAG is built and rewritten only when the export's content changes. The final-round
# LLM vote files (named after models) are the inputs of one job each: a new one adds one
# import_annotation_tool_votes job and leaves the other raw files untouched.
if EXPORT_DIR:
    import re as _re

    from recenter.importers import annotation_tool as _annotation_tool

    _MANIFEST_DIR = f"data/processed/import/{STUDY}"
    _MAIN_MANIFEST = _annotation_tool.write_manifest(
        EXPORT_DIR, f"{_MANIFEST_DIR}/export-main.json", final_votes=False
    )
    _FULL_MANIFEST = _annotation_tool.write_manifest(
        EXPORT_DIR, f"{_MANIFEST_DIR}/export-all.json"
    )

    _FINAL_VOTES = _annotation_tool.final_vote_files(EXPORT_DIR, STUDY)
    _FINAL_STUDY = STUDY + _annotation_tool.FINAL_SUFFIX

    register_output(
        "import_counts",
        paths=lambda study: [
            f"{results_dir(study)}/tables/import_counts.{ext}"
            for ext in ("csv", "md", "html")
            if study in IMPORT_PLAN
        ],
        requires=lambda study: None,
    )

    rule import_annotation_tool:
        input:
            manifest=_MAIN_MANIFEST,
        output:
            raw=[
                f"{raw_dir(study)}/{rel}"
                for study, rels in sorted(IMPORT_PLAN.items())
                for rel in ["study.json", *rels]
                if not (study == _FINAL_STUDY and rel in _FINAL_VOTES)
            ],
        log:
            log=f"logs/{STUDY}/import_annotation_tool.log",
            problems=f"logs/{STUDY}/import_annotation_tool.problems.txt",
        benchmark:
            "benchmarks/import_annotation_tool.tsv"
        conda:
            "../envs/recenter.yaml"
        threads: 1
        resources:
            mem_mb=job_memory_mb(400, 3.0),
            runtime=job_runtime_min(5, 0.05),
        params:
            export_dir=lambda wildcards: EXPORT_DIR,
            out_root=lambda wildcards, output: str(Path(output.raw[0]).parents[1]),
            study=STUDY,
            studies=sorted(IMPORT_PLAN),
            results=[results_dir(s) for s in sorted(IMPORT_PLAN)],
        script:
            "../scripts/import_annotation_tool.py"

    rule import_annotation_tool_report:
        input:
            manifest=_FULL_MANIFEST,
        output:
            counts=[
                f"{results_dir(study)}/tables/import_counts.{ext}"
                for study in sorted(IMPORT_PLAN)
                for ext in ("csv", "md", "html")
            ],
        log:
            log=f"logs/{STUDY}/import_annotation_tool_report.log",
            problems=f"logs/{STUDY}/import_annotation_tool_report.problems.txt",
        benchmark:
            "benchmarks/import_annotation_tool_report.tsv"
        conda:
            "../envs/recenter.yaml"
        threads: 1
        resources:
            mem_mb=job_memory_mb(400, 3.0),
            runtime=job_runtime_min(5, 0.05),
        params:
            export_dir=lambda wildcards: EXPORT_DIR,
            study=STUDY,
        script:
            "../scripts/import_annotation_tool_report.py"

    if _FINAL_VOTES:

        rule import_annotation_tool_votes:
            input:
                votes=lambda wc: str(
                    Path(EXPORT_DIR)
                    / _FINAL_VOTES[f"models/relevance/llm/{wc.system}.jsonl"]
                ),
                task5_items=str(Path(EXPORT_DIR) / _annotation_tool.TASK5_ITEMS),
            output:
                votes="data/raw/{study}/models/relevance/llm/{system}.jsonl",
            log:
                log="logs/{study}/import_annotation_tool_votes/{system}.log",
                problems="logs/{study}/import_annotation_tool_votes/{system}.problems.txt",
            benchmark:
                "benchmarks/{study}/import_annotation_tool_votes/{system}.tsv"
            wildcard_constraints:
                study=_re.escape(_FINAL_STUDY),
                system="|".join(
                    _re.escape(layout.parse_model_path(rel).system)
                    for rel in _FINAL_VOTES
                ),
            conda:
                "../envs/recenter.yaml"
            threads: 1
            resources:
                mem_mb=job_memory_mb(400, 3.0),
                runtime=job_runtime_min(5, 0.05),
            params:
                export_dir=lambda wildcards: EXPORT_DIR,
                study=STUDY,
                relpath=lambda wc: f"models/relevance/llm/{wc.system}.jsonl",
                results=lambda wc: results_dir(wc.study),
            script:
                "../scripts/import_annotation_tool_votes.py"
