"""Benchmarks of the scale-out paths: Dask against --jobs, PostgreSQL against SQLite, scheduler overhead.

On the synthetic corpus of scripts/bench.py (seed paragraphs recombined under other
places and numbers), each ingest a fresh ``govcase ingest`` process with rjieba:

- ``--jobs 1``, ``--jobs 2`` and ``--engine dask`` (a LocalCluster of 2 workers) into SQLite;
  ``--jobs 2`` into PostgreSQL. Docs/s, MB/s, and the per-document cost ÷ bare rjieba
  segmentation of the same normalized texts.
- The Dask scheduler's overhead per task (no-op tasks on the same LocalCluster).
- A projection for 10^7 documents: measured per-document worker time × documents ÷
  workers, plus the scheduler's per-task cost × tasks, as hours for W workers.
- Search p50/p95 on a synthetic store of ``--search-docs`` documents in each backend
  (the query mix of scripts/bench_search.py), built directly from rows.

With ``--short DIR``, ``--jobs 1`` against ``--jobs 2`` on the first ``--short-docs``
.txt files of a folder of short documents (linked, never copied into the repository).
Every run keeps its CPU seconds beside the wall clock: on a shared machine the
wall-clock ratio measures the other users as well.

Writes outputs/bench_scale.json. Keep runs short on a shared machine:

    python scripts/bench_scale.py --docs 10000 --search-docs 10000 --pg postgresql://govcase@127.0.0.1:55432/govcase \
        --short /path/to/short/stories --short-docs 3000,10000
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from bench import bare_segmentation, corpus_files, make_corpus  # noqa: E402

GOVCASE = Path(sys.executable).with_name("govcase")


def _fresh_pg(url: str, name: str) -> str:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING UTF8')
    return url.rsplit("/", 1)[0] + "/" + name


def ingest(shards: list[Path], db: str, *extra: str) -> tuple[float, float]:
    """Wall seconds and CPU seconds (the process and its workers) of one ``govcase ingest``.

    The CPU seconds are perf's task-clock of the process tree where perf is installed: on the
    development machine getrusage's children's times came out at times several times the wall
    clock of both cores (35 s of CPU for a 4.5 s run of --jobs 2), at random.
    """
    cmd = [str(GOVCASE), "ingest", *map(str, shards), "--db", db, "--segmenter", "rjieba", *extra]
    perf = shutil.which("perf")
    with tempfile.NamedTemporaryFile(suffix=".perf") as counts:
        if perf:
            cmd = [perf, "stat", "-x,", "-e", "task-clock", "-o", counts.name, *cmd]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
        seconds = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode:
            raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stderr[-2000:]}")
        clock = [line for line in Path(counts.name).read_text().splitlines() if "task-clock" in line]
    if clock:
        return seconds, float(clock[0].split(",")[0]) / 1000
    return seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def _run_figures(seconds: float, cpu: float, docs: int, megabytes: float) -> dict:
    return {
        "seconds": round(seconds, 2),
        "cpu_s": round(cpu, 2),
        "docs_per_s": round(docs / seconds, 1),
        "mb_per_s": round(megabytes / seconds, 3),
        "ms_per_doc": round(1000 * seconds / docs, 2),
        "load": round(os.getloadavg()[0], 2),
    }


def short_documents(folder: Path, n: int, work: Path) -> dict:
    """--jobs 1 against --jobs 2 on the first n .txt files of a folder of short documents.

    On a shared machine the wall-clock ratio measures the other users too, so the CPU
    seconds are kept as well: with storing off the critical path, an idle machine of
    two cores would finish --jobs 2 in (CPU of --jobs 2) / 2, hence the "cpu_bound" ratio.
    """
    from pipeline.ingest.normalize import normalize

    files = sorted(folder.glob("*.txt"))[:n]
    linked = work / "short"
    shutil.rmtree(linked, ignore_errors=True)
    linked.mkdir(parents=True)
    for f in files:  # links, not copies: the texts stay where they are
        (linked / f.name).symlink_to(f.resolve())
    megabytes = sum(f.stat().st_size for f in files) / 1e6
    texts = [normalize(f.read_text(encoding="utf-8")).text for f in files]
    bare, _ = bare_segmentation(texts, "rjieba")
    runs = {}
    for jobs in (1, 2):
        db = work / f"short{jobs}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
        runs[f"jobs{jobs}"] = _run_figures(*ingest([linked], str(db), "--jobs", str(jobs)), len(files), megabytes)
    bare_ms = 1000 * bare / len(files)
    for run in runs.values():
        run["x_bare_rjieba"] = round(run["ms_per_doc"] / bare_ms, 1)
        run["x_bare_rjieba_cpu"] = round(1000 * run["cpu_s"] / len(files) / bare_ms, 1)
    return {
        "docs": len(files),
        "mb": round(megabytes, 2),
        "bare_rjieba_ms_per_doc": round(bare_ms, 3),
        **runs,
        "jobs2_speedup_wall": round(runs["jobs1"]["seconds"] / runs["jobs2"]["seconds"], 2),
        "jobs2_speedup_cpu_bound": round(runs["jobs1"]["cpu_s"] / (runs["jobs2"]["cpu_s"] / 2), 2),
    }


def scheduler_overhead(tasks: int = 2000) -> dict:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None, host="127.0.0.1") as cluster,
        Client(cluster) as client,
    ):
        client.gather(client.map(_noop, range(50), pure=False))  # warm
        started = time.perf_counter()
        client.gather(client.map(_noop, range(tasks), pure=False))
        seconds = time.perf_counter() - started
    return {"tasks": tasks, "ms_per_task": 1000 * seconds / tasks}


def _noop(i: int) -> int:
    return i


def search_store(target: str, n_docs: int, per_doc: int, seed: int = 7) -> float:
    """A synthetic store of n_docs documents of per_doc practices (bench_search's recipe), built from rows."""
    from bench_search import MECHANISMS, cities, corpus_sentences

    from pipeline.api import open_store
    from pipeline.records import CaseMetadata, Document, Extraction, Measure, Mechanism, Place, Structure
    from pipeline.search import theme_taxonomy
    from pipeline.segment import get_segmenter

    rng = random.Random(seed)
    cut = get_segmenter("rjieba").cut
    cache: dict[str, str] = {}

    def seg(text: str) -> str:
        if text not in cache:
            cache[text] = " ".join(t for t in cut(text) if t.strip())
        return cache[text]

    sentences, places, themes = corpus_sentences(), cities(), [n for n, _ in theme_taxonomy()]
    started = time.perf_counter()
    store = open_store(target)
    with store.transaction():
        for d in range(n_docs):
            doc_id = f"bench{d:06d}"
            province, city = rng.choice(places)
            text, measures, index = "", [], []
            for i in range(per_doc):
                body = rng.sample(sentences, rng.randint(2, 4))
                heading = re.split(r"[,。:;]", body[0])[0][:14]
                start = len(text)
                text += "".join(body) + "\n"
                picked = rng.sample(themes, rng.randint(1, 2))
                kind = rng.choices(["measure", "outcome", "lesson"], [8, 1, 1])[0]
                measures.append(
                    Measure(doc_id, start, len(text) - 1, heading, text[start:-1], None, kind, themes=picked,
                            theme_scores={t: 0.5 for t in picked}, ordinal=i)
                )  # fmt: skip
                index.append((seg(heading), " ".join(seg(s) for s in body)))
            extraction = Extraction(
                doc_id,
                CaseMetadata(doc_id, title=f"{city}案例{d}"),
                measures=measures,
                mechanisms=[Mechanism(doc_id, 0, 0, name) for name in rng.sample(MECHANISMS, 2)],
                places=[Place(doc_id, 0, 0, province=province, city=city, primary=True)],
            )
            store.put_document(
                Document(doc_id, text, aliases=[doc_id], raw_hash=doc_id, content_hash=doc_id),
                Structure(doc_id, text),
                extraction,
                measure_index=index,
            )
    if hasattr(store, "url"):
        store.conn.execute("ANALYZE")
    store.close()
    return time.perf_counter() - started


def search_latency(target: str, rounds: int = 2) -> dict:
    from bench_search import cities, queries

    from pipeline.api import open_store
    from pipeline.search import search, theme_taxonomy

    store = open_store(target, readonly=True)
    mix = [q for qs in queries(random.Random(11), cities(), [n for n, _ in theme_taxonomy()]).values() for q in qs]
    for q in mix:
        search(store, **q)  # warm caches and the segmenter
    samples = []
    for _ in range(rounds):
        for q in mix:
            t0 = time.perf_counter()
            search(store, **q)
            samples.append((time.perf_counter() - t0) * 1000)
    store.close()
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50_ms": round(cuts[49], 2), "p95_ms": round(cuts[94], 2), "max_ms": round(max(samples), 2),
            "queries": len(samples)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--search-docs", type=int, default=10_000)
    parser.add_argument("--per-doc", type=int, default=5, help="practices per document of the search store")
    parser.add_argument("--pg", help="PostgreSQL URL of a database allowed to create databases")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "govcase-bench-scale")
    parser.add_argument("--short", type=Path, help="a folder of short documents (.txt) for --jobs 1 against 2")
    parser.add_argument("--short-docs", default="3000", help="comma-separated numbers of short documents")
    parser.add_argument("--skip", default="", help="comma-separated: ingest,search,scheduler")
    parser.add_argument("--out", type=Path, default=ROOT / "outputs" / "bench_scale.json")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    args.work.mkdir(parents=True, exist_ok=True)
    report: dict = {"docs": args.docs, "cpus": os.cpu_count(), "load_before": os.getloadavg()[0]}
    if "ingest" not in skip:
        shards = make_corpus(args.docs, args.work / "corpus")
        files = corpus_files(shards)[: args.docs]
        megabytes = sum(p.stat().st_size for p in files) / 1e6
        from pipeline.ingest.normalize import normalize

        texts = [normalize(p.read_text(encoding="utf-8")).text for p in files]
        bare, _ = bare_segmentation(texts, "rjieba")
        runs = {}
        for name, db, extra in [
            ("sqlite_jobs1", str(args.work / "j1.db"), ["--jobs", "1"]),
            ("sqlite_jobs2", str(args.work / "j2.db"), ["--jobs", "2"]),
            ("sqlite_dask2", str(args.work / "dask.db"), ["--engine", "dask", "--jobs", "2"]),
            *([("postgresql_jobs2", _fresh_pg(args.pg, "bench_ingest"), ["--jobs", "2"])] if args.pg else []),
        ]:
            for suffix in ("", "-wal", "-shm"):
                if not db.startswith("postgresql"):
                    Path(db + suffix).unlink(missing_ok=True)
            runs[name] = _run_figures(*ingest(shards, db, *extra), args.docs, megabytes)
        report["ingest"] = runs
        report["corpus_mb"] = round(megabytes, 2)
        report["bare_rjieba_ms_per_doc"] = round(1000 * bare / len(texts), 3)
        for run in runs.values():
            run["x_bare_rjieba"] = round(run["ms_per_doc"] / report["bare_rjieba_ms_per_doc"], 1)
            run["x_bare_rjieba_cpu"] = round(1000 * run["cpu_s"] / args.docs / report["bare_rjieba_ms_per_doc"], 1)
        report["jobs2_speedup"] = round(runs["sqlite_jobs1"]["seconds"] / runs["sqlite_jobs2"]["seconds"], 2)
        report["jobs2_speedup_cpu_bound"] = round(
            runs["sqlite_jobs1"]["cpu_s"] / (runs["sqlite_jobs2"]["cpu_s"] / 2), 2
        )
        report["dask_overhead_vs_jobs2"] = round(
            runs["sqlite_dask2"]["seconds"] / runs["sqlite_jobs2"]["seconds"] - 1, 3
        )
        report["dask_overhead_vs_jobs2_cpu"] = round(
            runs["sqlite_dask2"]["cpu_s"] / runs["sqlite_jobs2"]["cpu_s"] - 1, 3
        )
    if args.short:
        sizes = [int(n) for n in args.short_docs.split(",")]
        report["short"] = [short_documents(args.short, n, args.work) for n in sizes]
    if "scheduler" not in skip:
        report["scheduler"] = scheduler_overhead()
        if "ingest" in report:
            from pipeline.dask_engine import PARTITION_DOCS

            # Worker time per document: the CPU of the jobs-1 run (analysis dominates it; CPU rather
            # than wall clock, which on a shared machine measures the other users too).
            per_doc_s = report["ingest"]["sqlite_jobs1"]["cpu_s"] / args.docs
            task_s = report["scheduler"]["ms_per_task"] / 1000
            n = 10**7
            report["projection_1e7"] = {
                "worker_hours": round(n * per_doc_s / 3600, 1),
                **{
                    f"hours_with_{w}_workers": round((n * per_doc_s / w + n / PARTITION_DOCS * task_s) / 3600, 2)
                    for w in (16, 64, 128, 256)
                },
                "workers_for_8h": int(n * per_doc_s / (8 * 3600 - n / PARTITION_DOCS * task_s)) + 1,
            }
    if "search" not in skip:
        report["search"] = {"documents": args.search_docs, "practices": args.search_docs * args.per_doc}
        lite = args.work / "search.db"
        for suffix in ("", "-wal", "-shm"):
            Path(str(lite) + suffix).unlink(missing_ok=True)
        targets = [("sqlite", str(lite))] + ([("postgresql", _fresh_pg(args.pg, "bench_search"))] if args.pg else [])
        for name, target in targets:
            build = search_store(target, args.search_docs, args.per_doc)
            report["search"][name] = {"build_s": round(build, 1), **search_latency(target)}
    report["load_after"] = os.getloadavg()[0]
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
