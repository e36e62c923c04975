"""Relevance: case score and label per document, stored, explained, and the default filter.

The texts below were written for these tests and are in no training set.
"""

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from pipeline import api, relevance
from pipeline.analyze import analyze_document
from pipeline.cli import main
from pipeline.compare import compare
from pipeline.records import Document
from pipeline.search import search
from pipeline.store import SCHEMA_VERSION, Store

ROOT = Path(__file__).resolve().parents[1]

CASE = """仓山区“邻里帮帮团”让老旧小区焕新颜

本报讯 福州市仓山区对湖街道上渡社区是典型的老旧小区,居民中老年人占三成。去年以来,社区探索“邻里帮帮团”机制,
组织党员、退休教师和楼栋长组成志愿服务队,每周走访独居老人,累计解决居民急难愁盼问题260余件。

一是建立“楼栋议事会”。每栋楼推选2名楼栋长,每月召开一次议事会,由居民协商决定公共收益的使用。

二是引入专业社工。社区通过政府购买服务引进社工机构1家,开设“四点半课堂”,服务双职工家庭子女120名。

三是设立“时间银行”。志愿者的服务时长可兑换理发、家电维修等便民服务,注册志愿者由80人增加到430人。
"""
DIPLOMACY = """外交部:中方愿同各方一道推动局势缓和

外交部发言人今天在例行记者会上表示,中方一贯主张通过对话协商和平解决争端。发言人说,中方愿同国际社会一道,
为推动局势缓和发挥建设性作用。当天,国家主席会见了来访的外国总统,双方就双边关系和共同关心的国际问题交换了意见。
两国元首同意加强高层交往,深化经贸、人文等领域合作。
"""
SPORTS = """全国游泳冠军赛落幕 浙江队获金牌总数第一

为期五天的全国游泳冠军赛今天在杭州落幕。浙江队运动员在男子200米自由泳决赛中以1分45秒的成绩夺冠,
浙江队共获得12枚金牌,位列金牌榜第一。本次比赛共有来自全国31个代表队的600余名运动员参赛。
"""
MEETING = """全国基层治理工作推进会召开

本台消息 全国基层治理工作推进会今天召开。会议强调,要深入贯彻党中央关于加强基层治理的决策部署,
健全党组织领导的基层群众自治机制,持续为基层减负。会议指出,各地要统筹推进城乡社区服务体系建设,
加强社区工作者队伍建设。会议要求,各省(区、市)要抓好政策落实,按时完成年度任务。
"""


def _doc(doc_id: str, text: str) -> Document:
    return Document(doc_id=doc_id, text=text, aliases=[f"{doc_id}.txt"])


def _relevance(text: str):
    return analyze_document(_doc("t", text), label_themes=False).extraction.relevance


@pytest.mark.parametrize(
    "text,label", [(CASE, "治理案例"), (DIPLOMACY, "无关"), (SPORTS, "无关"), (MEETING, "相关报道")]
)
def test_labels_of_texts_no_model_was_trained_on(text, label):
    found = _relevance(text)
    assert found.label == label, found
    assert found.score == found.probabilities["治理案例"]


def test_case_score_orders_a_case_above_news():
    assert _relevance(CASE).score > 0.5 > max(_relevance(MEETING).score, _relevance(DIPLOMACY).score)


def test_features_are_named_and_the_explanation_names_them():
    found = _relevance(CASE)
    assert set(relevance.features(*_structure_and_extraction(CASE))) == set(relevance.FEATURE_NAMES)
    assert len(found.contributions) == relevance.TOP_CONTRIBUTIONS
    lines = relevance.explain(found)
    assert lines[0].startswith("相关性: 治理案例")
    assert all(any(d in line for d in relevance.DESCRIPTIONS.values()) for line in lines[1:])


def _structure_and_extraction(text: str):
    analysis = analyze_document(_doc("t", text), label_themes=False, relevance=False)
    return analysis.structure, analysis.extraction


def test_shipped_model_card_reports_its_leave_one_out_figures():
    model = relevance.load_default_model()
    assert model.features == relevance.FEATURE_NAMES
    loo = model.info["leave_one_out"]
    # 0.9 over 335 texts; 0.87 since 202 feed-shaped stories joined (相关报道 and 无关 of the feed are
    # hard to tell apart: livelihood roundups, profiles); the default view keeps only 治理案例. 0.887 over
    # 497 with rel6, neg13 and the emergency and person-pronoun features; 0.875 once 45 stories took the feed
    # judges' convention (economy and party meetings, theme days and rescue overviews are 无关); 0.869 over
    # 557 with neg14 (series achievement features, profiles and national overviews: written to be hard);
    # 0.878 over 633 with the case pages of case16 and case18 and the feed mix of feed16; 0.883 once the
    # mechanism model read the last character of a quoted name; 0.882 (one story of 653) once it read the
    # objects of set-up verbs (推行院落长制) as candidates too; 0.879 once case22's pages taught the heading
    # model (a story's practices are a relevance feature); 0.886 over 677 with neg15's 快讯 roundups; 0.892 with the
    # mechanism model's from_to and quote_after.
    assert loo["accuracy"] >= 0.891
    card = (ROOT / "models" / relevance.CARD_FILE).read_text(encoding="utf-8")
    assert "Leave-one-out" in card and f"Accuracy {loo['accuracy']}" in card


@pytest.mark.slow
def test_the_shipped_relevance_model_is_what_training_on_the_labelled_texts_gives(tmp_path):
    """The relevance features are the other extractors' outputs (titled practices, mechanisms, places): a
    relevance model trained before a retrain of those is stale. Retrain it last (docs/architecture.md)."""
    report = relevance.train(
        [ROOT / "corpus" / "reports", ROOT / "tests" / "fixtures" / "reports"],
        [ROOT / "corpus" / "relevance"],
        tmp_path,
    )
    shipped = json.loads((ROOT / "models" / relevance.MODEL_FILE).read_text(encoding="utf-8"))
    rebuilt = json.loads(report.model_path.read_text(encoding="utf-8"))
    for key in ("coef", "intercept", "mean", "scale"):
        flat_shipped = np.ravel(shipped[key])
        flat_rebuilt = np.ravel(rebuilt[key])
        assert np.allclose(flat_shipped, flat_rebuilt, atol=1e-3), key


def test_train_writes_a_model_and_card_that_load(tmp_path):
    labelled = tmp_path / "labelled"
    labelled.mkdir()
    for name in ("neg1_01_diplomacy", "neg1_09_sports_games", "rel01_mca_presser", "rel05_national_meeting"):
        for suffix in (".txt", ".json"):
            (labelled / f"{name}{suffix}").write_bytes((ROOT / "corpus" / "relevance" / f"{name}{suffix}").read_bytes())
    report = relevance.train([ROOT / "corpus" / "reports"], [labelled], tmp_path / "models", segmenter="rjieba")
    assert report.counts == {"治理案例": 4, "相关报道": 2, "无关": 2}
    model = relevance.RelevanceModel.load(tmp_path / "models" / relevance.MODEL_FILE)
    assert model.labels == relevance.LABELS
    assert "Leave-one-out" in (tmp_path / "models" / relevance.CARD_FILE).read_text(encoding="utf-8")


# -- stored, filtered, shown ------------------------------------------------------------------
@pytest.fixture(scope="module")
def mixed_db(tmp_path_factory):
    root = tmp_path_factory.mktemp("mixed")
    for name, text in (("case", CASE), ("diplomacy", DIPLOMACY), ("meeting", MEETING)):
        (root / f"{name}.txt").write_text(text, encoding="utf-8")
    db = root / "mixed.db"
    summary = api.ingest([root], db=db)
    assert summary.failed == 0, summary.errors
    return db


def _labels(db) -> dict[str, str]:
    rows = Store(db, readonly=True).conn.execute(
        "SELECT a.alias, d.relevance FROM documents d JOIN aliases a USING (doc_id)"
    )
    return {Path(r[0]).stem: r[1] for r in rows}


def test_every_document_is_stored_with_its_label_and_score(mixed_db):
    assert _labels(mixed_db) == {"case": "治理案例", "diplomacy": "无关", "meeting": "相关报道"}
    store = Store(mixed_db, readonly=True)
    for doc_id in store.doc_ids():
        stored = store.get_extraction(doc_id).relevance
        score = store.conn.execute("SELECT case_score FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()[0]
        assert stored.score == score and stored.contributions


def test_non_cases_are_left_out_of_search_clusters_and_comparisons_by_default(mixed_db, tmp_path):
    store = Store(mixed_db, readonly=True)
    case_id = next(d for d in store.doc_ids() if store.get_extraction(d).relevance.label == "治理案例")
    with_practices = {r[0] for r in store.conn.execute("SELECT DISTINCT doc_id FROM measures")}
    assert len(with_practices) >= 2  # the case and at least one piece of news
    assert {h.doc_id for h in search(store, "", limit=100).hits} == {case_id}
    assert {h.doc_id for h in search(store, "", limit=100, all_documents=True).hits} == with_practices
    sources = compare(store).sources
    assert len(sources) == 1
    assert len(compare(store, all_documents=True).sources) == 3
    default = api.cluster(mixed_db)
    assert {m.doc_id for c in default.clusters for m in c.members} == {case_id}
    # Clusters hold titled practices only, and here only the case has them: relabelled as
    # news, its practices leave the default clusters and come back with all_documents.
    relabelled = tmp_path / "relabelled.db"
    with sqlite3.connect(mixed_db) as source, sqlite3.connect(relabelled) as conn:
        source.backup(conn)  # the store's pages may still be in its WAL file: a file copy would miss them
        conn.execute("UPDATE documents SET relevance = '相关报道' WHERE doc_id = ?", (case_id,))
    assert api.cluster(relabelled).clusters == []
    everything = api.cluster(relabelled, all_documents=True)
    assert {m.doc_id for c in everything.clusters for m in c.members} == {case_id}


def test_cli_all_flag_and_show_explanation(mixed_db):
    runner = CliRunner()
    default = runner.invoke(main, ["search", "--db", str(mixed_db), "--format", "json", "--limit", "100"])
    every = runner.invoke(main, ["search", "--db", str(mixed_db), "--format", "json", "--limit", "100", "--all"])
    assert default.exit_code == every.exit_code == 0
    assert len({h["doc_id"] for h in json.loads(default.output)["hits"]}) == 1
    assert len({h["doc_id"] for h in json.loads(every.output)["hits"]}) >= 2
    shown = runner.invoke(main, ["show", "diplomacy", "--db", str(mixed_db)])
    assert shown.exit_code == 0
    assert "相关性: 无关" in shown.output and "其他新闻词密度" in shown.output


def test_web_filter_brings_non_cases_back(mixed_db):
    from pipeline.web import create_app

    client = create_app(mixed_db).test_client()
    default = client.get("/api/search?per_page=100").get_json()
    every = client.get("/api/search?per_page=100&all=1").get_json()
    assert len({h["doc_id"] for h in default["hits"]}) == 1
    assert len({h["doc_id"] for h in every["hits"]}) >= 2
    assert sum(n for _, n in [(f["value"], f["count"]) for f in every["facets"]["kind"]]) > sum(
        f["count"] for f in default["facets"]["kind"]
    )
    page = client.get("/?all=1").get_data(as_text=True)
    assert 'name="all" value="1" checked' in page
    case = client.get(f"/api/cases/{Store(mixed_db, readonly=True).doc_ids()[0]}").get_json()
    assert case["relevance"]["label"] in relevance.LABELS


def test_a_version_5_store_is_migrated_and_scored(mixed_db, tmp_path):
    path = tmp_path / "old.db"
    with sqlite3.connect(mixed_db) as src, sqlite3.connect(path) as dst:
        src.backup(dst)
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX documents_relevance")
    conn.execute("ALTER TABLE documents DROP COLUMN relevance")
    conn.execute("ALTER TABLE documents DROP COLUMN case_score")
    conn.execute("DELETE FROM records WHERE kind = 'relevance'")
    conn.execute("UPDATE schema_version SET version = 5")
    conn.commit()
    conn.close()
    store = Store(path)
    assert store.schema_version == SCHEMA_VERSION
    assert _labels(path) == _labels(mixed_db)
    assert all(store.get_extraction(d).relevance is not None for d in store.doc_ids())


TRADE = """义乌小商品“品牌出海”提速 前十个月出口增长一成

本台消息 浙江义乌今年启动“品牌出海”计划,推出“义乌好货”线上平台,组织商户抱团参加境外展会。
前十个月,义乌市场出口额同比增长10.6%,自有品牌商品占比提高到三成。与此同时,当地继续推行“最多跑一次”改革,
外贸企业办理出口退税平均用时缩短到3个工作日。在国际商贸城,来自中东和拉美的采购商络绎不绝,
圣诞用品、小家电和户外装备订单已排到明年春天,不少商户的海外订单同比翻番。
"""


def test_an_unrelated_story_keeps_only_the_known_models_it_names():
    analysis = analyze_document(_doc("trade", TRADE))
    assert analysis.extraction.relevance.label == "无关"
    names = [m.name for m in analysis.extraction.mechanisms]
    assert names == ["最多跑一次"]  # the dictionary's model; 品牌出海计划 and 义乌好货 are the market's


def test_a_case_keeps_the_names_the_model_proposes():
    analysis = analyze_document(_doc("case", CASE))
    assert analysis.extraction.relevance.label == "治理案例"
    assert {"邻里帮帮团", "楼栋议事会", "时间银行"} <= {m.name for m in analysis.extraction.mechanisms}
