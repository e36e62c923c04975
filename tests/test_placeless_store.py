"""No traceback on a store whose documents lack city, province or title.

A real news feed gives many such documents (untitled briefs, stories that name
no place): every face of the store must still answer, CLI and web.
"""

import pytest
from click.testing import CliRunner

from pipeline import api
from pipeline.cli import main
from pipeline.search import search
from pipeline.store import Store
from pipeline.web import create_app

# No title line, no place: an untitled brief with enumerated practices.
UNPLACED_CASE = (
    "一是搭建议事平台。每月召开议事会2次,累计解决问题300多件,居民参与议事协商。\n\n"
    "二是培育社会组织。孵化志愿服务队20余支,服务居民1.2万人次。\n\n"
    "三是引入专业社工。投入资金约80万元,引进社工机构3家,开展养老服务。"
)
# No title, no place, and no governance case at all.
UNPLACED_NEWS = (
    "外交部发言人表示,双方将通过外交途径解决问题。\n\n"
    "一是加强沟通。双方同意保持高层交往。\n\n"
    "二是深化合作。推动贸易往来增长10%。"
)
# A placed case beside them: the mix of known and unknown places is what broke sorting.
PLACED_CASE = (
    "广东省深圳市龙华区观湖街道探索社区治理。\n\n"
    "一是建立居民议事会。居民参与协商,每月议事一次。\n\n"
    "二是引入专业社工。投入资金50万元,服务老人300人。"
)

PAGES = [
    "/",
    "/?q=议事&all=1",
    "/?q=社区&per_page=100",
    "/?all=1",
    "/themes",
    "/themes/社工人才队伍",
    "/api/search?q=社区&all=1",
]
COMPARE_PAGES = [
    "/compare",
    "/compare?by=province",
    "/compare.xlsx",
    "/compare.csv",
    "/compare.zip",
    "/compare.png?all=1",
    "/compare.xlsx?all=1",
    "/compare.zip?all=1",
    "/api/compare",
    "/api/compare?by=province",
    "/api/compare?by=province&all=1",
]


@pytest.fixture(scope="module")
def placeless_db(tmp_path_factory):
    root = tmp_path_factory.mktemp("placeless")
    for name, text in (("case.txt", UNPLACED_CASE), ("news.txt", UNPLACED_NEWS), ("placed.txt", PLACED_CASE)):
        (root / name).write_text(text, encoding="utf-8")
    db = root / "placeless.db"
    summary = api.ingest([root], db=db)
    assert summary.failed == 0, summary.errors
    api.cluster(db, all_documents=True)  # the unplaced documents are no governance cases by default
    return db


def test_the_store_has_documents_without_title_city_or_province(placeless_db):
    rows = Store(placeless_db, readonly=True).conn.execute("SELECT title, city, province FROM documents").fetchall()
    assert len(rows) == 3
    assert sum(r["title"] is None for r in rows) == 3
    assert sum(r["city"] is None and r["province"] is None for r in rows) == 2


def test_clusters_and_search_answer(placeless_db):
    store = Store(placeless_db, readonly=True)
    assert store.count("clusters") >= 1
    hits = search(store, "", limit=100, all_documents=True).hits
    assert {h.city for h in hits} >= {None, "深圳市"}
    assert search(store, "议事", all_documents=True).total >= 1


@pytest.mark.parametrize(
    "args", [["search", "社区"], ["search", "--format", "csv", "--all"], ["cluster"], ["cluster", "--all"]]
)
def test_cli_commands_answer(placeless_db, tmp_path, args):
    extra = ["--out", str(tmp_path / "clusters.csv")] if args[0] == "cluster" else []
    result = CliRunner().invoke(main, [*args, "--db", str(placeless_db), *extra])
    assert result.exit_code == 0, result.output
    assert result.exception is None


def test_show_answers_for_every_document(placeless_db):
    for doc_id in Store(placeless_db, readonly=True).doc_ids():
        result = CliRunner().invoke(main, ["show", doc_id, "--db", str(placeless_db)])
        assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def client(placeless_db):
    return create_app(placeless_db).test_client()


@pytest.mark.parametrize("url", PAGES)
def test_web_pages_answer(client, url):
    assert client.get(url).status_code == 200


def test_case_pages_answer(client, placeless_db):
    for doc_id in Store(placeless_db, readonly=True).doc_ids():
        assert client.get(f"/cases/{doc_id}").status_code == 200
        assert client.get(f"/api/cases/{doc_id}").get_json()["doc_id"] == doc_id


@pytest.mark.parametrize("url", COMPARE_PAGES)
def test_compare_pages_and_downloads_answer(client, url):
    assert client.get(url).status_code == 200
