"""Stores written by other govcase versions, opened through the command line."""

from __future__ import annotations

import sqlite3

import pytest
from reliability_support import SEEDS, run_govcase

from pipeline.store import SCHEMA_VERSION, Store

pytestmark = pytest.mark.slow


def _set_version(path, version: int) -> None:
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (version,))
    conn.commit()
    conn.close()


def test_older_store_is_migrated_by_ingest(tmp_path):
    db = tmp_path / "old.db"
    Store(db).close()
    conn = sqlite3.connect(db)
    conn.execute("DROP INDEX measures_theme")
    conn.execute("ALTER TABLE measures DROP COLUMN primary_theme")
    conn.commit()
    conn.close()
    _set_version(db, 1)
    result = run_govcase("ingest", SEEDS[1], "--db", db)
    assert result.returncode == 0, result.stderr
    with Store(db, readonly=True) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.count("documents") == 1
        assert store.conn.execute("SELECT count(*) FROM measures WHERE primary_theme IS NOT NULL").fetchone()[0] > 0


@pytest.mark.parametrize(
    "args", [["ingest", str(SEEDS[1])], ["show", "x"], ["export", "--out", "EXPORT"]], ids=["ingest", "show", "export"]
)
def test_newer_store_is_refused_with_one_chinese_line(tmp_path, args):
    db = tmp_path / "new.db"
    Store(db).close()
    _set_version(db, SCHEMA_VERSION + 1)
    before = db.read_bytes()
    result = run_govcase(*[a.replace("EXPORT", str(tmp_path / "out")) for a in args], "--db", db)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误: ") and "更新版本" in lines[0] and str(db) in lines[0]
    assert db.read_bytes() == before  # refused before anything was written


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    db = tmp_path / "notes.db"
    db.write_text("这不是数据库文件。\n" * 200, encoding="utf-8")
    result = run_govcase("ingest", SEEDS[1], "--db", db)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("错误: ") and str(db) in result.stderr
