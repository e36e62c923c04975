"""A store for the web tests: the four seeds plus a hostile report, and a Flask test client.

The seeds come from the session's ``seed_store`` (copied, never changed); the
hostile report is written here: a case report in the genre whose title,
source line and body carry markup that must reach the browser as text.
"""

import sqlite3

import pytest

from pipeline import api
from pipeline.store import Store
from pipeline.web import create_app

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
HOSTILE_REPORT = f"""海宁市{SCRIPT}社区“邻里议事”工作纪实

来源:{IMG}海宁日报

近年来,浙江省嘉兴市海宁市硖石街道围绕居民急难愁盼问题,探索“邻里议事会”机制。

一是搭建议事平台。街道在12个社区建立议事厅,{SCRIPT}每月召开议事会2次,累计解决问题300多件。

二是培育社区社会组织。由15家增长到48家,孵化志愿服务队20余支,{IMG}服务居民1.2万人次。

三是引入专业社工。通过政府购买服务,投入资金约80万元,引进社工机构3家。
"""
SOURCE_URL = "https://www.example.org/news/2023/haining.html"
SCRIPT_URL = "javascript:alert(1)"


@pytest.fixture(scope="session")
def web_db(seed_store, tmp_path_factory):
    """(database path, hostile document id)."""
    root = tmp_path_factory.mktemp("web-store")
    db = root / "web.db"
    with sqlite3.connect(seed_store) as src, sqlite3.connect(db) as dst:
        src.backup(dst)
    report = root / "haining.txt"
    report.write_text(HOSTILE_REPORT, encoding="utf-8")
    summary = api.ingest([report], db=db)
    assert summary.ingested == 1, summary.errors
    doc_id = summary.doc_ids[0]
    with Store(db) as store:
        store.add_alias(doc_id, SOURCE_URL, "")
        store.add_alias(doc_id, SCRIPT_URL, "")
    return db, doc_id


@pytest.fixture(scope="session")
def app(web_db):
    return create_app(web_db[0])


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def uncached_app(web_db):
    """The app keeping no page: for tests that change the code behind a page they asked for before."""
    return create_app(web_db[0], cache_config={"CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True})


@pytest.fixture()
def uncached_client(uncached_app):
    return uncached_app.test_client()


@pytest.fixture()
def hostile_id(web_db):
    return web_db[1]


@pytest.fixture()
def payloads():
    return {"script": SCRIPT, "img": IMG, "source_url": SOURCE_URL, "script_url": SCRIPT_URL}
