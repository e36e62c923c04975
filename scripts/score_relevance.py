"""Score the shipped relevance model on a hand-labelled sample of real stories kept out of training.

    python scripts/score_relevance.py STORIES_DIR LABELS.tsv [--json OUT]

LABELS.tsv: doc_id<TAB>label[<TAB>reason], one line per story (doc_id = file stem), label one of
治理案例 / 相关报道 / 无关. Each story is analysed as ingest would analyse it and labelled by
models/relevance_model.json; the script prints per-label precision/recall, accuracy, the confusion
matrix and every mistake with the labeller's reason. Never train on such a sample: it is the
figure the model card cannot give.
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

from pipeline.relevance import LABELS, document_features, label_scores, load_default_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stories", type=Path)
    parser.add_argument("labels", type=Path)
    parser.add_argument("--json", type=Path, help="write the scores here too")
    args = parser.parse_args()
    with args.labels.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r.get("label") in LABELS]
    paths = [args.stories / f"{r['doc_id']}.txt" for r in rows]
    model = load_default_model()
    predicted = [model.classify(p.stem, f).label for p, f in zip(paths, document_features(paths), strict=True)]
    gold = [r["label"] for r in rows]
    scores = label_scores(gold, predicted)
    print(f"{len(rows)} stories, accuracy {scores['accuracy']}")
    for label in LABELS:
        s = scores[label]
        print(f"  {label}: P {s['precision']} R {s['recall']} (gold {s['gold']}, predicted {s['predicted']})")
    confusion = Counter(zip(gold, predicted, strict=True))
    print("confusion (gold → predicted): " + ", ".join(f"{g}→{p} {n}" for (g, p), n in sorted(confusion.items())))
    for row, got in zip(rows, predicted, strict=True):
        if got != row["label"]:
            print(f"  {row['doc_id']}: gold {row['label']}, predicted {got} — {row.get('reason', '')}")
    if args.json:
        args.json.write_text(json.dumps(scores, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
