"""Measures: enumerated practice items and the narrative fallback."""

from __future__ import annotations

import difflib
import json
import re

import opencc
import pytest

from pipeline.analyze import document_context
from pipeline.extract.measures import measures
from pipeline.ingest.normalize import normalize
from pipeline.resources import data_dir, reports_dir
from pipeline.structure import build_structure

# Outline layout: 一、 sections, (一) groups, 1. items, a results part with
# one group that has children and one that does not.
OUTLINE_REPORT = """\
“时间银行”让互助养老转起来

一、基本情况
阳光社区60岁以上老人1800人,独居老人较多。一是空巢率高,二是服务力量不足。
二、主要做法
(一)建立积分规则
1. 制定积分细则。社区制定《时间银行积分办法》,服务1小时记1分。
2. 搭建线上平台。开发小程序记录服务时长。
(二)壮大志愿队伍
1、招募低龄老人。动员60至70岁老人加入志愿队。
2、开展技能培训。邀请社工开展护理培训12场。
三、工作成效
(一)服务覆盖面扩大
一是受益人数增加,全年服务老人3600人次。二是服务项目增多,新增助餐、助浴等项目。
(二)邻里关系更加融洽
居民互助氛围浓厚,矛盾纠纷下降。
四、几点启示
首先,制度先行是基础。积分规则让付出可见。
其次,多方参与是关键。社区、社工与志愿者各有分工。
"""

# Narrative layout: sub-headings with paragraphs, no enumeration.
NARRATIVE_REPORT = """\
社区慈善基金点亮微心愿

某市近年来持续推进社区治理创新,成效显著。

聚力资源 激活慈善力量
某区在全部街道设立社区慈善基金,引导企业和居民捐赠。去年共募集资金300万元,资助社区服务项目46个,覆盖困难老人、残疾人和留守儿童。
某社区发起“微心愿”认领活动,帮助困难家庭解决实际问题。居民在社区公众号上提交心愿,企业和志愿者在线认领,一年来已实现心愿320个。
队伍建设 夯实人才支撑
为破解人才短缺难题,某市通过政府购买服务、定向培养等方式充实社工队伍,为每个社工站配
备2名专业社工,并建立督导制度。
市民政局局长表示,下一步将继续加大投入,推动社工站提质增效,让专业社工服务覆盖全部城乡社区。
"""


def test_outline_report_measures():
    found = [(m.kind, m.section, m.heading) for m in measures(document_context(build_structure("o", OUTLINE_REPORT)))]
    assert found == [
        ("measure", "建立积分规则", "制定积分细则"),
        ("measure", "建立积分规则", "搭建线上平台"),
        ("measure", "壮大志愿队伍", "招募低龄老人"),
        ("measure", "壮大志愿队伍", "开展技能培训"),
        ("outcome", "服务覆盖面扩大", "受益人数增加"),
        ("outcome", "服务覆盖面扩大", "服务项目增多"),
        ("outcome", "工作成效", "邻里关系更加融洽"),
        ("lesson", "几点启示", "制度先行是基础"),
        ("lesson", "几点启示", "多方参与是关键"),
    ]


def test_measure_spans_point_into_the_text():
    doc = build_structure("o", OUTLINE_REPORT)
    found = list(measures(document_context(doc)))
    for measure in found:
        assert doc.text[measure.start : measure.end] == measure.text
        assert measure.doc_id == "o" and measure.themes == []
    assert found[0].text == "1. 制定积分细则。社区制定《时间银行积分办法》,服务1小时记1分。"
    assert found[4].text == "一是受益人数增加,全年服务老人3600人次。"
    assert [m.ordinal for m in found] == list(range(len(found)))


def test_narrative_report_one_titled_practice_per_sub_heading():
    doc = build_structure("n", NARRATIVE_REPORT)
    found = list(measures(document_context(doc)))
    assert [(m.section, m.heading, m.titled) for m in found] == [
        (None, "聚力资源 激活慈善力量", True),
        (None, "队伍建设 夯实人才支撑", True),
    ]
    # Each practice holds every paragraph under its sub-heading; the line cut after "配" is read on
    # across the break, and the closing outlook belongs to none.
    assert "“微心愿”认领活动" in found[0].text
    assert found[1].text.endswith("并建立督导制度。")
    assert doc.text[found[1].start : found[1].end] == found[1].text


def test_narrative_fallback_can_be_switched_off():
    assert list(measures(document_context(build_structure("n", NARRATIVE_REPORT)), narrative=False)) == []


def test_background_and_problem_items_are_not_measures():
    text = "一、基本情况\n一是人口多,二是底子薄。\n二、存在问题\n一是人手不足,二是经费短缺。\n"
    assert list(measures(document_context(build_structure("b", text)))) == []


def _heading_key(text: str) -> str:
    return re.sub(r"[\s“”‘’\"'《》()()]", "", text or "")


def _matches(gold: str, predicted: str) -> bool:
    g, p = _heading_key(gold), _heading_key(predicted)
    return bool(g and p) and (g in p or p in g or difflib.SequenceMatcher(None, g, p).ratio() >= 0.6)


def test_seed_gold_precision_recall_and_kind():
    """The SCHEMA.md measure rule, micro-averaged over the seed reports."""
    t2s = opencc.OpenCC("t2s")
    gold_total = predicted_total = matched = kind_ok = 0
    for gold_path in sorted((data_dir() / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))["measures"]
        raw = (reports_dir() / f"{gold_path.stem}.txt").read_text(encoding="utf-8")
        text = t2s.convert(raw) if t2s.convert(raw) != raw else raw
        predicted = [m for m in measures(document_context(build_structure(gold_path.stem, text))) if m.titled]
        free = list(range(len(predicted)))
        for g in gold:
            hit = next((j for j in free if _matches(g["heading"], predicted[j].heading)), None)
            if hit is not None:
                free.remove(hit)
                matched += 1
                kind_ok += predicted[hit].kind == g["kind"]
        gold_total += len(gold)
        predicted_total += len(predicted)
    assert gold_total >= 40
    # Ratchet at the current 45/55 and 45/48: seed 002's gold picks 10 clause headings out of untitled
    # paragraphs under 3 thematic sub-headings, which SCHEMA.md makes 3 titled practices (see README).
    assert matched / gold_total >= 0.81
    assert matched / predicted_total >= 0.93
    assert kind_ok / matched >= 0.90


@pytest.mark.parametrize("stem", ["000_80f65cdcd7856e7d"])
def test_seed000_groups_follow_parents_and_sections(stem):
    text = (reports_dir() / f"{stem}.txt").read_text(encoding="utf-8")
    found = list(measures(document_context(build_structure(stem, text))))
    kinds = [m.kind for m in found]
    assert kinds.count("measure") == 13 and kinds.count("outcome") == 7 and kinds.count("lesson") == 3
    outcomes = [m for m in found if m.kind == "outcome"]
    # Children of a group are grouped under it; childless items under the section heading.
    assert outcomes[0].section == "有效实现了社区自治有序" and outcomes[0].heading == "阵地“特色化”"
    assert outcomes[-1].section == "成效与反响"


NEWS_WITH_TAGGED_SUBHEADINGS = """西安市雁塔区小寨路街道:“红色管家”唤醒老旧小区

近年来,小寨路街道以党建引领破解老旧小区治理难题,居民满意度明显提升。

建立楼栋党小组 让党员亮身份
街道在辖区42个无物业小区推行楼栋党小组,党员挂牌亮身份,带头参与环境整治。楼栋党小组每月走访住户一次,收集居民的意见和建议,能解决的当场解决。

开设周末议事会 让居民说了算
每周六上午,居民代表在小区凉亭召开议事会,商定停车、绿化等公共事务。议定的事项在楼道公示栏张贴,由居民监督落实,一年来共议定事项58件。

见成效 小区旧貌换新颜
一是环境明显改善。共清理楼道堆物300余处。二是邻里更加和睦。矛盾纠纷同比下降三成。

谈体会 党建引领是关键
一是要发挥党员作用。二是要相信群众。
"""


def test_tagged_news_subheadings_give_titled_practices_outcomes_and_lessons():
    found = list(measures(document_context(build_structure("x", NEWS_WITH_TAGGED_SUBHEADINGS))))
    by_kind = {}
    for m in found:
        by_kind.setdefault(m.kind, []).append(m.heading)
    assert by_kind["measure"] == ["建立楼栋党小组 让党员亮身份", "开设周末议事会 让居民说了算"]
    assert by_kind["outcome"] == ["环境明显改善", "邻里更加和睦"]
    assert by_kind["lesson"] == ["要发挥党员作用", "要相信群众"]


NEWS_WITH_DATELINE_AND_OUTLOOK = """南昌东湖区“板凳议事”议出老街新气象
2023-09-18 08:45  来源:南昌晚报
记者 刘洋 通讯员 陈晨
本报讯 今年以来,东湖区豫章街道探索老街区治理新办法,居民参与热情高涨。
摆开板凳会 把事情摊开商量
街道在8个社区推行“板凳议事会”,每月在楼栋口召开,一年来商定公共事务60余件。议事会由社区党组织召集,楼栋长、居民代表和物业人员围坐一圈,大家有话当面说。
引入社工机构 让服务更专业
街道购买专业社工服务,为独居老人建立服务档案。社工每周上门探访,为老人提供心理疏导、代办代购等服务,已服务老人230余人次。
街道党工委书记表示,下一步将把板凳议事会推广到全部小区。
"""


@pytest.mark.parametrize(
    "outlook",
    [
        "街道党工委书记表示,下一步将把板凳议事会推广到全部小区。",
        "“老街治理没有旁观者,每个居民都是主角。”街道党工委书记表示,今后将把板凳议事会推广到全部小区。",
    ],
)
def test_dateline_and_reporter_lines_are_no_practices_and_the_outlook_is_cut(outlook):
    text = NEWS_WITH_DATELINE_AND_OUTLOOK.replace("街道党工委书记表示,下一步将把板凳议事会推广到全部小区。", outlook)
    found = list(measures(document_context(build_structure("d", text))))
    assert [m.heading for m in found] == ["摆开板凳会 把事情摊开商量", "引入社工机构 让服务更专业"]
    assert found[-1].text.endswith("已服务老人230余人次。")


def test_a_closing_outlook_paragraph_is_no_narrative_measure():
    text = NARRATIVE_REPORT + "下一步,某区将完善社区慈善基金管理办法,推动基金规范运行。\n"
    found = list(measures(document_context(build_structure("n", text))))
    assert [m.heading for m in found] == ["聚力资源 激活慈善力量", "队伍建设 夯实人才支撑"]
    assert "下一步" not in found[-1].text


@pytest.mark.parametrize(
    "lead, kind",
    [
        ("街道负责人表示,社工站建设的经验有三点:", "lesson"),
        ("一年来,社区治理取得明显成效:", "outcome"),
        ("为提升服务效果,社区采取了以下措施:", "measure"),
    ],
)
def test_a_sentence_introducing_an_enumeration_gives_its_kind(lead, kind):
    text = (
        "近年来,某社区推进社工站建设。\n"
        + lead
        + "一是要坚持党建引领,把工作纳入重点;二是要坚持专业支撑,破解难题;三是要坚持居民主体。\n"
        + "社区还开展了丰富的活动。首先,建立台账,逐户走访;其次,开展培训,提升能力。\n"
    )
    found = [(m.kind, m.heading) for m in measures(document_context(build_structure("k", text)))]
    assert found[:3] == [(kind, "要坚持党建引领"), (kind, "要坚持专业支撑"), (kind, "要坚持居民主体")]
    # The next enumeration has no lead of its own: practices.
    assert found[3:] == [("measure", "建立台账"), ("measure", "开展培训")]


RESULTS_REPORT = """某村推行“村民说事”
一、主要做法
(一)建立说事平台。村里设立说事长廊。
(二)规范议事流程。实行四议两公开。
二、取得成效
{results}
"""


def test_results_under_their_own_sub_headings_are_outcomes():
    results = (
        "院落环境明显改善\n社区累计清理楼道堆物300余处,拆除违建棚房12处,新增绿地2000平方米,院落里有了休闲座椅和健身器材。\n"
        "邻里关系更加和睦\n村民有事坐下来商量,矛盾纠纷同比下降30%,连续三年没有发生信访事件,村里被评为文明村。"
    )
    found = [
        (m.kind, m.heading)
        for m in measures(document_context(build_structure("r", RESULTS_REPORT.format(results=results))))
    ]
    assert found[2:] == [("outcome", "院落环境明显改善"), ("outcome", "邻里关系更加和睦")]


def test_a_results_paragraph_in_prose_is_no_measure():
    results = "三年来,全村累计召开说事会36场,收集村民意见建议420余条,办结率达到98%。"
    found = [
        (m.kind, m.heading)
        for m in measures(document_context(build_structure("r", RESULTS_REPORT.format(results=results))))
    ]
    assert found == [("measure", "建立说事平台"), ("measure", "规范议事流程")]


# A WeChat-style article: a time-stamped header, ornamented "name:slogan"
# sub-headings, captions, and page furniture at the end.
WECHAT_NAMED_SUBHEADINGS = """\
东门社区:“红色物业”让老旧小区焕新颜

原创　东门民政　2024-03-08 19:20　发表于江西

　　走进九江市浔阳区东门社区,楼道整洁,车辆停放有序。

◆ 红色物业:党员带头管小区

　　社区党委牵头成立物业服务站,由党员骨干担任楼栋长,每月收集居民诉求。服务站实行“居民点单、党员接单”,一年来为居民解决维修、保洁等问题180余件。

▲图为党员楼栋长入户走访

◆ 共享车棚:停车难题一朝解

　　社区利用闲置空地新建充电车棚2处,新增充电桩60个,车棚由居民志愿者轮流值守,解决电动车充电难问题。

　　“下一步,我们将继续完善物业服务。”社区党委书记说。

来源:浔阳区东门社区
阅读 1024
"""


def test_named_subheadings_with_a_colon_are_titled_practices():
    text = WECHAT_NAMED_SUBHEADINGS.replace("\u3000", "")
    found = list(measures(document_context(build_structure("w", text))))
    assert [m.heading for m in found] == ["红色物业:党员带头管小区", "共享车棚:停车难题一朝解"]
    assert found[-1].text.rstrip().endswith("充电难问题。")  # outlook and page furniture cut


def test_label_lines_of_the_page_are_no_practices():
    # "X:Y" lines of page chrome look like named sub-headings; they title nothing.
    text = WECHAT_NAMED_SUBHEADINGS.replace("\u3000", "").replace("来源:浔阳区东门社区", "责任编辑:王敏\n审核:李强")
    headings = [m.heading for m in measures(document_context(build_structure("w", text)))]
    assert headings == ["红色物业:党员带头管小区", "共享车棚:停车难题一朝解"]


def test_lessons_introduced_inside_a_results_section_are_lessons():
    text = RESULTS_REPORT.format(
        results=(
            "三年来,全村累计召开说事会36场,办结率达到98%。\n"
            "该村的探索带来三点启示:一是党建引领是根本,支部要把方向;二是村民主体是关键,要让村民自己议;"
            "三是制度保障是基础,议事规则要公开。\n"
        )
    ).replace("二、取得成效", "二、成效与启示")
    found = [(m.kind, m.heading) for m in measures(document_context(build_structure("r", text)))]
    assert found[2:] == [("lesson", "党建引领是根本"), ("lesson", "村民主体是关键"), ("lesson", "制度保障是基础")]


# A news brief: a dateline, a lead, practice paragraphs, a result paragraph
# without a practice verb, and a closing outlook; no sub-heading at all.
HEADLESS_BRIEF = """\
北林区“院落议事”破解老旧小区治理难题
2024-05-10 来源:绥化日报
本报讯 近日,记者走进绥化市北林区北辰社区,看到院落里新划的停车位整整齐齐,居民们在凉亭里拉着家常。
在议事平台方面,社区成立“院落议事会”,由居民推选楼长和党员代表参加,每月商议一次院落事务。
在环境整治方面,社区开通“随手拍”小程序,居民发现问题随时上报,网格员24小时内处理。
一年来,小区车辆乱停现象明显减少,居民满意度达到96%。
社区党委书记表示,下一步将把院落议事会推广到辖区全部小区。
"""


def test_a_headless_brief_gives_passages_not_made_up_titles():
    found = list(measures(document_context(build_structure("b", HEADLESS_BRIEF))))
    # Its two practice paragraphs (after the lead) have no title: passages, with no heading cut out of them.
    assert [(m.titled, m.heading) for m in found] == [(False, ""), (False, "")]
    assert [m.text[:6] for m in found] == ["在议事平台方", "在环境整治方"]


def test_news_subheadings_led_by_any_verb_are_titled_practices():
    text = """\
老工业区里的“五社联动”
本报讯 近年来,某区某社区探索老旧小区治理新路子。
建起社工站 专业服务“沉”到楼院
社区购买服务引入社工机构,为独居老人建立服务台账,社工每周上门探访,开展心理疏导和健康咨询,已服务老人1200余人次。
引来社会组织 居民从“旁观”到“参与”
社区孵化培育文艺队、互助会等社会组织9家,为它们提供活动场地和能力培训,让居民从服务的旁观者变成参与者。
织密志愿网 邻里守望有温度
社区组建志愿服务队,推行“时间银行”,志愿者的服务时长可存入账户,将来兑换等时的服务,已有注册志愿者860人。
"""
    headings = [m.heading for m in measures(document_context(build_structure("v", text)))]
    assert headings == [
        "建起社工站 专业服务“沉”到楼院",
        "引来社会组织 居民从“旁观”到“参与”",
        "织密志愿网 邻里守望有温度",
    ]


def test_plans_and_problems_are_no_measures():
    text = RESULTS_REPORT.format(results="全村累计召开说事会36场。") + (
        "三、存在问题\n一是议事规则不够细,二是年轻人参与少。\n"
        "四、下一步打算\n一是深化“村民说事”制度;二是加强议事队伍建设;三是推进数字化议事。\n"
    )
    found = [(m.kind, m.heading) for m in measures(document_context(build_structure("p", text)))]
    assert found == [("measure", "建立说事平台"), ("measure", "规范议事流程")]


def test_a_newspaper_page_masthead_title_and_subtitle_are_no_practices():
    text = """\
某某日报　2023年9月12日　星期二　　　　第5版·乡村振兴
某某村:小山村走出治理“新路子”
——某县某镇某某村以党建引领推动乡村善治见闻
本报记者 张三
初秋时节,走进某某村,白墙黛瓦的民居依山而建。
「聚人心:支部建在网格上」
村党支部把全村划为6个网格,每个网格由1名党员担任网格长。
「树新风:小积分兑出大文明」
村里推行文明积分制,村民参与志愿服务可以积分兑换物品。
"""
    headings = [m.heading for m in measures(document_context(build_structure("f", normalize(text).text)))]
    assert headings == ["聚人心:支部建在网格上", "树新风:小积分兑出大文明"]


def test_ornamented_subheadings_of_a_post_are_titled_practices():
    text = """\
红色物业“管”出幸福感
某某街道 2024-12-10 18:30 山西
走进某某社区,楼道干净整洁,车辆停放有序。
■ 议事有平台
社区牵头搭建“三方议事会”,每月固定召开,社区、业委会和物业公司一起商量小区大事,一年来解决停车、绿化等难题26个。
■ 服务有温度
物业公司设立“党员先锋岗”,推出磨刀、理发、家电维修等10项免费服务,每月第一个周六在小区广场集中开展。
点击关注 了解更多资讯
阅读原文
"""
    assert [m.heading for m in measures(document_context(build_structure("w", text)))] == ["议事有平台", "服务有温度"]


def test_an_afterword_and_interview_questions_of_a_wechat_post_are_no_practices():
    text = """\
山脚下的“板凳会”
某某县融媒体中心 2024-05-08

“以前有事没处说,
现在搬个板凳就能说。”
村民老周笑着说。

板凳会:家门口的议事桌
村里把议事会开到了院坝上,
每月逢十召开,
村民围坐一圈,
有事当面商量。
两年来共议定事项47件。

巡河队:护好一条河
村里组建了20人的巡河队,
每周巡河两次,
发现问题随手拍、随时报。

问:板凳会上吵起来怎么办?
答:先让大家把话说完,再由村里的老党员帮着评理。

写在最后
一条板凳,
坐近了干群的距离。
"""
    headings = [m.heading for m in measures(document_context(build_structure("w", normalize(text).text)))]
    assert "板凳会:家门口的议事桌" in headings and "巡河队:护好一条河" in headings
    assert not [h for h in headings if h.startswith("问") or h == "写在最后"], headings
