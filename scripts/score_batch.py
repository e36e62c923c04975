"""Score a folder of gold-annotated reports on arrival: ingest, evaluate, print one line per field.

    python scripts/score_batch.py /path/to/batch [more batches…] [--json OUT]

Each batch folder holds NAME.txt (the page as saved) and NAME.json (gold, SCHEMA.md). The texts are
ingested into a throw-away store and scored as they are, before any fix: that is the figure a new
user would see on such pages.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from pipeline import api

FIELDS = ("measures", "figures", "changes", "mechanisms")


def score(batch: Path) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "batch.db"
        summary = api.ingest(sorted(batch.glob("*.txt")), db=db)
        report = api.evaluate(db, batch, themes_lodo=False)
        out = report.to_dict()
        out["documents"] = summary.ingested
        out["errors"] = [str(e) for e in summary.errors]
        out["relevance"] = relevance_agreement(db, batch)
        return out


def relevance_agreement(db: Path, batch: Path) -> dict:
    """The relevance label of each document against its gold's ``relevance`` (where the gold gives one)."""
    pairs = []
    for document, extraction in api.stored_documents(db):
        stems = {Path(alias).stem for alias in document.aliases}
        for stem in stems:
            gold_path = batch / f"{stem}.json"
            gold = json.loads(gold_path.read_text(encoding="utf-8")) if gold_path.exists() else {}
            if gold.get("relevance") and extraction.relevance:
                pairs.append({"doc": stem, "gold": gold["relevance"], "predicted": extraction.relevance.label})
    right = sum(p["gold"] == p["predicted"] for p in pairs)
    return {"accuracy": right / len(pairs) if pairs else None, "documents": pairs}


def line(name: str, result: dict) -> str:
    cells = [f"{name:10s} docs={result['documents']:3d}"]
    for field in FIELDS:
        r = result.get(field) or {}
        if r.get("precision") is not None:
            cells.append(f"{field} P/R {r['precision']:.2f}/{r['recall']:.2f}")
    kind = (result.get("measures") or {}).get("kind") or {}
    if kind.get("accuracy") is not None:
        cells.append(f"kind {kind['accuracy']:.2f}")
    relevance = result.get("relevance") or {}
    if relevance.get("accuracy") is not None:
        cells.append(f"relevance {relevance['accuracy']:.2f}")
    loc = (result.get("locations") or {}).get("per_field") or {}
    for key in ("province", "city"):
        if key in loc:
            cells.append(f"{key} {loc[key]['accuracy']:.2f}")
    return "  ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batches", nargs="+", type=Path)
    parser.add_argument("--json", type=Path, help="write every batch's full report here")
    args = parser.parse_args()
    results = {}
    for batch in args.batches:
        results[batch.name] = score(batch)
        print(line(batch.name, results[batch.name]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
