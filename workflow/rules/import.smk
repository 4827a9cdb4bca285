# Annotation-tool export (config annotation_tool_dir) -> canonical studies <study>-pilot and
# <study>-final under data/raw/ (recenter.importers.annotation_tool; mapping in its README).
# The inputs are the export files the import reads, so a new LLM vote file re-runs it.
if EXPORT_DIR:
    from recenter.importers import annotation_tool as _annotation_tool

    def _imported_raw_files():
        out = []
        for study, rels in sorted(IMPORT_PLAN.items()):
            out.append(f"{raw_dir(study)}/study.json")
            out.extend(f"{raw_dir(study)}/{rel}" for rel in rels)
        return out

    def _import_count_tables(study):
        if study not in IMPORT_PLAN:
            return []
        return [
            f"{results_dir(study)}/tables/import_counts.{ext}" for ext in ("csv", "md")
        ]

    register_output(
        "import_counts",
        paths=_import_count_tables,
        requires=lambda study: None,
    )

    rule import_annotation_tool:
        input:
            export=_annotation_tool.input_files(EXPORT_DIR),
        output:
            raw=_imported_raw_files(),
            counts=[p for s in sorted(IMPORT_PLAN) for p in _import_count_tables(s)],
        log:
            f"logs/{STUDY}/import_annotation_tool.log",
        conda:
            "../envs/recenter.yaml"
        params:
            export_dir=EXPORT_DIR,
            study=STUDY,
            out_root="data/raw",
            studies=sorted(IMPORT_PLAN),
        script:
            "../scripts/import_annotation_tool.py"
