"""Case metadata: title, publication date and source (contributor or outlet).

Page metadata (``title_hint``, ``published_hint``) wins when the ingest stage
found it.  Otherwise the text's own header and footer lines are read: dates
and sources only count on lines near the top or bottom that carry a label
(发布时间:, 来源:, 供稿:) or consist mainly of a date, so that dates in
the narrative (习近平总书记2018年10月24日在深圳…) are never taken.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from ..patterns import (
    BREADCRUMB_SEP,
    CHROME_PUNCT,
    CLOCK_TIME,
    CONTRIBUTED_BY,
    DATE,
    HAN_NAME,
    LABEL_LINE,
    LINE_SENTENCE_END,
    LIST_MARKER_START,
    MASTHEAD,
    ORGANISATION_LINE,
    PAPER_DATELINE,
    PAREN_LINE,
    REPORTED_BY,
    STAMP_TIME,
    TITLE_TAG,
    TRAILING_CLAUSE,
    VALUE_END,
    YEAR_HINT,
)
from ..records import CaseMetadata, Structure
from ..vocabulary import sections, words

BYLINE_WORDS = "byline_words.txt"  # reporter lines, photo credits, WeChat header tags
_EDGE_LINES = 6  # header/footer lines searched for a date or a source
_TITLE_LOOKAHEAD = 8  # lines searched for a headline when the text opens with body text
_TITLE_LEN = (4, 60)
_DATELINE_REST = 4  # chars besides date/time/labels a date line may hold
# ... and with a clock time right after the date, a time stamp, as many as a
# portal or WeChat header holds ("原创 青秀民政 2023-05-22 18:06 发表于广西").
_STAMP_REST = 16

# What follows a label in _patterns() "source" / "date_label": a line without it has no label.
_LABEL_SEPARATORS = {"source": ":/", "date_label": ":"}


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern]:
    def alternation(name: str) -> str:
        return "|".join(re.escape(w) for w in sorted(words(name), key=len, reverse=True))

    byline = sections(BYLINE_WORDS)

    def byline_words(kind: str) -> str:
        return "|".join(map(re.escape, byline[kind]))

    return {
        # "记者 王明 通讯员 李华", "(本报记者 张三)": a reporter line, never a heading or a title.
        "reporter": re.compile(
            rf"^[(\[【]?(?:{byline_words('outlet')})?(?:{byline_words('rank')})?"
            rf"(?:{byline_words('reporter')})[^,。;!?]*$"
        ),
        # A photo caption closing with its credit: "政府工作报告。 贵州日报天眼新闻记者 李森 摄".
        "photo_credit": re.compile(rf"(?:{byline_words('photo_credit')})\s*[\u4e00-\u9fff·]{{2,8}}\s*摄\s*$"),
        # A label counts at a line start or after a space/bracket: not in 图片来源.
        "source": re.compile(rf"(?:^|(?<=[\s(\[【|]))({alternation('source_markers.txt')})\s*[:/]\s*"),
        "date_label": re.compile(rf"(?:^|(?<=[\s(\[【|]))(?:{alternation('date_labels.txt')})\s*[:]"),
        "skip": re.compile(rf"^(?:{alternation('title_skip_markers.txt')})"),
        "caption": re.compile(alternation("caption_markers.txt")),
        "caption_end": re.compile(rf"(?:{alternation('caption_endings.txt')})$"),
    }


def _may_hold_label(kind: str, line: str) -> bool:
    # The label patterns open with a lookbehind, so the regex engine tries
    # every position of a line; most lines hold no separator and need no scan.
    return any(sep in line for sep in _LABEL_SEPARATORS[kind])


def _label(kind: str, line: str) -> re.Match | None:
    """The first "source" or "date_label" label in ``line``."""
    return _patterns()[kind].search(line) if _may_hold_label(kind, line) else None


@lru_cache(maxsize=1)
def _chrome_words() -> re.Pattern:
    chrome = sorted(words("page_chrome.txt"), key=len, reverse=True)
    return re.compile(rf"(?:{'|'.join(map(re.escape, chrome))})+")


def _is_chrome(line: str) -> bool:
    """A line of a page's tool bar: only tool-bar words, brackets and separators (下载, 【字号:, 】)."""
    bare = CHROME_PUNCT.sub("", line)
    return not bare or bool(_chrome_words().fullmatch(bare))


def _without_chrome(lines: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The lines of a header without the page's tool bar and breadcrumb (首页 > 云南要闻).

    Only the opening lines are looked at: the chrome stands above the title.
    """
    head = lines[: 3 * _TITLE_LOOKAHEAD]
    chrome = {i for i, (_, _, line) in enumerate(head) if _is_chrome(line)}
    crumbs = set()
    for i, (_, _, line) in enumerate(head):
        if BREADCRUMB_SEP.fullmatch(line):  # a lone ">": its neighbours are breadcrumb parts
            crumbs.update(head[j][2].strip() for j in (i - 1, i + 1) if 0 <= j < len(head))
    chrome |= {i for i, (_, _, line) in enumerate(head) if line.strip() in crumbs}
    if not chrome:
        return lines
    return [ln for i, ln in enumerate(head) if i not in chrome] + lines[len(head) :]


def _lines(doc: Structure) -> list[tuple[int, int, str]]:
    """The paragraphs as (start, end, text), page chrome left out of the header.

    A label alone on its line ("来源:" / "四川日报") is read with the next line.
    """
    paragraphs = doc.paragraphs
    lines = []
    i = 0
    while i < len(paragraphs):
        p = paragraphs[i]
        line = doc.text[p.start : p.end]
        if i + 1 < len(paragraphs) and _label_only(line):
            p = paragraphs[i + 1]
            line = doc.text[paragraphs[i].start : p.end]
            lines.append((paragraphs[i].start, p.end, line))
            i += 2
            continue
        lines.extend(_inline_headline(p.start, p.end, line) if i < _INLINE_HEADLINE_LINES else [(p.start, p.end, line)])
        i += 1
    return _without_chrome(lines)


# 溆浦低庄:“片区联治”激活山乡治理新动能  近年来,溆浦县……: a page that runs its headline into the first
# paragraph. The head before the space (two or more if any, else one) becomes a line of its own, so that
# the title model weighs it like any headline; a line short enough to be a headline is left whole.
_INLINE_HEADLINE_LINES = 3
_INLINE_HEAD = (re.compile(r"(\S.{3,40}?)\s{2,}(?=\S)"), re.compile(r"(\S.{3,40}?)\s(?=\S)"))
_INLINE_HEAD_END = re.compile(r"[。!?;…]")
# 新华社北京11月15日电 / 本报讯(记者 ……: a dateline runs into its paragraph the same way and heads no page.
_DATELINE_HEAD = re.compile(r"(?:电|讯)$|讯[((]")


def _inline_head_ok(head: str) -> bool:
    return (
        not _INLINE_HEAD_END.search(head)
        and not _DATELINE_HEAD.search(head)
        and head.count("(") == head.count(")")
        and head.count("“") == head.count("”")
        and heading_like(head)
        and not is_byline(head)
    )


def _inline_headline(start: int, end: int, line: str) -> list[tuple[int, int, str]]:
    from .titles import MAX_TITLE_CHARS

    body = line.lstrip()
    offset = start + len(line) - len(body)
    if len(body) <= MAX_TITLE_CHARS:
        return [(start, end, line)]
    for pattern in _INLINE_HEAD:
        head = pattern.match(body)
        if head and _inline_head_ok(head.group(1)) and "。" in body[head.end() :]:
            headline = head.group(1)
            return [(offset, offset + len(headline), headline), (offset + head.end(), end, body[head.end() :])]
    return [(start, end, line)]


def _label_only(line: str) -> bool:
    for kind in ("source", "date_label"):
        label = _label(kind, line)
        if label and label.start() == len(line) - len(line.lstrip()) and not line[label.end() :].strip():
            return True
    return False


def _edges(lines: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    if len(lines) <= 2 * _EDGE_LINES:
        return lines
    return lines[:_EDGE_LINES] + lines[-_EDGE_LINES:]


def parse_date(text: str) -> tuple[str, int, int] | None:
    """First date in ``text`` as ("YYYY-MM-DD" or "YYYY-MM", start, end), or None.

    Accepts 2017-06-30, 2017/6/30, 2017.6.30, 2017年6月30日, 2017年6月 and
    the day-first 30.06.2017 that some CMSs print.
    """
    if YEAR_HINT.search(text) is None:
        return None
    for match in DATE.finditer(text):
        g = match.groupdict()
        year = g["y"] or g["y3"]
        month = g["m"] or g["m2"] or g["m3"]
        day = g["d"] or g["d2"] or g["d3"]
        if month is None or not 1 <= int(month) <= 12 or (day and not 1 <= int(day) <= 31):
            continue
        value = f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
        return value, match.start(), match.end()
    return None


def _is_dateline(line: str, date: tuple[str, int, int]) -> bool:
    """A header/footer line that is mostly a date, maybe with a time and labelled fields."""
    rest = line[: date[1]] + " " + line[date[2] :]
    rest = _patterns()["date_label"].sub("", CLOCK_TIME.sub("", rest))
    source = _patterns()["source"].search(rest)  # "2021年3月5日 10:20 来源:人民网"
    rest = rest[: source.start()] if source else rest
    stamped = STAMP_TIME.match(line, date[2]) or MASTHEAD.search(rest)
    rest = MASTHEAD.sub("", rest)
    limit = _STAMP_REST if stamped and not re.search("[,。;!?]", rest) else _DATELINE_REST
    return len(re.sub(r"\s", "", rest)) <= limit


def _published(doc: Structure, lines: list[tuple[int, int, str]]) -> tuple[str | None, tuple[int, int] | None]:
    if doc.published_hint:
        hinted = parse_date(doc.published_hint)
        return (hinted[0] if hinted else doc.published_hint.strip()), None
    for start, _, line in _edges(lines):
        label = _label("date_label", line)
        date = parse_date(line[label.end() :] if label else line)
        if date is None:
            continue
        offset = label.end() if label else 0
        if label or _is_dateline(line, date):
            return date[0], (start + offset + date[1], start + offset + date[2])
    return None, None


def _source_value(line: str, pos: int) -> tuple[int, int] | None:
    """Span in ``line`` of the value after a label: up to a wide gap, bracket, date or next field."""
    end_match = VALUE_END.search(line, pos)
    end = end_match.start() if end_match else len(line)
    date = parse_date(line[pos:end])
    if date:
        end = pos + date[1]
    value = line[pos:end]
    start, end = pos + len(value) - len(value.lstrip()), pos + len(value.rstrip())
    return (start, end) if 0 < end - start <= 40 else None


_PHOTO_CREDIT = re.compile(r"图片|照片|摄影|配图")  # (本版图片由…提供) credits photos, names no source


def _source(lines: list[tuple[int, int, str]]) -> tuple[int, int] | None:
    """Span of the source; 据《…》 and 摘自《…》 beat all, then labelled outlets (来源:), an outlet's own
    dateline (吴忠日报讯), the other labels (供稿: or a closing (…供稿)) and authors."""
    labels = words("source_markers.txt")
    found: list[tuple[float, int, int]] = []  # (priority, start, end) in doc coordinates
    edges = _edges(lines)
    for start, _, line in edges:
        matches = _patterns()["source"].finditer(line) if _may_hold_label("source", line) else ()
        for match in matches:
            span = _source_value(line, match.end())
            if span:
                found.append((labels.index(match.group(1)), start + span[0], start + span[1]))
        reported = REPORTED_BY.search(line)
        if reported:
            found.append((-1, start + reported.start(1), start + reported.end(1)))
        paper = PAPER_DATELINE.match(line)
        if paper:  # 吴忠日报讯, 新华社…电: the outlet itself, after a labelled 来源 only
            group = 1 if paper.group(1) else 2
            found.append((labels.index("来源") + 0.5, start + paper.start(group), start + paper.end(group)))
    for start, _, line in edges[-2:]:
        contributed = CONTRIBUTED_BY.search(line)
        if contributed:  # (大连市委政法委供稿) closing an official case: the contributor, as 供稿: would label it
            found.append((labels.index("供稿"), start + contributed.start(1), start + contributed.end(1)))
    if not found:
        found.extend((len(labels), *span) for span in _unlabelled_organisations(edges))
        found.extend((len(labels), *span) for span in _journals(edges))
        found.extend((len(labels), *span) for span in _stamp_accounts(edges))
    if not found and edges:
        start, _, line = edges[-1]
        standalone = PAREN_LINE.match(line)  # a closing "(新华日报)" line, not "(本版图片由…提供)"
        if standalone and not _PHOTO_CREDIT.search(standalone.group(1)):
            found.append((len(labels), start + standalone.start(1), start + standalone.end(1)))
    return min(found)[1:] if found else None


def _unlabelled_organisations(edges: list[tuple[int, int, str]]) -> Iterator[tuple[int, int]]:
    """Spans of header/footer lines that are only an organisation's name, next to a date line.

    Official case collections print the contributor unlabelled above or below
    the date ("沈河区滨河街道办事处" / "2020年11月"); the date next to it is what
    tells a signature from a heading.
    """
    for n, (start, _, line) in enumerate(edges):
        name = line.strip()
        if not ORGANISATION_LINE.fullmatch(name) or not name.endswith(_organisation_endings()):
            continue
        neighbours = [edges[i][2] for i in (n - 1, n + 1) if 0 <= i < len(edges)]
        if any(_is_date_line(other) for other in neighbours):
            offset = line.index(name)
            yield start + offset, start + offset + len(name)


def _journals(edges: list[tuple[int, int, str]]) -> Iterator[tuple[int, int]]:
    """Span of the journal named in a running header ("第5卷第2期  基层治理评论  2023年4月")."""
    for start, _, line in edges:
        masthead = MASTHEAD.search(line)
        if masthead is None or not _is_date_line(line):
            continue
        for name in HAN_NAME.finditer(line):
            if not (masthead.start() <= name.start() < masthead.end()) and parse_date(name.group()) is None:
                yield start + name.start(), start + name.end()
                break


def _stamp_accounts(edges: list[tuple[int, int, str]]) -> Iterator[tuple[int, int]]:
    """The account named before the time stamp of a WeChat header ("原创 青秀民政 2023-05-22 18:06 发表于广西")."""
    for start, _, line in edges:
        date = parse_date(line)
        if date is None or not STAMP_TIME.match(line, date[2]) or not _is_dateline(line, date):
            continue
        tags = sections(BYLINE_WORDS)["wechat_tag"]
        names = [m for m in HAN_NAME.finditer(line, 0, date[1]) if m.group() not in tags]
        if names:
            yield start + names[-1].start(), start + names[-1].end()


def _is_date_line(line: str) -> bool:
    date = parse_date(line)
    return date is not None and _is_dateline(line, date)


@lru_cache(maxsize=1)
def _organisation_endings() -> tuple[str, ...]:
    return tuple(sorted(words("source_org_endings.txt"), key=len, reverse=True))


def heading_like(line: str) -> bool:
    """A line shaped like a headline: 4–60 characters, no sentence inside, no list marker, no chrome."""
    patterns = _patterns()
    stripped = line.strip()
    return (
        _TITLE_LEN[0] <= len(stripped) <= _TITLE_LEN[1]
        and not LINE_SENTENCE_END.search(stripped)
        and not TRAILING_CLAUSE.search(stripped)
        and not LIST_MARKER_START.match(stripped)
        and not patterns["skip"].match(stripped)
        and not patterns["caption_end"].search(stripped)
        and not _label("source", stripped)
        and not _label("date_label", stripped)
        and parse_date(stripped) is None
    )


def is_byline(line: str) -> bool:
    """A header line that is no heading: a dateline, a labelled source or date, a reporter line, a caption."""
    patterns = _patterns()
    date = parse_date(line)
    return bool(
        patterns["reporter"].match(line)
        or patterns["caption"].search(line)
        or patterns["photo_credit"].search(line)
        or _label("source", line)
        or _label("date_label", line)
        or (date and _is_dateline(line, date))
    )


def is_header_line(line: str) -> bool:
    """A line of the page's header or footer, never a practice or its title: a labelled line
    (来源:…, 发布时间:…) or a byline (is_byline)."""
    return LABEL_LINE.search(line) is not None or is_byline(line)


def _title(doc: Structure, lines: list[tuple[int, int, str]]) -> tuple[str | None, tuple[int, int] | None]:
    if doc.title_hint and doc.title_hint.strip():
        return TITLE_TAG.sub("", doc.title_hint.strip()) or doc.title_hint.strip(), None
    from .titles import MAX_LINES, choose  # imported here: the title model reads this module's line predicates

    opening = lines[: MAX_LINES + 1]
    found = choose([text for _, _, text in opening])
    return _headline(*opening[found[0]]) if found else (None, None)


# 案例名称:“红色管家”进小区: the label of a case form's title field.
_TITLE_LABEL = re.compile(r"\s*(?:案例名称|案例标题|标题|题目)\s*:\s*(?=\S)")
# …成了村民的“议事厅”本报记者钟晓红: a by-line run into the headline's line.
_BYLINE_IN_TITLE = re.compile(r"(?:本报记者|本报通讯员|特约通讯员|本报讯)")


def _headline(start: int, end: int, line: str) -> tuple[str, tuple[int, int]]:
    """The headline of a title line, without a leading tag such as 【转载】 or label (案例名称:), nor a
    by-line after it."""
    for opening in (TITLE_TAG, _TITLE_LABEL):
        tag = opening.match(line)
        if tag and tag.end() < len(line.rstrip()):
            start += tag.end()
            line = line[tag.end() :]
    byline = _BYLINE_IN_TITLE.search(line)
    if byline and len(line[: byline.start()].strip()) >= _TITLE_LEN[0]:
        end = start + len(line[: byline.start()].rstrip())
        line = line[: byline.start()]
    return line.strip(), (start + len(line) - len(line.lstrip()), end)


def title_text(doc: Structure) -> str | None:
    """The headline of the report, as :func:`case_metadata` finds it."""
    return _title(doc, _lines(doc))[0]


def case_metadata(doc: Structure, *, script: str = "simplified") -> CaseMetadata:
    """Title, publication date and source of one case report.

    Args:
        doc: the structured document.
        script: script of the source text, copied into the record.
    Returns:
        A CaseMetadata whose spans point into ``doc.text`` (None for values
        taken from page metadata or not found).
    """
    lines = _lines(doc)
    title, title_span = _title(doc, lines)
    published, published_span = _published(doc, lines)
    source_span = _source(lines)
    return CaseMetadata(
        doc_id=doc.doc_id,
        title=title,
        published=published,
        source=doc.text[source_span[0] : source_span[1]] if source_span else None,
        script=script,
        title_span=title_span,
        published_span=published_span,
        source_span=source_span,
    )
