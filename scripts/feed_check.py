"""End-to-end check on a folder of real text (a news feed, a portal's column): what a new user would see.

    python scripts/feed_check.py DIR [--db STORE] [--jobs 2] [--top 20]

Ingests every .txt of DIR (recursively) into a store (a throw-away one unless --db), then
prints the time of each step, the documents by relevance label, the most frequent
mechanisms of the governance cases and of the other documents, and the largest clusters
of the default view (governance cases only), with the share of each cluster's members that
come from non-case documents when clustered with --all (there should be none by default).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

from pipeline import api
from pipeline.compare import compare
from pipeline.readmodel import CASES_ONLY
from pipeline.search import search


def _timed(label: str, times: dict[str, float], fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    times[label] = time.perf_counter() - started
    return result


def check(folder: Path, db: Path, *, jobs: int, top: int) -> None:
    times: dict[str, float] = {}
    paths = sorted(folder.rglob("*.txt"))
    summary = _timed("ingest", times, api.ingest, paths, db=db, jobs=jobs)
    print(
        f"{len(paths)} files: {summary.ingested} ingested, {summary.duplicates} duplicates, "
        f"{summary.unchanged} unchanged, {summary.failed} errors"
    )
    store = api.open_store(db)
    labels = store.conn.execute(
        "SELECT coalesce(relevance, '(none)'), count(*) FROM documents GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall()
    total = sum(n for _, n in labels) or 1
    print("documents by label:")
    for label, n in labels:
        print(f"  {label}\t{n}\t{n / total:.1%}")

    for title, where in (("governance cases", CASES_ONLY), ("other documents", f"NOT {CASES_ONLY}")):
        names = Counter(
            r[0]
            for r in store.conn.execute(
                "SELECT mn.name FROM mechanism_names mn JOIN documents d ON d.doc_id = mn.doc_id "
                f"WHERE {where.replace('relevance', 'd.relevance')}"
            )
        )
        print(f"top mechanisms of {title} ({sum(names.values())} names in documents):")
        for name, n in names.most_common(top):
            print(f"  {n}\t{name}")

    result = _timed("cluster", times, api.cluster, store)
    print(f"clusters (default view): {len(result.clusters)}")
    for c in sorted(result.clusters, key=lambda c: -c.size)[:top]:
        print(f"  {c.size}\t{c.label}")
    comparison = _timed("compare", times, compare, store, by="province")
    _timed("search", times, search, store, "社区 治理", limit=20)
    print(f"compare: {len(comparison.sources)} sources")
    print("seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in times.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--db", type=Path, help="store to write (default: a temporary file)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    if args.db:
        check(args.folder, args.db, jobs=args.jobs, top=args.top)
        return
    with tempfile.TemporaryDirectory() as tmp:
        check(args.folder, Path(tmp) / "feed.db", jobs=args.jobs, top=args.top)


if __name__ == "__main__":
    main()
