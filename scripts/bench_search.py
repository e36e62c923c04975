"""Search latency on a synthetic store of 100,000 practices.

The store is built in a temporary directory from the seed corpus's own
sentences, recombined into practices across many cities, themes, kinds and
mechanisms (segmented with rjieba for speed), then one-word, two-word and
filtered queries are timed through ``pipeline.search.search``. Prints one
JSON object: p50/p95 in milliseconds per query type.

With ``--db`` it times instead, on an existing store (one built by
``govcase ingest``), the query mix of ``scripts/bench.py``'s search latency,
per kind of query: wall time as bench.py measures it, and CPU time, which
the other processes of a shared machine disturb less.

    python scripts/bench_search.py [--measures 100000] [--rounds 3] [--keep DIR]
    python scripts/bench_search.py --db /tmp/search50k.db
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from pipeline.records import CaseMetadata, Document, Extraction, Measure, Mechanism, Place, Structure
from pipeline.resources import read_lines, reports_dir
from pipeline.search import normalize_query, search, theme_taxonomy
from pipeline.segment import get_segmenter
from pipeline.store import Store

PER_DOC = 20
MECHANISMS = ["三社联动", "五社联动", "三事分流", "民生微实事", "社区慈善基金", "一核多元", "包楼", "双轨制"]
ONE_WORD = [
    "社区",
    "养老",
    "志愿者",
    "社工",
    "党建",
    "居民",
    "服务",
    "治理",
    "社会组织",
    "议事",
    "矛盾",
    "培训",
    "资金",
    "平台",
    "儿童",
    "文化",
    "孵化",
    "网格",
    "慈善",
    "调解",
]
TWO_WORDS = [
    "社区 治理",
    "社会组织 培育",
    "居民 议事",
    "志愿者 服务",
    "党建 引领",
    "养老 服务",
    "社工 培训",
    "矛盾 调解",
    "慈善 基金",
    "社区 服务",
]


def corpus_sentences() -> list[str]:
    sentences = []
    for path in sorted(reports_dir().glob("*.txt")):
        text = normalize_query(path.read_text(encoding="utf-8"))
        sentences += [s for s in re.findall(r"[^。!?;\n]+[。!?;]?", text) if 8 <= len(s) <= 160]
    return sentences


def cities() -> list[tuple[str, str]]:
    provinces = {}
    rows = [line.split("\t") for line in read_lines("gazetteer.tsv")]
    for row in rows:
        if row[0] == "P":
            provinces[row[1]] = row[2]
    return [(provinces.get(r[4], r[2]), r[2]) for r in rows if r[0] == "C" and len(r) > 4][:80]


def build(path: Path, n_measures: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    cut = get_segmenter("rjieba").cut
    seg_cache: dict[str, str] = {}

    def seg(text: str) -> str:
        if text not in seg_cache:
            seg_cache[text] = " ".join(t for t in cut(text) if t.strip())
        return seg_cache[text]

    sentences = corpus_sentences()
    places = cities()
    themes = [name for name, _ in theme_taxonomy()]
    started = time.perf_counter()
    store = Store(path)
    with store.transaction():
        for d in range(n_measures // PER_DOC):
            doc_id = f"bench{d:06d}"
            province, city = rng.choice(places)
            text, measures, index = "", [], []
            for i in range(PER_DOC):
                body = rng.sample(sentences, rng.randint(2, 4))
                heading = re.split(r"[,。:;]", body[0])[0][:14]
                start = len(text)
                text += "".join(body) + "\n"
                picked = rng.sample(themes, rng.randint(1, 2))
                kind = rng.choices(["measure", "outcome", "lesson"], [8, 1, 1])[0]
                measures.append(
                    Measure(
                        doc_id,
                        start,
                        len(text) - 1,
                        heading,
                        text[start:-1],
                        None,
                        kind,
                        themes=picked,
                        theme_scores={t: 0.5 for t in picked},
                        ordinal=i,
                    )
                )
                index.append((seg(heading), " ".join(seg(s) for s in body)))
            mechs = [Mechanism(doc_id, 0, 0, name) for name in rng.sample(MECHANISMS, 2)]
            extraction = Extraction(
                doc_id,
                CaseMetadata(doc_id, title=f"{city}案例{d}"),
                measures=measures,
                mechanisms=mechs,
                places=[Place(doc_id, 0, 0, province=province, city=city, primary=True)],
            )
            store.put_document(
                Document(doc_id, text, aliases=[doc_id], raw_hash=doc_id, content_hash=doc_id),
                Structure(doc_id, text),
                extraction,
                index_text="",
                measure_index=index,
            )
    store.conn.execute("PRAGMA optimize")
    store.close()
    return time.perf_counter() - started


def queries(rng: random.Random, places: list[tuple[str, str]], themes: list[str]) -> dict[str, list[dict]]:
    short_city = [c.rstrip("市") for _, c in places[:20]]
    return {
        "one_word": [{"query": q} for q in ONE_WORD],
        "two_words": [{"query": q} for q in TWO_WORDS],
        "filtered": [
            *({"query": rng.choice(ONE_WORD), "theme": rng.choice(themes)} for _ in range(6)),
            *({"query": rng.choice(TWO_WORDS), "city": rng.choice(short_city)} for _ in range(6)),
            *(
                {"query": rng.choice(ONE_WORD), "mechanism": rng.choice(MECHANISMS), "kind": "measure"}
                for _ in range(4)
            ),
            *({"theme": rng.choice(themes)} for _ in range(2)),
            *({"city": rng.choice(short_city), "kind": "lesson"} for _ in range(2)),
        ],
    }


def percentile(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[int(q) - 1]


def run(path: Path, rounds: int) -> dict:
    rng = random.Random(11)
    store = Store(path, readonly=True)
    report = {}
    for kind, qs in queries(rng, cities(), [n for n, _ in theme_taxonomy()]).items():
        for q in qs:  # warm the page cache and the segmenter
            search(store, **q)
        samples, totals = [], []
        for _ in range(rounds):
            for q in qs:
                t0 = time.perf_counter()
                result = search(store, **q)
                samples.append((time.perf_counter() - t0) * 1000)
                totals.append(result.total)
        report[kind] = {
            "p50_ms": round(percentile(samples, 50), 2),
            "p95_ms": round(percentile(samples, 95), 2),
            "max_ms": round(max(samples), 2),
            "queries": len(samples),
            "max_matches": max(totals),
        }
    store.close()
    return report


def bench_mix(store: Store, n: int = 200, seed: int = 3) -> list[tuple[str, dict]]:
    """(kind, search arguments) of scripts/bench.py's search_latency(): the same words, choices and seed."""
    cities = [
        r[0]
        for r in store.conn.execute(
            "SELECT city FROM documents WHERE city IS NOT NULL GROUP BY city ORDER BY count(*) DESC LIMIT 20"
        )
    ]
    themes = [r[0] for r in store.conn.execute("SELECT DISTINCT theme FROM measure_themes LIMIT 20")]
    one = ["社区", "养老", "志愿者", "社工", "党建", "居民", "治理", "社会组织", "议事", "矛盾", "服务", "网格"]
    two = ["社区 治理", "社会组织 培育", "居民 议事", "志愿者 服务", "党建 引领", "养老 服务", "矛盾 调解"]
    rng = random.Random(seed)
    mix = []
    for i in range(n):
        if i % 4 == 0:
            mix.append(("one_word", {"query": rng.choice(one)}))
        elif i % 4 == 1:
            mix.append(("two_words", {"query": rng.choice(two)}))
        elif i % 4 == 2 and themes:
            mix.append(("one_word_theme", {"query": rng.choice(one), "theme": rng.choice(themes)}))
        else:
            place = {"city": rng.choice(cities)} if cities else {}
            mix.append(("two_words_city", {"query": rng.choice(two), **place}))
    return mix


def run_mix(path: Path, rounds: int) -> dict:
    store = Store(path, readonly=True)
    mix = bench_mix(store)
    for _, q in mix[:20]:  # warm the segmenter and the page cache, as bench.py does
        search(store, **q)
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for _ in range(rounds):
        for kind, q in mix:
            w0, c0 = time.perf_counter(), time.process_time()
            search(store, **q)
            cpu.setdefault(kind, []).append((time.process_time() - c0) * 1000)
            wall.setdefault(kind, []).append((time.perf_counter() - w0) * 1000)
    store.close()
    wall["all"] = [x for k in list(wall) for x in wall[k]]
    cpu["all"] = [x for k in list(cpu) for x in cpu[k]]
    return {
        kind: {
            "p50_ms": round(percentile(wall[kind], 50), 1),
            "p95_ms": round(percentile(wall[kind], 95), 1),
            "cpu_p50_ms": round(percentile(cpu[kind], 50), 1),
            "cpu_p95_ms": round(percentile(cpu[kind], 95), 1),
            "max_ms": round(max(wall[kind]), 1),
            "queries": len(wall[kind]),
        }
        for kind in wall
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--measures", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the store in this directory")
    parser.add_argument("--db", type=Path, help="time scripts/bench.py's query mix on this store instead")
    args = parser.parse_args()
    if args.db:
        print(json.dumps({"db": str(args.db), "rounds": args.rounds, **run_mix(args.db, args.rounds)}, indent=2))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        path = folder / f"bench-{args.measures}.db"
        build_s = None
        if not path.exists():
            build_s = build(path, args.measures)
        result = {
            "measures": args.measures,
            "build_seconds": build_s and round(build_s, 1),
            "db_mb": round(path.stat().st_size / 1e6, 1),
            **run(path, args.rounds),
        }
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
