"""Benchmark the ingest pipeline side by side with the segmentation it cannot avoid.

Builds a corpus of N reports offline by recombining the seed reports' own
paragraphs under other places (corpus/gazetteer.tsv) and other numbers, then
measures on the same normalized text: bare ``jieba.lcut`` and ``rjieba.cut``,
the full ingest (``pipeline.api.ingest``) with each segmenter, ``--jobs 2``
against ``--jobs 1``, a second run over the unchanged corpus, clustering, and
search latency on the resulting store. Every ingest runs in a subprocess, so
its peak RSS is its own. With ``--rss-docs`` the rjieba ingest is also run over
larger corpora for peak RSS (memory must stay flat as the batch grows).

Results go to outputs/bench.json and a Markdown table outputs/bench.md.

    .venv/bin/python scripts/bench.py --docs 200                 # smoke, < 1 min
    .venv/bin/python scripts/bench.py --docs 2000 --rss-docs 10000,50000
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARD = 1000  # files per corpus sub-directory, so a prefix of the corpus is a list of directories
_REPORT_NAME = re.compile(r"\d{3}_")
# Numbers that date the text (2018年, 10月, 24日) keep their value: only counts and amounts vary.
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?![\d.]*[年月日时号])")
_SLOTS = {"P": "\x00P\x00", "C": "\x00C\x00", "D": "\x00D\x00"}


# -- corpus ---------------------------------------------------------------------------------
def seed_reports(corpus_dir: Path) -> list[Path]:
    """The case reports among corpus/*.txt and corpus/reports/*.txt (not the data files)."""
    found = [p for p in corpus_dir.glob("*.txt") if _REPORT_NAME.match(p.name)]
    found += list((corpus_dir / "reports").glob("*.txt"))
    return sorted(set(found))


def _divisions(corpus_dir: Path) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str]]]:
    """Gazetteer names → (level, full name), and (province, city, district) triples to draw from."""
    rows = [
        line.split("\t")
        for line in (corpus_dir / "gazetteer.tsv").read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#")
    ]
    by_code = {(r[0], r[1]): r for r in rows if r[0] in ("P", "C", "D")}
    names: dict[str, tuple[str, str]] = {}
    for r in rows:
        if r[0] in ("P", "C", "D"):
            names.setdefault(r[2], (r[0], r[2]))
            if len(r[3]) >= 2:
                names.setdefault(r[3], (r[0], r[2]))
    triples = []
    for r in rows:
        if r[0] != "D" or not r[2].endswith("区"):
            continue
        city = by_code.get(("C", r[4]))
        province = by_code.get(("P", city[4] if city else r[4]))
        if city and province and city[2] != province[2]:
            triples.append((province[2], city[2], r[2]))
    return names, triples


def _templates(corpus_dir: Path) -> tuple[list[str], list[str]]:
    """(headings, paragraphs) of the seeds, normalized, with their place names made slots."""
    from pipeline.ingest.normalize import normalize

    names, _ = _divisions(corpus_dir)
    texts = [normalize(p.read_text(encoding="utf-8")).text for p in seed_reports(corpus_dir)]
    # Only the names the seeds use, longest first; short forms of a city or district only where its
    # full name occurs too, so that words which merely look like a place (大同, 长治) stay words.
    full = {name for name, (_, f) in names.items() if name == f and any(name in t for t in texts)}
    used = sorted(
        (n for n, (level, f) in names.items() if (f in full or level == "P") and any(n in t for t in texts)),
        key=len,
        reverse=True,
    )
    pattern = re.compile("|".join(map(re.escape, used))) if used else None
    headings, paragraphs = [], []
    for text in texts:
        for line in text.split("\n"):
            line = line.strip()
            if not line:
                continue
            if pattern:
                line = pattern.sub(lambda m: _SLOTS[names[m.group()][0]], line)
            (paragraphs if len(line) >= 40 else headings).append(line)
    return headings, paragraphs


def _vary_numbers(text: str, rng: random.Random) -> str:
    def repl(m: re.Match) -> str:
        whole, _, frac = m.group().partition(".")
        digits = str(rng.randint(10 ** (len(whole) - 1) if len(whole) > 1 else 1, 10 ** len(whole) - 1))
        return digits + ("." + "".join(str(rng.randint(0, 9)) for _ in frac) if frac else "")

    return _NUMBER.sub(repl, text)


def make_corpus(n: int, out_dir: Path, *, corpus_dir: Path = ROOT / "corpus", seed: int = 0) -> list[Path]:
    """Write ``n`` synthetic reports as .txt under out_dir/NNN/ (SHARD per directory); return the shard dirs.

    Document i depends only on (seed, i), so a smaller corpus is a prefix of a
    larger one and existing files are kept.
    """
    headings, paragraphs = _templates(corpus_dir)
    _, triples = _divisions(corpus_dir)
    shards = []
    for i in range(n):
        shard = out_dir / f"{i // SHARD:03d}"
        if i % SHARD == 0:
            shard.mkdir(parents=True, exist_ok=True)
            shards.append(shard)
        path = shard / f"doc{i:06d}.txt"
        if path.exists():
            continue
        rng = random.Random(seed * 1_000_003 + i)
        province, city, district = rng.choice(triples)
        lines = [rng.choice(headings), "", f"{province}{city}{district}——", ""]
        body = rng.sample(paragraphs, rng.randint(7, 13))
        section_heads = iter(rng.sample(headings, 4))
        for k, para in enumerate(body):
            if k and rng.random() < 0.3:
                lines += [next(section_heads, ""), ""]
            lines += [para, ""]
        text = "\n".join(lines).replace(_SLOTS["P"], province).replace(_SLOTS["C"], city)
        text = text.replace(_SLOTS["D"], district)
        path.write_text(_vary_numbers(text, rng), encoding="utf-8")
    return shards


def corpus_files(shards: list[Path]) -> list[Path]:
    return [p for s in shards for p in sorted(s.glob("*.txt"))]


# -- measurements -----------------------------------------------------------------------------
def bare_segmentation(texts: list[str], segmenter: str) -> tuple[float, float]:
    """Wall and CPU seconds to segment every text with the segmenter alone (dictionary already loaded)."""
    from pipeline.segment import get_segmenter

    seg = get_segmenter(segmenter)  # loads the user dictionary, as the pipeline does
    if segmenter == "jieba":
        import jieba

        cut = jieba.lcut
    else:
        cut = seg.cut
    started, cpu = time.perf_counter(), time.process_time()
    for text in texts:
        cut(text)
    return time.perf_counter() - started, time.process_time() - cpu


def _peak_rss_mb() -> float:
    """This process's peak resident memory since it started.

    Linux keeps ru_maxrss across exec, so a child started from this (large) bench
    process would report the bench's own size; VmHWM belongs to the new image only.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_ingest(spec: dict) -> dict:
    """Run one ingest in this (child) process; report its time and peak memory."""
    from pipeline import api

    started = time.perf_counter()
    if spec["jobs"] <= 1 and spec["fresh"]:  # a re-run over stored files loads nothing, as in real use
        # One process loads the dictionary, the theme model and the rules once, whatever the
        # corpus size: timed apart, so that the per-document cost can be compared with bare
        # segmentation (whose dictionary is loaded before its clock starts) at any N.
        api.warm_up(api.WorkerOptions(segmenter=spec["segmenter"]))
    setup = time.perf_counter() - started
    summary = api.ingest(spec["paths"], db=spec["db"], jobs=spec["jobs"], segmenter=spec["segmenter"])
    seconds = time.perf_counter() - started
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return {
        "seconds": seconds,
        "setup_seconds": setup,
        "cpu_seconds": sum(u.ru_utime + u.ru_stime for u in usage),
        "ingested": summary.ingested,
        "duplicates": summary.duplicates,
        "unchanged": summary.unchanged,
        "errors": summary.failed,
        "rss_main_mb": _peak_rss_mb(),
        "rss_worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def run_ingest(
    shards: list[Path],
    db: Path,
    *,
    jobs: int = 1,
    segmenter: str = "jieba",
    fresh: bool = True,
    profile: Path | None = None,
) -> dict:
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            Path(str(db) + suffix).unlink(missing_ok=True)
    spec = {"paths": [str(s) for s in shards], "db": str(db), "jobs": jobs, "segmenter": segmenter, "fresh": fresh}
    cmd = [sys.executable, __file__, "--child", json.dumps(spec)]
    if profile:
        cmd = [str(Path(sys.executable).parent / "pyinstrument"), "-r", "text", "-o", str(profile), *cmd[1:]]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"ingest failed: {' '.join(cmd)}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def cluster_seconds(db: Path, segmenter: str) -> float:
    from pipeline import api

    started = time.perf_counter()
    api.cluster(str(db), segmenter=segmenter)
    return time.perf_counter() - started


def search_latency(db: Path, n: int = 200, seed: int = 3) -> dict:
    """p50/p95 over one-word, two-word and filtered queries (milliseconds)."""
    from bench_search import bench_mix

    from pipeline.search import search
    from pipeline.store import Store

    store = Store(db, readonly=True)
    queries = [args for _, args in bench_mix(store, n, seed)]  # the mix bench_search.py reports per kind
    for q in queries[:20]:  # warm the segmenter and the page cache
        search(store, **q)
    samples = []
    for q in queries:
        t0 = time.perf_counter()
        search(store, **q)
        samples.append((time.perf_counter() - t0) * 1000)
    store.close()
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50_ms": cuts[49], "p95_ms": cuts[94], "max_ms": max(samples), "queries": len(samples)}


def gold_scores(corpus_dir: Path, work: Path) -> dict:
    """Extraction scores on the gold with each segmenter, and the fields where they differ by more than 0.01."""
    from pipeline import api

    scores = {}
    for segmenter in ("jieba", "rjieba"):
        db = work / f"gold-{segmenter}.db"
        api.ingest([str(p) for p in seed_reports(corpus_dir)], db=str(db), segmenter=segmenter)
        report = api.evaluate(str(db), corpus_dir / "gold", themes_lodo=False).to_dict()
        scores[segmenter] = {
            name: round(report[name].get("f1", report[name].get("accuracy", 0.0)), 4)
            for name in ("figures", "changes", "mechanisms", "measures", "themes", "locations", "metadata")
        }
    diff = {
        k: round(scores["rjieba"][k] - scores["jieba"][k], 4)
        for k in scores["jieba"]
        if abs(scores["rjieba"][k] - scores["jieba"][k]) > 0.01
    }
    return {**scores, "differs": diff}


# -- report -------------------------------------------------------------------------------------
def markdown(r: dict) -> str:
    rows = [
        ("documents / MB", f"{r['docs']} / {r['mb']:.1f}", ""),
        ("bare jieba.lcut", f"{r['bare_jieba_s']:.1f} s", f"{r['mb'] / r['bare_jieba_s']:.2f} MB/s"),
        ("bare rjieba.cut", f"{r['bare_rjieba_s']:.1f} s", f"{r['mb'] / r['bare_rjieba_s']:.2f} MB/s"),
        (
            "ingest, jieba, 1 job",
            f"{r['ingest_jieba_s']:.1f} s",
            f"{r['docs'] / r['ingest_jieba_s']:.1f} docs/s, {r['mb'] / r['ingest_jieba_s']:.2f} MB/s",
        ),
        (
            "ingest, rjieba, 1 job",
            f"{r['ingest_rjieba_s']:.1f} s",
            f"{r['docs'] / r['ingest_rjieba_s']:.1f} docs/s, {r['mb'] / r['ingest_rjieba_s']:.2f} MB/s",
        ),
        (
            "ingest, rjieba, 2 jobs",
            f"{r['ingest_rjieba_jobs2_s']:.1f} s",
            f"{r['docs'] / r['ingest_rjieba_jobs2_s']:.1f} docs/s",
        ),
        (
            "pipeline / bare jieba (target ≤ 1.3)",
            f"{r['ratio_pipeline_to_jieba']:.2f}",
            f"CPU time: {r['ratio_pipeline_to_jieba_cpu']:.2f}",
        ),
        (
            "one-time setup per process (dictionary, model, rules): jieba / rjieba",
            f"{r['setup_jieba_s']:.1f} / {r['setup_rjieba_s']:.1f} s",
            "included above",
        ),
        ("pipeline / bare jieba, setup excluded", f"{r['ratio_pipeline_to_jieba_steady']:.2f}", ""),
        ("speed-up rjieba over jieba, setup excluded", f"{r['speedup_rjieba_steady']:.2f}×", ""),
        ("pipeline(rjieba) / bare rjieba", f"{r['ratio_pipeline_to_rjieba']:.2f}", ""),
        ("speed-up rjieba over jieba (≥ 5)", f"{r['speedup_rjieba']:.2f}×", ""),
        ("speed-up 2 jobs over 1 (≥ 1.7)", f"{r['speedup_jobs2']:.2f}×", ""),
        ("second run, unchanged (≤ 5 %)", f"{r['rerun_s']:.2f} s", f"{100 * r['rerun_fraction']:.1f} %"),
        ("cluster", f"{r['cluster_s']:.1f} s", ""),
        ("search p50 / p95 (p95 ≤ 50 ms)", f"{r['search_p50_ms']:.1f} / {r['search_p95_ms']:.1f} ms", ""),
    ]
    for n, rss in sorted(r["peak_rss_mb"].items(), key=lambda kv: int(kv[0])):
        rows.append((f"peak RSS, {n} docs (rjieba, 1 job)", f"{rss:.0f} MB", ""))
    for n, extra in sorted(r.get("large", {}).items(), key=lambda kv: int(kv[0])):
        rows.append(
            (
                f"{n} docs: ingest / re-run / search p95",
                f"{extra['ingest_s']:.0f} s / {extra['rerun_s']:.1f} s / {extra['search_p95_ms']:.1f} ms",
                f"{extra['docs_per_s']:.0f} docs/s",
            )
        )
    gold = r.get("gold")
    if gold:
        rows.append(
            ("gold F1 jieba vs rjieba differ (> 0.01)", json.dumps(gold["differs"], ensure_ascii=False) or "{}", "")
        )
    lines = ["| measure | value | rate |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument(
        "--rss-docs",
        default="",
        help="comma-separated larger corpus sizes for peak RSS, re-run time and search latency (rjieba, 1 job)",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=ROOT / "outputs" / "bench-corpus",
        help="corpus and stores (kept between runs; reused files are not rewritten)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "outputs")
    parser.add_argument("--no-gold", action="store_true", help="skip the gold scores per segmenter")
    parser.add_argument("--profile", action="store_true", help="pyinstrument text profiles of the 1-job ingests")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child_ingest(json.loads(args.child))))
        return 0

    from pipeline.ingest.normalize import normalize
    from pipeline.segment import get_segmenter

    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    args.out.mkdir(parents=True, exist_ok=True)
    shards = make_corpus(args.docs, work / "docs")
    files = corpus_files(shards)[: args.docs]
    texts = [normalize(p.read_text(encoding="utf-8")).text for p in files]
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    for name in ("jieba", "rjieba"):
        get_segmenter(name)
    result: dict = {"docs": len(files), "mb": mb}
    result["bare_jieba_s"], result["bare_jieba_cpu_s"] = bare_segmentation(texts, "jieba")
    result["bare_rjieba_s"], result["bare_rjieba_cpu_s"] = bare_segmentation(texts, "rjieba")
    del texts
    db = work / f"store-{args.docs}.db"
    jieba_run = run_ingest(shards, work / "store-jieba.db", segmenter="jieba")
    jobs2 = run_ingest(shards, work / "store-jobs2.db", segmenter="rjieba", jobs=2)
    first = run_ingest(shards, db, segmenter="rjieba")
    rerun = run_ingest(shards, db, segmenter="rjieba", fresh=False)
    if args.profile:  # separate runs: the profiler's overhead must not enter the timings
        for name in ("jieba", "rjieba"):
            run_ingest(shards, work / "store-profile.db", segmenter=name, profile=args.out / f"profile-{name}.txt")
    result.update(
        ingest_jieba_s=jieba_run["seconds"],
        ingest_rjieba_s=first["seconds"],
        ingest_rjieba_jobs2_s=jobs2["seconds"],
        ingest_jieba_cpu_s=jieba_run["cpu_seconds"],
        ingest_rjieba_cpu_s=first["cpu_seconds"],
        ingested=first["ingested"],
        duplicates=first["duplicates"],
        errors=first["errors"],
        ratio_pipeline_to_jieba=jieba_run["seconds"] / result["bare_jieba_s"],
        ratio_pipeline_to_jieba_cpu=jieba_run["cpu_seconds"] / result["bare_jieba_cpu_s"],
        setup_jieba_s=jieba_run["setup_seconds"],
        setup_rjieba_s=first["setup_seconds"],
        ratio_pipeline_to_jieba_steady=(jieba_run["seconds"] - jieba_run["setup_seconds"]) / result["bare_jieba_s"],
        speedup_rjieba_steady=(jieba_run["seconds"] - jieba_run["setup_seconds"])
        / (first["seconds"] - first["setup_seconds"]),
        ratio_pipeline_to_rjieba=first["seconds"] / result["bare_rjieba_s"],
        speedup_rjieba=jieba_run["seconds"] / first["seconds"],
        speedup_jobs2=first["seconds"] / jobs2["seconds"],
        rerun_s=rerun["seconds"],
        rerun_fraction=rerun["seconds"] / first["seconds"],
        rerun_unchanged=rerun["unchanged"],
        peak_rss_mb={str(args.docs): first["rss_main_mb"]},
        rss_jobs2_mb={"main": jobs2["rss_main_mb"], "worker": jobs2["rss_worker_mb"]},
        cluster_s=cluster_seconds(db, "rjieba"),
    )
    latency = search_latency(db)
    result.update(search_p50_ms=latency["p50_ms"], search_p95_ms=latency["p95_ms"], search_max_ms=latency["max_ms"])
    large = {}
    for n in [int(x) for x in args.rss_docs.split(",") if x.strip()]:
        big = make_corpus(n, work / "docs")
        big_db = work / f"store-{n}.db"
        run = run_ingest(big, big_db, segmenter="rjieba")
        again = run_ingest(big, big_db, segmenter="rjieba", fresh=False)
        result["peak_rss_mb"][str(n)] = run["rss_main_mb"]
        large[str(n)] = {
            "ingest_s": run["seconds"],
            "docs_per_s": n / run["seconds"],
            "rerun_s": again["seconds"],
            "rerun_fraction": again["seconds"] / run["seconds"],
            "rerun_peak_rss_mb": again["rss_main_mb"],
            "ingested": run["ingested"],
            "duplicates": run["duplicates"],
            "search_p95_ms": search_latency(big_db)["p95_ms"],
        }
        if n == max(int(x) for x in args.rss_docs.split(",") if x.strip()):
            result["search_p95_ms_largest"] = large[str(n)]["search_p95_ms"]
            result["cluster_s_largest"] = cluster_seconds(big_db, "rjieba")
    if large:
        result["large"] = large
    if not args.no_gold:
        with tempfile.TemporaryDirectory() as tmp:
            result["gold"] = gold_scores(ROOT / "corpus", Path(tmp))
    (args.out / "bench.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (args.out / "bench.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
