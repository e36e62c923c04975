"""Metadata extractor: title, publication date and source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.extract.metadata import case_metadata, is_header_line, parse_date
from pipeline.ingest.normalize import normalize
from pipeline.structure import build_structure

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def _meta(text: str, **hints):
    text = normalize(text).text
    return text, case_metadata(build_structure("t", text, **hints))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2017-06-30", "2017-06-30"),
        ("2017/6/3", "2017-06-03"),
        ("2017.6.30", "2017-06-30"),
        ("30.06.2017  18:03", "2017-06-30"),
        ("2017年6月30日", "2017-06-30"),
        ("2017 年 6 月 3 日 09:00", "2017-06-03"),
        ("2017年6月", "2017-06"),
        ("发布时间:2021-03-05 10:20", "2021-03-05"),
        ("2020-05-01T08:00:00+08:00", "2020-05-01"),
        ("2017-13-01", None),
        ("第2017号", None),
        ("2600多场活动", None),
    ],
)
def test_parse_date(text: str, expected) -> None:
    found = parse_date(text)
    assert (found[0] if found else None) == expected


def test_news_page_with_dateline_and_outlet() -> None:
    text, meta = _meta(
        "社区议事厅激活基层治理\n2021年3月5日 10:20 来源:人民网\n2018年10月24日,某市召开现场会。会议要求推进社区治理。"
    )
    assert (meta.title, meta.published, meta.source) == ("社区议事厅激活基层治理", "2021-03-05", "人民网")
    assert text[slice(*meta.title_span)] == meta.title
    assert text[slice(*meta.published_span)] == "2021年3月5日"
    assert text[slice(*meta.source_span)] == "人民网"


def test_report_with_author_line() -> None:
    _, meta = _meta(
        "XX街道“五社联动”实践报告\n作者:张明(某某大学社会学院)\n"
        "摘要:本文以XX街道为例,分析五社联动的做法。\n一、背景\n近年来,街道推进改革。"
    )
    assert (meta.title, meta.published, meta.source) == ("XX街道“五社联动”实践报告", None, "张明")


def test_text_without_metadata_gives_nulls() -> None:
    _, meta = _meta(
        "近年来,某街道坚持党建引领,推进社区治理。2019年6月,街道成立了社会组织服务中心。\n"
        "街道社会组织培育情况统计表\n一是完善制度。街道出台办法。"
    )
    assert (meta.title, meta.published, meta.source) == (None, None, None)


def test_labelled_header_outlet_beats_author_and_narrative_dates_are_ignored() -> None:
    _, meta = _meta(
        "发布时间:2019-08-12 来源:中国社会报 作者:李华\n党建引领“五社联动”\n2016年,街道出台办法。正文讲述了街道的做法。"
    )
    assert (meta.title, meta.published, meta.source) == ("党建引领“五社联动”", "2019-08-12", "中国社会报")


def test_byline_forms() -> None:
    assert _meta("小巷里的大治理\n文/王芳\n社区位于老城区。居民以老人为主。")[1].source == "王芳"
    assert _meta("近日,某区召开推进会。会议部署了工作。\n(中国社会报)")[1].source == "中国社会报"
    assert _meta("某区召开推进会。会议部署了工作。(供稿:某区民政局)")[1].source == "某区民政局"
    assert _meta("某区召开推进会,部署工作。\n(据《新华日报》)")[1].source == "新华日报"


def test_photo_credit_is_not_a_source_but_marks_the_headline() -> None:
    _, meta = _meta(
        "近日,某市印发行动方案,动员慈善力量参与基层治理。\n"
        "某市“五社联动” 赋能基层\n社工参与疫情防控(图片来源:某市社会工作者协会)\n"
        "从“三社联动”到“五社联动”,某市探索出一条新路。"
    )
    assert meta.title == "某市“五社联动” 赋能基层"
    assert meta.source is None


def test_page_hints_win() -> None:
    _, meta = _meta("正文第一段。\n2019年1月1日", title_hint=" 页面标题 ", published_hint="2020-05-01T08:00:00+08:00")
    assert (meta.title, meta.published) == ("页面标题", "2020-05-01")
    assert meta.title_span is None


def test_script_is_copied() -> None:
    assert case_metadata(build_structure("t", "正文。"), script="traditional").script == "traditional"


def test_seed_accuracy() -> None:
    right = total = 0
    for gold_path in sorted((CORPUS / "gold").glob("*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        _, meta = _meta((CORPUS / "reports" / f"{gold_path.stem}.txt").read_text(encoding="utf-8"))
        for field in ("title", "published", "source"):
            total += 1
            right += getattr(meta, field) == gold[field]
    assert right / total >= 0.9


@pytest.mark.parametrize("layout", ["header", "footer"])
def test_unlabelled_organisation_next_to_a_date_line_is_the_source(layout) -> None:
    body = "柳林社区位于沈阳市沈河区,辖区面积0.73平方公里。\n社区推行“吹哨报到”机制,问题办结率96.2%。\n"
    signature = "沈河区滨河街道办事处\n2020年11月\n"
    text = "吹哨报到聚合力\n" + (signature + body if layout == "header" else body + signature)
    meta = case_metadata(build_structure("o", text))
    assert (meta.source, meta.published) == ("沈河区滨河街道办事处", "2020-11")


def test_an_organisation_line_without_a_date_beside_it_is_no_source() -> None:
    text = "社区议事会\n柳林社区位于沈阳市沈河区。\n民政局\n社区推行议事协商。\n"
    assert case_metadata(build_structure("o", text)).source is None


def test_a_bracketed_tag_before_the_headline_is_no_part_of_the_title() -> None:
    text = "【转载】街道社工站扎根社区\n发布时间:2021-10-08\n近年来,街道推进社工站建设。\n"
    meta = case_metadata(build_structure("t", text))
    assert meta.title == "街道社工站扎根社区" == text[meta.title_span[0] : meta.title_span[1]]


@pytest.mark.parametrize(
    "header",
    [
        "原创 东门民政 2024-03-08 19:20 发表于江西",
        "九江日报 2024-03-08 09:30",
    ],
)
def test_a_time_stamped_header_line_gives_the_date_and_joins_no_paragraph(header) -> None:
    text, meta = _meta(
        f"“红色物业”让老旧小区焕新颜\n\n{header}\n\n走进九江市浔阳区东门社区,楼道整洁,车辆停放有序,居民们纷纷点赞。\n"
    )
    assert meta.published == "2024-03-08"
    assert header in text.splitlines()  # kept as its own line, not joined to the lead


def test_a_sentence_with_a_date_and_time_is_no_dateline() -> None:
    _, meta = _meta("某社区议事会\n社区于2024-03-08 19:20召开议事会,居民代表三十余人参加,会议讨论了加装电梯事宜。\n")
    assert meta.published is None


def test_a_journal_running_header_gives_date_and_source_and_is_no_title() -> None:
    _, meta = _meta(
        "第12卷第3期　　　　　社区发展研究　　　　　2022年6月\n\n"
        "“双网融合”:城中村治理的实践路径\n——以某市某社区为例\n\n张明\n\n"
        "摘　要:城中村是基层治理的难点。本文以某社区为例,考察其治理实践。\n"
    )
    assert (meta.title, meta.published, meta.source) == ("“双网融合”:城中村治理的实践路径", "2022-06", "社区发展研究")


def test_a_series_tag_line_above_the_headline_is_no_title() -> None:
    _, meta = _meta(
        "【基层治理创新案例】\n\n某市某社区:“红色议事厅”议出幸福感\n\n"
        "发布时间:2022年3月1日 来源:某市民政局\n\n一、基本情况\n社区居民3000户。\n"
    )
    assert meta.title == "某市某社区:“红色议事厅”议出幸福感"


def test_a_signature_and_date_above_an_attachment_note_are_kept_and_read() -> None:
    text, meta = _meta(
        "某居委会2023年度工作总结\n一、主要做法\n1.召开听证会。全年召开听证会19场。\n"
        "2.召开协调会。全年召开协调会21场。\n\n"
        "静安区某某街道某某居委会\n2023年12月18日\n\n附件:1.加装电梯工作台账;2.会议记录汇编\n"
    )
    assert (meta.published, meta.source) == ("2023-12-18", "静安区某某街道某某居委会")
    assert text.rstrip().endswith("会议记录汇编")


def test_a_newspaper_page_header_gives_date_and_outlet() -> None:
    _, meta = _meta(
        "某某日报　2023年9月12日　星期二　　　　第5版·乡村振兴\n某某村:小山村走出治理“新路子”\n"
        "——某县某村见闻\n本报记者 张三\n初秋时节,走进某某村,白墙黛瓦的民居依山而建。\n"
    )
    assert (meta.title, meta.published, meta.source) == ("某某村:小山村走出治理“新路子”", "2023-09-12", "某某日报")


def test_the_account_before_a_post_time_stamp_is_the_source() -> None:
    _, meta = _meta(
        "红色物业“管”出幸福感\n原创 某某街道 2024-12-10 18:30 山西\n"
        "走进某某社区,楼道干净整洁,车辆停放有序,居民纷纷点赞。\n"
    )
    assert (meta.published, meta.source) == ("2024-12-10", "某某街道")


@pytest.mark.parametrize(
    ("line", "header"),
    [
        ("来源:青山区民政局", True),
        ("发布时间:2023-05-12 09:30", True),
        ("记者 张三 通讯员 李四", True),
        ("2023年5月12日 10:20", True),
        ("建立居民议事会", False),
        ("社区组建了“红枫义警”队伍,每晚开展巡逻。", False),
    ],
)
def test_header_lines_are_labelled_lines_and_bylines(line, header):
    # The one predicate measures asks (no practice and no practice title is a header line).
    assert is_header_line(line) is header


# Written for these tests: the shapes real case pages give their outlet, contributor, date and title in.
_BODY = "近年来,某某镇坚持党建引领,推动村民议事会常态化运行,村里的大事小情都拿到会上商量。\n"


@pytest.mark.parametrize(
    ("text", "source"),
    [
        # An official case closes with its contributor, with or without a space before 供稿.
        ("某某镇:议事会议出好日子\n" + _BODY + "(某某县委社会工作部供稿)\n", "某某县委社会工作部"),
        ("某某镇:议事会议出好日子\n" + _BODY + "群众满意度明显提升。(某某镇 供稿)\n", "某某镇"),
        # A newspaper's own dateline opens the story; 本报讯 names no outlet.
        (_BODY.replace("近年来", "某某日报讯(记者 张三 通讯员 李四)近年来"), "某某日报"),
        ("央视网消息(新闻联播):" + _BODY, "央视网"),
        ("新华社北京3月5日电 " + _BODY, "新华社"),
        # An excerpt names the paper it is taken from.
        ("某某镇:议事会议出好日子\n" + _BODY + "(本文摘自《某某日报》2023年12月5日第6版)\n", "某某日报"),
    ],
)
def test_contributor_lines_datelines_and_excerpt_notes_name_the_source(text, source) -> None:
    assert _meta(text)[1].source == source


def test_a_photo_credit_in_brackets_is_no_contributor() -> None:
    text = "某某镇:议事会议出好日子\n" + _BODY + "(本版图片由某某镇人民政府提供)\n"
    assert _meta(text)[1].source is None


def test_no_outlet_in_a_paper_s_own_dateline() -> None:
    assert _meta(_BODY.replace("近年来", "本报讯(记者 张三)近年来"))[1].source is None


def test_a_case_form_s_fields_give_title_contributor_and_date() -> None:
    _, meta = _meta(
        "城乡社区治理典型案例\n\n案例名称:“红色管家”进小区 居民住得安心\n"
        "报送单位:某某县民政局 报送时间:2023年9月\n\n一、基本情况\n" + _BODY
    )
    assert (meta.title, meta.published, meta.source) == ("“红色管家”进小区 居民住得安心", "2023-09", "某某县民政局")


def test_a_letter_press_page_number_marks_a_newspaper_header() -> None:
    _, meta = _meta("某某日报 2024年1月22日 A2版 要闻\n\n“花灯调解室”唱和了邻里情\n\n" + _BODY)
    assert (meta.published, meta.source) == ("2024-01-22", "某某日报")


def test_a_by_line_run_into_the_headline_s_line_is_cut_off() -> None:
    text = (
        "清河镇:老祠堂成了村民的“议事厅” 本报记者 王晓红 特约通讯员 李文斌  走进清河镇清河村,青砖黛瓦的宗祠门口"
        "新挂了一块牌子“村民议事厅”。堂屋里,几位老人正在下象棋,隔壁的小厅里,村干部和十几位村民代表正在讨论灌溉"
        "水池的选址。\n\n清河村是个客家聚居村,全村856户3420人,村里保存完好的宗祠有7座。\n"
    )
    assert _meta(text)[1].title == "清河镇:老祠堂成了村民的“议事厅”"
