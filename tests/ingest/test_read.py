import http.server
import os
import threading
from pathlib import Path

import docx
import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from pipeline.ingest.normalize import normalize
from pipeline.ingest.read import ReadError, fetch_url, iter_sources, read_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"

SIMPLIFIED = (
    "苏州市印发《关于推动发展“社区慈善基金”的行动方案(2022-2025年)》,广泛动员社会慈善力量参与基层治理。\n"
    "居民4241户21059人。"
)
TRADITIONAL = (
    "東關街道辦事處位於奎文區核心區域,街道下轄葦灣、奎文門等9個社區,共有小區123個。\n居民3.6萬戶、共12.2萬人。"
)


def reason_of(path, **kwargs) -> str:
    with pytest.raises(ReadError) as info:
        read_path(path, **kwargs)
    assert info.value.path == str(path)
    return info.value.reason


# -- encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoding, text",
    [
        ("utf-8", SIMPLIFIED),
        ("utf-8-sig", SIMPLIFIED),
        ("gbk", SIMPLIFIED),
        ("gb18030", TRADITIONAL),
        ("big5", TRADITIONAL),
        ("utf-16", SIMPLIFIED),
        ("utf-16", TRADITIONAL),
    ],
)
def test_text_encodings_detected(tmp_path, encoding, text):
    path = tmp_path / "report.txt"
    path.write_bytes(text.encode(encoding))
    raw = read_path(path)
    assert raw.text == text
    assert raw.source_format == "txt"
    assert raw.source == str(path)
    assert len(raw.raw_hash) == 64


def test_short_gbk_text(tmp_path):
    path = tmp_path / "short.txt"
    path.write_bytes("社区治理创新。".encode("gbk"))
    assert read_path(path).text == "社区治理创新。"


def test_mostly_utf8_with_a_broken_byte_keeps_utf8(tmp_path):
    data = (SIMPLIFIED * 20).encode("utf-8")
    broken = data[:500] + b"\xff" + data[500:]
    path = tmp_path / "broken.txt"
    path.write_bytes(broken)
    text = read_path(path).text
    assert text.count("\ufffd") == 1
    assert text.replace("\ufffd", "") == SIMPLIFIED * 20


def test_raw_hash_is_of_the_bytes(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(SIMPLIFIED.encode("utf-8"))
    b.write_bytes(SIMPLIFIED.encode("gbk"))
    assert read_path(a).text == read_path(b).text
    assert read_path(a).raw_hash != read_path(b).raw_hash


# -- refusals ---------------------------------------------------------------------------------


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    assert reason_of(path) == "文件为空"
    path.write_bytes(b" \n\r\n ")
    assert reason_of(path) == "文件为空"


def test_binary_txt(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    assert reason_of(path) == "不是文本文件(疑似二进制)"


def test_oversized_file(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(SIMPLIFIED.encode("utf-8") * 100)
    reason = reason_of(path, max_bytes=2048)
    assert reason.startswith("文件过大(") and reason.endswith(",上限 2 KB)")


def test_missing_file(tmp_path):
    assert reason_of(tmp_path / "nope.txt") == "文件不存在"


def test_old_word_format(tmp_path):
    path = tmp_path / "report.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    assert ".docx" in reason_of(path)


# -- markdown -----------------------------------------------------------------------------------


def test_markdown(tmp_path):
    path = tmp_path / "case.md"
    path.write_text(
        "# 城北街道“四社联动”实践\n\n## 一、主要做法\n\n1. **搭建平台**。建立[议事会](http://x.cn/a)12个。\n"
        "2. 培育组织\n\n> 来源:城北街道\n\n| 社区 | 组织数 |\n|---|---|\n| 幸福社区 | 12家 |\n",
        encoding="utf-8",
    )
    raw = read_path(path)
    assert raw.source_format == "md"
    assert raw.title_hint == "城北街道“四社联动”实践"
    assert raw.text.split("\n") == [
        "城北街道“四社联动”实践",
        "",
        "一、主要做法",
        "",
        "1. 搭建平台。建立议事会12个。",
        "2. 培育组织",
        "",
        "来源:城北街道",
        "",
        "社区 组织数",
        "",
        "幸福社区 12家",
        "",
    ]


# -- html -------------------------------------------------------------------------------------------


def test_html_portal_page_main_text():
    raw = read_path(FIXTURES / "portal_article.html")
    assert raw.source_format == "html"
    assert raw.title_hint == "幸福社区探索“四社联动”新模式"
    assert raw.published_hint == "2021-03-15"
    text = normalize(raw.text).text
    lines = text.split("\n")
    assert lines[0] == "幸福社区探索“四社联动”新模式"
    assert lines[1].startswith("来源:某市民政局 发布时间:2021-03-15")
    for kept in (
        "一、主要做法",
        "(一)搭建议事平台",
        "(二)培育社区社会组织",
        "1. 建立孵化基地",
        "3. 开展能力建设培训",
        "二、取得成效",
    ):
        assert kept in lines
    assert "居民满意度由2019年的78%提升到2020年的93%。" in lines
    for gone in (
        "新闻中心",
        "当前位置",
        "热门文章",
        "民政部部署冬季救助工作",
        "网友评论",
        "写得真好",
        "版权所有",
        "ICP",
        "扫一扫",
        "上一篇",
        "分享到",
        "责任编辑",
        "不要这段脚本文字",
    ):
        assert gone not in text, gone


def test_html_declared_gb2312(tmp_path):
    page = (FIXTURES / "news_with_teasers.html").read_text(encoding="utf-8")
    path = tmp_path / "gbk.html"
    path.write_bytes(page.encode("gbk"))
    raw = read_path(path)
    assert raw.text == read_path(FIXTURES / "news_with_teasers.html").text
    assert raw.title_hint == "河西街道“五社联动”激活社区微治理"
    assert raw.published_hint is None  # the only dates on the page belong to other stories
    text = normalize(raw.text).text
    assert "来源:某晚报 作者:李华" in text.split("\n")
    assert "三是培育志愿服务队伍。" in text
    assert text.endswith("让居民在家门口感受到更多温暖。")
    assert "全市养老服务补贴标准提高" not in text and "网站首页" not in text


def test_html_huge_inline_data_and_deep_nesting(tmp_path):
    body = "<p>" + "社区治理创新实践取得成效,居民满意度明显提升。" * 10 + "</p>"
    image = f'<img src="data:image/png;base64,{"A" * 12_000_000}">'
    inline = f'<html><body>{image}{body}<script>var s="{"x" * 1_000_000}";</script></body></html>'
    deep = "<html><body>" + "<div>" * 20000 + body + "</div>" * 20000 + "</body></html>"
    for name, page in (("inline.html", inline), ("deep.html", deep)):
        path = tmp_path / name
        path.write_text(page, encoding="utf-8")
        assert "居民满意度明显提升。" in read_path(path).text


def test_html_without_text(tmp_path):
    path = tmp_path / "blank.html"
    path.write_text("<html><head><title>x</title></head><body><img src='a.png'></body></html>", encoding="utf-8")
    assert reason_of(path) == "网页中没有可提取的正文"


# -- docx ---------------------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_order(tmp_path):
    document = docx.Document()
    document.core_properties.title = "东关街道社区社会组织培育报告"
    document.add_paragraph("东关街道社区社会组织培育报告")
    document.add_paragraph("一、基本情况")
    document.add_paragraph("街道共培育社区社会组织102家。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "社区", "组织数量"
    table.cell(1, 0).text, table.cell(1, 1).text = "工福街社区", "25家"
    document.add_paragraph("二、主要做法")
    path = tmp_path / "report.docx"
    document.save(path)
    raw = read_path(path)
    assert raw.source_format == "docx"
    assert raw.title_hint == "东关街道社区社会组织培育报告"
    assert raw.text.split("\n") == [
        "东关街道社区社会组织培育报告",
        "一、基本情况",
        "街道共培育社区社会组织102家。",
        "社区 组织数量",
        "工福街社区 25家",
        "二、主要做法",
    ]


def test_corrupt_docx(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(b"PK\x03\x04 this is not a real zip archive" * 10)
    assert reason_of(path).startswith("docx 文件损坏: ")


# -- pdf ------------------------------------------------------------------------------------------------


def make_pdf(path: Path, lines: list[str], title: str = "城南区社区治理报告") -> None:
    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    pdf = canvas.Canvas(str(path))
    pdf.setTitle(title)
    pdf.setFont("STSong-Light", 12)
    for i, line in enumerate(lines):
        pdf.drawString(50, 800 - 20 * i, line)
    pdf.showPage()
    pdf.save()


def test_text_pdf(tmp_path):
    lines = [
        "城南区社区治理报告",
        "一、基本情况",
        "城南区辖8个街道、63个社区,常住人口42.6万",
        "人。全区共有社区社会组织586家。",
    ]
    path = tmp_path / "report.pdf"
    make_pdf(path, lines)
    raw = read_path(path)
    assert raw.source_format == "pdf"
    assert raw.title_hint == "城南区社区治理报告"
    assert raw.text.split("\n") == lines


def test_image_only_pdf(tmp_path):
    path = tmp_path / "scan.pdf"
    pdf = canvas.Canvas(str(path))
    pdf.rect(50, 50, 300, 400, fill=1)
    pdf.showPage()
    pdf.save()
    assert reason_of(path) == "PDF 无可提取的文字(可能是扫描件)"


def test_corrupt_pdf(tmp_path):
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.4\n garbage without objects\n")
    assert reason_of(path).startswith("PDF ")


# -- directories ----------------------------------------------------------------------------------------


def test_iter_sources(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    (tmp_path / "b" / "c.html").write_text("x", encoding="utf-8")
    (tmp_path / "b" / "d.DOCX").write_bytes(b"x")
    (tmp_path / "b" / "notes.json").write_text("{}", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "e.txt").write_text("x", encoding="utf-8")
    (tmp_path / ".f.txt").write_text("x", encoding="utf-8")
    os.symlink(tmp_path, tmp_path / "b" / "loop")
    sources = list(iter_sources([tmp_path, "https://example.org/a.html", tmp_path / "a.txt"]))
    assert sources == [
        tmp_path / "a.txt",
        tmp_path / "b" / "c.html",
        tmp_path / "b" / "d.DOCX",
        "https://example.org/a.html",
        tmp_path / "a.txt",
    ]


# -- urls -------------------------------------------------------------------------------------------------

PAGE = (FIXTURES / "portal_article.html").read_bytes()
GBK_PAGE = (FIXTURES / "news_with_teasers.html").read_text(encoding="utf-8").encode("gbk")
STOP = threading.Event()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        routes = {
            "/page": ("text/html; charset=utf-8", PAGE),
            "/gbk": ("text/html; charset=GBK", GBK_PAGE),
            "/gbk-undeclared": ("text/html", GBK_PAGE.replace(b"charset=gb2312", b"")),
            "/plain.txt": ("text/plain", SIMPLIFIED.encode("gb18030")),
        }
        if self.path == "/slow":
            STOP.wait(3)
        if self.path in routes:
            content_type, body = routes[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/error":
            self.send_error(500)
        else:
            self.send_error(404)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    STOP.set()
    httpd.shutdown()
    httpd.server_close()


def url_reason(url: str, **kwargs) -> str:
    with pytest.raises(ReadError) as info:
        fetch_url(url, **kwargs)
    assert info.value.path == url
    return info.value.reason


def test_fetch_page(server):
    raw = fetch_url(server + "/page")
    assert raw.source == server + "/page"
    assert raw.source_format == "html"
    assert raw.title_hint == "幸福社区探索“四社联动”新模式"
    assert raw.text == read_path(FIXTURES / "portal_article.html").text


@pytest.mark.parametrize("route", ["/gbk", "/gbk-undeclared"])
def test_fetch_gbk(server, route):
    raw = fetch_url(server + route)
    assert "三是培育志愿服务队伍。" in raw.text


def test_fetch_plain_text(server):
    raw = fetch_url(server + "/plain.txt")
    assert raw.source_format == "txt"
    assert raw.text == SIMPLIFIED


def test_fetch_http_errors(server):
    assert url_reason(server + "/missing") == "网址返回 HTTP 404"
    assert url_reason(server + "/error") == "网址返回 HTTP 500"


def test_fetch_timeout(server):
    assert url_reason(server + "/slow", timeout=0.3) == "网址请求超时"


def test_fetch_too_large(server):
    assert url_reason(server + "/page", max_bytes=1000).startswith("网页过大")


def test_fetch_connection_refused():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert url_reason(f"http://127.0.0.1:{port}/", timeout=2) == "无法连接到网址"


def test_placeholder_pdf_title_ignored(tmp_path):
    path = tmp_path / "untitled.pdf"
    make_pdf(path, ["社区治理报告正文。"], title="untitled")
    assert read_path(path).title_hint is None


def test_reading_text_files_loads_no_network_numeric_or_detection_library():
    import subprocess
    import sys

    probe = (
        "import sys, pipeline.ingest.read as r, pipeline.ingest as ingest; "
        "r.read_path(sys.argv[1]); "
        "print(sorted(m for m in ('requests', 'charset_normalizer', 'numpy') if m in sys.modules)); "
        "print(ingest.signature.__module__)"
    )
    seed = sorted((Path(__file__).parents[2] / "corpus" / "reports").glob("*.txt"))[0]
    out = subprocess.run([sys.executable, "-c", probe, str(seed)], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "pipeline.ingest.dedupe"]  # package names load on first use
