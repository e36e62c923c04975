import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest.normalize import (
    _map_chars,
    clean_unicode,
    fold_fullwidth,
    normalize,
    remove_pinyin,
    traditional_ratio,
    unify_quotes,
)

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def seed(prefix: str) -> str:
    path = next(CORPUS.rglob(f"{prefix}_*.txt"))
    return path.read_text(encoding="utf-8")


# -- characters ----------------------------------------------------------------


def test_unicode_cleanup():
    raw = "社区\u200b治理\r\n第二行\u00a0有\u3000空格\x07\rend\u2028x\ufeff\t尾"
    assert clean_unicode(raw) == "社区治理\n第二行 有 空格\nend\nx 尾"
    assert clean_unicode("\ud800社区\udfff治理\U000e0041") == "社区治理"  # lone surrogates, tag characters


def test_nfc_composes():
    assert normalize("Cafe\u0301 社区").text == "Café 社区"


def test_fullwidth_folded_but_chinese_punctuation_kept():
    raw = "（一）共３个：甲、乙；“丙”《丁》【戊】……——ＡＢＣ！？，"
    assert fold_fullwidth(raw) == "(一)共3个:甲、乙;“丙”《丁》【戊】……——ABC!?,"


def test_corner_brackets_become_quotes():
    assert normalize("推行「三方協商」機制,『和事佬』調解").text == "推行“三方协商”机制,‘和事佬’调解"


PINYIN_CASES = [
    ("社區(qū)服務", "社區服務"),
    ("聯(lián)動機制", "聯動機制"),
    ("鎮(zhèn)政府", "鎮政府"),
    ("社区（qū）居委会", "社区居委会"),
    ("社区(shè qū)服务", "社区服务"),
    ("社(shè)(qū)服务", "社服务"),
    ("绿(lǜ)色", "绿色"),
]
KEPT_PARENS = [
    "家住花苑的小雨(化名)就是受益者之一",
    "行动方案(2022-2025年)正式印发",
    "(一)立足社区实际",
    "开通了便民服务(app)和小程序",
    "维修基金(a)类项目",
    "Cafe(ā) is not after a Han character",
    "活动(上午)在社区举行",
]


@pytest.mark.parametrize("raw, expected", PINYIN_CASES)
def test_pinyin_after_han_removed(raw, expected):
    assert remove_pinyin(raw) == expected


@pytest.mark.parametrize("raw", KEPT_PARENS)
def test_legitimate_parentheses_kept(raw):
    assert remove_pinyin(raw) == raw


def _fold_by_definition(text: str) -> str:
    return "".join(chr(ord(c) - 0xFEE0) if "\uff01" <= c <= "\uff5e" else c for c in text)


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=200),
        st.text(st.sampled_from("社区（）：，；！？ＡＢ１　\u00a0\u200b\r\n\t\x0b\u2028「」『』ａ"), max_size=100),
    )
)
def test_one_scan_char_map_equals_the_steps(text):
    assert fold_fullwidth(text) == _fold_by_definition(text)
    assert _map_chars(text) == unify_quotes(_fold_by_definition(clean_unicode(text)))


def test_nfc_never_makes_a_character_the_char_map_changes():
    # normalize() maps characters once, before the line steps, and only repeats NFC after them.
    for code in range(0x110000):
        char = chr(code)
        decomposition = unicodedata.decomposition(char)
        if not decomposition or decomposition.startswith("<"):
            continue  # no canonical decomposition: NFC neither splits it nor composes into it
        if _map_chars(char) == char:
            parts = unicodedata.normalize("NFD", char)
            assert _map_chars(parts) == parts, hex(code)
        if " " in decomposition:  # NFC may compose two characters into this one
            assert _map_chars(char) == char, hex(code)


def test_pinyin_garbled_traditional_text():
    raw = "東關街道社區(qū)推進“四社聯(lián)動”,鎮(zhèn)村兩級協同參與社區(qū)治理。"
    result = normalize(raw)
    assert result.script == "traditional"
    assert result.text == "东关街道社区推进“四社联动”,镇村两级协同参与社区治理。"


# -- script ----------------------------------------------------------------------


def test_seed_003_converted_to_simplified():
    result = normalize(seed("003"))
    assert result.script == "traditional"
    for word in ("东关街道办事处", "潍坊", "社区"):
        assert word in result.text
    assert "東關" not in result.text and "社區" not in result.text


@pytest.mark.parametrize("prefix", ["000", "001", "002"])
def test_simplified_seeds_not_converted(prefix):
    result = normalize(seed(prefix))
    assert result.script == "simplified"
    assert traditional_ratio(result.text) == 0.0


def test_simplified_text_keeps_xianzhu():
    # tw2s would turn 显著 into 显着.
    text = "全力推动社会治理效能显著提升,著力打造善治之城。"
    assert normalize(text).text == text


def test_simplified_text_quoting_a_traditional_name_stays_simplified():
    text = (
        "苏州市社会工作者协会与台湾“社區營造協會”开展交流,双方围绕社区营造、志愿服务、慈善资源整合等议题进行了深入研讨,形成了合作意向。"
        "此前,协会已连续三年组织社工骨干赴外地学习,累计培训基层社会工作者1200余人次,推动全市乡镇(街道)社工站实现全覆盖。"
        "协会负责人表示,下一步将把交流成果转化为本地实践,重点在老旧小区改造和居家养老服务中引入社区营造的方法。"
    )
    result = normalize(text)
    assert result.script == "simplified"
    assert "社區營造協會" in result.text


# -- broken line wraps ------------------------------------------------------------------


def test_seed_002_broken_words_joined():
    text = normalize(seed("002")).text
    assert "成功实施118个慈善项目" in text
    assert "“五社联动”的重要枢纽" in text
    assert "苏州“五社联动” 赋能“善治之城”\n" in text  # heading stays on its own line


PDF_PARAGRAPHS = [
    "城南区社区治理创新实践报告",
    "一、基本情况",
    "城南区辖8个街道、63个社区,常住人口42.6万人。近年来,全区坚持党建引领,推动社区、社会组织、社会工作者、社区志愿者和社会慈善资源协同发力,基层治理水平持续提升。",
    "二、坚持党建引领,推动社区社会组织和社会工作者协同参与基层治理",
    "(一)搭建议事协商平台",
    "全区63个社区全部建立居民议事会,围绕加装电梯、停车管理和环境整治等居民关心的问题开展协商,累计协商议题1260个,办结率达到96%。",
    "(二)培育社区社会组织",
    "区财政每年安排专项资金300万元,用于社区社会组织孵化培育和公益创投,目前全区共有社区社会组织586家,其中备案登记的有212家。",
    "1. 建立孵化基地",
    "2. 设立公益创投资金",
]


def hard_wrap(paragraphs: list[str], width: int) -> str:
    lines = []
    for para in paragraphs:
        chunks = [para[i : i + width] for i in range(0, len(para), width)]
        # The wrap must fall mid-sentence for the test to mean anything.
        assert all(c[-1] not in "。;:!?…”)" for c in chunks[:-1]), chunks
        lines.extend(chunks)
    return "\n".join(lines)


def test_pdf_like_hard_wrap_rebuilt():
    text = hard_wrap(PDF_PARAGRAPHS, 30)
    assert normalize(text).text.split("\n") == PDF_PARAGRAPHS


def test_wraps_across_blank_lines_and_page_numbers():
    text = (
        "服务项目化\n"
        "社区通过“居民点单、社工接单、社会组织领单”的方式,把居民需求转化为服务\n\n- 3 -\n\n"
        "项目,全年共实施服务项目45个,服务居民2.3万人次。"
    )
    assert normalize(text).text == (
        "服务项目化\n"
        "社区通过“居民点单、社工接单、社会组织领单”的方式,把居民需求转化为服务项目,全年共实施服务项目45个,服务居民2.3万人次。"
    )


def test_headings_and_list_items_not_merged():
    text = "\n".join(
        [
            "背景与起因",
            "做法与经过",
            "一是科学设计定思路。突出村情民情设计入户探访登记表,邀请专家、网格员和社工机构为社区建言献策",
            "二是摸清底数访群众。组织社工和居委会专职人员走村串户,全面掌握辖区房屋数量和人口结构",
            "成效与反响",
            "社区居民参与治理的积极性明显提高",
        ]
    )
    assert normalize(text).text == text


@pytest.mark.parametrize(
    "meta",
    [
        "2020-09-14 09:12  来源:杭州市拱墅区民政局",
        "发布时间:2022年8月16日 10:30  浏览次数:356 次",
        "本网讯 通讯员:王小明 李小红 张大山 记者:刘晓燕",
    ],
)
def test_metadata_lines_are_never_joined(meta):
    body = "锦绣社区位于和睦街道,建成于上世纪八十年代,是一个典型的老旧小区集中社区,共有住宅楼六十八幢。"
    text = f"锦绣社区“三方协商”让老小区焕发新活力\n{meta}\n{body}"
    assert normalize(text).text == text


def test_a_decimal_broken_after_its_point_is_joined():
    text = (
        "小山村走出治理新路子\n村民以土地入股,发展生态茶园,去年接待游客超过两万人次。村集体经济收入由2019年的不足8万元增加到2022年的56.\n"
        "3万元,村民人均可支配收入达到2.36万元。"
    )
    assert "增加到2022年的56.3万元" in normalize(text).text


def test_short_unpunctuated_lines_stay_separate():
    text = (
        "苏州社工积极参与疫情防控(图片来源:苏州市社会工作者协会)\n从“最后一公里” 到“最好一公里”\n"
        "从“三社联动”到“五社联动”,苏州探索出一条新路。"
    )
    assert normalize(text).text == text


# -- boilerplate -------------------------------------------------------------------------

PORTAL_PAGE = """您的位置:首页 > 工作动态 > 基层治理
城北街道打造“15分钟社区服务圈”
发布时间:2022-08-16  来源:城北街道办事处
【字体:大 中 小】【打印本页】【关闭窗口】
作者:张明
浏览次数:356
社区治理_社区治理创新_社区治理经验_社区治理案例
首页 | 新闻 | 政务 | 服务 | 互动
今年以来,城北街道以“15分钟社区服务圈”建设为抓手,整合辖区资源,新建社区综合服务中心6个,居民用手机扫一扫二维码即可预约服务。
街道还引入专业社工机构3家,开展为老服务、青少年服务等项目21个,受益居民1.2万人次。
责任编辑:刘洋
校对:王芳
分享到:
扫一扫在手机打开当前页
上一篇:城北街道召开安全生产工作会议
下一篇:城北街道开展防汛演练
相关阅读
城南街道召开社区工作者培训会
版权所有:城北街道办事处 备案号:苏ICP备12345678号-1"""


def test_portal_boilerplate_removed_metadata_kept():
    assert normalize(PORTAL_PAGE).text.split("\n") == [
        "城北街道打造“15分钟社区服务圈”",
        "发布时间:2022-08-16  来源:城北街道办事处",
        "作者:张明",
        "今年以来,城北街道以“15分钟社区服务圈”建设为抓手,整合辖区资源,新建社区综合服务中心6个,居民用手机扫一扫二维码即可预约服务。",
        "街道还引入专业社工机构3家,开展为老服务、青少年服务等项目21个,受益居民1.2万人次。",
    ]


def test_seed_000_boilerplate():
    text = normalize(seed("000")).text
    first = text.split("\n")[0]
    assert first == "“三社”“四化”,实现社区治理“五有效”"
    for gone in ("当前位置", "上一篇", "下一篇", "为您推荐", "发表评论", "提升社会治理四化水平_"):
        assert gone not in text
    assert text.endswith("(供稿:广东深圳市律师行业党委办公室)")


def test_seed_001_teasers_dropped_date_kept():
    text = normalize(seed("001")).text
    assert "30.06.2017  18:03" in text.split("\n")
    assert text.endswith("形成了社区多元治理的良好态势。")
    assert "内蒙古首例" not in text and "晨报融媒记者" not in text


def test_seed_002_source_line_kept():
    assert normalize(seed("002")).text.endswith("\n(据《新华日报》)")


def test_tail_marker_early_in_text_only_drops_its_line():
    text = "相关新闻\n城北街道打造社区服务圈\n" + "街道整合辖区资源,新建社区综合服务中心6个,受益居民1.2万人次。\n" * 3
    result = normalize(text).text
    assert result.startswith("城北街道打造社区服务圈\n")
    assert result.count("新建社区综合服务中心6个") == 3


# -- trailing teasers ----------------------------------------------------------------------------

BODY = (
    "幸福街道社区治理的实践\n"
    "幸福街道以“三社联动”为抓手,建立社区议事会12个,培育社区社会组织46家,居民参与率明显提升。\n"
    "下一步,街道将继续完善联动机制,推动社区治理向精细化、专业化发展。"
)

TEASER_STYLES = {
    "headlines and snippets": (
        "\n\n全省社区工作者职业体系建设推进会召开\n"
        "    城南区启动“邻里守望”志愿服务季 民政局\n"
        "近日,城南区民政局联合辖区街道启动志愿服务\n"
        "市慈善总会发布年度慈善项目清单\n"
    ),
    "headlines with dates": (
        "\n全市社区养老服务中心建设提速 2023-05-12\n"
        "高新区开展社会组织等级评估工作 2023-05-10\n"
        "某街道举办社区邻里节系列活动 2023-05-08"
    ),
    "alternating titles and dates": (
        "\n社区“微更新”让老旧小区焕发新颜\n2022-11-03\n“时间银行”激发居民互助服务热情\n2022-10-28\n"
    ),
}


@pytest.mark.parametrize("style", sorted(TEASER_STYLES))
def test_teaser_blocks_dropped(style):
    assert normalize(BODY + TEASER_STYLES[style]).text == BODY


GENUINE_ENDINGS = {
    "closing paragraph": "\n全街道上下将以更大的决心和力度推进基层治理现代化",
    "signature and date": "\n幸福街道办事处\n社区建设办公室\n2021年5月10日",
    "list announced by a colon": (
        "\n主要经验有以下几点:\n党建引领是社区治理的根本保障\n多元参与是社区治理的重要支撑\n专业服务是社区治理的关键所在"
    ),
    "closing table": "\n社区 组织数量 志愿者人数\n幸福社区 12 300\n和平社区 9 260",
    "source line": "\n(来源:幸福街道办事处)",
}


@pytest.mark.parametrize("ending", sorted(GENUINE_ENDINGS))
def test_genuine_endings_kept(ending):
    text = BODY + GENUINE_ENDINGS[ending]
    assert normalize(text).text == text


def test_text_of_only_short_lines_kept():
    text = "党建引领社区治理\n多元主体协同参与\n专业社工精准服务"
    assert normalize(text).text == text


# -- blank lines and spaces ---------------------------------------------------------------------------


def test_blank_lines_collapsed_and_spaces_stripped():
    raw = "\n\n 标题  \n\n\n\n第一段。  \n\n第二段。\n第三段。\n\n\n"
    assert normalize(raw).text == "标题\n\n第一段。\n\n第二段。\n第三段。"


# -- idempotency --------------------------------------------------------------------------------------

FRAGMENTS = [
    "社区",
    "社區",
    "治理",
    "東關街道",
    "聯動",
    "(qū)",
    "(lián)",
    "(化名)",
    "(一)",
    "一、",
    "1.",
    "一是",
    "。",
    ",",
    ",",
    ";",
    ":",
    ":",
    "!",
    "…",
    "“",
    "”",
    "(",
    ")",
    "《",
    "》",
    "_",
    "|",
    " | ",
    "\n",
    "\n",
    "\n\n",
    "\r\n",
    " ",
    "\u3000",
    "\u200b",
    "\u00a0",
    "\x00",
    "\ufeff",
    "版权所有",
    "来源:",
    "责任编辑:",
    "相关新闻",
    "上一篇:",
    "2021-05-10",
    "30.06.2017 18:03",
    "ā",
    "ǖ",
    "e\u0301",
    "\u0301",
    "Ａ",
    "12",
    "万元",
    "显著",
    "著",
    "了",
    "居民议事会每月召开一次会议",
    "慈善",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60).map("".join))
def test_idempotent_on_genre_like_text(text):
    once = normalize(text).text
    assert normalize(once).text == once


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_idempotent_and_total_on_any_unicode(text):
    once = normalize(text)
    assert once.script in ("simplified", "traditional")
    assert normalize(once.text).text == once.text


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003"])
def test_idempotent_on_seeds(prefix):
    once = normalize(seed(prefix)).text
    assert normalize(once).text == once


def test_markdown_and_editor_markup_leave_only_the_authors_words():
    from pipeline.ingest.normalize import normalize

    page = (
        "<!--repaste.body.begin-->\n"
        "社区把闲置储藏室改造成楼栋会客厅,每月召集一次议事会,居民提出的问题当场登记。\n"
        "![](https://mmbiz.qpic.cn/mmbiz_jpg/abc/640?wx_fmt=jpeg)\n"
        "**01 钱从哪儿来?**\n"
        "社区联合企业设立**微基金**,居民按户自愿出资,企业一比一配捐。\n"
        "<!--repaste.body.end-->\n"
    )
    text = normalize(page).text
    assert "<!--" not in text and "![" not in text and "**" not in text
    assert "01 钱从哪儿来?" in text.split("\n")
    assert "设立微基金," in text


def test_a_typesetting_space_inside_chinese_quotes_is_closed_up():
    from pipeline.ingest.normalize import normalize

    text = normalize("2.“ 四社联动”促参与方式制度化。推行“一核三擎 ”模式。\n").text
    assert "“四社联动”" in text and "“一核三擎”" in text


def test_a_chain_in_the_conversion_table_is_followed_to_its_end():
    # OpenCC t2s maps 薴 to 苧, and 苧 to 苎: one pass would leave a text that a second normalize changes.
    once = normalize("薴麻").text
    assert normalize(once).text == once
