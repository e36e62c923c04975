"""Read case reports from files and URLs into raw text.

Formats: plain text and Markdown, HTML (main text by trafilatura), docx
(python-docx) and text PDFs (pdfplumber). Encodings are detected, not
assumed. Every failure is a ``ReadError`` whose reason is one plain Chinese
line that civil-affairs staff can act on. The format libraries, requests and
charset-normalizer are imported where they are needed, so reading UTF-8 text
files does not pay for them at every process's start.
"""

from __future__ import annotations

import codecs
import hashlib
import html as html_lib
import io
import os
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .normalize import HAN, is_metadata_line

MAX_BYTES = 20 * 1024 * 1024

# The one list of what a directory scan picks up, by extension → source_format.
SUPPORTED_EXTENSIONS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".shtml": "html",
    ".xhtml": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}
_UNSUPPORTED = {
    ".doc": "旧版 Word 文件(.doc)无法读取,请另存为 .docx 后再导入",
    ".wps": "WPS 文件无法读取,请另存为 .docx 后再导入",
    ".xls": "表格文件不是案例文本,无法读取",
    ".xlsx": "表格文件不是案例文本,无法读取",
}

# A few wrong bytes in an otherwise valid UTF-8 file are corruption, not
# another encoding: GBK or Big5 text read as UTF-8 fails on nearly every Han
# character (error rates of 30-60 %), so 1 % separates the cases widely.
# Below it we decode UTF-8 with replacement characters; charset-normalizer
# would rather pick a legacy codec that decodes every byte, into mojibake.
MAX_UTF8_ERROR_RATIO = 0.01
# Share of control bytes (besides tab, newlines, form feed, escape) above
# which a file is taken for binary; text files have none.
MAX_CONTROL_RATIO = 0.02
# Legacy labels that pages declare for text their servers encode as a superset.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "gb_2312-80": "gb18030"}

_URL_RE = re.compile(r"^https?://", re.I)
_META_CHARSET_RE = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.I)
# Inline scripts, styles and huge attribute values (data: URIs) are removed
# before parsing: libxml2 silently drops text nodes after an attribute over
# 10 MB, and none of them is ever text.
_HTML_HEAVY_RE = re.compile(
    r"""<(script|style|noscript|template|svg)\b.*?</\1\s*>|\s[\w:-]+\s*=\s*(?:"[^"]{1000,}"|'[^']{1000,}')""",
    re.S | re.I,
)
_HTML_BLOCK_RE = re.compile(r"<(?:br|/?p|/?div|/?li|/?h[1-6]|/?tr|/?table|/?section|/?article)\b[^>]*>", re.I)
_HTML_TAG_RE = re.compile(r"<[^>]*>")
_LXML_DROP = ("script", "style", "noscript", "nav", "footer", "aside", "form")
_LXML_BLOCKS = (
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "section",
    "article",
    "table",
    "dd",
    "dt",
)
_DATE_RE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
# A title hint must contain Chinese: tools fill in "untitled" or
# "Microsoft Word - 1.docx" when the author set none.
_HAN_RE = re.compile(f"[{HAN}]")


@dataclass
class RawText:
    text: str
    source_format: str  # txt | md | html | docx | pdf
    raw_hash: str  # sha256 hex of the source's bytes
    title_hint: str | None
    published_hint: str | None  # YYYY-MM-DD or YYYY-MM
    source: str  # path or URL


class ReadError(Exception):
    """A source that cannot be read; ``reason`` is one plain line in Chinese."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


def is_url(source: str | Path) -> bool:
    return isinstance(source, str) and bool(_URL_RE.match(source))


def iter_sources(paths: Iterable[str | Path]) -> Iterator[str | Path]:
    """Expand directories into their supported files (sorted, recursive); pass files and URLs through.

    Hidden files and directories are skipped. Symlinked directories are
    followed once: a directory already visited (by its real path) is not
    entered again, so symlink loops end.
    """
    for item in paths:
        if is_url(item):
            yield item
            continue
        path = Path(item)
        if not path.is_dir():
            yield path
            continue
        seen: set[str] = set()
        for root, dirs, files in os.walk(path, followlinks=True):
            real = os.path.realpath(root)
            if real in seen:
                dirs[:] = []
                continue
            seen.add(real)
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if not name.startswith(".") and Path(name).suffix.lower() in SUPPORTED_EXTENSIONS:
                    yield Path(root) / name


def read_path(path: str | Path, *, max_bytes: int = MAX_BYTES) -> RawText:
    """Read one file. Unknown extensions are read as plain text if they are text.

    Raises:
        ReadError: missing, empty, too large, binary, undecodable or corrupt file.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ReadError(path, "文件不存在") from None
    except OSError as exc:
        raise ReadError(path, f"无法访问文件: {exc.strerror or exc}") from None
    if path.is_dir():
        raise ReadError(path, "这是一个文件夹,不是文件")
    suffix = path.suffix.lower()
    if suffix in _UNSUPPORTED:
        raise ReadError(path, _UNSUPPORTED[suffix])
    if size > max_bytes:
        raise ReadError(path, f"文件过大({_human_size(size)},上限 {_human_size(max_bytes)})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(path, f"无法读取文件: {exc.strerror or exc}") from None
    return _from_bytes(data, str(path), SUPPORTED_EXTENSIONS.get(suffix, "txt"))


def fetch_url(url: str, *, timeout: float = 15.0, max_bytes: int = MAX_BYTES) -> RawText:
    """Download a page (or a PDF/docx/text file) and read it like a file.

    ``timeout`` bounds the connection, each read and the whole download.

    Raises:
        ReadError: timeout, connection failure, HTTP error status, too large, unreadable.
    """
    import requests

    deadline = time.monotonic() + timeout
    try:
        with requests.get(url, timeout=timeout, stream=True, headers={"User-Agent": "govcase/0.1"}) as resp:
            if resp.status_code >= 400:
                raise ReadError(url, f"网址返回 HTTP {resp.status_code}")
            length = resp.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise ReadError(url, f"网页过大({_human_size(int(length))},上限 {_human_size(max_bytes)})")
            chunks, total = [], 0
            for chunk in resp.iter_content(chunk_size=65536):
                total += len(chunk)
                if total > max_bytes:
                    raise ReadError(url, f"网页过大(超过上限 {_human_size(max_bytes)})")
                if time.monotonic() > deadline:
                    raise ReadError(url, "网址请求超时")
                chunks.append(chunk)
            content_type = resp.headers.get("Content-Type", "")
    except requests.Timeout:
        raise ReadError(url, "网址请求超时") from None
    except requests.ConnectionError as exc:
        # A read timeout while streaming the body surfaces as a ConnectionError.
        reason = "网址请求超时" if "timed out" in str(exc).lower() else "无法连接到网址"
        raise ReadError(url, reason) from None
    except requests.RequestException as exc:
        raise ReadError(url, f"网址请求失败: {type(exc).__name__}") from None
    charset = _HEADER_CHARSET_RE.search(content_type)
    fmt = _format_of_response(url, content_type)
    return _from_bytes(b"".join(chunks), url, fmt, charset.group(1) if charset else None)


def _format_of_response(url: str, content_type: str) -> str:
    mime = content_type.split(";")[0].strip().lower()
    by_mime = {
        "application/pdf": "pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
        "text/plain": "txt",
        "text/markdown": "md",
    }
    if mime in by_mime:
        return by_mime[mime]
    if "html" in mime:
        return "html"
    suffix = Path(url.split("?")[0].split("#")[0]).suffix.lower()
    return SUPPORTED_EXTENSIONS.get(suffix, "html")


def _from_bytes(data: bytes, source: str, fmt: str, declared: str | None = None) -> RawText:
    empty = "网址返回的内容为空" if is_url(source) else "文件为空"
    if not data.strip():
        raise ReadError(source, empty)
    readers = {"txt": _read_text, "md": _read_markdown, "html": _read_html, "docx": _read_docx, "pdf": _read_pdf}
    text, title, published = readers[fmt](data, source, declared)
    if not text.strip():
        raise ReadError(source, empty)
    return RawText(
        text=text,
        source_format=fmt,
        raw_hash=hashlib.sha256(data).hexdigest(),
        title_hint=title if title and _HAN_RE.search(title) else None,
        published_hint=published if published and _DATE_RE.match(published) else None,
        source=source,
    )


def _human_size(n: int) -> str:
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} 字节"


# -- decoding ----------------------------------------------------------------


def decode_bytes(data: bytes, source: str = "", declared: str | None = None) -> str:
    """Decode text bytes: BOM, then UTF-8, then a declared charset that fits, then detection.

    Raises:
        ReadError: binary data, or no encoding found.
    """
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    if _looks_binary(data):
        raise ReadError(source, "不是文本文件(疑似二进制)")
    try:
        # Valid UTF-8 beats a declaration: legacy bytes almost never form
        # valid multi-byte UTF-8, while pages copied from a template often
        # declare gb2312 over UTF-8 text.
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if declared:
        codec = _CHARSET_ALIASES.get(declared.lower(), declared)
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong or unknown declaration: detect instead
    lenient = data.decode("utf-8", errors="replace")
    if lenient.count("\ufffd") <= MAX_UTF8_ERROR_RATIO * len(data):
        return lenient
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise ReadError(source, "无法识别文本编码")
    return str(best)


# Every byte but the C0 controls that do not occur in text (tab, newlines, form feed and
# escape do): deleting these leaves the controls to count, in one pass over the sample.
_NOT_BINARY_CONTROL = bytes(b for b in range(256) if b >= 32 or b in (9, 10, 12, 13, 27))


def _looks_binary(data: bytes) -> bool:
    sample = data[:65536]
    if b"\x00" in sample:
        return True
    controls = len(sample.translate(None, _NOT_BINARY_CONTROL))
    return controls > MAX_CONTROL_RATIO * len(sample)


# -- formats -------------------------------------------------------------------

_Read = tuple[str, str | None, str | None]  # text, title hint, published hint


def _read_text(data: bytes, source: str, declared: str | None) -> _Read:
    return decode_bytes(data, source, declared), None, None


# Written so that no two quantifiers compete for the same spaces: a
# pathological line must not make a regex backtrack quadratically.
_MD_RULES = [
    (re.compile(r"^[ \t]*(```|~~~).*$", re.M), ""),
    (re.compile(r"^[ \t]*(?:\|[ \t]*)?:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*(?:\|[ \t]*)?$", re.M), ""),
    (re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+", re.M), ""),
    (re.compile(r"^[ \t]{0,3}>[ \t]?", re.M), ""),
    (re.compile(r"^[ \t]*[-*+][ \t]+", re.M), ""),
    (re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)"), ""),
    (re.compile(r"\[([^\]\n]+)\]\([^)\n]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
]
_MD_TITLE_RE = re.compile(r"^[ \t]{0,3}#[ \t]+(.+)$", re.M)


def _read_markdown(data: bytes, source: str, declared: str | None) -> _Read:
    # Markup is stripped by hand rather than rendered: a renderer turns
    # "1. …" into <ol> items and loses the numbering the structure stage needs.
    text = decode_bytes(data, source, declared)
    title = _MD_TITLE_RE.search(text)
    for pattern, replacement in _MD_RULES:
        text = pattern.sub(replacement, text)
    return _table_rows_to_lines(text), title.group(1).rstrip(" \t#") if title else None, None


def _table_rows_to_lines(text: str) -> str:
    """Markdown-style table rows "| a | b |" (also trafilatura's) as "a b"."""
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            line = " ".join(cell.strip() for cell in stripped[1:-1].split("|") if cell.strip())
        lines.append(line)
    return "\n".join(lines)


def _read_html(data: bytes, source: str, declared: str | None) -> _Read:
    if not declared:
        meta = _META_CHARSET_RE.search(data[:4096])
        declared = meta.group(1).decode("ascii") if meta else None
    page = _HTML_HEAVY_RE.sub(" ", decode_bytes(data, source, declared))
    title, published = _html_metadata(page)
    page_text = _lxml_text(page)
    body = _trafilatura_text(page) or page_text or _regex_text(page)
    if not body.strip():
        raise ReadError(source, "网页中没有可提取的正文")
    return _with_header(body, title, _metadata_lines(page_text, body)), title, published


def _html_metadata(page: str) -> tuple[str | None, str | None]:
    import trafilatura

    # The date comes from <head> only: in the body, date search picks up the
    # dates of "related news" links. Body date lines stay in the text for the
    # metadata extractor.
    head_end = page.lower().find("<body")
    head = page[:head_end] + "</html>" if head_end > 0 else ""
    try:
        meta = trafilatura.extract_metadata(page, extensive=False)
        date = trafilatura.extract_metadata(head, extensive=False).date if head else None
    except (ValueError, TypeError, RecursionError):
        return None, None
    return (meta.title or None), (date or None)


def _trafilatura_text(page: str) -> str:
    import trafilatura

    try:
        text = trafilatura.extract(
            page,
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            include_formatting=False,
            deduplicate=False,
        )
    except (ValueError, TypeError, RecursionError):
        return ""
    if not text:
        return ""
    # trafilatura prints list items as "- item": the marker is its own, not the page's.
    text = re.sub(r"^- ", "", text, flags=re.M)
    return _table_rows_to_lines(text)


def _lxml_text(page: str) -> str:
    """Text of <body> without scripts, navigation, sidebars and footers, one block per line.

    <header> stays: in articles it holds the title and the source/date line.
    """
    import lxml.html
    from lxml.etree import ParserError

    try:
        root = lxml.html.fromstring(page)
    except (ParserError, ValueError):
        return ""
    body = root.find("body")
    body = root if body is None else body
    for element in body.xpath("|".join(f".//{tag}" for tag in _LXML_DROP)):
        element.drop_tree()
    for element in body.iter(*_LXML_BLOCKS):
        element.tail = "\n" + (element.tail or "")
    lines = (line.strip() for line in body.text_content().split("\n"))
    return "\n".join(line for line in lines if line)


def _regex_text(page: str) -> str:
    """Last resort for pages libxml2 gives up on (nesting deeper than its limit)."""
    body = page.lower().find("<body")
    text = _HTML_TAG_RE.sub("", _HTML_BLOCK_RE.sub("\n", page[max(body, 0) :]))
    lines = (line.strip() for line in html_lib.unescape(text).split("\n"))
    return "\n".join(line for line in lines if line)


def _metadata_lines(page_text: str, body: str, limit: int = 3) -> list[str]:
    """Source/date lines printed above the article that the main-text extraction left out."""
    first_body_line = next((line for line in body.split("\n") if len(line.strip()) >= 10), "")
    cut = page_text.find(first_body_line.strip()) if first_body_line else -1
    above = page_text[:cut] if cut > 0 else page_text
    found = [line for line in above.split("\n") if len(line) <= 80 and is_metadata_line(line) and line not in body]
    return found[:limit]


def _with_header(body: str, title: str | None, meta_lines: list[str]) -> str:
    """Put the page title and metadata lines on top, as in a printed report."""
    head = []
    top = body.split("\n")[:5]
    if title and not any(title in line for line in top):
        head.append(title)
    head.extend(meta_lines)
    return "\n".join(head + [body])


def _read_docx(data: bytes, source: str, declared: str | None) -> _Read:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        lines = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(_table_lines(block))
            else:
                lines.append(block.text)
        title = (document.core_properties.title or "").strip()
    except Exception as exc:  # python-docx raises zip, XML and key errors alike
        raise ReadError(source, f"docx 文件损坏: {_short(exc)}") from None
    text = "\n".join(lines)
    if not text.strip():
        raise ReadError(source, "docx 文件中没有文字")
    return text, title or None, None


def _table_lines(table) -> list[str]:
    lines = []
    for row in table.rows:
        cells, seen = [], set()
        for cell in row.cells:
            # A merged cell appears once per grid column it spans.
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell.text.strip())
        lines.append(" ".join(c for c in cells if c))
    return lines


def _read_pdf(data: bytes, source: str, declared: str | None) -> _Read:
    import pdfplumber

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            pages = [page.extract_text() or "" for page in pdf.pages]
            title = str(pdf.metadata.get("Title") or "").strip()
    except Exception as exc:  # pdfminer raises many unrelated types for broken files
        if "password" in type(exc).__name__.lower() or "encrypt" in str(exc).lower():
            raise ReadError(source, "PDF 已加密,无法读取") from None
        raise ReadError(source, f"PDF 文件损坏: {_short(exc)}") from None
    text = "\n".join(pages)
    if not text.strip():
        raise ReadError(source, "PDF 无可提取的文字(可能是扫描件)")
    return text, title or None, None


def _short(exc: Exception) -> str:
    message = str(exc).strip().split("\n")[0][:120]
    return message or type(exc).__name__
