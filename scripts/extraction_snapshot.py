"""Every record extraction makes of the gold documents, as one JSON file to diff across a change.

    python scripts/extraction_snapshot.py OUT.json [--segmenter jieba] [--root CHECKOUT]

Reads the seed reports (corpus/reports) and the fixture reports, pages and profile texts under
tests/fixtures, analyses each as ingest does, and writes per file its Extraction (every record
field), its index text and its measures' index entries. Run it before and after a change
(``--root`` a checkout of main, e.g. from ``git archive main``) and compare the files: a
refactoring must leave them byte-identical.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

SOURCES = (".txt", ".html", ".docx", ".pdf")


def gold_paths(root: Path) -> list[Path]:
    paths = sorted((root / "corpus" / "reports").glob("*.txt"))
    for name in ("reports", "pages", "profile"):
        paths += sorted(p for p in (root / "tests" / "fixtures" / name).iterdir() if p.suffix in SOURCES)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--segmenter", default=None, help="default: the pipeline's default segmenter")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    sys.path.insert(0, str(args.root))  # the checkout's pipeline, not an installed one

    from pipeline.analyze import analyze_document, document_from_raw
    from pipeline.ingest.read import read_path
    from pipeline.segment import DEFAULT_SEGMENTER

    snapshot = {}
    for path in gold_paths(args.root):
        analysis = analyze_document(document_from_raw(read_path(path)), segmenter=args.segmenter or DEFAULT_SEGMENTER)
        snapshot[str(path.relative_to(args.root))] = {
            "extraction": dataclasses.asdict(analysis.extraction),
            "index_text": analysis.index_text,
            "measure_index": analysis.measure_index,
        }
    args.out.write_text(json.dumps(snapshot, ensure_ascii=False, indent=1, sort_keys=True, default=str) + "\n")
    print(f"{len(snapshot)} documents -> {args.out}")


if __name__ == "__main__":
    main()
