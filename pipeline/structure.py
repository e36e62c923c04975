"""Document layout: paragraphs, sentences, headings, sections, enumerations.

Everything here is regular expressions and linear scans, because it runs on
every document; the vocabularies live in ``corpus/section_headings.txt`` and
``corpus/enum_markers.txt``.

Decisions worth knowing:

* Paragraphs are lines. A line is a heading when it is short and carries no
  sentence punctuation, when it is a section heading, or when it is a
  top-level list title ("(一)xxx", "一、xxx") standing alone.
* Sections start at headings from the section vocabulary ("背景与起因",
  "二、主要做法"). When one member of a numbered run of heading lines
  (一、 二、 三、) is a section heading, its siblings are sections too (kind
  "other" when their words are unknown). Text before the first section
  heading is a section of kind "other", not "background": a lead paragraph
  is as often a summary of the practices as a background, and callers can
  tell it apart by its missing heading.
* Enumerations: only runs of at least two consecutive markers of one family
  become items. Nesting is read from the order in which families appear: a
  family met while another is open is its child, meeting an open family
  again closes everything opened inside it. The stack is reset at every
  section heading.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, replace
from functools import cache, lru_cache

from .numbers import SMALL_CHINESE, cn2an_smart
from .patterns import BRACKETED_HEADING, PARAGRAPH, QUOTE_CHAR, SENTENCE_END, TITLE_END
from .records import EnumItem, Paragraph, Section, Sentence, Structure
from .resources import read_lines

_OPEN_QUOTES = "“‘「『"
_CLOSE_QUOTES = "”’」』"

_HEADING_MAX = 36  # longer lines are body text even without punctuation
_LIST_HEADING_MAX = 50
_HEADING_BAD_END = ",、:;\uff0c\uff1a\uff1b"
_LEADING_NOISE = " \t\u3000,、:.\uff0c\uff1a\uff0e"

_PLACEMENT_BEFORE = {
    "sentence": "。;:!?…”\uff1b\uff1a\uff01\uff1f",
    "clause": "。;:!?…”,、\uff1b\uff1a\uff01\uff1f\uff0c",
}
_NUMBER_CLASSES = {
    "{cn}": "([一二三四五六七八九十]{1,3})",
    "{n}": "([1-9][0-9]?)",
    "{circled}": "([①-⑳])",
}
# The characters each number class can start with.
_NUMBER_FIRST = {
    "{cn}": "一二三四五六七八九十",
    "{n}": "123456789",
    "{circled}": "".join(map(chr, range(ord("①"), ord("⑳") + 1))),
}
_FULLWIDTH_TWIN = {"(": "\uff08", ")": "\uff09"}


@dataclass(frozen=True)
class _Family:
    name: str
    placement: str
    regex: re.Pattern
    words: tuple[str, ...] = ()  # set for ordered word series (首先 其次 …)
    first: str = ""  # every character a match can start with

    def value(self, match: re.Match) -> int | None:
        """The marker's number; None for a malformed numeral (十二一), which is no marker."""
        token = match.group(1)
        if self.words:
            return self.words.index(token) + 1
        if "①" <= token <= "⑳":
            return ord(token) - ord("①") + 1
        if token.isdigit():
            return int(token)
        return _cn_value(token)


@cache
def _cn_value(numeral: str) -> int | None:
    # At most three characters of 一…十: a thousand keys, and cn2an is slow (and slow to import).
    if numeral in SMALL_CHINESE:
        return SMALL_CHINESE[numeral]
    try:
        return int(cn2an_smart(numeral))
    except (ValueError, KeyError):  # cn2an raises KeyError on malformed numerals such as 十十一
        return None


@dataclass
class _Marker:
    family: _Family
    value: int
    start: int
    end: int  # end of the marker text
    paragraph: int
    run: int = -1
    opens_paragraph: bool = False


def _compile_family(line: str) -> _Family:
    name, placement, *pattern = line.split()
    before = ""
    if placement == "any":
        before = "(?<![零一二三四五六七八九十百千万两第])"
    if len(pattern) > 1:
        words = tuple(pattern)
        regex = before + "(" + "|".join(map(re.escape, words)) + ")"
        return _Family(name, placement, re.compile(regex), words, "".join(dict.fromkeys(w[0] for w in words)))
    template = pattern[0]
    follow = ""
    if template.endswith("]") and "[" in template:
        template, follow = template[: template.rindex("[")], template[template.rindex("[") :]
    parts = [p for p in re.split(r"(\{cn\}|\{n\}|\{circled\})", template) if p]
    if not parts:
        raise ValueError(f"enum_markers.txt: {name} has no marker text before its lookahead")
    body = "".join(_NUMBER_CLASSES.get(p) or re.escape(p) for p in parts)
    # Normalized text uses half-width brackets; accept full-width ones from raw input too.
    body = body.replace(r"\(", "[(\uff08]").replace(r"\)", "[)\uff09]")
    if follow:
        body += f"(?={follow})"
    first = _NUMBER_FIRST.get(parts[0]) or parts[0][0] + _FULLWIDTH_TWIN.get(parts[0][0], "")
    return _Family(name, placement, re.compile(before + body), first=first)


@lru_cache(maxsize=1)
def _families() -> tuple[_Family, ...]:
    return tuple(_compile_family(line) for line in read_lines("enum_markers.txt"))


@lru_cache(maxsize=1)
def _families_by_first() -> tuple[re.Pattern, dict[str, tuple[_Family, ...]]]:
    """A class of every character a marker can start with, and the families (in file order) per character."""
    by_first: dict[str, list[_Family]] = {}
    for family in _families():
        for char in family.first:
            by_first.setdefault(char, []).append(family)
    return re.compile("[" + re.escape("".join(by_first)) + "]"), {c: tuple(f) for c, f in by_first.items()}


@lru_cache(maxsize=1)
def _section_vocabulary() -> tuple[re.Pattern, dict[str, str | None]]:
    """A pattern for one vocabulary word at the end of a string, and word -> kind (None for fillers)."""
    kinds: dict[str, str | None] = {}
    for line in read_lines("section_headings.txt"):
        kind, *words = line.split()
        for word in words:
            kinds.setdefault(word, None if kind == "filler" else kind)
    words = sorted(kinds, key=lambda w: (-len(w), w))
    return re.compile("(?:" + "|".join(map(re.escape, words)) + r")\Z"), kinds


# Cached: layout and section detection both ask about every short line.
@lru_cache(maxsize=4096)
def section_kind(heading: str) -> str | None:
    """Section kind a heading line opens ("二、主要做法" -> "measures"), else None.

    The rule is spelled out in ``corpus/section_headings.txt``.
    """
    stripped = _strip_marker(heading).rstrip(":\uff1a ")
    bracketed = BRACKETED_HEADING.match(stripped)  # 【主要做法】: web pages box their section headings
    if bracketed:
        stripped = bracketed.group(1)
    kind = _vocabulary_kind(stripped)
    if kind is None:
        # News sub-headings often lead with a two-part tag: "见成效 老小区焕发新颜",
        # "谈启示:共商共治是关键". A short lead ending in a term names the part.
        lead = re.split(r"[\s::——]+", stripped, maxsplit=1)
        if len(lead) == 2 and 2 <= len(lead[0]) <= 4:
            match = _section_vocabulary()[0].search(lead[0])
            if match is not None and match.end() == len(lead[0]):
                kind = _section_vocabulary()[1][match.group()]
    return kind


def _vocabulary_kind(rest: str) -> str | None:
    suffix_len, first_kind = 0, None
    pattern, kinds = _section_vocabulary()
    while rest:
        match = pattern.search(rest)
        if match is None:
            break
        rest = rest[: match.start()]
        suffix_len += match.end() - match.start()
        first_kind = kinds[match.group()] or first_kind
    if first_kind is None:
        return None
    if rest and not rest.endswith("的") and suffix_len < 4:
        return None
    return first_kind


def _strip_marker(line: str) -> str:
    line = line.strip()
    for family in _families():
        match = family.regex.match(line)
        if match and not family.words:
            return line[match.end() :].lstrip(_LEADING_NOISE)
    return line


def split_paragraphs(text: str) -> list[Paragraph]:
    paragraphs = []
    for match in PARAGRAPH.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            paragraphs.append(Paragraph(index=len(paragraphs), start=start, end=end))
    return paragraphs


def _is_heading_line(line: str) -> bool:
    if len(line) > _LIST_HEADING_MAX:
        return False
    if section_kind(line):
        return True
    # List titles run longer and may hold two commas ("一、做精统筹指导,理顺…,促进…");
    # an unmarked line with several commas is a sentence cut by the page layout.
    listed = _strip_marker(line) != line
    longest, commas = (_LIST_HEADING_MAX, 2) if listed else (_HEADING_MAX, 1)
    if len(line) > longest or line[-1] in _HEADING_BAD_END:
        return False
    return not (any(ch in line for ch in "。;\uff1b") or line.count(",") + line.count("\uff0c") > commas)


def mark_headings(text: str, paragraphs: list[Paragraph]) -> None:
    """Set ``is_heading`` on heading-like paragraphs (in place)."""
    for para in paragraphs:
        para.is_heading = _is_heading_line(text[para.start : para.end])


def split_sentences(text: str, paragraphs: list[Paragraph]) -> list[Sentence]:
    """Sentences per paragraph of split_paragraphs; a 。 inside a quotation that goes on does not end one.

    A quotation only counts when it is closed later in the paragraph, so a
    stray opening quote cannot swallow the rest of it.
    """
    # Quotes and sentence ends never hold a line break or a space, so one scan
    # of the text finds each paragraph's, in order.
    quotes = [(m.start(), m.group() in _OPEN_QUOTES) for m in QUOTE_CHAR.finditer(text)]
    ends = [m.end() for m in SENTENCE_END.finditer(text)]
    sentences = []
    q = e = 0
    for para in paragraphs:
        while q < len(quotes) and quotes[q][0] < para.start:
            q += 1
        while e < len(ends) and ends[e] <= para.start:
            e += 1
        q_end = bisect.bisect_left(quotes, (para.end,), q)
        last_close = max((at for at, opening in quotes[q:q_end] if not opening), default=-1)
        depth = 0
        pos = para.start
        while e < len(ends) and ends[e] <= para.end:
            end = ends[e]
            e += 1
            while q < q_end and quotes[q][0] < end:
                depth = depth + 1 if quotes[q][1] else max(depth - 1, 0)
                q += 1
            if depth > 0 and end <= last_close:
                continue
            sentences.append(Sentence(pos, end, para.index))
            pos = end
        if pos < para.end:
            sentences.append(Sentence(pos, para.end, para.index))
    return sentences


def _find_markers(text: str, paragraphs: list[Paragraph]) -> list[_Marker]:
    return _keep_runs(_placed_markers(text, paragraphs))


def _placed_markers(text: str, paragraphs: list[Paragraph]) -> list[_Marker]:
    """Each family's matches in each paragraph, as ``finditer`` over the paragraph finds them, where placed right.

    Rather than one scan of every paragraph per family (the regex engine
    tries every position of patterns that open with a lookbehind), one scan
    finds the characters a marker can start with, and only there are the
    families tried, each resuming after its own previous match like finditer.
    A "line" marker counts only at the paragraph start, so it is tried only there.
    """
    starts_at, by_first = _families_by_first()
    para_starts = [para.start for para in paragraphs]
    resume: dict[str, int] = {}  # family name -> end of its last match
    markers = []
    for candidate in starts_at.finditer(text):
        pos = candidate.start()
        index = bisect.bisect_right(para_starts, pos) - 1
        if index < 0 or pos >= paragraphs[index].end:
            continue
        para = paragraphs[index]
        for family in by_first[text[pos]]:
            if pos < resume.get(family.name, 0) or (family.placement == "line" and pos > para.start):
                continue
            match = family.regex.match(text, pos, para.end)
            if match is None:
                continue
            resume[family.name] = match.end()
            if not (
                family.placement == "any" or pos == para.start or text[pos - 1] in _PLACEMENT_BEFORE[family.placement]
            ):
                continue
            value = family.value(match)
            if value is not None:
                markers.append(_Marker(family, value, pos, match.end(), para.index, opens_paragraph=pos == para.start))
    return markers


def _keep_runs(markers: list[_Marker]) -> list[_Marker]:
    """Keep markers that belong to a run of >= 2 consecutive values of one family."""
    runs: list[list[_Marker]] = []
    open_run: dict[str, list[_Marker]] = {}
    for marker in markers:
        run = open_run.get(marker.family.name)
        step_ok = run is not None and (
            marker.value > run[-1].value if marker.family.words else marker.value == run[-1].value + 1
        )
        # An excerpt cut from a longer page can start at its (二): the family's first marker, opening a
        # paragraph, opens a run at any value.
        cut_off_start = run is None and marker.opens_paragraph and not marker.family.words
        if step_ok:
            run.append(marker)
        elif marker.value == 1 or cut_off_start:
            open_run[marker.family.name] = [marker]
            runs.append(open_run[marker.family.name])
    kept = []
    for number, run in enumerate(r for r in runs if len(r) >= 2):
        for marker in run:
            marker.run = number
            kept.append(marker)
    kept.sort(key=lambda m: m.start)
    return _drop_overlaps(kept)


def _drop_overlaps(markers: list[_Marker]) -> list[_Marker]:
    kept: list[_Marker] = []
    for marker in markers:
        if kept and marker.start < kept[-1].end:
            continue
        kept.append(marker)
    return kept


def _section_headings(
    text: str, paragraphs: list[Paragraph], markers: list[_Marker]
) -> dict[int, tuple[str, _Marker | None]]:
    """Paragraph index -> (kind, marker) for paragraphs that open a section."""
    at_start = {m.paragraph: m for m in markers if m.start == paragraphs[m.paragraph].start}
    found: dict[int, tuple[str, _Marker | None]] = {}
    for para in paragraphs:
        if not para.is_heading:
            continue
        kind = section_kind(text[para.start : para.end])
        if kind:
            found[para.index] = (kind, at_start.get(para.index))
    sectioning_runs = {m.run for _, m in found.values() if m is not None}
    for marker in markers:
        para = paragraphs[marker.paragraph]
        if marker.run in sectioning_runs and para.is_heading and marker.start == para.start:
            found.setdefault(para.index, ("other", marker))
    return found


def _build_sections(
    text: str, paragraphs: list[Paragraph], headings: dict[int, tuple[str, _Marker | None]]
) -> list[Section]:
    sections: list[Section] = []
    first = min(headings, default=len(paragraphs))
    if first > 0 and paragraphs:
        sections.append(Section("other", None, paragraphs[0].start, paragraphs[first - 1].end))
    order = sorted(headings)
    for i, index in enumerate(order):
        para = paragraphs[index]
        kind, marker = headings[index]
        h_start = para.start
        if marker is not None:
            h_start = marker.end
            while h_start < para.end and text[h_start] in _LEADING_NOISE:
                h_start += 1
        last = (order[i + 1] if i + 1 < len(order) else len(paragraphs)) - 1
        h_end = para.end
        if BRACKETED_HEADING.match(text, h_start, h_end):  # 【主要做法】 is headed 主要做法
            h_start, h_end = h_start + 1, h_end - 1
        heading = text[h_start:h_end]
        sections.append(Section(kind, heading, para.start, paragraphs[last].end, h_start, h_end))
    return sections


def _title_span(text: str, para: Paragraph, marker: _Marker, limit: int) -> tuple[int, int]:
    start = marker.end
    while start < para.end and text[start] in _LEADING_NOISE:
        start += 1
    # An ordinal word takes a copula before its title ("首先是议题从群众中来"); a numeral's 是 is
    # its own marker (一是), so only word families drop it; 是否 (whether) is no copula.
    if marker.family.words and text.startswith("是", start) and not text.startswith("是否", start):
        start += 1
    if para.is_heading and marker.start == para.start:
        return start, para.end
    depth, pos, stop = 0, start, min(para.end, limit)
    while pos < stop:
        ch = text[pos]
        if ch in _OPEN_QUOTES:
            depth += 1
        elif ch in _CLOSE_QUOTES and depth:
            depth -= 1
        elif depth == 0 and TITLE_END.match(ch):
            break
        pos += 1
    return start, pos


def _build_items(
    text: str,
    paragraphs: list[Paragraph],
    sections: list[Section],
    markers: list[_Marker],
) -> list[EnumItem]:
    item_starts = {m.paragraph for m in markers if m.start == paragraphs[m.paragraph].start}
    run_paragraphs: dict[int, set[int]] = {}
    for m in markers:
        run_paragraphs.setdefault(m.run, set()).add(m.paragraph)

    items: list[EnumItem] = []
    s = 0
    stack: list[tuple[str, int]] = []  # (family, item index)
    for marker in markers:
        while s + 1 < len(sections) and sections[s + 1].start <= marker.start:
            s += 1
            stack = []
        family = marker.family.name
        names = [name for name, _ in stack]
        if family in names:
            del stack[names.index(family) :]
        parent = stack[-1][1] if stack else None
        stack.append((family, len(items)))
        items.append(
            EnumItem(
                marker=text[marker.start : marker.end],
                style=family,
                level=len(stack) - 1,
                heading="",
                start=marker.start,
                end=sections[s].end if sections else len(text),
                heading_start=marker.end,
                heading_end=marker.end,
                parent=parent,
                section=s if sections else None,
            )
        )

    for i, item in enumerate(items):
        for j in range(i + 1, len(items)):
            later = items[j]
            if later.level <= item.level or later.section != item.section:
                item.end = min(item.end, later.start)
                break
        marker = markers[i]
        if len(run_paragraphs[marker.run]) == 1:
            item.end = min(item.end, paragraphs[marker.paragraph].end)
        item.end = _stop_at_stray_heading(paragraphs, marker.paragraph, item.end, item_starts)
        while item.end > item.start and text[item.end - 1].isspace():
            item.end -= 1
        # A title also stops where the next marker (often a child's) begins.
        limit = min(item.end, markers[i + 1].start) if i + 1 < len(markers) else item.end
        h_start, h_end = _title_span(text, paragraphs[marker.paragraph], marker, limit)
        item.heading_start, item.heading_end = h_start, h_end
        item.heading = text[h_start:h_end].strip()
    _reattach_outliers(items)
    return items


def _reattach_outliers(items: list[EnumItem]) -> None:
    """Give an item that starts past its parent's end the nearest ancestor that holds it.

    Parents are chosen from the marker stack before ends are known; a parent
    cut short (at a stray heading, at its paragraph's end) must not adopt
    items that come after it. Parents precede children, so one pass in order
    settles levels down the tree.
    """
    for item in items:
        parent = item.parent
        while parent is not None and item.start >= items[parent].end:
            parent = items[parent].parent
        item.parent = parent
        item.level = 0 if parent is None else items[parent].level + 1
        if parent is not None:
            item.end = min(item.end, items[parent].end)


def _stop_at_stray_heading(paragraphs: list[Paragraph], first: int, end: int, item_starts: set[int]) -> int:
    """End an item before a heading line that follows its body but is no list item.

    Page furniture after the last item ("上一篇: …", related links) would
    otherwise be swallowed by it.
    """
    seen_body = not paragraphs[first].is_heading
    for index in range(first + 1, len(paragraphs)):
        para = paragraphs[index]
        if para.start >= end:
            break
        if para.is_heading and para.index not in item_starts and seen_body:
            return min(end, paragraphs[para.index - 1].end)
        seen_body = seen_body or not para.is_heading
    return end


def build_structure(
    doc_id: str,
    text: str,
    *,
    title_hint: str | None = None,
    published_hint: str | None = None,
) -> Structure:
    """Find paragraphs, sentences, sections and the enumeration tree of a normalized text."""
    paragraphs = split_paragraphs(text)
    mark_headings(text, paragraphs)
    markers = _find_markers(text, paragraphs)
    headings = _section_headings(text, paragraphs, markers)
    markers = [m for m in markers if not (m.paragraph in headings and m.start == paragraphs[m.paragraph].start)]
    sections = _build_sections(text, paragraphs, headings)
    return Structure(
        doc_id=doc_id,
        text=text,
        paragraphs=paragraphs,
        sentences=split_sentences(text, paragraphs),
        sections=sections,
        items=_build_items(text, paragraphs, sections, markers),
        title_hint=title_hint,
        published_hint=published_hint,
    )


def body_view(doc: Structure) -> Structure:
    """The document with its reference list blanked out, for the extractors of facts.

    Entries such as "[4] 刘洋. “五社联动”: 基层治理共同体建设的实践逻辑[M]. 北京: …,
    2021: 35-41." hold names, places and numbers that the case does not state.
    Blanking (spaces, same length) keeps every offset valid; a document
    without a references section is returned as it is.
    """
    spans = [(s.start, s.end) for s in doc.sections if s.kind == "references"]
    if not spans:
        return doc
    parts, last = [], 0
    for start, end in spans:
        parts += [doc.text[last:start], re.sub(r"[^\n]", " ", doc.text[start:end])]
        last = end
    parts.append(doc.text[last:])
    return replace(doc, text="".join(parts))
