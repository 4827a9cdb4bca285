"""recenter: analysis code of the workflow reproducing 'Re-Centering Humans in LLM
Personalization' (Zhang, Liu and August, 2026, arXiv 2606.06614).

Statistics live in small pure functions (recenter.stats); rules and notebooks call them.
"""

import sys

__version__ = "0.1.0"

# jsonschema, which altair, nbformat and this package's validators import, imports the
# optional IRI checker rfc3987-syntax as soon as it is installed (Jupyter's jupyter-events pulls
# it in through jsonschema[format-nongpl]), and that module compiles 39 Lark grammars on
# import: 1.7 s in every job, notebook kernel and Snakemake start-up that touches jsonschema
# (python-jsonschema/jsonschema#1428). No schema of this project uses the "iri" formats, so it
# is marked unavailable here, before anything imports jsonschema: jsonschema then leaves out
# those two format checkers. tests/test_imports.py checks both halves.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
