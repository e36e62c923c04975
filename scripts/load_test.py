"""Load test of a running ``govcase serve``: concurrent clients over the search, case and compare pages.

Only a server on this machine is accepted (127.0.0.1 / localhost), and the run is
bounded both in requests and in seconds. Each client is a thread with its own
keep-alive connection, sending requests back to back (or, with --think, pausing
like a reader between them); the mix is 70 % search
pages (one or two words, a third of them filtered by theme or city), 20 % case
pages and 10 % compare pages (a few cities). Prints, and with --out writes, one JSON
object: requests, errors (non-200 or failed), pages the server answered from its
cache (``kept``), throughput, p50/p95/max in ms, per page kind and overall.
Latencies include the client threads' own time on a shared machine, so they are
upper bounds.

The default mix (``--mix narrow``) draws its words from a dozen and its cases from
the first hundred hits of 社区, so a server that keeps pages soon answers most of
it from memory. ``--mix wide`` draws from the served store itself: the words of
``--vocabulary-cases`` cases read through /api/cases (segmented as govcase indexes
them), and the cases and cities of searches for those words, with result pages 1-3,
so most requests ask for a page nobody asked for before.

    python scripts/load_test.py --url http://127.0.0.1:8000 --clients 50 --requests 2000 --seconds 60
    python scripts/load_test.py --mix wide --think 5 --out outputs/load_wide.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import NamedTuple

WORDS = ["社区", "养老", "志愿者", "社工", "党建", "居民", "治理", "社会组织", "议事", "矛盾", "服务", "网格"]
PAIRS = ["社区 治理", "社会组织 培育", "居民 议事", "志愿者 服务", "党建 引领", "养老 服务", "矛盾 调解"]
MAX_REQUESTS = 100_000
MAX_SECONDS = 600


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes, bool]:
    """Status, body, and whether the server answered with a page it kept (pipeline.web.cache)."""
    conn.request("GET", path, headers={"Connection": "keep-alive"})
    response = conn.getresponse()
    return response.status, response.read(), response.getheader("hit_cache") is not None


def _retry(conn: http.client.HTTPConnection, path: str) -> tuple[int, bool]:
    try:
        status, _, kept = _get(conn, path)
        return status, kept
    except (OSError, http.client.HTTPException):
        conn.close()
        return 0, False


class Served(NamedTuple):
    """What the mix draws from: case ids, themes, cities, and the words of its queries."""

    ids: list[str]
    themes: list[str]
    cities: list[str]
    words: list[str] = WORDS
    pairs: list[str] = PAIRS
    pages: int = 1  # result pages a search asks for, 1..pages


def _api_json(conn: http.client.HTTPConnection, path: str) -> dict:
    status, body, _ = _get(conn, path)
    if status != 200:
        raise SystemExit(f"the server answered {status} to {path}")
    return json.loads(body)


def _hits(conn: http.client.HTTPConnection, words: list[str], served: Served) -> None:
    for word in words:
        data = _api_json(conn, "/api/search?" + urllib.parse.urlencode({"q": word, "per_page": 100}))
        served.ids.extend(h["doc_id"] for h in data["hits"])
        served.themes.extend(t for h in data["hits"] for t in h["themes"])
        served.cities.extend(h["city"] for h in data["hits"] if h.get("city"))


def discover(host: str, port: int) -> Served:
    """Case ids, themes and cities of the served store, read through its own JSON API (the narrow mix)."""
    conn = http.client.HTTPConnection(host, port, timeout=60)
    served = Served([], [], [])
    _hits(conn, ["社区"], served)
    conn.close()
    return _distinct(served)


def discover_wide(host: str, port: int, cases: int, seed: int = 5) -> Served:
    """The wide mix: the words of ``cases`` served cases (their texts through /api/cases, cut by
    govcase's own segmenter, so that they are words of the index), and the ids and cities of
    searches for 40 of them."""
    from pipeline.segment import get_segmenter

    cut = get_segmenter().cut
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(host, port, timeout=60)
    served = Served([], [], [])
    _hits(conn, ["社区"], served)
    words: set[str] = set()
    for doc_id in rng.sample(sorted(set(served.ids)), min(cases, len(set(served.ids)))):
        text = _api_json(conn, "/api/cases/" + urllib.parse.quote(doc_id))["text"]
        words.update(w for w in cut(text) if len(w) >= 2 and all("\u4e00" <= c <= "\u9fff" for c in w))
    vocabulary = sorted(words)
    _hits(conn, rng.sample(vocabulary, min(40, len(vocabulary))), served)
    conn.close()
    pairs = [" ".join(rng.sample(vocabulary, 2)) for _ in range(len(vocabulary))] if len(vocabulary) > 1 else []
    return _distinct(served)._replace(words=vocabulary, pairs=pairs or vocabulary, pages=3)


def _distinct(served: Served) -> Served:
    return served._replace(
        ids=sorted(set(served.ids)), themes=sorted(set(served.themes)), cities=sorted(set(served.cities))
    )


def plan(n: int, served: Served, seed: int = 5) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    ids, themes, cities = served.ids, served.themes, served.cities
    paths = []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.7:
            args: dict[str, str | int] = {"q": rng.choice(served.words if rng.random() < 0.5 else served.pairs)}
            if rng.random() < 1 / 3 and themes and cities:
                args.update({"theme": rng.choice(themes)} if rng.random() < 0.5 else {"city": rng.choice(cities)})
            if served.pages > 1:
                args["page"] = rng.randint(1, served.pages)
            paths.append(("search", "/?" + urllib.parse.urlencode(args)))
        elif roll < 0.9 and ids:
            paths.append(("case", f"/cases/{rng.choice(ids)}"))
        else:
            places = rng.sample(cities, min(3, len(cities)))
            paths.append(("compare", "/compare?" + urllib.parse.urlencode([("city", p) for p in places])))
    return paths


def run(host: str, port: int, clients: int, paths: list[tuple[str, str]], seconds: float, think: float = 0.0) -> dict:
    lock = threading.Lock()
    queue = iter(paths)
    samples: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    kept_pages: dict[str, int] = {}
    deadline = time.monotonic() + seconds

    def client() -> None:
        rng = random.Random(threading.get_ident())
        conn = http.client.HTTPConnection(host, port, timeout=60)
        while time.monotonic() < deadline:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            kind, path = item
            started = time.perf_counter()
            try:
                status, _, kept = _get(conn, path)
            except (ConnectionError, http.client.RemoteDisconnected):
                # The server closed the idle keep-alive connection (gunicorn after 2 s): a browser
                # sends the request again on a new one, and so does this client, once.
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
                status, kept = _retry(conn, path)
            except (OSError, http.client.HTTPException):
                status, kept = 0, False
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                samples.setdefault(kind, []).append(elapsed)
                if status != 200:
                    errors[kind] = errors.get(kind, 0) + 1
                kept_pages[kind] = kept_pages.get(kind, 0) + kept
            if think:
                time.sleep(think * (0.5 + rng.random()))
        conn.close()

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    everything = [x for xs in samples.values() for x in xs]
    report = {"clients": clients, "think_s": think, "seconds": round(wall, 2), "requests": len(everything)}
    report["errors"] = sum(errors.values())
    report["requests_per_s"] = round(len(everything) / wall, 1) if wall else 0.0
    report["kept"] = sum(kept_pages.values())  # answered with a page the server had kept
    for kind, xs in [("all", everything), *sorted(samples.items())]:
        per_kind = {"errors": errors.get(kind, 0), "kept": kept_pages.get(kind, 0)} if kind != "all" else {}
        report[kind] = _summary(xs) | per_kind
    return report


def _summary(xs: list[float]) -> dict:
    if len(xs) < 2:
        return {"n": len(xs)}
    q = statistics.quantiles(xs, n=100, method="inclusive")
    return {"n": len(xs), "p50_ms": round(q[49], 1), "p95_ms": round(q[94], 1), "max_ms": round(max(xs), 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--think", type=float, default=0.0, help="mean seconds a client waits between its requests (0: back to back)"
    )
    parser.add_argument(
        "--mix", choices=["narrow", "wide"], default="narrow", help="narrow: a dozen words; wide: the store's words"
    )
    parser.add_argument("--vocabulary-cases", type=int, default=60, help="cases whose words make the wide mix")
    parser.add_argument("--seed", type=int, default=5, help="of the mix (the same seed asks the same pages)")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "http" or url.hostname not in {"127.0.0.1", "localhost"}:
        parser.error("only a server on this machine is load-tested: --url http://127.0.0.1:PORT")
    if not (0 < args.requests <= MAX_REQUESTS and 0 < args.seconds <= MAX_SECONDS and 0 < args.clients <= 200):
        parser.error(f"bounds: 1..{MAX_REQUESTS} requests, 1..{MAX_SECONDS} s, 1..200 clients")
    host, port = url.hostname, url.port or 80
    served = discover(host, port) if args.mix == "narrow" else discover_wide(host, port, args.vocabulary_cases)
    paths = plan(args.requests, served, args.seed)
    report = run(host, port, args.clients, paths, args.seconds, args.think)
    report = {"mix": args.mix, "distinct_pages": len(set(paths)), "words": len(served.words), **report}
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n", encoding="utf-8")
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
