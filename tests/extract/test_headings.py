"""The heading classifier and the titled practices it gives: the author's words, never made up."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import api
from pipeline.analyze import document_context
from pipeline.extract.headings import HeadingModel, candidates, classify, default_model, features
from pipeline.extract.lexicon import lexicon
from pipeline.extract.measures import measures
from pipeline.ingest.normalize import normalize
from pipeline.resources import models_dir
from pipeline.store import _opens_with_heading
from pipeline.structure import build_structure


@pytest.mark.parametrize("store", ["seed_store", "fixture_store", "page_store"])
def test_every_titled_practice_opens_with_its_heading_as_written(store, request):
    """Over every shipped and fixture document: a titled practice's text opens with its heading (after a
    list marker or ornament), and the heading ends there: a line, a sentence, or an inline head — never a
    clause cut out of a paragraph."""
    with api.open_store(request.getfixturevalue(store), readonly=True) as db:
        checked = 0
        for doc_id in db.doc_ids():
            extraction = db.get_extraction(doc_id)
            for m in extraction.titled_measures:
                assert m.heading, (doc_id, m.text[:30])
                body = m.text.lstrip()
                inline = body.startswith(m.heading) and body[len(m.heading) : len(m.heading) + 1] in (" ", "\u3000")
                assert _opens_with_heading(m.heading, m.text) or inline, (doc_id, m.heading, m.text[:40])
                checked += 1
            for p in extraction.passages:
                assert p.heading == "" and not p.titled
    assert checked >= 40


# A portal page: breadcrumb, tool bar, an editor's line, an image placeholder and bold Markdown
# sub-headings, a caption under a photo, and "阅读 转发 点赞" at the end.
PORTAL_PAGE = """\
首页 > 新闻中心 > 基层动态
【字号:大 中 小】 打印本页 关闭窗口
幸福里社区:“楼栋会客厅”把居民请进议事圈
发布时间:2025-04-16 09:12 来源:某区融媒体中心 浏览次数:1326
<!--repaste.body.begin-->
老旧小区多、老年人多、外来租户多,是幸福里社区的“三多”。去年以来,社区以楼栋为单元推动居民议事,一批揪心事、烦心事在家门口得到解决。
![](https://example.org/img/2025/0416/a.jpg)
**楼栋会客厅 议事不出楼**
社区把每栋楼一楼的闲置储藏室改造成“楼栋会客厅”,配上桌椅和议事公告栏,由楼栋长每月召集一次议事会,居民提出的问题当场登记、限时答复。一年来,16个楼栋会客厅共议事93次,解决加装扶手、清理楼道等问题120余件。
▲居民在楼栋会客厅商量加装电梯事宜
**钱从哪儿来?居民自筹加上“微基金”**
小区公共设施维修缺钱,社区联合辖区企业设立“幸福里微基金”,居民按户自愿出资,企业按一比一配捐,资金使用情况每季度在楼栋公示栏公开。目前微基金已募集资金28万元,完成小修小补项目37个。
<!--repaste.body.end-->
责任编辑:周敏
审核:李强
阅读 2386  转发 45  点赞 120  评论 8
"""


def test_a_portal_page_gives_its_two_sub_headings_and_no_chrome_or_markup():
    doc = build_structure("p", normalize(PORTAL_PAGE).text)
    found = list(measures(document_context(doc)))
    titled = [m.heading for m in found if m.titled]
    assert titled == ["楼栋会客厅 议事不出楼", "钱从哪儿来?居民自筹加上“微基金”"]
    text = "".join(m.text for m in found)
    for chrome in ("责任编辑", "审核", "阅读 2386", "![](", "<!--", "**", "打印本页", "发布时间"):
        assert chrome not in text, chrome
    assert found[-1].text.rstrip().endswith("完成小修小补项目37个。")


# A news brief with no sub-heading: its practices are told in paragraphs, so there is no titled practice.
UNTITLED_BRIEF = """\
某县“板凳会”议出乡村好风气
2025-03-02 来源:某县融媒体中心
本报讯 今年以来,某县在120个行政村推广“板凳会”,村民围坐在一起商量村里的大事小情,\
村规民约修订、人居环境整治等事项都在板凳会上议定,村民参与率达到86%。
某县还整合村级活动场所、文化礼堂等阵地,建起“村民议事厅”58个,由村党组织书记担任召集人,\
每月固定开展议事活动,把议定事项张榜公布,接受村民监督。
县委组织部负责人表示,下一步将总结推广“板凳会”经验,让更多村民参与乡村治理。
"""


def test_an_untitled_brief_gives_passages_without_made_up_headings():
    found = list(measures(document_context(build_structure("b", UNTITLED_BRIEF))))
    assert found and all(not m.titled and m.heading == "" for m in found)


def test_the_shipped_model_is_plain_numbers_with_a_card():
    data = json.loads((models_dir() / "heading_model.json").read_text(encoding="utf-8"))
    assert data["classes"] == sorted(data["classes"]) and "practice" in data["classes"]
    assert 0.0 < data["threshold"] < 1.0
    card = (models_dir() / "heading_model.md").read_text(encoding="utf-8")
    assert "Leave-one-document-out" in card


def test_probabilities_sum_to_one_and_follow_the_weights():
    model = HeadingModel(["body", "practice"], [{"bias": 0.0}, {"next=body": 2.0}], [0.0, 0.0])
    probs = model.probabilities({"bias": 1.0, "next=body": 1.0})
    assert probs["practice"] == pytest.approx(1 / (1 + 2.718281828**-2), rel=1e-6)
    assert sum(probs.values()) == pytest.approx(1.0)
    assert model.label({"bias": 1.0}) == "practice"  # a tie sits at the threshold 0.5


def test_question_and_two_part_sub_headings_are_classified_practices():
    doc = build_structure("q", normalize(PORTAL_PAGE).text)
    items = candidates(doc, skip={0})
    labels = dict(zip((c.text for c in items), classify(doc, items, lexicon(), default_model()), strict=True))
    assert labels["钱从哪儿来?居民自筹加上“微基金”"] == "practice"
    assert labels["楼栋会客厅 议事不出楼"] == "practice"
    assert labels["阅读 2386  转发 45  点赞 120  评论 8"] == "chrome"
    assert all("bias" in f for f in features(doc, items, lexicon()))


@pytest.mark.slow
def test_the_shipped_heading_model_is_what_training_on_the_gold_gives(tmp_path):
    """Reproducible: `make models` rebuilds models/heading_model.json exactly (lbfgs on a convex loss)."""
    from pipeline.headings_train import train

    root = Path(__file__).resolve().parents[2]
    dirs = [root / "corpus" / "reports", root / "tests" / "fixtures" / "reports", root / "tests" / "fixtures" / "pages"]
    gold = [root / "corpus" / "gold", *dirs[1:]]
    report = train(gold, dirs, tmp_path)
    shipped = json.loads((models_dir() / "heading_model.json").read_text(encoding="utf-8"))
    rebuilt = json.loads(report.model_path.read_text(encoding="utf-8"))
    assert rebuilt["classes"] == shipped["classes"] and rebuilt["threshold"] == shipped["threshold"]
    for new, old in zip(rebuilt["weights"], shipped["weights"], strict=True):
        assert new.keys() == old.keys()
        assert all(abs(new[k] - old[k]) < 1e-3 for k in new)


def test_a_news_roundup_gives_no_titled_practices():
    roundup = """\
国内联播快讯
央视网消息(新闻联播):
五部门部署脱贫人口稳岗就业工作
近日,人力资源和社会保障部、国家发展改革委、财政部等五部门印发通知,部署脱贫人口稳岗就业工作,\\
推动全国脱贫人口务工规模稳定在3000万人以上。
全国社区养老服务站点建设加快推进
记者从民政部了解到,各地加快建设社区养老服务站点,今年以来新建站点1.2万个,\\
为老年人提供助餐、助浴、日间照料等服务。
"""
    found = list(measures(document_context(build_structure("r", roundup))))
    assert not [m for m in found if m.titled]


# Written for this test: a WeChat post of one-line paragraphs whose sub-headings the page wraps in 【】.
BRACKETED_POST = """\
小巷里的“和事佬”
原创 幸福清河 2024-05-06 18:20
在清河社区,说起“和事佬”,几乎没人不知道。
这是一支由退休教师和老党员组成的调解队。
【一张板凳,调解就地开场】
巷子窄,车位少,邻里之间磕磕碰碰的事不少。
调解队没有固定的办公室,哪里有矛盾,队员们就搬着板凳去哪里。
去年以来,调解队在巷口调解纠纷37起,成功率达到95%。
【一本台账,件件有回音】
每次调解后,队员都把经过和结果记在“和事台账”上。
社区每月对台账逐件回访,没解决的问题交给网格员跟进。
“事情有人管,心里就踏实了。”居民王大爷说。
【一份积分,激励更多人参与】
社区对参与调解的居民记积分,积分可以到社区超市兑换生活用品。
今年已有62名居民加入调解队。
"""


def test_sub_headings_wrapped_in_brackets_over_one_line_paragraphs_are_practices():
    doc = build_structure("w", normalize(BRACKETED_POST).text)
    items = candidates(doc, skip={0})
    feats = dict(zip((c.text for c in items), features(doc, items, lexicon()), strict=True))
    assert "bracketed" in feats["【一本台账,件件有回音】"] and "bracketed" not in feats["今年已有62名居民加入调解队。"]
    titled = [m.heading for m in measures(document_context(doc)) if m.titled]
    assert titled == ["【一张板凳,调解就地开场】", "【一本台账,件件有回音】", "【一份积分,激励更多人参与】"]
