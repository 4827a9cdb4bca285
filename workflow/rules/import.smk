# Annotation-tool export (config annotation_tool_dir) -> canonical studies <study>-pilot and
# <study>-final under data/raw/ (recenter.importers.annotation_tool; mapping in its README).
# The inputs are the export files the import reads, so a new LLM vote file re-runs it.
if EXPORT_DIR:
    from recenter.importers import annotation_tool as _annotation_tool

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
            export=_annotation_tool.input_files(EXPORT_DIR),
        output:
            raw=[
                f"{raw_dir(study)}/{rel}"
                for study, rels in sorted(IMPORT_PLAN.items())
                for rel in ["study.json", *rels]
            ],
            counts=[
                f"{results_dir(study)}/tables/import_counts.{ext}"
                for study in sorted(IMPORT_PLAN)
                for ext in ("csv", "md")
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
