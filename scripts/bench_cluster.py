"""Benchmark: cluster 100,000 synthetic measures built from the corpus's own sentences.

Each synthetic measure takes a heading (the first clause of a corpus
sentence) and a body of 2-4 consecutive sentences from one corpus paragraph
plus one sentence from anywhere, and is assigned one of ~300 prefecture-level
cities (jionlp's gazetteer), whose name replaces nothing in the text: the
text stays real governance prose. Prints one JSON object with the timings and
peak memory.

    .venv/bin/python scripts/bench_cluster.py [--n 100000] [--segmenter rjieba]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np

from pipeline.cluster import ClusterInput, cluster_measures
from pipeline.themes_train import read_corpus


def corpus_paragraphs(corpus_dir: Path) -> list[list[str]]:
    paragraphs = []
    for text in read_corpus(corpus_dir).values():
        for para in text.split("\n"):
            sentences = [s.strip() for s in re.split(r"(?<=[。!?;])", para) if len(s.strip()) >= 10]
            if sentences:
                paragraphs.append(sentences)
    return paragraphs


def cities() -> list[str]:
    # jionlp prints a banner on import; keep stdout for the JSON result.
    with contextlib.redirect_stdout(io.StringIO()):
        import jionlp

    names = []
    for province, sub in jionlp.china_location_loader().items():
        names += [c for c in sub if not c.startswith("_")] or [province]
    return sorted(set(names))


def synthetic_measures(n: int, corpus_dir: Path, seed: int = 0) -> list[ClusterInput]:
    rng = np.random.default_rng(seed)
    paragraphs = corpus_paragraphs(corpus_dir)
    everything = [s for p in paragraphs for s in p]
    city_names = cities()
    items = []
    for i in range(n):
        para = paragraphs[rng.integers(len(paragraphs))]
        start = int(rng.integers(len(para)))
        body = para[start : start + int(rng.integers(2, 5))] + [everything[rng.integers(len(everything))]]
        heading = re.split(r"[,。;]", body[0])[0][:20]
        city = city_names[rng.integers(len(city_names))]
        items.append(ClusterInput(i, f"synthetic-{i // 20}", city, heading, "".join(body)))
    return items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parent.parent / "corpus" / "reports")
    parser.add_argument("--segmenter", default="rjieba")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    items = synthetic_measures(args.n, args.corpus)
    t1 = time.perf_counter()
    result = cluster_measures(items, segmenter=args.segmenter, random_state=0)
    t2 = time.perf_counter()
    matrix = result.city_cluster_matrix()
    t3 = time.perf_counter()
    print(
        json.dumps(
            {
                "measures": len(items),
                "text_mb": round(sum(len((i.heading + i.text).encode()) for i in items) / 1e6, 1),
                "segmenter": args.segmenter,
                "method": result.method,
                "k": result.k,
                "silhouette": result.silhouette,
                "largest_clusters": [c.label for c in result.clusters[:5]],
                "cities": int(matrix.shape[0]),
                "seconds": {
                    "build": round(t1 - t0, 1),
                    "cluster": round(t2 - t1, 1),
                    "crosstab": round(t3 - t2, 1),
                    "total": round(t3 - t0, 1),
                },
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
