"""Importer of the study authors' annotation-tool exports into canonical studies.

An export (format: ``../shared/docs/annotation-tool-format.md``; mapping of every file and
field: ``workflow/recenter/importers/README.md``) holds two rounds that cannot share a study
without mixing their Stage-2 items, so it becomes two studies:

* ``<study>-pilot``: pilot Stage-1 judgments (``*_task1.jsonl``, aligned by position, no
  attribute text), pilot Stage-2 human votes (``*_task3.jsonl``, with ``*_task2.jsonl`` as a
  fallback) and the pilot LLM votes (``relevance_task3/<model>.jsonl``);
* ``<study>-final``: the final Stage-2 samples (``extracted/task5_items.jsonl``), the final LLM
  votes (``relevance_task5/<model>.jsonl``), the human consensus (``ground_truth`` of
  ``task6/eval_results_task5_gt_attributes_*.jsonl``, one rater ``consensus``) and the Stage-3
  response pairs (``extracted/task6_items.jsonl``, one generator file per ``model_tag``).

:func:`plan` lists the files an import writes from the export's file listing (cheap, called
when the Snakemake DAG is built); :func:`convert` reads and checks every record and returns
the studies in memory; :func:`write_studies` writes them (file by file, atomically). The
Snakemake rules (``workflow/rules/import.smk``) convert each final-round LLM vote file in its
own job (:func:`final_vote_files`, :func:`convert_final_vote_file`). A record that cannot be
mapped is an :class:`ExportError` naming the export file, the line and the field; :func:`convert`
goes on with the next record and raises them together (up to
:data:`recenter.errors.MAX_PROBLEMS`, ``problems`` lists them). The skips the README documents
are counted in :class:`Counts` instead.

Privacy: annotator names and Prolific ids never leave this module. Each raw name becomes
``H<k>``, ``k`` its rank in the sorted list of every annotator name of the export; the
mapping is not written anywhere (``recenter-import --show-pseudonyms`` prints it).

The code is split by concern: :mod:`.records` (records and checks, ids, the study being
built), :mod:`.export` (export discovery, pseudonyms, plan and manifest), :mod:`.pilot` and
:mod:`.final` (the two rounds) and :mod:`.writing` (the whole export, converted and written).
Every public name is re-exported here.
"""

from recenter.importers.annotation_tool.export import (
    ANNOTATOR_FILE,
    ANNOTATOR_SKIP_DIRS,
    CONSENSUS_RATER,
    FINAL_SUFFIX,
    GROUND_TRUTH_GLOB,
    LLM_FINAL_DIR,
    LLM_PILOT_DIR,
    PILOT_CONSENSUS,
    PILOT_SUFFIX,
    PROLIFIC_ID,
    TASK5_ITEMS,
    TASK6_ITEMS,
    AnnotatorFile,
    ExportFiles,
    discover,
    input_files,
    manifest_text,
    plan,
    pseudonyms,
    redactor,
    source_of,
    system_name,
    write_manifest,
)
from recenter.importers.annotation_tool.final import (
    FinalSample,
    convert_final,
    convert_final_vote_file,
    final_vote_files,
)
from recenter.importers.annotation_tool.pilot import (
    CONVERTED_NOTE,
    TASK1_LABELS,
    TASK2_RELEVANT,
    TASK2_UNRATED,
    convert_pilot,
)
from recenter.importers.annotation_tool.records import (
    COUNT_MEANINGS,
    EXTRACTOR_UNKNOWN,
    PROMPT_SOURCE,
    Counts,
    ExportError,
    Sample,
    StudyBuild,
    Where,
    as_bool,
    as_dict,
    as_int,
    as_list,
    as_str,
    attribute_id,
    get,
    item_id,
    prompt_id,
    read_jsonl,
    text_key,
)
from recenter.importers.annotation_tool.writing import (
    MANIFEST,
    ImportResult,
    convert,
    import_export,
    write_studies,
)

__all__ = [
    "ANNOTATOR_FILE",
    "ANNOTATOR_SKIP_DIRS",
    "CONSENSUS_RATER",
    "CONVERTED_NOTE",
    "COUNT_MEANINGS",
    "EXTRACTOR_UNKNOWN",
    "FINAL_SUFFIX",
    "GROUND_TRUTH_GLOB",
    "LLM_FINAL_DIR",
    "LLM_PILOT_DIR",
    "MANIFEST",
    "PILOT_CONSENSUS",
    "PILOT_SUFFIX",
    "PROLIFIC_ID",
    "PROMPT_SOURCE",
    "TASK1_LABELS",
    "TASK2_RELEVANT",
    "TASK2_UNRATED",
    "TASK5_ITEMS",
    "TASK6_ITEMS",
    "AnnotatorFile",
    "Counts",
    "ExportError",
    "ExportFiles",
    "FinalSample",
    "ImportResult",
    "Sample",
    "StudyBuild",
    "Where",
    "as_bool",
    "as_dict",
    "as_int",
    "as_list",
    "as_str",
    "attribute_id",
    "convert",
    "convert_final",
    "convert_final_vote_file",
    "convert_pilot",
    "discover",
    "final_vote_files",
    "get",
    "import_export",
    "input_files",
    "item_id",
    "manifest_text",
    "plan",
    "prompt_id",
    "pseudonyms",
    "read_jsonl",
    "redactor",
    "source_of",
    "system_name",
    "text_key",
    "write_manifest",
    "write_studies",
]
