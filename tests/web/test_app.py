"""Every page and API route through Flask's test client, on the seeds plus a hostile report."""

import csv
import io
import re
import zipfile
from html import unescape

import openpyxl
import pytest

from pipeline.compare import TABLES
from pipeline.store import StoreError
from pipeline.web import app as web_app
from pipeline.web import create_app
from pipeline.web.params import MAX_PER_PAGE, MAX_QUERY_CHARS

# The hostile report in conftest.py carries these.
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
PAYLOADS = (SCRIPT, IMG, "<script", "<img src=x")


def html(response) -> str:
    return response.get_data(as_text=True)


def assert_no_live_markup(page: str) -> None:
    for payload in PAYLOADS:
        assert payload not in page


def matrix_places(page: str) -> list[str]:
    body = re.search(r'<table class="matrix">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return re.findall(r"<tr><th>([^<]+)</th>", body)


def option_counts(page: str, name: str) -> dict[str, int]:
    select = re.search(rf'<select name="{name}">(.*?)</select>', page, re.S).group(1)
    return {
        unescape(v): int(n) for v, n in re.findall(r'<option value="([^"]+)"[^>]*>[^<]*?\((\d+)\)</option>', select)
    }


# -- search ------------------------------------------------------------------------------------
def test_search_page_lists_practices_with_facet_counts(client):
    response = client.get("/")
    page = html(response)
    assert response.status_code == 200
    assert "社区治理案例库" in page and 'name="q"' in page
    themes = option_counts(page, "theme")
    assert themes and all(n > 0 for n in themes.values())
    assert option_counts(page, "city").keys() >= {"深圳市", "苏州市", "嘉兴市"}
    assert set(option_counts(page, "kind")) <= {"measure", "outcome", "lesson"}


def test_query_words_are_marked_in_snippets(client):
    page = html(client.get("/?q=社区"))
    assert "<mark>社区</mark>" in page
    assert re.search(r'href="/cases/[0-9a-f]+#at-\d+"', page)
    assert "共找到" in page
    # Every hit is named: the author's heading, or a passage's opening words marked 〔段落〕.
    labels = [unescape(t) for t in re.findall(r'<h2><a href="/cases/[^"]+">([^<]*)</a></h2>', page)]
    assert labels and all(label.strip() for label in labels)


def test_facet_count_is_the_number_of_hits_with_that_filter(client):
    data = client.get("/api/search?q=社区").get_json()
    assert data["total"] > 0
    for facet in ("theme", "city", "kind"):
        for entry in data["facets"][facet][:4]:
            filtered = client.get("/api/search", query_string={"q": "社区", facet: entry["value"]}).get_json()
            assert filtered["total"] == entry["count"], (facet, entry)


def test_facets_of_other_filters_follow_the_chosen_one(client):
    data = client.get("/api/search", query_string={"city": "深圳"}).get_json()
    assert {h["city"] for h in data["hits"]} == {"深圳市"}
    cities = {e["value"] for e in data["facets"]["city"]}
    assert "苏州市" in cities  # a facet ignores its own filter, so other cities stay choosable
    kinds_total = sum(e["count"] for e in data["facets"]["kind"])
    assert kinds_total == data["total"]


def test_theme_filter_in_the_page(client):
    page = html(client.get("/", query_string={"q": "社区", "theme": "社会组织培育"}))
    assert '<option value="社会组织培育" selected>' in page
    hits = re.findall(r'<li class="hit">(.*?)</li>', page, re.S)
    assert hits and all("社会组织培育</a>" in h for h in hits)
    assert "主题:社会组织培育 ×" in page


def test_mechanism_and_kind_filters(client):
    data = client.get(
        "/api/search", query_string={"mechanism": "三社联动", "kind": "measure", "per_page": 100}
    ).get_json()
    assert data["hits"] and {h["kind"] for h in data["hits"]} == {"measure"}
    mentioning = {h["doc_id"] for h in data["hits"]}
    for doc_id in mentioning:
        names = [m["name"] for m in client.get(f"/api/cases/{doc_id}").get_json()["mechanisms"]]
        assert any("三社联动" in n for n in names)


def test_pages_do_not_overlap_and_links_keep_the_query(client):
    first = client.get("/api/search?q=社区&per_page=3&page=1").get_json()
    second = client.get("/api/search?q=社区&per_page=3&page=2").get_json()
    assert first["total"] == second["total"] > 6
    assert len(first["hits"]) == len(second["hits"]) == 3
    assert not {h["measure_id"] for h in first["hits"]} & {h["measure_id"] for h in second["hits"]}
    page = html(client.get("/?q=社区&per_page=3&page=2"))
    assert 'href="?q=%E7%A4%BE%E5%8C%BA&amp;per_page=3&amp;page=3"' in page
    assert 'href="?q=%E7%A4%BE%E5%8C%BA&amp;per_page=3"' in page  # page 1 drops the parameter


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"per_page": MAX_PER_PAGE + 1}, "每页条数必须在 1 到 100 之间"),
        ({"per_page": "abc"}, "每页条数必须是整数"),
        ({"page": 0}, "页码必须在"),
        ({"page": 10**9}, "页码必须在"),
        ({"kind": "news"}, "未知的类型"),
        ({"theme": "主" * 51}, "取值过长"),
    ],
)
def test_bad_parameters_get_a_chinese_400_page(client, query, fragment):
    response = client.get("/", query_string=query)
    assert response.status_code == 400
    assert fragment in html(response) and "请求有误" in html(response)


def test_too_long_query_is_a_chinese_400_not_a_crash(client):
    ok = client.get("/", query_string={"q": "社" * MAX_QUERY_CHARS})
    assert ok.status_code == 200
    response = client.get("/", query_string={"q": "社" * (MAX_QUERY_CHARS + 1)})
    assert response.status_code == 400
    assert "搜索词太长了" in html(response) and "Traceback" not in html(response)
    api = client.get("/api/search", query_string={"q": "社" * (MAX_QUERY_CHARS + 1)})
    assert api.status_code == 400
    assert api.get_json()["error"]["status"] == 400 and "搜索词太长了" in api.get_json()["error"]["message"]


def test_no_hits_shows_the_suggestion_and_theme_links(client):
    page = html(client.get("/?q=养老院"))
    assert "没有找到与“养老院”相关的做法" in page
    assert re.search(r'<a class="tag" href="/themes/[^"]+">', page)
    data = client.get("/api/search?q=养老院").get_json()
    assert data["hits"] == [] and data["suggestions"] and data["message"]


def test_reflected_query_is_escaped(client):
    page = html(client.get("/", query_string={"q": SCRIPT}))
    assert_no_live_markup(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


# -- themes ------------------------------------------------------------------------------------
def test_theme_index_lists_the_taxonomy_with_counts(client):
    page = html(client.get("/themes"))
    assert '<a href="/themes/%E7%A4%BE%E5%B7%A5%E4%BA%BA%E6%89%8D%E9%98%9F%E4%BC%8D">社工人才队伍</a>' in page
    assert re.search(r"社工人才队伍</a> <span class=\"count\">[1-9]\d* 条做法", page)


def test_theme_page_groups_practices_by_city(client):
    data = client.get("/api/search", query_string={"theme": "社工人才队伍", "per_page": 100}).get_json()
    cities = {h["city"] for h in data["hits"]}
    page = html(client.get("/themes/社工人才队伍"))
    groups = re.findall(r'<h2>(\S+) <span class="count">(\d+) 条</span></h2>', page)
    assert {g for g, _ in groups} == cities
    assert sum(int(n) for _, n in groups) == data["total"]


def test_unknown_theme_is_a_chinese_404(client):
    response = client.get("/themes/不存在的主题")
    assert response.status_code == 404 and "没有名为“不存在的主题”的主题" in html(response)


# -- cases -------------------------------------------------------------------------------------
def test_case_page_shows_metadata_and_highlights(client):
    hit = client.get("/api/search?q=社区&city=深圳").get_json()["hits"][0]
    case = client.get(f"/api/cases/{hit['doc_id']}").get_json()
    page = html(client.get(f"/cases/{hit['doc_id']}"))
    assert case["metadata"]["title"] and unescape(page).count(case["metadata"]["title"]) >= 2
    assert "广东省 › 深圳市" in page
    if case["place"]["code"]:
        assert f"区划代码 {case['place']['code']}" in page
    figure = case["figures"][0]
    assert re.search(r'<span class="hl[^"]*hl-figure[^"]*" title="[^"]*数字:', page)
    assert f'id="at-{hit["start"]}"' in page
    assert page.count('class="hl hl-') >= 4  # the legend
    assert case["text"][figure["start"] : figure["end"]] in unescape(re.sub(r"<[^>]+>", "", page))


def test_figures_are_highlighted_as_written(client, hostile_id):
    page = html(client.get(f"/cases/{hostile_id}"))
    highlighted = re.findall(r'hl-figure" title="[^"]*数字:[^"]*">([^<]+)<', page)
    for written in ("300多件", "20余支", "1.2万人次", "80万元"):
        assert any(written in h and len(h) <= len(written) + 2 for h in highlighted), written  # not the clause
    changed = re.findall(r'hl-change[^"]*" title="[^"]*变化:[^"]*15→48家[^"]*">([^<]+)<', page)
    assert "".join(changed) == "由15家增长到48家"
    assert re.search(r'hl-mechanism" title="[^"]*机制:政府购买服务">政府购买服务<', page)


def test_case_text_survives_highlighting_unchanged(client, hostile_id):
    case = client.get(f"/api/cases/{hostile_id}").get_json()
    page = html(client.get(f"/cases/{hostile_id}"))
    body = re.search(r'<div class="doc-text">(.*?)</div>', page, re.S).group(1)
    assert unescape(re.sub(r"<[^>]+>", "", body)) == case["text"]


def test_case_by_prefix_redirects_to_its_page(client, hostile_id):
    response = client.get(f"/cases/{hostile_id[:10]}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{hostile_id}")


def test_unknown_case_is_a_chinese_404(client):
    response = client.get("/cases/0000000000000000")
    assert response.status_code == 404
    assert "找不到案例“0000000000000000”" in html(response) and "Not Found" not in html(response)
    api = client.get("/api/cases/0000000000000000")
    assert api.status_code == 404 and api.get_json()["error"]["status"] == 404


def test_hostile_article_is_shown_as_text_everywhere(client, hostile_id):
    case_page = html(client.get(f"/cases/{hostile_id}"))
    assert "海宁市&lt;script&gt;alert(1)&lt;/script&gt;社区" in case_page
    assert "&lt;img src=x onerror=alert(1)&gt;" in case_page
    for url in (
        f"/cases/{hostile_id}",
        "/?q=议事",
        "/?q=社工&city=嘉兴",
        "/themes/社会组织培育",
        "/compare",
        "/compare?city=嘉兴市",
    ):
        assert_no_live_markup(html(client.get(url)))


def test_sources_link_only_web_addresses(client, hostile_id, payloads):
    page = html(client.get(f"/cases/{hostile_id}"))
    source_url, script_url = payloads["source_url"], payloads["script_url"]
    assert f'<a href="{source_url}"' in page
    assert f'href="{script_url}' not in page and script_url in page
    assert re.search(r'<span class="path">[^<]*haining\.txt</span>', page)


# -- compare -----------------------------------------------------------------------------------
def case_rows(page: str) -> dict[str, list[str]]:
    """The 案例对比 table: row label → its cells' text."""
    body = re.search(r'<table class="cases">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        label = re.sub(r"<[^>]+>", "", re.search(r"<th>(.*?)</th>", row, re.S).group(1)).replace("原文", "").strip()
        rows[label] = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    return rows


def test_compare_page_puts_cases_side_by_side(client):
    page = html(client.get("/compare"))
    rows = case_rows(page)
    assert {"大和社区", "苏州市", "青山区", "东关街道"} <= set(rows)  # a community, a city, a district, a street
    header = re.search(r'<table class="cases">\s*<thead><tr>(.*?)</tr>', page, re.S).group(1)
    columns = re.findall(r"<th>([^<]+)</th>", header)
    assert columns[:5] == ["案例", "地点", "标题", "发布日期", "来源"] and "常住人口(人)" in columns
    people = rows["大和社区"][columns.index("常住人口(人)") - 1]
    assert people == "21059人"  # one value per cell
    assert rows["青山区"][columns.index("社会组织数(家)") - 1] == "183→769家"
    assert "未找到" in rows["苏州市"]
    assert re.search(r'<td class="num" title="[^"]*21059人', page)  # the sentence behind the value
    assert '<a href="/cases/' in page and "案例 × 主题:做法数" in page
    assert '<img src="/compare.png?by=case"' in page


def test_compare_page_groups_by_city(client):
    page = html(client.get("/compare?by=city"))
    assert "城市 × 主题:做法数" in page
    assert {"深圳市", "苏州市", "包头市", "潍坊市", "嘉兴市"} <= set(matrix_places(page))
    assert re.search(r'<td class="heat-[1-5]"><a href="/\?theme=', page)
    assert "深圳市" in case_rows(page)


def test_compare_chosen_places_and_themes(client):
    page = html(client.get("/compare?by=city&city=深圳市&city=苏州市&theme=社会组织培育&theme=党建引领"))
    assert matrix_places(page) in (["深圳市", "苏州市"], ["苏州市", "深圳市"])
    assert re.findall(r'<th><a href="/themes/[^"]+">(\S+)</a></th>', page) == ["社会组织培育", "党建引领"]
    assert set(case_rows(html(client.get("/compare?city=深圳市&city=苏州市")))) == {"大和社区", "苏州市"}


def test_compare_province_stands_for_its_cities(client):
    by_city = client.get("/api/compare?by=city&province=浙江省").get_json()
    assert [r["城市"] for r in by_city["tables"]["theme_counts"]] == ["嘉兴市"]
    by_province = client.get("/api/compare?by=province&city=深圳市").get_json()
    assert [r["省份"] for r in by_province["tables"]["theme_counts"]] == ["广东省"]


def test_compare_unknown_grouping_is_a_chinese_400(client):
    response = client.get("/compare?by=county")
    assert response.status_code == 400 and "对比方式只能是" in html(response)


def test_xlsx_download_has_every_table(client):
    response = client.get("/compare.xlsx?city=深圳市&city=苏州市")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == [sheet for sheet, _ in TABLES.values()]
    places = {row[0] for row in book["主题做法数"].iter_rows(min_row=2, values_only=True)}
    assert places == {"大和社区", "苏州市"}
    sheet = book["案例对比"]
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref
    headers = [c.value for c in sheet[1]]
    row = [c.value for c in sheet["A"]].index("大和社区") + 1
    assert sheet.cell(row, headers.index("常住人口(人)") + 1).value == 21059  # a number, unit in the header


def test_csv_downloads(client):
    response = client.get("/compare.csv?by=province")
    assert response.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["省份", "案例数", "案例"] and {"广东省", "江苏省", "浙江省"} <= {r[0] for r in rows[1:]}
    archive = zipfile.ZipFile(io.BytesIO(client.get("/compare.zip").data))
    assert sorted(archive.namelist()) == sorted(f"{stem}.csv" for _, stem in TABLES.values())


def test_heatmap_is_a_png(client):
    response = client.get("/compare.png?city=深圳市&city=苏州市")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.data.startswith(b"\x89PNG\r\n\x1a\n")


# -- API shapes --------------------------------------------------------------------------------
def test_api_search_shape(client):
    data = client.get("/api/search?q=社区&per_page=2").get_json()
    assert set(data) == {
        "query",
        "filters",
        "page",
        "per_page",
        "total",
        "total_capped",
        "tokens",
        "hits",
        "facets",
        "facets_sampled",
        "suggestions",
        "message",
    }
    hit = data["hits"][0]
    assert {
        "measure_id",
        "doc_id",
        "heading",
        "kind",
        "themes",
        "city",
        "province",
        "title",
        "snippet",
        "start",
        "end",
        "score",
        "url",
    } <= set(hit)
    assert any(part["match"] and part["text"] == "社区" for part in hit["snippet"])
    assert set(data["facets"]) == {"theme", "city", "province", "mechanism", "kind"}


def test_api_case_shape(client, hostile_id, payloads):
    data = client.get(f"/api/cases/{hostile_id}").get_json()
    assert data["doc_id"] == hostile_id and data["metadata"]["title"].startswith("海宁市<script>")
    assert data["place"]["chain"][:2] == ["浙江省", "嘉兴市"]
    assert {s["url"] for s in data["sources"]} >= {payloads["source_url"], None}
    for figure in data["figures"]:
        assert data["text"][figure["start"] : figure["end"]] == figure["text"]
    assert {m["heading"] for m in data["measures"]} >= {"搭建议事平台", "培育社区社会组织"}


def test_api_compare_shape(client):
    data = client.get("/api/compare?theme=社会组织培育").get_json()
    assert data["by"] == "case" and data["themes"] == ["社会组织培育"]
    assert set(data["tables"]) == set(TABLES)
    assert all(set(r) == {"案例", "社会组织培育"} for r in data["tables"]["theme_counts"])
    assert all(r["常住人口(人)"] == "未找到" or isinstance(r["常住人口(人)"], int) for r in data["tables"]["cases"])


# -- errors and headers ------------------------------------------------------------------------
def test_every_response_carries_the_security_policy(client):
    for url in ("/", "/cases/nope", "/compare.csv", "/api/search"):
        assert "script-src 'none'" in client.get(url).headers["Content-Security-Policy"]


def test_unknown_route_and_method_get_chinese_pages(client):
    assert "找不到您要的页面" in html(client.get("/nowhere"))
    response = client.post("/")
    assert response.status_code == 405 and "不支持这种请求方式" in html(response)


def test_internal_error_shows_no_traceback(uncached_client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(web_app, "search", broken)
    response = uncached_client.get("/?q=社区")
    assert response.status_code == 500
    assert "服务器内部错误" in html(response) and "secret internals" not in html(response)


def test_missing_database_fails_at_startup(tmp_path):
    with pytest.raises(StoreError, match="数据库不存在"):
        create_app(tmp_path / "none.db")


def test_compare_page_shows_its_rows_a_page_at_a_time(uncached_client, monkeypatch):
    from pipeline.web import app as web_app

    def matrix_rows(html: str) -> int:
        return html.count("<tr><th>") - html.count("<thead><tr><th>")

    rows = matrix_rows(uncached_client.get("/compare").get_data(as_text=True))
    assert rows >= 2
    monkeypatch.setattr(web_app, "COMPARE_PAGE_ROWS", 1)
    first = uncached_client.get("/compare").get_data(as_text=True)
    last = uncached_client.get(f"/compare?page={rows}").get_data(as_text=True)
    assert matrix_rows(first) == matrix_rows(last) == 1
    assert f"第 1 / {rows} 页" in first and "下一页" in first and "上一页" in last
    assert 'href="/compare.xlsx?by=case"' in first  # downloads keep every row
    assert uncached_client.get("/compare?page=0").status_code == 400
    # Each page profiles only its own cases: page by page, the rows and cells are those of all rows
    # on one page, in the order of the whole comparison.
    paged = [case_rows(html(uncached_client.get(f"/compare?page={n}"))) for n in range(1, rows + 1)]
    monkeypatch.setattr(web_app, "COMPARE_PAGE_ROWS", rows)
    assert {k: v for page in paged for k, v in page.items()} == case_rows(html(uncached_client.get("/compare")))
    whole = uncached_client.get("/api/compare").get_json()["tables"]["cases"]
    assert [label for page in paged for label in page] == [row["案例"] for row in whole]
