"""Several processes on one store: two writers, and readers while a batch writes (WAL)."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest
from reliability_support import copy_seeds, make_corpus, readonly_count, run_govcase, start_govcase, wait_until

from pipeline.search import search
from pipeline.store import Store

pytestmark = pytest.mark.slow

BUSY = "正被另一个进程写入"


def _finish(proc) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out, err


def _assert_each_file_once(db: Path, files: list[Path]) -> None:
    with Store(db, readonly=True) as store:
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        hashes = Counter(store.get_document(d).content_hash for d in store.doc_ids())
        assert max(hashes.values()) == 1
        aliases = [r[0] for r in store.conn.execute("SELECT alias FROM aliases")]
    assert sorted(aliases) == sorted(str(p) for p in files)


def _assert_clean_outcome(code: int, err: str) -> None:
    assert "Traceback" not in err, err
    assert code == 0 or (code == 2 and BUSY in err and len(err.strip().splitlines()) == 1), (code, err)


@pytest.mark.parametrize("fresh", [True, False], ids=["new-store", "existing-store"])
def test_two_ingests_into_one_store(tmp_path, fresh):
    corpus = tmp_path / "corpus"
    files = make_corpus(corpus, 120, seed=11)
    db = tmp_path / "cases.db"
    if not fresh:
        files += copy_seeds(tmp_path / "seeds")
        assert run_govcase("ingest", tmp_path / "seeds", "--db", db).returncode == 0
    first = start_govcase("ingest", corpus, "--db", db)
    second = start_govcase("ingest", corpus, "--db", db)
    outcomes = [_finish(first), _finish(second)]
    for code, _, err in outcomes:
        _assert_clean_outcome(code, err)
    assert any(code == 0 for code, _, _ in outcomes)
    _assert_each_file_once(db, files)


class _Reader(threading.Thread):
    """Runs one query over and over on its own read-only store; records totals and errors."""

    def __init__(self, db: Path, query: str) -> None:
        super().__init__(daemon=True)
        self.db, self.query = db, query
        self.totals: list[int] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()

    def run(self) -> None:
        store = Store(self.db, readonly=True)
        try:
            while not self.stop.is_set():
                try:
                    self.totals.append(search(store, self.query, limit=5).total)
                except Exception as exc:  # noqa: BLE001 - any error is the finding
                    self.errors.append(exc)
        finally:
            store.close()


def test_readers_keep_answering_while_a_batch_writes(tmp_path):
    db = tmp_path / "cases.db"
    assert run_govcase("ingest", *copy_seeds(tmp_path / "seeds"), "--db", db).returncode == 0
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 300, seed=5)
    readers = [_Reader(db, "养老"), _Reader(db, "志愿服务"), _Reader(db, "")]
    writer = start_govcase("ingest", corpus, "--db", db)
    for reader in readers:
        reader.start()
    code, _, err = _finish(writer)
    for reader in readers:
        reader.stop.set()
        reader.join(timeout=60)
    assert code == 0, err
    for reader in readers:
        assert not reader.errors, reader.errors[:3]
        assert len(reader.totals) > 10
        assert reader.totals == sorted(reader.totals)  # a reader never sees rows disappear
        assert reader.totals[-1] > reader.totals[0]  # and it does see the new ones


def test_web_search_keeps_answering_while_a_batch_writes(tmp_path):
    web = pytest.importorskip("pipeline.web.app")
    db = tmp_path / "cases.db"
    assert run_govcase("ingest", *copy_seeds(tmp_path / "seeds"), "--db", db).returncode == 0
    corpus = tmp_path / "corpus"
    make_corpus(corpus, 600, seed=9)  # more than one BATCH_SECONDS commit, even with rjieba
    # The page cache asks SQLite for the store's version at every request here (a served store asks at most
    # once a second, so a page may lag a commit by that): every commit must show in the very next answer.
    client = web.create_app(db, cache_check_s=0).test_client()
    writer = start_govcase("ingest", corpus, "--db", db)
    totals, statuses = [], Counter()
    assert wait_until(lambda: readonly_count(db) > 2, timeout=120)
    while writer.poll() is None:
        # all=1: the generated reports are scored as other news by the relevance model; what this test
        # watches is every committed document becoming searchable, whatever its label.
        response = client.get("/api/search", query_string={"q": "社区", "all": "1"})
        statuses[response.status_code] += 1
        if response.status_code == 200:
            totals.append(response.get_json()["total"])
    code, _, err = _finish(writer)
    assert code == 0, err
    assert statuses.keys() == {200}, statuses
    assert len(totals) > 10 and totals == sorted(totals) and totals[-1] > totals[0]
