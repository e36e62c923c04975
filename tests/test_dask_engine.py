"""``govcase ingest --engine dask``: a LocalCluster of two workers; a scheduler and workers as separate processes."""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from pipeline import api
from pipeline.dask_engine import partitions

pytest.importorskip("distributed", reason="dask[distributed] is needed for the Dask engine")
import dask  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "corpus" / "reports"
GOVCASE = Path(sys.executable).with_name("govcase")
sys.path.insert(0, str(ROOT / "tests" / "reliability"))
from reliability_support import govcase_env, make_corpus  # noqa: E402


def _each_file_once(store, files) -> int:
    hashes = Counter(store.get_document(d).content_hash for d in store.doc_ids())
    assert hashes and max(hashes.values()) == 1
    assert sorted(r.alias for r in store.aliases_in_order()) == sorted(str(p) for p in files)
    return len(hashes)


def _same_records(store, reference) -> None:
    assert sorted(store.doc_ids()) == sorted(reference.doc_ids())
    for doc_id in reference.doc_ids():
        assert replace(store.get_document(doc_id), ingested_at="") == replace(
            reference.get_document(doc_id), ingested_at=""
        )
        assert store.get_extraction(doc_id) == reference.get_extraction(doc_id)


def test_partitions_keep_every_source_in_order():
    sources = [f"s{i}" for i in range(37)]
    parts = partitions(sources, 16)
    assert [len(p) for p in parts] == [16, 16, 5] and sum(parts, []) == sources


def test_a_local_cluster_of_two_workers_stores_what_a_local_run_stores(tmp_path, seed_store):
    db = tmp_path / "dask.db"
    method = dask.config.get("distributed.worker.multiprocessing-method")
    summary = api.ingest([SEEDS], db=db, engine="dask", jobs=2)
    assert summary.ingested == 4 and not summary.errors
    # The workers were forked for this run only: the caller's process is left as it was.
    assert dask.config.get("distributed.worker.multiprocessing-method") == method
    assert gc.get_freeze_count() == 0
    with api.open_store(db, readonly=True) as store, api.open_store(seed_store, readonly=True) as reference:
        _same_records(store, reference)


def test_a_scheduler_of_its_own_ingests_into_postgresql_once_and_resumes(dask_scheduler, pg_database, tmp_path):
    files = make_corpus(tmp_path / "corpus", 48, seed=3)
    url = pg_database()
    cmd = [str(GOVCASE), "ingest", str(tmp_path / "corpus"), "--engine", "dask", "--scheduler", dask_scheduler]
    env = {**govcase_env(), **os.environ}
    # A client killed once its first batch is stored, then run again: nothing lost, nothing doubled.
    first = subprocess.Popen([*cmd, "--db", url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and first.poll() is None:
        with api.open_store(url) as store:
            if store.count("documents") > 0:
                break
        time.sleep(0.2)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    again = subprocess.run([*cmd, "--db", url], capture_output=True, text=True, env=env, timeout=600)
    assert again.returncode == 0 and "Traceback" not in again.stderr, again.stderr
    with api.open_store(url, readonly=True) as store:
        stored = _each_file_once(store, files)
        assert store.count("ingest_errors") == 0
    # A CLI ingest of the same files beside it finds them all stored.
    local = subprocess.run([*cmd[:3], "--db", url], capture_output=True, text=True, env=env, timeout=600)
    assert local.returncode == 0 and f"未变化 {len(files)} 篇" in local.stdout, local.stdout
    with api.open_store(url, readonly=True) as store:
        assert _each_file_once(store, files) == stored


def test_a_lost_worker_loses_nothing(dask_scheduler, tmp_path):
    """A third worker joins and is killed mid-run: Dask runs its tasks again elsewhere."""
    files = make_corpus(tmp_path / "corpus", 64, seed=9)
    dask = str(Path(sys.executable).with_name("dask"))
    extra = subprocess.Popen(
        [dask, "worker", dask_scheduler, "--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = tmp_path / "cases.db"
    seen: list[str] = []

    def on_progress(source: str, outcome: str) -> None:
        seen.append(outcome)
        if len(seen) == 8 and extra.poll() is None:
            extra.kill()

    try:
        summary = api.ingest(
            [tmp_path / "corpus"], db=db, engine="dask", scheduler=dask_scheduler, on_progress=on_progress
        )
    finally:
        extra.kill()
        extra.wait(timeout=30)
    assert not summary.errors and len(seen) == len(files)
    with api.open_store(db, readonly=True) as store:
        _each_file_once(store, files)
