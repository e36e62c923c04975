"""api.ingest: near-duplicates across runs, and the same store from one worker process or two."""

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import api
from pipeline.resources import reports_dir

SEEDS = sorted(reports_dir().glob("*.txt"))


def _repost(path: Path) -> str:
    """The report on another site: other chrome, a sentence added to a paragraph."""
    paragraphs = path.read_text(encoding="utf-8").split("\n")
    paragraphs[3] += "记者从相关部门了解到,这一做法还将在全市推广。"
    return "首页 | 新闻 | 政务\n当前位置:首页 > 地方新闻\n" + "\n".join(paragraphs) + "\n责任编辑:赵六\n"


def _dump(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table (FTS rows with their rowid), timestamps left out."""
    conn = sqlite3.connect(db)
    try:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '%fts_%' ORDER BY name"
            )
        ]
        dump = {}
        for table in tables:
            rowid = "" if table == "minhash_bands" else "rowid AS rid, "
            cur = conn.execute(f"SELECT {rowid}* FROM {table} ORDER BY 1, 2")
            keep = [
                i
                for i, d in enumerate(cur.description)
                if d[0] not in ("at", "added_at", "ingested_at", "extracted_at")
            ]
            dump[table] = [tuple(row[i] for i in keep) for row in cur]
        return dump
    finally:
        conn.close()


def test_a_repost_in_a_later_run_is_stored_as_an_alias(tmp_path):
    db = tmp_path / "t.db"
    first = api.ingest(SEEDS[:2], db=db, segmenter="rjieba")
    assert first.ingested == 2
    repost = tmp_path / "repost.txt"
    repost.write_text(_repost(SEEDS[0]), encoding="utf-8")
    second = api.ingest([repost, SEEDS[2]], db=db, segmenter="rjieba")
    assert (second.ingested, second.duplicates, second.failed) == (1, 1, 0)
    with api.open_store(db) as store:
        assert store.doc_for_alias(str(repost))["doc_id"] == first.doc_ids[0]
        assert "记者从相关部门了解到" not in store.get_document(first.doc_ids[0]).text  # a near copy, kept as the first


@pytest.mark.slow
def test_two_jobs_store_what_one_job_stores(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in SEEDS:
        shutil.copy(seed, corpus)
    (corpus / "copy.txt").write_bytes(SEEDS[1].read_bytes())
    (corpus / "repost.txt").write_text(_repost(SEEDS[0]), encoding="utf-8")
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    (corpus / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    govcase = Path(sys.executable).with_name("govcase")
    for jobs in (1, 2):
        done = subprocess.run(
            [
                str(govcase),
                "ingest",
                str(corpus),
                "--db",
                str(tmp_path / f"{jobs}.db"),
                "--jobs",
                str(jobs),
                "--segmenter",
                "rjieba",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr  # 1: some inputs failed
        assert "导入 4 篇,重复 2 篇,未变化 0 篇,出错 2 个" in done.stdout
        errors = sorted(line for line in done.stderr.splitlines() if line.startswith("错误: "))
        assert [line.split(": ")[1] for line in errors] == [str(corpus / "binary.txt"), str(corpus / "empty.txt")]
    assert _dump(tmp_path / "2.db") == _dump(tmp_path / "1.db")


def test_a_task_is_at_most_its_size_and_a_small_batch_still_gives_every_worker_four():
    from pipeline.api import task_size

    assert task_size(10_000, 2, 32) == 32
    assert task_size(100, 2, 32) == 12
    assert task_size(3, 2, 32) == 1 and task_size(0, 0, 32) == 1
