# Annotation-tool export (config annotation_tool_dir) -> canonical studies <study>-pilot and
# <study>-final under data/raw/ (recenter.importers.annotation_tool; mapping in its README).
# Inputs are the export files each rule reads: a new final-round LLM vote file in the export
# adds one import_annotation_tool_votes job and leaves the other raw files untouched.
if EXPORT_DIR:
    import re as _re

    from recenter.importers import annotation_tool as _annotation_tool

    _FINAL_VOTES = _annotation_tool.final_vote_files(EXPORT_DIR, STUDY)
    _FINAL_STUDY = STUDY + _annotation_tool.FINAL_SUFFIX

    register_output(
        "import_counts",
        paths=lambda study: [
            f"{results_dir(study)}/tables/import_counts.{ext}"
            for ext in ("csv", "md")
            if study in IMPORT_PLAN
        ],
        requires=lambda study: None,
    )

    rule import_annotation_tool:
        input:
            export=_annotation_tool.input_files(EXPORT_DIR, final_votes=False),
        output:
            raw=[
                f"{raw_dir(study)}/{rel}"
                for study, rels in sorted(IMPORT_PLAN.items())
                for rel in ["study.json", *rels]
                if not (study == _FINAL_STUDY and rel in _FINAL_VOTES)
            ],
        log:
            f"logs/{STUDY}/import_annotation_tool.log",
        conda:
            "../envs/recenter.yaml"
        params:
            export_dir=lambda wildcards: EXPORT_DIR,
            out_root=lambda wildcards, output: str(Path(output.raw[0]).parents[1]),
            study=STUDY,
            studies=sorted(IMPORT_PLAN),
        script:
            "../scripts/import_annotation_tool.py"

    rule import_annotation_tool_report:
        input:
            export=_annotation_tool.input_files(EXPORT_DIR),
        output:
            counts=[
                f"{results_dir(study)}/tables/import_counts.{ext}"
                for study in sorted(IMPORT_PLAN)
                for ext in ("csv", "md")
            ],
        log:
            f"logs/{STUDY}/import_annotation_tool_report.log",
        conda:
            "../envs/recenter.yaml"
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
                "logs/{study}/import_annotation_tool_votes/{system}.log",
            wildcard_constraints:
                study=_re.escape(_FINAL_STUDY),
                system="|".join(
                    _re.escape(layout.parse_model_path(rel).system)
                    for rel in _FINAL_VOTES
                ),
            conda:
                "../envs/recenter.yaml"
            params:
                export_dir=lambda wildcards: EXPORT_DIR,
                study=STUDY,
                relpath=lambda wc: f"models/relevance/llm/{wc.system}.jsonl",
            script:
                "../scripts/import_annotation_tool_votes.py"
