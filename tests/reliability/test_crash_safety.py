"""A batch killed with SIGKILL at several points, then resumed, loses and doubles nothing.

Each document is one transaction, so after any kill every document is
complete or absent, and a re-run skips what is stored (same alias, same
bytes). Outputs are written to a temporary file and renamed, so a writer
that fails leaves the previous file as it was.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import sqlite3
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from reliability_support import make_corpus, readonly_count, run_govcase, start_govcase, wait_until

from pipeline.analyze import analyze_document
from pipeline.ingest.normalize import normalize
from pipeline.store import Store

DOCS = int(os.environ.get("GOVCASE_CRASH_DOCS", "600"))
KILL_AFTER = (DOCS // 20, DOCS // 3, DOCS * 2 // 3)  # documents stored when each run is killed
RECOUNTED = 12  # documents per check whose extraction is recomputed and compared


def expected_hashes(paths: list[Path]) -> set[str]:
    return {hashlib.sha256(normalize(p.read_text(encoding="utf-8")).text.encode("utf-8")).hexdigest() for p in paths}


def check_store(db: Path) -> dict[str, int]:
    """Every stored document is complete; returns row counts. Read-only, like any reader."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        docs = conn.execute("SELECT rowid, doc_id, structure, extracted_at FROM documents").fetchall()
        for doc in docs:
            assert doc["structure"] is not None and doc["extracted_at"] is not None, doc["doc_id"]
        fts_rows = {r[0] for r in conn.execute("SELECT rowid FROM documents_fts")}
        assert fts_rows == {d["rowid"] for d in docs}
        # One metadata record per document; every kind numbered 0..n-1 without gaps.
        kinds = conn.execute(
            "SELECT doc_id, kind, count(*) n, min(ordinal) lo, max(ordinal) hi FROM records GROUP BY doc_id, kind"
        ).fetchall()
        assert {r["doc_id"] for r in kinds if r["kind"] == "metadata" and r["n"] == 1} == {d["doc_id"] for d in docs}
        assert all(r["lo"] == 0 and r["hi"] == r["n"] - 1 for r in kinds)
        measures = conn.execute(
            "SELECT doc_id, count(*) n, min(ordinal) lo, max(ordinal) hi FROM measures GROUP BY doc_id"
        ).fetchall()
        assert all(r["lo"] == 0 and r["hi"] == r["n"] - 1 for r in measures)
        measure_ids = {r[0] for r in conn.execute("SELECT measure_id FROM measures")}
        assert {r[0] for r in conn.execute("SELECT rowid FROM measures_fts")} == measure_ids
        themes = conn.execute(
            "SELECT m.themes, count(t.theme) FROM measures m "
            "LEFT JOIN measure_themes t USING (measure_id) GROUP BY m.measure_id"
        ).fetchall()
        assert all(len(json.loads(r[0])) == r[1] for r in themes)
        orphans = conn.execute("SELECT count(*) FROM aliases WHERE doc_id NOT IN (SELECT doc_id FROM documents)")
        assert orphans.fetchone()[0] == 0
        assert (
            conn.execute("SELECT count(*) FROM documents WHERE doc_id NOT IN (SELECT doc_id FROM aliases)").fetchone()[
                0
            ]
            == 0
        )
        return {
            "documents": len(docs),
            "aliases": conn.execute("SELECT count(*) FROM aliases").fetchone()[0],
            "measures": len(measure_ids),
        }
    finally:
        conn.close()


def check_recomputed(db: Path, doc_ids: list[str]) -> None:
    """The stored records of these documents are exactly what analysing the stored text yields."""
    with Store(db, readonly=True) as store:
        for doc_id in doc_ids:
            analysis = analyze_document(store.get_document(doc_id), label_themes=False)
            stored = store.get_extraction(doc_id)
            for kind in ("figures", "changes", "mechanisms", "measures", "places"):
                assert len(getattr(stored, kind)) == len(getattr(analysis.extraction, kind)), (doc_id, kind)
            assert [(m.start, m.end) for m in stored.measures] == [
                (m.start, m.end) for m in analysis.extraction.measures
            ]
            assert store.get_structure(doc_id).items == analysis.structure.items


def kill_when_stored(db: Path, corpus: Path, documents: int) -> None:
    # A new session, so that the kill reaches the whole process group at once, like a power cut.
    proc = start_govcase("ingest", corpus, "--db", db, "--jobs", "2", new_session=True)
    try:
        reached = wait_until(lambda: readonly_count(db) >= documents, timeout=600, poll=0.02)
        assert reached, proc.stderr.read() if proc.poll() is not None else "timed out"
        assert proc.poll() is None, "the batch ended before the kill"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def _summary(stdout: str) -> dict[str, int]:
    match = re.search(r"导入 (\d+) 篇,重复 (\d+) 篇,未变化 (\d+) 篇,出错 (\d+) 个", stdout)
    assert match, stdout
    return dict(zip(("ingested", "duplicates", "unchanged", "failed"), map(int, match.groups()), strict=False))


def stored_mapping(db: Path) -> dict[str, str]:
    """Source path -> content hash of the document it is stored as."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return dict(conn.execute("SELECT a.alias, d.content_hash FROM aliases a JOIN documents d USING (doc_id)"))
    finally:
        conn.close()


@pytest.mark.slow
def test_killed_batches_resume_without_loss_or_doubles(tmp_path):
    corpus = tmp_path / "corpus"
    files = make_corpus(corpus, DOCS)
    reference = tmp_path / "reference.db"  # the same batch, never interrupted
    assert run_govcase("ingest", corpus, "--db", reference, "--jobs", "2", timeout=900).returncode == 0
    expected = stored_mapping(reference)
    assert set(expected) == {str(p) for p in files}
    assert set(expected.values()) <= expected_hashes(files)

    db = tmp_path / "cases.db"
    stored_before: list[str] = []
    for target in KILL_AFTER:
        kill_when_stored(db, corpus, target)
        counts = check_store(db)
        assert counts["documents"] >= target
        with Store(db, readonly=True) as store:
            ids = store.doc_ids()
        assert ids[: len(stored_before)] == stored_before  # nothing stored earlier was lost or replaced
        check_recomputed(db, ids[-RECOUNTED:])  # the documents written just before the kill
        partial = stored_mapping(db)
        assert all(expected[source] == digest for source, digest in partial.items())
        stored_before = ids
    aliases_before = check_store(db)["aliases"]

    result = run_govcase("ingest", corpus, "--db", db, "--jobs", "2", timeout=900)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    summary = _summary(result.stdout)
    assert summary["unchanged"] == aliases_before  # the stored files were skipped, not read again
    assert summary["ingested"] + summary["duplicates"] + summary["unchanged"] == len(files)

    counts = check_store(db)
    assert stored_mapping(db) == expected  # every file stored once, as the same document as without kills
    with Store(db, readonly=True) as store:
        hashes = Counter(store.get_document(d).content_hash for d in store.doc_ids())
    assert max(hashes.values()) == 1 and counts["documents"] == len(set(expected.values()))
    check_recomputed(db, stored_before[-RECOUNTED:])

    again = run_govcase("ingest", corpus, "--db", db, timeout=300)
    assert _summary(again.stdout) == {"ingested": 0, "duplicates": 0, "unchanged": len(files), "failed": 0}


# -- outputs: temp file + rename ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def comparison(seed_store):
    from pipeline.compare import compare

    with Store(seed_store, readonly=True) as store:
        return compare(store, by="city")


@pytest.mark.parametrize(
    "writer_name, suffix", [("write_xlsx", ".xlsx"), ("write_markdown", ".md"), ("write_html", ".html")]
)
def test_failed_comparison_writer_keeps_the_previous_file(tmp_path, monkeypatch, comparison, writer_name, suffix):
    from pipeline import compare as compare_module

    target = tmp_path / f"compare{suffix}"
    writer = getattr(compare_module, writer_name)
    writer(comparison, target)
    before = target.read_bytes()
    assert before

    def fail_mid_write(*args, **kwargs):
        raise OSError(28, "No space left on device")

    # Fail after the writer has put some bytes into its temporary file.
    if suffix == ".xlsx":
        monkeypatch.setattr(pd.DataFrame, "to_excel", _after_first_call(pd.DataFrame.to_excel, fail_mid_write))
    else:
        monkeypatch.setattr(Path, "write_text", _partial_write_then(fail_mid_write))
    with pytest.raises(OSError):
        writer(comparison, target)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temporary file left behind


def test_failed_csv_writer_keeps_the_previous_files(tmp_path, monkeypatch, comparison):
    from pipeline.compare import write_csv

    written = write_csv(comparison, tmp_path)
    before = {p: p.read_bytes() for p in written}
    assert len(before) >= 2
    calls = []
    original = pd.DataFrame.to_csv

    def to_csv_failing_second(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            with open(path, "w", encoding="utf-8") as fh:
                fh.write("城市,半行")
            raise OSError(28, "No space left on device")
        return original(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv_failing_second)
    with pytest.raises(OSError):
        write_csv(comparison, tmp_path)
    assert {p: p.read_bytes() for p in written} == before
    assert sorted(tmp_path.iterdir()) == sorted(written)


def test_failed_export_keeps_the_previous_json(tmp_path, monkeypatch, seed_store):
    from pipeline import api

    written = api.export(seed_store, tmp_path)
    before = {p: p.read_bytes() for p in written}
    original = json.dumps
    calls = []

    def dumps_failing_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return original(*args, **kwargs)

    monkeypatch.setattr("pipeline.export.json.dumps", dumps_failing_third)
    with pytest.raises(OSError):
        api.export(seed_store, tmp_path)
    assert {p: p.read_bytes() for p in written} == before
    assert sorted(tmp_path.iterdir()) == sorted(written)


def _after_first_call(original, fail):
    calls = []

    def wrapper(self, writer, *args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            fail()
        return original(self, writer, *args, **kwargs)

    return wrapper


def _partial_write_then(fail):
    original = Path.write_text

    def wrapper(self, data, *args, **kwargs):
        original(self, data[: len(data) // 2], *args, **kwargs)
        fail()

    return wrapper


def test_failed_cluster_csv_keeps_the_previous_file(tmp_path, monkeypatch):
    from pipeline.cluster import ClusterInput, cluster_measures, write_clusters_csv

    headings = [
        "建设社区养老服务站",
        "建设社区养老助餐点",
        "组建志愿服务队伍",
        "组建社区志愿服务队",
        "推行网格化管理",
        "推行社区网格化服务",
    ]
    items = [
        ClusterInput(measure_id=i, doc_id=f"d{i % 3}", city="成都市", heading=h, text=h + ",为居民提供服务。")
        for i, h in enumerate(headings)
    ]
    result = cluster_measures(items, k=2)
    target = tmp_path / "clusters.csv"
    write_clusters_csv(result, target)
    before = target.read_bytes()

    def half_then_fail(self, path, *args, **kwargs):
        Path(path).write_text("measure_id,doc", encoding="utf-8")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    with pytest.raises(OSError):
        write_clusters_csv(result, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
