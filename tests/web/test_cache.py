"""Pages kept until the store changes (pipeline.web.cache): an ingest shows, every parameter is part of the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import api
from pipeline.web import app as web_app
from pipeline.web import create_app

SEEDS = sorted((Path(__file__).resolve().parents[2] / "corpus" / "reports").glob("*.txt"))


def _db(store) -> str:
    return getattr(store, "url", None) or store.path


@pytest.fixture()
def counted_searches(monkeypatch):
    """The number of searches the app ran (a kept page runs none)."""
    calls: list[str] = []
    real = web_app.search

    def search(store, q, **kwargs):
        calls.append(q)
        return real(store, q, **kwargs)

    monkeypatch.setattr(web_app, "search", search)
    return calls


@pytest.fixture()
def check_every(monkeypatch):
    """A factory: an app that asks whether its store changed every ``seconds``, on either backend."""
    from pipeline import pgstore

    def make(db: str, seconds: float):
        monkeypatch.setattr(pgstore, "GENERATION_TTL_S", seconds)
        return create_app(db, cache_check_s=seconds).test_client()

    return make


def _three_seeds(make_store, backend: str):
    """A store of the backend holding three seed reports, closed: the app under test opens its own."""
    store = make_store(backend)
    db = _db(store)
    store.close()
    assert api.ingest(SEEDS[:3], db=db).ingested == 3
    return db


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_kept_page_gives_way_to_an_ingest(make_store, counted_searches, check_every, backend):
    db = _three_seeds(make_store, backend)
    client = check_every(db, 0)  # asks the store's generation at every request

    def cases() -> set[str]:
        return {h["doc_id"] for h in client.get("/api/search?q=社区&per_page=100").get_json()["hits"]}

    first_page = client.get("/?q=社区").get_data(as_text=True)
    before = cases()
    assert len(counted_searches) == 2
    assert client.get("/?q=社区").get_data(as_text=True) == first_page and cases() == before
    assert len(counted_searches) == 2  # both kept
    compared = client.get("/compare").get_data(as_text=True)

    summary = api.ingest(SEEDS[3:], db=db)  # its own connection, as another process's would be
    assert summary.ingested == 1
    new = summary.doc_ids[0]
    after = cases()
    assert len(counted_searches) == 3 and before < after and new in after
    assert client.get("/?q=社区").get_data(as_text=True) != first_page and len(counted_searches) == 4
    assert new in client.get("/compare").get_data(as_text=True) and new not in compared
    assert client.get(f"/cases/{new}").status_code == 200


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_store_is_asked_at_most_every_check_s(make_store, counted_searches, check_every, backend):
    """Between two checks a page is the one kept, however the store changed: by design, for CHECK_S."""
    db = _three_seeds(make_store, backend)
    client = check_every(db, 3600)
    kept = client.get("/api/search?q=社区&per_page=100").get_json()
    assert api.ingest(SEEDS[3:], db=db).ingested == 1
    assert client.get("/api/search?q=社区&per_page=100").get_json() == kept and len(counted_searches) == 1
    fresh = check_every(db, 3600)  # a new process reads the store as it is
    assert fresh.get("/api/search?q=社区&per_page=100").get_json()["total"] > kept["total"]


PAGES = [
    "/?q=社区",
    "/?q=社区&per_page=10",
    "/?q=社区&per_page=10&page=2",
    "/?q=社区&page=2&per_page=10",
    "/?q=社区&theme=党建引领",
    "/?q=社区&theme=社会组织培育",
    "/?q=社区&kind=outcome",
    "/?q=服务",
    "/api/search?q=社区&per_page=10&page=2",
    "/api/search?q=社区&per_page=10",
    "/compare",
    "/compare?by=city",
    "/compare?by=province",
    "/themes",
]


def test_filters_and_page_numbers_are_part_of_the_key(app, uncached_app):
    """Every page, asked twice of the caching app (the second time kept), is what the app that keeps
    none renders for the same request: a kept page never answers a request that differs from its own."""
    cached, plain = app.test_client(), uncached_app.test_client()
    bodies = {}
    for path in PAGES * 2:
        got = cached.get(path)
        assert got.status_code == 200, path
        assert got.get_data() == plain.get(path).get_data(), path
        bodies.setdefault(path, got.get_data())
    assert len(set(bodies.values())) == len(PAGES) - 1  # only the reordered query string gives the same page
    assert bodies["/?q=社区&per_page=10&page=2"] == bodies["/?q=社区&page=2&per_page=10"]


def test_gunicorn_workers_share_their_pages(pg_database, tmp_path):
    """``govcase serve --workers 2`` on PostgreSQL: a page one worker rendered is kept for both, until an ingest."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    url = pg_database()
    assert api.ingest(SEEDS[:3], db=url).ingested == 3
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    govcase = Path(sys.executable).with_name("govcase")
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(govcase), "serve", "--db", url, "--workers", "2", "--port", str(port)], stdout=log, stderr=log
    )
    page = f"http://127.0.0.1:{port}/?q=%E7%A4%BE%E5%8C%BA"  # 社区

    def get() -> tuple[bytes, bool]:
        with urllib.request.urlopen(page, timeout=30) as response:
            return response.read(), response.headers.get("hit_cache") is not None

    try:
        for _ in range(120):
            try:
                first, kept = get()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                time.sleep(0.5)
        assert not kept
        # New connections, so that both workers answer some of them: every one is the kept page.
        assert [get() for _ in range(6)] == [(first, True)] * 6
        assert api.ingest(SEEDS[3:], db=url).ingested == 1
        time.sleep(2.5)  # > pgstore.GENERATION_TTL_S: each worker's connections ask the store again
        changed, kept = get()
        assert not kept and changed != first
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_shared_pages_are_pruned_oldest_first_and_in_bulk(tmp_path):
    import os

    from pipeline.web.cache import PageFiles

    pages = PageFiles(str(tmp_path), threshold=8, default_timeout=3600)
    for n in range(30):
        pages.set(f"page {n}", f"<html>{n}</html>")
        os.utime(pages._get_filename(f"page {n}"), (n, n))  # modification times one second apart
    kept = [n for n in range(30) if pages.get(f"page {n}") is not None]
    assert 6 <= len(kept) <= 9 and kept == list(range(30 - len(kept), 30))  # the newest, within the bound
