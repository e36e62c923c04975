"""Comparison tables across places, their indicator mapping and the file writers."""

import csv
import zipfile

import openpyxl
import pandas as pd
import pytest

from pipeline.compare import (
    CompareError,
    compare,
    format_quantity,
    load_indicators,
    map_indicator,
    plan_comparison,
    write,
    write_csv,
    write_html,
    write_markdown,
    write_xlsx,
)
from pipeline.profile import stored_profiles
from pipeline.records import (
    CaseMetadata,
    Change,
    Document,
    Extraction,
    Figure,
    Measure,
    Mechanism,
    Place,
    Structure,
)
from pipeline.segment import segment_for_index
from pipeline.store import Store

SHENZHEN_A = (
    "龙岗区“三社联动”激活社区治理\n"
    "坂田街道辖11个社区,常住人口约1.3万人,居民4200户。\n"
    "一、党建引领聚合力。街道成立联合党委,组织在职党员到社区报到。\n"
    "二、培育社会组织。全区社会组织数量由183家增长到769家,孵化基地面积近400平方米。\n"
    "三、设立社区基金。区财政投入1750万元购买社工服务,引进专业社工30名。\n"
    "“三社联动”即社区、社会组织、社会工作者联动。\n"
)
SHENZHEN_B = (
    "南山区社工服务站点全覆盖\n"
    "南山区建成社工站8个,配备社工50人。\n"
    "一是党员带头包楼。楼栋党员联系住户,收集居民诉求。\n"
    "南山区延续“三社联动”做法。\n"
)
WUHAN = (
    "青山区推进“五社联动”\n"
    "青山区辖53个社区,走访困难家庭120户。\n"
    "(一)居家养老服务进小区。为高龄独居老人提供助餐服务,服务老人3000多人次。\n"
    "(二)居民议事会。每月召开居民议事会,协商解决停车难题。\n"
    "(三)志愿者队伍建设。招募志愿者2000余人,开展活动120场。\n"
    "“五社联动”是指社区、社会组织、社会工作者、社区志愿者、社会慈善资源联动。\n"
)
WEIFANG = (
    "东关街道“一核多元”治理\n"
    "东关街道辖区面积2.5平方公里,养老服务设施共占地3亩。\n"
    "1.建立社区养老服务站。依托日间照料中心开展助餐服务。\n"
    "2.搭建智慧治理平台。开发线上议事厅,居民随时反映诉求。\n"
)


def _clause(text: str, raw: str) -> tuple[int, int]:
    """Span of the clause (between , 。 or line breaks) that contains ``raw``."""
    at = text.index(raw)
    start = max(text.rfind(c, 0, at) for c in ",。\n") + 1
    end = min((i for i in (text.find(c, at) for c in ",。\n") if i >= 0), default=len(text))
    return start, end


def put_case(
    store,
    doc_id,
    text,
    *,
    province,
    city,
    measures=(),
    figures=(),
    changes=(),
    mechanisms=(),
    community=None,
    title="",
):
    """Store a case: measures (heading, themes), figures (raw, value, unit, approx, subject),
    changes (raw, subject, unit, from, to), mechanisms (name, definition)."""
    ms = []
    for ordinal, (heading, themes) in enumerate(measures):
        start = text.index(heading)
        end = text.index("\n", start)
        ms.append(
            Measure(
                doc_id,
                start,
                end,
                heading,
                text[start:end],
                None,
                "measure",
                themes=list(themes),
                theme_scores={t: 0.8 for t in themes},
                ordinal=ordinal,
            )
        )
    figs = [
        Figure(doc_id, *_clause(text, raw), value, unit, approx, subject, text[slice(*_clause(text, raw))], raw)
        for raw, value, unit, approx, subject in figures
    ]
    chs = [
        Change(doc_id, *_clause(text, raw), subject, unit, a, b, text[slice(*_clause(text, raw))])
        for raw, subject, unit, a, b in changes
    ]
    mechs = [
        Mechanism(doc_id, text.index(name), text.index(name) + len(name), name, definition)
        for name, definition in mechanisms
    ]
    title = text.split("\n", 1)[0] if title == "" else title
    extraction = Extraction(
        doc_id,
        CaseMetadata(doc_id, title=title, source=f"{city}民政局"),
        figures=figs,
        changes=chs,
        mechanisms=mechs,
        measures=ms,
        places=[Place(doc_id, 0, 0, province=province, city=city, community=community, primary=True)],
    )
    store.put_document(
        Document(doc_id, text, aliases=[f"cases/{doc_id}.txt"], raw_hash=doc_id, content_hash=doc_id),
        Structure(doc_id, text),
        extraction,
        index_text=segment_for_index(text),
        measure_index=[(segment_for_index(m.heading), segment_for_index(m.text)) for m in ms],
    )


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("cmp") / "t.db")
    put_case(
        store,
        "sz-a",
        SHENZHEN_A,
        province="广东省",
        city="深圳市",
        measures=[
            ("党建引领聚合力", ["党建引领"]),
            ("培育社会组织", ["社会组织培育"]),
            ("设立社区基金", ["资金保障与购买服务", "志愿服务与慈善资源"]),
        ],
        figures=[
            ("11个社区", 11, "个", None, "坂田街道社区"),
            ("约1.3万人", 13000, "人", "约", "常住人口"),
            ("4200户", 4200, "户", None, "居民户数"),
            ("183家", 183, "家", None, "全区社会组织数量"),
            ("769家", 769, "家", None, "全区社会组织数量"),
            ("近400平方米", 400, "平方米", "近", "孵化基地面积"),
            ("1750万元", 17_500_000, "元", None, "区财政投入购买社工服务"),
            ("社工30名", 30, "名", None, "引进的专业社工"),
        ],
        changes=[("由183家增长到769家", "全区社会组织数量", "家", 183, 769)],
        mechanisms=[("三社联动", "社区、社会组织、社会工作者联动")],
    )
    put_case(
        store,
        "sz-b",
        SHENZHEN_B,
        province="广东省",
        city="深圳市",
        measures=[("党员带头包楼", ["党建引领"])],
        figures=[("社工站8个", 8, "个", None, "南山区社工站"), ("社工50人", 50, "人", None, "配备的社工")],
        mechanisms=[("包楼", None), ("三社联动", None)],
    )
    put_case(
        store,
        "wh",
        WUHAN,
        province="湖北省",
        city="武汉市",
        measures=[
            ("居家养老服务进小区", ["精准服务供给"]),
            ("居民议事会", ["居民参与与协商自治"]),
            ("志愿者队伍建设", ["志愿服务与慈善资源"]),
        ],
        figures=[
            ("53个社区", 53, "个", None, "青山区辖社区"),
            ("120户", 120, "户", None, "走访的困难家庭"),
            ("3000多人次", 3000, "人次", "多", "服务老人"),
            ("2000余人", 2000, "人", "余", "招募的志愿者"),
            ("120场", 120, "场", None, "开展活动"),
        ],
        mechanisms=[("五社联动", "社区、社会组织、社会工作者、社区志愿者、社会慈善资源联动")],
    )
    put_case(
        store,
        "wf",
        WEIFANG,
        province="山东省",
        city="潍坊市",
        measures=[("建立社区养老服务站", ["精准服务供给", "阵地与设施建设"]), ("搭建智慧治理平台", ["智慧治理"])],
        figures=[
            ("2.5平方公里", 2.5, "平方公里", None, "东关街道辖区面积"),
            ("3亩", 3, "亩", None, "养老服务设施占地"),
        ],
        mechanisms=[("一核多元", None)],
    )
    yield store
    store.close()


@pytest.fixture(scope="module")
def by_city(store):
    return compare(store, by="city")


# -- indicator mapping ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "subject, unit, indicator, factor",
    [
        ("培育的社区社会组织", "家", "社会组织数", 1),  # longest keyword wins over 社区
        ("培育的社区社会组织", "个", "社会组织数", 1),
        ("街道下辖社区", "个", "社区数", 1),
        ("建立社区慈善基金的村(社区)", "个", None, None),  # a count of funds, not of communities
        ("社区常住人口", "人", "常住人口", 1),
        ("非户籍外来人口", "人", None, None),
        ("居民户数", "户", "户数", 1),
        ("走访的困难家庭", "户", None, None),
        ("持证社工", "名", "社工人数", 1),
        ("乡镇(街道)社工站", "个", "社工站数", 1),
        ("受训专业义工人员", "人", "志愿者人数", 1),
        ("参训", "人次", None, None),  # training attendance is not service (profile gold)
        ("组织集中培训", "期", None, None),
        ("召开居民议事会", "场", None, None),  # meetings are not activities
        ("日间照料中心占地", "亩", "面积", 2000 / 3),
        ("辖区", "km2", "辖区面积", 1),
        ("市级财政投入", "元", "资金投入", 1),
        ("矛盾纠纷", "起", "矛盾纠纷数", 1),
        ("纠纷化解率", "%", None, None),
        ("社区", "栋", None, None),  # no indicator takes 栋
    ],
)
def test_map_indicator(subject, unit, indicator, factor):
    mapped = map_indicator(subject, unit)
    if indicator is None:
        assert mapped is None
    else:
        rule, got = mapped
        assert (rule.name, got) == (indicator, pytest.approx(factor))


def test_indicator_table_is_well_formed():
    rules = load_indicators()
    assert {
        "社区数",
        "常住人口",
        "户数",
        "社会组织数",
        "社工人数",
        "社工站数",
        "志愿者人数",
        "资金投入",
        "服务人次",
        "活动场次",
        "面积",
    } <= {r.name for r in rules}
    units: dict[str, set] = {}
    for rule in rules:
        assert rule.keywords, rule
        units.setdefault(rule.name, set()).add(rule.unit)
    assert all(len(u) == 1 for u in units.values()), "rows of one indicator must share its unit"
    for name, (unit,) in units.items():
        assert any(r.factors.get(unit) == 1.0 for r in rules if r.name == name), f"{name} must accept {unit}"


@pytest.mark.parametrize(
    "value, unit, approx, shown",
    [
        (13000, "人", "约", "约1.3万人"),
        (13000, "人", "多", "1.3万多人"),
        (25000, "人", "余", "2.5万余人"),
        (96.5, "%", "以上", "96.5%以上"),
        (21059, "人", None, "21059人"),
        (300_000_000, "元", "超过", "超过3亿元"),
        (17_500_000, "元", None, "1750万元"),
        (2.083, "平方公里", None, "2.083平方公里"),
    ],
)
def test_format_quantity_keeps_hedges(value, unit, approx, shown):
    assert format_quantity(value, unit, approx) == shown


# -- the tables ---------------------------------------------------------------------------------
def test_theme_tables_count_and_list_practices_per_city(by_city):
    counts = by_city.theme_counts.set_index("城市")
    assert list(counts.index) == ["深圳市", "武汉市", "潍坊市"]  # most practices first
    assert counts.loc["深圳市", "党建引领"] == 2  # two documents from one city add up
    assert counts.loc["潍坊市", "精准服务供给"] == 1 and counts.loc["潍坊市", "党建引领"] == 0
    assert by_city.themes.index("党建引领") < by_city.themes.index("智慧治理")  # taxonomy order
    headings = by_city.theme_headings.set_index("城市")
    assert headings.loc["深圳市", "党建引领"] == "党建引领聚合力;党员带头包楼"
    assert headings.loc["武汉市", "智慧治理"] == ""


@pytest.fixture(scope="module")
def by_case(store):
    return compare(store)


def test_one_row_per_case_with_place_chain_title_and_source(by_case):
    cases = by_case.cases.set_index("案例")
    assert set(cases.index) == {"深圳市(sz-a)", "武汉市", "潍坊市", "深圳市(sz-b)"}  # one city, two cases
    assert cases.index[-1] == "深圳市(sz-b)"  # most practices first
    assert cases.loc["武汉市", "地点"] == "湖北省 武汉市"
    assert cases.loc["武汉市", "标题"] == "青山区推进“五社联动”" and cases.loc["武汉市", "文档"] == "wh"
    assert cases.loc["武汉市", "链接"] == "cases/wh.txt" and cases.loc["武汉市", "来源"] == "武汉市民政局"
    assert cases.loc["深圳市(sz-a)", "党建引领(做法数)"] == 1


def test_at_most_one_value_per_indicator_cell_numbers_as_numbers(by_case):
    cases, shown = by_case.cases.set_index("案例"), by_case.cases_shown.set_index("案例")
    assert (
        cases.loc["深圳市(sz-a)", "常住人口(人)"] == 13000 and shown.loc["深圳市(sz-a)", "常住人口(人)"] == "约1.3万人"
    )
    assert cases.loc["深圳市(sz-a)", "社会组织数(家)"] == 769  # the change's later value …
    assert shown.loc["深圳市(sz-a)", "社会组织数(家)"] == "183→769家"  # … shown with its earlier one
    assert cases.loc["深圳市(sz-a)", "社工人数(人)"] == 30  # 名 folded into 人
    assert cases.loc["深圳市(sz-a)", "资金投入(元)"] == 17_500_000
    assert cases.loc["武汉市", "志愿者人数(人)"] == 2000 and shown.loc["武汉市", "志愿者人数(人)"] == "2000余人"
    assert cases.loc["武汉市", "户数(户)"] == "未找到"  # 困难家庭 are not the households of the area
    assert (
        cases.loc["潍坊市", "面积(平方米)"] == 2000
    )  # 共占地3亩: a total of venues (one venue alone is not the case's area)
    assert cases.loc["潍坊市", "辖区面积(平方公里)"] == 2.5
    indicators = by_case.indicator_headers
    assert all(isinstance(v, (int, float)) or v == "未找到" for h in indicators for v in cases[h])


def test_grouping_sums_counts_of_distinct_places_else_lists_cases(store):
    cities = compare(store, by="city")
    row = cities.cases.set_index("城市").loc["深圳市"]
    assert row["案例数"] == 2
    # Both Shenzhen cases are the city itself (the same place): adding them would count it twice.
    assert row["社工人数(人)"] == "深圳市:30人;深圳市:50人"
    provinces = compare(store, by="province").cases.set_index("省份")
    assert provinces.loc["湖北省", "志愿者人数(人)"] == 2000  # one case: its value


def test_sums_when_the_cases_are_different_places_at_one_level(tmp_path):
    store = Store(tmp_path / "sum.db")
    put_case(
        store,
        "a",
        "甲社区\n甲社区常住人口1200人。\n",
        province="湖北省",
        city="武汉市",
        figures=[("1200人", 1200, "人", None, "甲社区常住人口")],
        community="甲社区",
    )
    put_case(
        store,
        "b",
        "乙社区\n乙社区常住人口800人。\n",
        province="湖北省",
        city="武汉市",
        figures=[("800人", 800, "人", None, "乙社区常住人口")],
        community="乙社区",
    )
    row = compare(store, by="city").cases.set_index("城市").loc["武汉市"]
    assert row["常住人口(人)"] == 2000
    shown = compare(store, by="city").cases_shown.set_index("城市").loc["武汉市"]
    assert shown["常住人口(人)"] == "2000人(2个案例合计)"
    streets = compare(store, by="street").cases.set_index("街道")  # neither report names its street
    assert list(streets.index) == ["未注明地点"] and streets.loc["未注明地点", "案例"] == "甲社区;乙社区"


def test_every_indicator_value_is_traceable(store, by_city):
    long = by_city.indicator_values
    assert len(long) >= 12
    assert "是" in set(long["档案值"])
    # Each figure says why it was or was not chosen: its score and the chooser's features that fired.
    assert all(why.startswith("得分 ") for why in long["依据"])
    assert not any("不参选" in why for why in long[long["档案值"] == "是"]["依据"])
    for row in long.itertuples():
        text = store.get_document(row.文档).text
        assert text[row.起 : row.止] == row.原文
    change = long[long["指标"] == "社会组织数(家)"].iloc[0]
    assert (change["原值"], change["数值"], change["显示"]) == (183, 769, "183→769家")
    assert "由183家增长到769家" in change["原文"]


def test_mechanisms_clusters_and_sources(store, by_city):
    mech = by_city.mechanisms
    sz = mech[(mech["城市"] == "深圳市") & (mech["机制"] == "三社联动")].iloc[0]
    assert sz["定义"] == "社区、社会组织、社会工作者联动"  # the definition survives the undefined mention
    assert sz["提及次数"] == 2 and sz["文档"] == "sz-a; sz-b"
    assert by_city.clusters.empty and "聚类" in by_city.clusters.columns
    src = by_city.sources.set_index("文档")
    assert src.loc["wh", "标题"] == "青山区推进“五社联动”" and src.loc["wh", "文件"] == "cases/wh.txt"
    assert len(src) == 4


def test_clusters_per_place_when_clustered(tmp_path):
    store = Store(tmp_path / "c.db")
    put_case(
        store,
        "wh",
        WUHAN,
        province="湖北省",
        city="武汉市",
        measures=[("居家养老服务进小区", ["精准服务供给"]), ("居民议事会", ["居民参与与协商自治"])],
    )
    store.conn.execute("INSERT INTO clusters VALUES (1, '养老助餐', '精准服务供给', 1, '[]')")
    store.conn.execute("UPDATE measures SET cluster_id = 1 WHERE heading = '居家养老服务进小区'")
    row = compare(store, by="city").clusters.iloc[0]
    assert (row["城市"], row["聚类"], row["做法数"], row["做法"]) == ("武汉市", "养老助餐", 1, "居家养老服务进小区")


def test_filters_by_province_places_and_themes(store):
    by_province = compare(store, by="province", places=["广东", "湖北省"], themes=["精准服务供给", "党建引领"])
    counts = by_province.theme_counts.set_index("省份")
    assert list(counts.columns) == ["精准服务供给", "党建引领"]
    assert list(counts.index) == ["广东省", "湖北省"]
    assert set(by_province.sources["省份"]) == {"广东省", "湖北省"}
    assert list(compare(store, places=["潍坊"]).sources["文档"]) == ["wf"]
    assert set(compare(store, places=["广东"]).sources["文档"]) == {"sz-a", "sz-b"}


def test_bad_requests_say_what_is_wrong(store):
    with pytest.raises(CompareError, match="案例"):
        compare(store, by="county")
    with pytest.raises(CompareError, match="格式"):
        write(compare(store), "out.pdf")


def test_empty_store_gives_empty_tables(tmp_path):
    empty = compare(Store(tmp_path / "e.db"))
    assert all(frame.empty for frame in empty.tables().values())
    write_xlsx(empty, tmp_path / "e.xlsx")
    assert "(无数据)" in write_markdown(empty, tmp_path / "e.md").read_text(encoding="utf-8")


# -- writers -------------------------------------------------------------------------------------
def test_xlsx_has_chinese_sheets_frozen_headers_and_cjk_widths(by_city, tmp_path):
    path = write_xlsx(by_city, tmp_path / "compare.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["案例对比", "主题做法数", "主题做法清单", "指标明细", "机制", "实践聚类", "来源文档"]
    sheet = book["案例对比"]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == sheet.dimensions
    assert sheet["A1"].value == "城市" and sheet["A2"].value == "深圳市"
    headers = [c.value for c in sheet[1]]
    width = sheet.column_dimensions[sheet.cell(1, headers.index("常住人口(人)") + 1).column_letter].width
    assert width >= 12  # "常住人口(人)": four CJK characters count double
    assert sheet["B2"].alignment.wrap_text
    assert [c.value for c in book["来源文档"][1]][:3] == ["文档", "标题", "来源"]
    assert all(book[name].auto_filter.ref for name in book.sheetnames if book[name].max_column > 1)


def test_xlsx_case_table_keeps_numbers_units_and_sentences(by_case, tmp_path):
    sheet = openpyxl.load_workbook(write_xlsx(by_case, tmp_path / "cases.xlsx"))["案例对比"]
    headers = [c.value for c in sheet[1]]
    column = headers.index("社会组织数(家)") + 1
    row = [c.value for c in sheet["A"]].index("深圳市(sz-a)") + 1
    cell = sheet.cell(row, column)
    assert cell.value == 769 and isinstance(cell.value, int)  # a number Excel can sort and sum
    assert cell.comment.text.startswith("183→769家\n") and "由183家增长到769家" in cell.comment.text
    assert sheet.cell(row, headers.index("户数(户)") + 1).value == 4200
    assert not list(tmp_path.glob(".*part"))  # the temporary file was renamed, not left behind


def test_csv_markdown_html_writers(by_city, by_case, tmp_path):
    paths = write_csv(by_city, tmp_path / "csv")
    assert {p.name for p in paths} >= {"theme_counts.csv", "indicator_values.csv", "sources.csv"}
    raw = (tmp_path / "csv" / "cases.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese correctly
    rows = list(csv.DictReader((tmp_path / "csv" / "cases.csv").open(encoding="utf-8-sig")))
    assert rows[0]["城市"] == "深圳市" and rows[0]["案例数"] == "2"
    assert [p.name for p in write_csv(by_city, tmp_path / "x.csv")][0] == "x_cases.csv"
    md = write_markdown(by_city, tmp_path / "c.md").read_text(encoding="utf-8")
    assert "## 案例对比" in md and "| 深圳市 |" in md
    page = write_html(by_city, tmp_path / "c.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page and "<h2>机制</h2>" in page
    assert "183→769家" in write_html(by_case, tmp_path / "d.html").read_text(encoding="utf-8")


def test_write_picks_the_format_from_the_extension(by_city, tmp_path):
    write(by_city, tmp_path / "c.xlsx")
    assert zipfile.is_zipfile(tmp_path / "c.xlsx")
    write(by_city, tmp_path / "c.html")
    assert (tmp_path / "c.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_failed_write_keeps_the_previous_file(by_city, tmp_path, monkeypatch):
    target = tmp_path / "c.md"
    target.write_text("旧内容", encoding="utf-8")

    def boom(frame):
        raise RuntimeError("killed")

    monkeypatch.setattr("pipeline.compare._markdown_table", boom)
    with pytest.raises(RuntimeError):
        write_markdown(by_city, target)
    assert target.read_text(encoding="utf-8") == "旧内容"
    assert [p.name for p in tmp_path.iterdir()] == ["c.md"]


def test_documents_without_city_province_or_title_are_compared(tmp_path):
    """A store where some documents lack city, province and title (pandas reads those as NaN)."""
    store = Store(tmp_path / "n.db")
    put_case(store, "wh", WUHAN, province="湖北省", city="武汉市", measures=[("居民议事会", ["居民参与与协商自治"])])
    put_case(store, "wf", WEIFANG, province=None, city=None, measures=[("搭建智慧治理平台", ["智慧治理"])], title=None)
    put_case(store, "sz", SHENZHEN_B, province="广东省", city=None, measures=[("党员带头包楼", ["党建引领"])])
    store.conn.execute("UPDATE documents SET title = NULL WHERE doc_id = 'wf'")
    by_city = compare(store, by="city")
    assert list(by_city.theme_counts["城市"]) == ["广东省(省份级案例)", "武汉市", "未注明地点"]
    assert set(by_city.sources["城市"]) == {"武汉市", "广东省(省份级案例)", "未注明地点"}
    assert by_city.sources.set_index("文档").loc["wf", "标题"] == ""
    assert "未注明地点" in set(compare(store, by="province").theme_counts["省份"])


# -- a page of rows: only its cases are profiled -------------------------------------------------
@pytest.mark.parametrize("by", ["case", "community", "street", "district", "city", "province"])
@pytest.mark.parametrize("places", [None, ["长沙市", "合肥市", "深圳"]])
def test_a_page_of_rows_is_the_same_rows_of_the_whole_comparison(fixture_store, by, places):
    """The web's compare page profiles only the cases of the rows it shows; every slice of those rows
    is the same slice of the comparison that profiles every case (values, as written, sentences)."""
    with Store(fixture_store, readonly=True) as store:
        plan = plan_comparison(store, by=by, places=places, all_documents=True)
        whole = plan.comparison(store)
        assert len(plan) == len(whole.cases) == len(whole.theme_counts) > 1
        assert list(whole.cases[whole.place_header]) == plan.order
        for shown in (slice(0, 2), slice(2, 5), slice(len(plan) - 1, len(plan) + 3), slice(len(plan), None)):
            for part, full in zip(
                plan.rows(store, shown), (whole.cases, whole.cases_shown, whole.cases_sources), strict=True
            ):
                pd.testing.assert_frame_equal(part, full.iloc[shown].reset_index(drop=True), check_dtype=False)


def test_rows_are_found_by_heads_equal_to_the_profiles(fixture_store):
    """The heads (place, title, sources) come from the documents table without the text, except where
    the title names a coarser place (长沙望月湖街道, 包河区常青街道: the sentences decide)."""
    with Store(fixture_store, readonly=True) as store:
        heads = plan_comparison(store, all_documents=True).heads
        profiles = list(stored_profiles(store))
    assert heads == [p.head for p in profiles] and len(heads) == store_count(fixture_store)
    by_stem = {h.stem: h for h in heads}
    assert by_stem["cs_yuelu_2021"].place.name == "望月湖街道"  # cut to the street the title names
    assert by_stem["hf_baohe_2022"].place.name == "翠竹园社区"  # the community's facts keep the community


def store_count(path) -> int:
    with Store(path, readonly=True) as store:
        return store.count("documents")
