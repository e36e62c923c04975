"""Mechanisms extractor: golden tables on hand-written genre text, plus the seeds' gold."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from pipeline.analyze import document_context
from pipeline.extract.mechanisms import mechanisms
from pipeline.ingest.normalize import normalize
from pipeline.structure import build_structure

CORPUS = Path(__file__).resolve().parents[2] / "corpus"
_NOISE = re.compile(r"[“”‘’\"'「」『』《》()\[\]\s]")


def _run(text: str, **kwargs):
    text = normalize(text).text
    return text, list(mechanisms(document_context(build_structure("t", text)), **kwargs))


def _names(text: str) -> list[str]:
    return [m.name for m in _run(text)[1]]


# A case report's plain opening and close, written for these tests, naming no mechanism: a sentence under
# test is read inside it, in the genre it comes from. A text under SHORT_TEXT characters alone is read as
# a feed's brief is (the short-text threshold, models/mechanism_model.md), where such names are rarer.
_REPORT_OPENING = (
    "某区某街道位于老城区东部,辖区面积3.2平方公里,下辖8个社区,常住人口4.6万人,其中60岁以上老年人占比超过两成,"
    "老旧小区多、流动人口多、公共服务设施不足,居民反映的问题集中在养老、停车和环境卫生等方面。近年来,街道坚持以居民"
    "需求为导向,整合辖区单位、社会组织和志愿者等各方资源,推动社区治理和服务水平不断提升。\n\n"
)
_REPORT_CLOSE = (
    "\n\n经过两年多的探索,辖区居民对社区服务的满意度由76%提高到93%,矛盾纠纷化解率保持在98%以上,"
    "社区治理的基础更加扎实,居民参与社区事务的积极性明显提高。下一步,街道将继续完善工作机制,"
    "推动更多资源下沉到社区,让居民在家门口享受到更加便捷的服务。"
)


def _names_in_report(sentence: str) -> list[str]:
    import opencc

    frame = _REPORT_OPENING, _REPORT_CLOSE
    if opencc.OpenCC("t2s").convert(sentence) != sentence:  # a Traditional sentence, in a Traditional report
        frame = tuple(opencc.OpenCC("s2t").convert(part) for part in frame)
    return _names(frame[0] + sentence + frame[1])


def test_the_report_frame_names_nothing():
    assert _names(_REPORT_OPENING + _REPORT_CLOSE) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("龙华区在大和村实行“三社”联动、创新“四化”治理措施。", {"三社联动", "四化治理"}),
        ("探索了“一领双融三孵化”工作模式,先后培育孵化社会组织24家。", {"一领双融三孵化"}),
        ("通过创新“一核三擎”治理模式,夯实了党建基础。", {"一核三擎"}),
        ("青山区制定了《社区居委会“三报告双评议一监督”制度》等配套制度。", {"三报告双评议一监督"}),
        ("街道对社会组织实行登记和备案双轨制,条件成熟的推荐登记。", {"双轨制"}),
        ("社区推行“一户一档”管理,逐户建立台账。", {"一户一档"}),
        ("社区把“三社联动”升级为“五社联动”,构建“一核多元”共治格局。", {"三社联动", "五社联动", "一核多元"}),
        ("通过公益创投“社工支网计划”,引进社工机构党支部参与社区治理。", {"社工支网计划", "公益创投"}),
        ("条件成熟的推荐到区民政局注册登记,并实行“壹元注册”。", {"壹元注册"}),
        ("聚合网格员、社工等力量,以“包楼”服务的形式参与社区治理。", {"包楼"}),
        ("街道按照“以需定供、精准培育”的孵化培育模式,回应居民需求。", {"以需定供、精准培育"}),
        ("对社会组织实行“分类管理、三级管辖、双轨制管理”:对符合条件的帮助登记。", {"分类管理、三级管辖、双轨制管理"}),
        ("社区推广“135”工作法,一月一走访。", {"135工作法"}),
        ("街道建立“1+3+N”组织体系,覆盖全部小区。", {"1+3+N组织体系"}),
        ("该街道创新实施“小区管家”计划,每个小区配备一名管家。", {"小区管家"}),
        ("做好“暖心”行动,关爱独居老人。", {"暖心行动"}),
        ("坚持和发展新时代“枫桥经验”,推行“吹哨报到”机制。", {"枫桥经验", "吹哨报到"}),
        ("区里推进一网统管,各村落实四议两公开。", {"一网统管", "四议两公开"}),
        # Traditional script is read after normalization.
        ("東關街道探索了「一領雙融三孵化」工作模式,深入實踐「四社聯動」機制。", {"一领双融三孵化", "四社联动"}),
    ],
)
def test_finds_mechanisms(text: str, expected: set[str]) -> None:
    assert set(_names_in_report(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "他说:“我们要把群众的事当成自己的事,一件一件办好。”",
        "提供社区服务“一体化”,努力做到决策“科学化”。",
        "打通服务群众的“最后一公里”,激活基层治理“一池春水”。",
        "千方百计为群众办实事,做到一心一意、四面八方汇聚力量。",
        "剥离行政职能,使社区“两委”专注于党务政务。",
        "一是强化制度建设,二是完善激励机制,统一体制机制。",
        "实现“大社区、小社会”向“小社区、大社会”转变,把“群众满意”作为第一标准。",
        "社工特色服务项目清单、城中村社工特色服务项目大赛和一批特色服务项目。",
        "先后培育孵化“草根文化社”、“工福晴雨”服务队、“心相连公益服务中心”等社会组织。",
        "今年一至八月,社区受理的矛盾纠纷同比下降,三到五年内实现全覆盖。",
    ],
)
def test_ignores_ordinary_quotes_and_numerals(text: str) -> None:
    assert _names(text) == []


def test_variants_fold_into_one_record_with_mentions_and_first_span() -> None:
    text, found = _run("大和村实行“三社”联动。发挥“三社”力量,推进“三社联动”。“三社”联动成效明显。")
    assert [m.name for m in found] == ["三社联动"]
    record = found[0]
    assert record.mentions == 4
    assert text[record.start : record.end] == "“三社”联动"
    assert record.start == text.index("“三社”")


def test_spans_point_at_the_mention() -> None:
    text, found = _run("推行“红色议事会”制度。社区创新“四议两公开”工作法。街道实行登记和备案双轨制。")
    assert found
    for record in found:
        assert _NOISE.sub("", text[record.start : record.end]) in record.name
        assert 0 < record.confidence <= 1


@pytest.mark.parametrize(
    "text, name, definition",
    [
        (
            "完善“三事分流”(“大事”政府主导快办、“小事”基层协商共办、“私事”依法有序自办)自治机制。",
            "三事分流",
            "大事政府主导快办、小事基层协商共办、私事依法有序自办",
        ),
        pytest.param(
            "“邻里守望”是指楼栋居民互帮互助的志愿服务形式。",
            "邻里守望",
            "楼栋居民互帮互助的志愿服务形式",
            marks=pytest.mark.xfail(
                strict=True,
                reason="0.589 < the short-text cut-off 0.75: quoted_last_char=望, learnt from the gold texts "
                "that list 邻里守望 as no mechanism (3) against those that list it as one (2)",
            ),
        ),
        (
            "各村落实四议两公开,即党支部提议、两委商议、党员审议、村民决议。",
            "四议两公开",
            "党支部提议、两委商议、党员审议、村民决议",
        ),
        ("深入实践“四社联动”机制:以社区社会组织为媒介,引入外部资源。", "四社联动", "以社区社会组织为媒介,引入外部资源"),
        ("社区推行“红色议事会”制度,每月开一次会。", "红色议事会", None),
    ],
)
def test_definitions(text: str, name: str, definition) -> None:
    record = next(m for m in _run(text)[1] if m.name == name)
    assert record.definition == definition


def test_min_confidence_keeps_only_strong_evidence() -> None:
    text = "社区党委在辖区构建“1+3+N”服务网络,覆盖全部小区。实行“三社”联动。"
    found = _run(text)[1]
    assert {m.name for m in found} == {"1+3+N服务网络", "三社联动"}
    weakest, strongest = min(m.confidence for m in found), max(m.confidence for m in found)
    assert weakest < strongest  # the model is surer of one than of the other
    cut = (weakest + strongest) / 2
    kept = _run(text, min_confidence=cut)[1]
    assert [m.name for m in kept] == [m.name for m in found if m.confidence >= cut] != [m.name for m in found]


def _key(name: str) -> str:
    return _NOISE.sub("", name)


def test_seed_recall_and_precision() -> None:
    required = matched_required = predicted = predicted_right = 0
    for gold_path in sorted((CORPUS / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))["mechanisms"]
        source = CORPUS / "reports" / f"{gold_path.stem}.txt"
        _, found = _run(source.read_text(encoding="utf-8"))
        names = [_key(m.name) for m in found]

        def match(a: str, b: str) -> bool:
            return a in b or b in a

        for entry in gold:
            if entry["required"]:
                required += 1
                matched_required += any(match(_key(entry["name"]), n) for n in names)
        predicted += len(names)
        predicted_right += sum(any(match(n, _key(g["name"])) for g in gold) for n in names)
    assert matched_required / required >= 0.85
    assert predicted_right / predicted >= 0.75


def test_named_rules_and_compacts_are_arrangements() -> None:
    assert _names_in_report("街道制定《小区协商议事规则》,明确议事环节。") == ["小区协商议事规则"]
    assert _names_in_report("居民共同遵守“文明养犬公约”。") == ["文明养犬公约"]


def test_a_colon_before_an_enumeration_is_no_definition():
    text = "在阵地建设上,街道坚持“小而精、实而用”:一是整合场地资源,改造社工站;二是配齐专业力量。"
    assert all(m.definition is None for m in mechanisms(document_context(build_structure("c", text))))


@pytest.mark.parametrize(
    "text, expected",
    [
        # A distinctive head right after the quote belongs to the name; a type noun does not.
        ("各小区成立“邻里好商量”议事会,每月议事一次。", "邻里好商量议事会"),
        ("街道推广“邻里守望”驿站,就近服务居民。", "邻里守望驿站"),
        # Names ending in a governance head: 网格, 生活圈, 议事堂, 恳谈会.
        ("社区推行“全科网格”管理。", "全科网格"),
        ("街道以打造“10分钟便民生活圈”为目标。", "10分钟便民生活圈"),
        ("闲置用房改成了“百姓议事堂”。", "百姓议事堂"),
        # A code is named by the network or app it labels.
        ("社区党委在辖区构建“1+3+N”服务网络,覆盖全部小区。", "1+3+N服务网络"),
        ("居民通过“掌上议事”小程序反映诉求。", "掌上议事小程序"),
        ("建立了“1+5+N”组织架构。", "1+5+N组织架构"),
        # The 河长制 family of responsibility systems.
        ("推行“楼长制”,楼长由党员担任。", "楼长制"),
        # Mediation rooms and village councils.
        ("在各社区建立“和睦”调解室,吸纳退休法官参与调解。", "和睦调解室"),
        ("村里成立“新风”理事会,规范红白喜事。", "新风理事会"),
    ],
)
def test_quoted_names_completed_by_their_head(text: str, expected: str) -> None:
    assert expected in _names_in_report(text)


def test_village_councils_are_named_without_quotes():
    names = set(_names("村里成立红白理事会和乡贤参事会,修订完善村规民约。"))
    assert {"红白理事会", "乡贤参事会"} <= names


@pytest.mark.parametrize(
    "text, expected",
    [
        ("大型安置社区“新居民”融入的治理路径研究。", []),
        ("以“包楼”服务的形式参与社区治理。", ["包楼"]),
        ("推行“网格+物业”的服务模式。", ["网格+物业"]),
    ],
)
def test_a_model_noun_past_a_de_phrase_names_nothing(text, expected):
    assert _names(text) == expected


def test_links_of_a_numeral_slogan_quoted_apart_fold_into_it():
    text = (
        "社区党委提出“一核两翼四联”思路。(一)以“一核”凝聚多元主体。(二)以“两翼”夯实自治基础。"
        "社区把“三社”联动延伸为“五社联动”。"
    )
    names = set(_names(text))
    assert "一核两翼四联" in names and not {"一核", "两翼"} & names
    assert {"三社联动", "五社联动"} <= names


@pytest.mark.parametrize("text", ["以党建统领,织密网格“一张网”。", "全村上下“一盘棋”,唱好“一台戏”。"])
def test_one_plus_measure_word_metaphors_are_no_mechanisms(text):
    assert _names(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("在外乡贤牵头创办“溪南共富工坊”,带动留守妇女就业。", "溪南共富工坊"),
        ("辖区单位党组织组建“东湖社区治理联合党委”,每月议事。", "东湖社区治理联合党委"),
    ],
)
def test_workshops_and_joint_party_committees_are_named_arrangements(text, expected):
    assert expected in _names(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("推动从“接诉即办”向“未诉先办”延伸。", ["接诉即办", "未诉先办"]),
        ("实现从“要我干”到“我要干”的转变。", []),
    ],
)
def test_the_model_a_known_one_grew_into_is_one_too(text, expected):
    assert _names(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("村党支部以“支部带村、党员带户、能人带富”为抓手,探索治理新路。", "支部带村、党员带户、能人带富"),
        ("社区以“美丽家园”建设为抓手,推进老旧小区改造。", "美丽家园"),
        ("形成“党总支提议、居委会商议、居民会议决议”的议事流程。", "党总支提议、居委会商议、居民会议决议"),
        ("全县建成“15分钟社工服务圈”,偏远村由社工定期走访。", "15分钟社工服务圈"),
        ("街道开设“临河社工讲堂”,实行导师帮带。", "临河社工讲堂"),
        ("社区在市慈善会设立“重机暖巢”社区微基金,资助困难家庭。", "重机暖巢社区微基金"),
        ("每月在村口召开“村民说事会”,大事小事摆上桌面。", "村民说事会"),
    ],
)
def test_programme_anchors_and_heads(text, expected):
    assert expected in _names(text)


def test_an_action_told_twice_is_no_named_arrangement():
    text = "街道科学划分综合网格,共设综合网格46个。按照标准划分综合网格后,每个网格配备1名专职网格员。"
    assert "划分综合网格" not in _names(text)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("同时拓展“积分+信贷”应用场景,与县农商行合作。", ["积分+信贷"]),
        ("推出“四点半课堂+爱心晚餐”服务,孩子放学有去处。", ["四点半课堂+爱心晚餐"]),
    ],
)
def test_quoted_parts_joined_by_plus_are_an_arrangement(text, expected):
    assert _names(text) == expected


@pytest.mark.parametrize("text", ["老人一边刷卡一边说,饭菜可口。", "在经八路街道一处老旧小区,居民正在议事。"])
def test_numeral_prose_is_no_slogan(text):
    assert _names(text) == []


# -- the mechanism model's decisions on names the rules alone missed or took (issue 17) ---------------
@pytest.mark.parametrize(
    "text, expected",
    [
        # A quoted name the text sets up, with no cue word after it.
        ("村里组建了“红枫义警”队伍,每晚开展巡逻。", "红枫义警"),
        ("社区推出“时间存折”,居民参与志愿服务的时长可以存入,日后兑换服务。", "时间存折"),
        ("“锦绣芳邻”项目启动以来,已有200多户居民报名参加。", "锦绣芳邻"),
        # Councils, facilities and teams named as the case's own, without quotes.
        ("街道在每个小区设立楼栋议事角,居民有事随时来说。", "楼栋议事角"),
        ("社区成立了阿妈妮帮扶队,为独居老人上门送餐。", "阿妈妮帮扶队"),
        # An A+B arrangement without quotes.
        ("社区推行党建+物业联动,物业公司每月向社区党委报告工作。", "党建+物业联动"),
        # A chain of counts is a slogan, although it opens with a count.
        pytest.param(
            "村里为每户建立档案,推行一户一档、一户一策。",
            "一户一档",
            marks=pytest.mark.xfail(
                strict=True, reason="0.34 < 0.6 since the feed's 一X一X catchwords joined training (0.52 before neg13)"
            ),
        ),
    ],
)
def test_names_without_a_cue_word(text, expected):
    # Matched as `govcase evaluate` matches names: 红枫义警队伍 (with its team noun) names 红枫义警.
    assert any(expected in name for name in _names_in_report(text))


@pytest.mark.parametrize(
    "text",
    [
        "会议传达学习了党的二十届三中全会精神,部署下一阶段工作。",  # a meeting
        "今年前三季度,一带一路沿线贸易额增长12%。",  # a national strategy
        "两国和两国人民的友谊源远流长,双方应进一步加强合作。",  # prose with numerals
        "一栋楼里十几口人,一辆接着一辆的车停满了路边。",  # counted things
    ],
)
def test_meetings_counts_and_complaints_are_no_mechanism(text):
    assert _names(text) == []


def test_every_record_carries_the_model_probability():
    found = _run(_REPORT_OPENING + "村里组建了“红枫义警”队伍,每晚开展巡逻。" + _REPORT_CLOSE)[1]
    assert found and all(0.0 < m.confidence <= 1.0 for m in found)


# Stories of a national news feed, written for these tests: their quoted phrases and numbered formulas
# are formulas of national politics, diplomacy and business, not a place's governance arrangement.
_PLENUM_STORY = (
    "中共中央政治局召开会议 研究部署下半年工作\n"
    "央视网消息(新闻联播):中共中央政治局今天召开会议,分析研究当前经济形势,部署下半年经济工作。"
    "中共中央总书记习近平主持会议。会议指出,全党要深刻领悟“两个确立”的决定性意义,增强“四个意识”、"
    "坚定“四个自信”、做到“两个维护”,始终牢记“三个务必”。会议强调,要坚持稳中求进工作总基调,"
    "完整、准确、全面贯彻新发展理念,加快构建新发展格局,着力推动高质量发展。要运用好"
    "监督执纪“四种形态”,以“十个坚持”为根本遵循,持续纠治“四风”。会议要求,各地区各部门要"
    "统筹发展和安全,守住不发生系统性风险的底线。党中央号召全党全国各族人民团结奋斗,"
    "为全面建设社会主义现代化国家而努力。"
)
_MARKETS_STORY = (
    "西部多地新业态加速成长\n"
    "央视网消息(新闻联播):今年以来,西部多地发展新业态新模式。广西巴马依托长寿资源发展“文旅+康养”产业,"
    "上半年接待游客同比增长18%;青海海西建设“新能源+储能”一体化基地,新增装机容量300万千瓦;"
    "重庆推出“班列+保税仓”物流模式,中欧班列开行量创新高。专家表示,数字经济、绿色能源和现代物流"
    "正成为外贸和制造业的新增长点,GDP增速高于全国平均水平,进出口总额持续攀升。"
    "国家统计局数据显示,上半年西部地区规模以上工业增加值同比增长6.8%,高技术制造业投资增长12.1%,"
    "社会消费品零售总额增长5.2%。与此同时,沿边口岸通关效率明显提升,跨境电商、市场采购等贸易方式"
    "快速发展,一批外资项目签约落地,为稳外贸稳外资提供了有力支撑。"
)


@pytest.mark.parametrize(
    "story, formulas",
    [
        (_PLENUM_STORY, {"两个确立", "四个意识", "四个自信", "两个维护", "三个务必", "四种形态", "十个坚持"}),
        (_MARKETS_STORY, {"文旅+康养", "新能源+储能", "班列+保税仓"}),
    ],
)
def test_formulas_of_national_news_are_no_mechanism(story, formulas):
    assert not formulas & set(_names(story))


def test_a_community_arrangement_written_a_plus_b_is_one():
    report = (
        "老旧小区没有物业,居民意见大。街道推行“党建+物业”模式,由社区党委牵头,引入国企物业托管,"
        "成立小区议事会,居民每月协商一次。两年来,辖区42个老旧小区全部实现物业服务覆盖,"
        "居民满意度由61%提高到93%。"
    )
    assert "党建+物业" in _names(report)


# A national roundup of livelihood news, written for this test: two places' own arrangements among the
# catchwords and pejoratives of national policy that such stories quote (急难愁盼, 一老一小, 面子工程).
_ROUNDUP_STORY = (
    "各地多措并举 办好老百姓家门口的民生实事\n"
    "央视网消息(新闻联播):今年以来,各地坚持以人民为中心,聚焦“急难愁盼”问题,持续加大民生投入。"
    "在浙江湖州,南浔区练市镇建立“邻里帮帮团”,由退休教师、党员和村医组成,每周上门为独居老人量血压、送药品;"
    "在甘肃天水,秦州区推行“周三夜谈”,村干部每周三晚上到农户院坝听意见,一年解决群众诉求1600多件。"
    "各地还要牢牢抓住“一老一小”,坚决整治“面子工程”,防止“一刀切”。民政部有关负责人表示,下一步将持续推进"
    "基本养老服务体系建设,加快补齐农村养老服务短板,让改革发展成果更多更公平惠及全体人民。"
    "数据显示,截至今年9月底,全国已建成社区养老服务设施36万个,农村互助养老服务设施14万个,"
    "累计为1200多万户困难老年人家庭实施适老化改造。"
)


def test_a_place_s_own_arrangement_is_told_from_a_national_roundup_s_catchwords():
    names = set(_names(_ROUNDUP_STORY))
    assert "邻里帮帮团" in names
    assert not names & {"急难愁盼", "一老一小", "面子工程", "一刀切"}


def test_the_clause_before_a_name_tells_who_owns_it():
    from pipeline.extract.lexicon import lexicon
    from pipeline.extract.mechanisms import candidate_groups, group_features
    from pipeline.structure import body_view, build_structure

    text = "南浔区练市镇建立“邻里帮帮团”,每周上门服务。会议要求,要坚持“两个毫不动摇”,持续整治“面子工程”。"
    doc, lex = body_view(build_structure("t", text)), lexicon()
    feats = {g.name: group_features(doc, g, lex) for g in candidate_groups(doc, lex)}
    assert "place_before" in feats["邻里帮帮团"] and "adhering_verb_before" not in feats["邻里帮帮团"]
    assert "adhering_verb_before" in feats["面子工程"] and "place_before" not in feats["面子工程"]


def test_a_one_line_text_is_read_as_a_feed_brief():
    # Short texts written for this test: a brief's motto and formula are no mechanism; a place that sets
    # up its own named team, with the words of a case, still names one.
    assert _names("第十五届全国运动会火炬传递今天在广州启动,主题为“活力湾区 魅力全运”。") == []
    assert "邻里帮帮团" in _names("南浔区练市镇建立“邻里帮帮团”,由退休教师、党员和村医组成,每周上门为独居老人送药品。")


@pytest.mark.xfail(
    strict=True, reason="a known miss of the feed check: cross-strait formulas are still read as slogans"
)
def test_a_political_formula_of_a_brief_is_no_mechanism():
    assert _names("国台办发言人表示,坚持“九二共识”是两岸关系和平发展的基础。") == []


def test_a_council_named_again_by_its_head_noun_is_one_council():
    text = (
        "松林社区成立了“院坝议事会”,由居民代表、物业和共建单位组成。每月第一周,议事会在院坝里开会,"
        "上个月议事会商定了加装电梯的分摊办法。社区还设立“松林社区基金”,社区基金当年募集资金12万元。"
    )
    names = _names_in_report(text)
    assert "院坝议事会" in names and "松林社区基金" in names
    assert "议事会" not in names and "社区基金" not in names


def test_the_last_part_of_an_a_plus_b_stays_its_own_arrangement():
    text = "区里推行“三级孵化+公益创投”,街道每年拿出专项资金开展公益创投,去年资助项目36个。"
    names = _names_in_report(text)
    assert "三级孵化+公益创投" in names
    assert "公益创投" in names


def test_links_quoted_apart_from_a_formula_that_is_no_mechanism_are_no_names():
    text = (
        "澳门回归以来,“一国两制”实践行稳致远。特区政府坚守“一国”之本、善用“两制”之利,"
        "在横琴粤澳深度合作区推行“分线管理”,两地居民往来更加便利。"
    )
    names = _names(text)
    assert "一国" not in names and "两制" not in names


def test_a_facility_named_before_a_locative_is_found():
    # 超市|里 reads as 市里 (the city) to the dictionary; the head still ends the name.
    text = "村民的积分可以到村委会旁边的积分超市里兑换油、盐和洗衣粉,去年兑换1200多次。"
    assert _names_in_report(text) == ["积分超市"]


def _proposed(text: str) -> set[str]:
    """The names the scans propose (before the model decides)."""
    from pipeline.extract.mechanisms import candidate_groups

    ctx = document_context(build_structure("t", normalize(text).text))
    return {group.name for group in candidate_groups(ctx.body, ctx.lexicon)}


@pytest.mark.parametrize(
    "text, expected",
    [
        # jieba tags 互助, 调解 as verbs and 红, 黑, 幸福 as adjectives: the head's noun modifier alone
        # would be empty or cut (互助|食堂 gave no candidate at all).
        ("清和社区的邻里互助食堂里热气腾腾,老人们围坐在一起吃午饭。", "邻里互助食堂"),
        ("镇里成立了老兵调解工作室,由5名退役军人轮流值守。", "老兵调解工作室"),
        ("村里推行红黑榜,每月评比一次,张榜公布。", "红黑榜"),
        ("村里建起幸福食堂,六十岁以上老人每餐只需交两元。", "幸福食堂"),
        # 孝|善 and 助|餐: a one-character verb glued to a one-character noun is one coined word.
        ("沂南县各村推行孝善基金,子女每月按自愿原则缴纳赡养费。", "孝善基金"),
        ("社区从就餐老人中推选9名代表,组成助餐议事小组。", "助餐议事小组"),
        # A joint conference is a standing council, no meeting of a session (十四届一次会议).
        ("社区召集业委会和物业企业召开物业联席会议,商定停车方案。", "物业联席会议"),
    ],
)
def test_a_head_s_modifier_may_hold_verbs_and_adjectives(text, expected):
    assert expected in _proposed(text)


@pytest.mark.parametrize(
    "text, clause",
    [
        ("村民参与议事会讨论停车方案。", "参与"),  # a clause's verb (corpus/mechanism_clause_verbs.txt)
        ("社区开设助老服务站,为老人提供助餐服务。", "开设"),  # a verb that sets a name up
        ("其中包含220个亚运文明驿站,分布在场馆周边。", "个"),  # a count
        ("忙碌了一天的张辉到暖蜂驿站充电休息。", "到"),  # a person's name, then a one-character verb
    ],
)
def test_a_wider_reading_of_a_head_stops_at_the_clause(text, clause):
    assert not any(clause in name for name in _proposed(text))


@pytest.mark.parametrize(
    "text, name",
    [
        ("三是助餐+文娱。饭后,老人们可以在食堂旁的活动室里下棋。", "助餐+文娱"),
        ("一是网格+调解。网格员每周上门一次。", "网格+调解"),
        ("二是道德评议会评好人好事,每季度评议一次。", "道德评议会"),
    ],
)
def test_an_item_s_enumerator_is_no_part_of_its_name(text, name):
    # 一|是 (a numeral, then a one-character verb) read like 孝|善, a coined word split in two.
    proposed = _proposed(text)
    assert name in proposed
    assert not any(n.startswith("是") for n in proposed), proposed


@pytest.mark.xfail(
    strict=True,
    reason="居民拿到议事会 0.69 >= 0.6 since case16/case18/feed16 joined training (below 0.6 before)",
)
def test_a_verb_the_lists_do_not_know_is_left_to_the_model():
    # 拿到 is in no list: no reading opens with it, and 居民拿到议事会 (read like 邻里互助食堂) is proposed
    # but the model turns it down.
    text = "居民拿到议事会的决议后再投票。"
    assert not any(name.startswith("拿到") for name in _proposed(text))
    assert not any("拿到" in name for name in _names_in_report(text))


def test_a_session_of_a_congress_is_still_no_council():
    assert not any(name.endswith("会议") for name in _proposed("大会听取了十四届一次会议的报告。"))


def test_the_states_of_a_from_to_phrase_and_a_quote_s_qualifier_carry_their_cues():
    from pipeline.extract.lexicon import lexicon
    from pipeline.extract.mechanisms import candidate_groups, group_features
    from pipeline.structure import body_view, build_structure

    # Written for this test: two states of 从…向… (no arrangement), the next model after a known one
    # (接诉即办 is in corpus/mechanisms.txt), and an unquoted phrase that qualifies a quoted name.
    text = (
        "社区推动居民从“被动等待”向“主动参与”转变。街道推动从“接诉即办”向“主动治理”延伸。"
        "社区推行退休教师“银龄课堂”,每周开课两次。"
    )
    doc, lex = body_view(build_structure("t", text)), lexicon()
    feats = {g.name: group_features(doc, g, lex) for g in candidate_groups(doc, lex)}
    assert "from_to" in feats["被动等待"] and "from_to" in feats["主动参与"]
    assert "from_to" not in feats["主动治理"]
    assert "quote_after" in feats["退休教师"] and "quote_after" not in feats["银龄课堂"]


def test_a_wider_reading_of_a_head_stops_at_a_time_word_of_the_clause():
    # Written for this test: jieba tags 正在 and 目前 as time words (t), as it tags 周末 of 周末课堂.
    assert "社区议事厅" in _proposed("几位老人正在社区议事厅里商量加装扶手的事。")
    assert not any("正在" in name for name in _proposed("几位老人正在社区议事厅里商量加装扶手的事。"))
    assert "周末课堂" in _proposed("社区开办周末课堂,志愿者为孩子辅导作业。")


def test_a_numeral_slogan_counted_out_by_its_items_carries_the_cue():
    from pipeline.extract.lexicon import lexicon
    from pipeline.extract.mechanisms import candidate_groups, group_features
    from pipeline.structure import body_view, build_structure

    # Written for this test: three slogans spelt out item by item (a colon, 即 after a head noun, a comma),
    # and a counted phrase and a slogan whose items do not add up.
    text = (
        "石门村制定民宿公约,推行“三统一”:统一房价标准、统一服务规范、统一卫生检查。"
        "调解队总结出“三问”工作法,即改造前问需;改造中问计;改造后问效。"
        "物业公司推行“五员合一”,每名物业人员同时承担保洁员、护绿员、巡防员、维修员、信息员五项职责。"
        "全镇实施“三年行动”,今年完成改造、提升。村里还推出“四个一”:一张卡、一支队。"
    )
    doc, lex = body_view(build_structure("t", text)), lexicon()
    feats = {g.name: group_features(doc, g, lex) for g in candidate_groups(doc, lex)}
    assert all("counted_out" in feats[name] for name in ("三统一", "三问工作法", "五员合一"))
    # 四个一 promises four and lists two.
    assert "counted_out" not in feats["四个一"]


def _triggered(text: str) -> set[str]:
    from pipeline.extract.lexicon import lexicon
    from pipeline.extract.mechanisms import candidate_groups
    from pipeline.structure import body_view, build_structure

    doc = body_view(build_structure("t", normalize(text).text))
    return {g.name for g in candidate_groups(doc, lexicon()) if any(c.how == "triggered" for c in g.candidates)}


def test_the_object_of_a_set_up_verb_is_a_candidate_name():
    # Written for this test: names with no quotes and no head noun, set up by 推行, 实行, 建立, 推出.
    found = _triggered(
        "街道推行院落长制,在每个院落选举院落长。社区实行四单管理,即群众点单、社区派单、党员接单、居民评单。"
        "区里建立每月一题工作机制,每月选取一个群众反映集中的问题集中攻坚。镇里推出助餐一卡通,老人刷卡就餐。"
    )
    assert {"院落长制", "四单管理", "每月一题", "助餐一卡通"} <= found


def test_a_set_up_verb_s_object_ends_at_a_particle_a_count_or_a_generic_tail():
    found = _triggered(
        "社区积极推进红色业委会建设,鼓励党员业主参选。街道开设蜂鸟暑托班为骑手子女提供托管。全县建成68个驿站。"
    )
    assert {"红色业委会", "蜂鸟暑托班"} <= found
    assert not any(name.endswith("建设") or "为" in name or "驿站" in name for name in found)


def test_a_related_story_keeps_only_the_names_scored_past_its_own_threshold():
    from pipeline.extract.mechanism_model import default_model
    from pipeline.extract.mechanisms import kept_for_label
    from pipeline.records import Mechanism
    from pipeline.relevance import LABELS

    model = default_model()
    assert model.related_threshold is not None and model.related_threshold > model.threshold
    between = (model.threshold + model.related_threshold) / 2
    found = [
        Mechanism(doc_id="t", name="枫桥经验", start=0, end=4, confidence=between),  # a known model
        Mechanism(doc_id="t", name="城市更新基金", start=10, end=16, confidence=between),
        Mechanism(doc_id="t", name="暖蜂驿站", start=20, end=24, confidence=model.related_threshold),
    ]
    case, related, unrelated = LABELS
    cut = model.related_threshold
    assert [m.name for m in kept_for_label(found, case, cut)] == ["枫桥经验", "城市更新基金", "暖蜂驿站"]
    assert [m.name for m in kept_for_label(found, related, cut)] == ["枫桥经验", "暖蜂驿站"]
    assert [m.name for m in kept_for_label(found, unrelated, cut)] == ["枫桥经验"]
