"""The interface in a real headless Chromium: search, filter, read a case, compare, download.

Debian's /usr/bin/chromium is driven by Playwright; the app runs in a werkzeug
server thread on 127.0.0.1. Screenshots land in each test's tmp_path.
"""

import threading
from pathlib import Path

import openpyxl
import pytest
from werkzeug.serving import make_server

from pipeline.compare import TABLES

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="需要 Debian 的 Chromium(apt-get install chromium)"),
]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def base_url(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture()
def page(browser):
    context = browser.new_context(accept_downloads=True, locale="zh-CN", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    dialogs: list[str] = []
    tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.dialogs = dialogs
    yield tab
    context.close()


def test_search_filter_and_open_a_case(page, base_url, tmp_path):
    page.goto(base_url + "/")
    page.fill("input[name=q]", "社区")
    page.press("input[name=q]", "Enter")
    page.wait_for_load_state()
    assert page.locator("li.hit").count() > 0
    assert page.locator("li.hit mark").first.inner_text() == "社区"
    page.screenshot(path=tmp_path / "search.png", full_page=True)

    theme = page.locator("select[name=theme] option").nth(1).get_attribute("value")
    page.select_option("select[name=theme]", theme)
    page.click("text=筛选")
    page.wait_for_load_state()
    hits = page.locator("li.hit")
    assert "theme=" in page.url and hits.count() > 0
    for i in range(hits.count()):
        assert theme in hits.nth(i).locator("a.tag").all_inner_texts()
    page.screenshot(path=tmp_path / "filtered.png", full_page=True)

    heading = hits.first.locator("h2 a").inner_text()
    hits.first.locator("h2 a").click()
    page.wait_for_load_state()
    assert "/cases/" in page.url
    assert heading in page.locator("ol.measures").inner_text()
    figures = page.locator(".doc-text .hl-figure")
    assert figures.count() > 0 and figures.first.is_visible()
    colour = figures.first.evaluate("e => getComputedStyle(e).backgroundColor")
    plain = page.locator(".doc-text").evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour != plain
    page.screenshot(path=tmp_path / "case.png", full_page=True)
    assert page.dialogs == []


def test_compare_and_download_excel(page, base_url, tmp_path):
    page.goto(base_url + "/compare")
    page.check("input[name=city][value=深圳市]")
    page.check("input[name=city][value=苏州市]")
    page.click("button:has-text('对比')")
    page.wait_for_load_state()
    cases = page.locator("table.cases tbody th").all_inner_texts()
    assert sorted(c.replace("原文", "").strip() for c in cases) == ["大和社区", "苏州市"]
    headers = page.locator("table.cases thead th").all_inner_texts()
    assert "常住人口(人)" in headers and "党建引领(做法数)" in headers
    people = (
        page.locator("table.cases tbody tr", has_text="大和社区").locator("td").nth(headers.index("常住人口(人)") - 1)
    )
    assert people.inner_text() == "21059人" and "21059" in people.get_attribute("title")
    assert page.locator(".heatmap img").evaluate("img => img.complete && img.naturalWidth > 0")
    page.screenshot(path=tmp_path / "compare.png", full_page=True)

    with page.expect_download() as info:
        page.click("text=Excel 表格")
    target = tmp_path / info.value.suggested_filename
    info.value.save_as(target)
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == [sheet for sheet, _ in TABLES.values()]
    sheet = book["案例对比"]
    excel_headers = [c.value for c in sheet[1]]
    # The page's table: the same columns, the source link and document id shown as the row's links.
    assert [h for h in excel_headers if h not in ("链接", "文档")] == headers
    assert {r[0] for r in sheet.iter_rows(min_row=2, values_only=True)} == {"大和社区", "苏州市"}
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref
    row = [c.value for c in sheet["A"]].index("大和社区") + 1
    assert sheet.cell(row, excel_headers.index("常住人口(人)") + 1).value == 21059


def test_compare_by_city_in_the_browser(page, base_url, tmp_path):
    page.goto(base_url + "/compare")
    page.check("input[name=by][value=city]")
    page.click("button:has-text('对比')")
    page.wait_for_load_state()
    assert "深圳市" in page.locator("table.matrix tbody th").all_inner_texts()
    assert "案例数" in page.locator("table.cases thead th").all_inner_texts()
    page.screenshot(path=tmp_path / "compare_city.png", full_page=True)


def test_hostile_article_shows_markup_as_text_and_runs_nothing(page, base_url, hostile_id, payloads, tmp_path):
    page.goto(f"{base_url}/cases/{hostile_id}")
    assert payloads["script"] in page.locator("h1").inner_text()
    text = page.locator(".doc-text").inner_text()
    assert payloads["script"] in text and payloads["img"] in text
    assert page.locator("main script, main img").count() == 0
    page.goto(f"{base_url}/?q=议事")
    assert page.locator("li.hit").count() > 0
    page.goto(base_url + "/?q=" + payloads["script"])
    assert page.locator("input[name=q]").input_value() == payloads["script"]
    page.screenshot(path=tmp_path / "hostile.png", full_page=True)
    assert page.dialogs == []
