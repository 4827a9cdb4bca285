"""``recenter-import``: convert an annotation-tool export into canonical studies.

    recenter-import ../shared/realdata/annotation-tool --study authors --out data/raw

writes ``data/raw/authors-pilot/`` and ``data/raw/authors-final/`` and prints the counts of
documented skips. ``--show-pseudonyms`` prints the annotator pseudonyms of the export to the
terminal (never to a file). The Snakemake rule ``import_annotation_tool`` calls the same code.
"""

from __future__ import annotations

import argparse
import sys

from recenter.importers import annotation_tool


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="recenter-import", description=__doc__.split("\n\n")[0])
    parser.add_argument("export_dir", help="annotation-tool export folder")
    parser.add_argument("--study", required=True, help="study name; writes <study>-pilot/-final")
    parser.add_argument("--out", default="data/raw", help="folder of raw studies (data/raw)")
    parser.add_argument(
        "--show-pseudonyms",
        action="store_true",
        help="print raw annotator name -> pseudonym to the terminal and exit",
    )
    args = parser.parse_args(argv)
    try:
        if args.show_pseudonyms:
            files = annotation_tool.discover(args.export_dir)
            for raw, alias in annotation_tool.pseudonyms(files).items():
                print(f"{alias}\t{raw}")
            return 0
        result = annotation_tool.import_export(args.export_dir, args.study, args.out)
    except annotation_tool.ExportError as exc:
        print(f"recenter-import: cannot import {args.export_dir}:\n  {exc}", file=sys.stderr)
        return 1
    for name, st in sorted(result.studies.items()):
        print(f"{args.out}/{name}:")
        for rel in sorted(st.files):
            print(f"  {rel}: {len(st.files[rel])} records")
    print("documented skips and merges:")
    for study, key, n, meaning in result.counts.rows():
        print(f"  {study or 'export'}\t{key}\t{n}\t{meaning}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
