"""Measures: the practices (做法), results (成效) and lessons (经验) a report lists.

Two sources, per section of the report:

* Enumerated items. The leaves of the enumeration tree are the measures;
  when an item has children, the children are the measures and the item's
  own title is their ``section`` (the group), else the section heading is.
* Narrative fallback, for a practice section written without enumeration,
  or a whole report with neither section headings nor enumeration: every
  body paragraph under a sub-heading that reports something done becomes a
  measure, titled by its first practice clause and grouped under the
  sub-heading. Paragraphs before the first sub-heading of such a report are
  its lead, not practices (a title line is no sub-heading). The verbs that mark a practice clause live in
  ``corpus/practice_verbs.txt``.

Items in background and problems sections are not measures.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from ..kinds import DocumentContext
from ..patterns import ORNAMENT
from ..records import Measure, MeasureKind, Paragraph, Section, Structure
from ..resources import read_lines
from ..vocabulary import sections
from .headings import Candidate, HeadingModel, candidates, classify, title_paragraphs
from .lexicon import Lexicon
from .metadata import is_header_line, title_text

KIND_BY_SECTION = {
    "measures": MeasureKind.MEASURE,
    "outcomes": MeasureKind.OUTCOME,
    "lessons": MeasureKind.LESSON,
    "other": MeasureKind.MEASURE,
}

# The marker that opens a run: 一是, (一), 1., ①, 首先, 第一 (not 十一, 11).
_FIRST_MARKER = re.compile(r"[((]?(?:一|1|①|首先|第一)(?![0-9一二三四五六七八九十])")
_LEAD_REACH = 40  # characters searched before an enumeration for the clause introducing it
_CLAUSE = re.compile("[^,;。!?:\uff0c\uff1b\uff01\uff1f\uff1a]+")
_OUTLOOK_REACH = 120  # a quotation may come before the speaker and the outlook
# A paragraph that ends without sentence punctuation was cut by the page
# layout ("…建立了“社区慈善基金”,成" / "功实施118个…") and goes on in the next one.
_COMPLETE_END = "。!?;…”’)\uff01\uff1f\uff1b\uff09"


@lru_cache(maxsize=1)
def _outlook() -> re.Pattern:
    """The words that open a closing outlook on what is planned next (corpus/outlook_words.txt)."""
    words = sections("outlook_words.txt")
    openers = [re.escape(w) for w in words["opener"]]
    follow = re.escape("".join(words["next"]))
    openers += [f"{re.escape(w)}(?=[{follow}])" for w in words["opener_if_next"]]
    return re.compile("|".join(openers))


@lru_cache(maxsize=1)
def _verbs() -> dict[str, re.Pattern]:
    """Per kind of practice_verbs.txt, a pattern whose search finds the leftmost of its words."""
    table: dict[str, list[str]] = {}
    for line in read_lines("practice_verbs.txt"):
        kind, *words = line.split()
        table[kind] = words
    return {kind: re.compile("|".join(map(re.escape, words)) or "(?!)") for kind, words in table.items()}


def _has_verb(kind: str, text: str) -> bool:
    verbs = _verbs().get(kind)
    return verbs is not None and verbs.search(text) is not None


def measures(
    ctx: DocumentContext, *, narrative: bool = True, heading_model: HeadingModel | None = None
) -> Iterator[Measure]:
    """Yield the measures of a structured document, in reading order.

    Args:
        ctx: the document: its whole structure (sections and enumeration tree filled), not
            the body, and its headline (``ctx.title`` when metadata found it, else looked up
            here; it is never a practice).
        narrative: also read measures from sections written without
            enumeration (one per paragraph under a sub-heading).
        heading_model: the heading classifier (default: the shipped one;
            leave-one-document-out scoring passes its own).
    """
    ordinal = 0
    doc = ctx.structure
    title = ctx.title or title_text(doc)
    pure_narrative = not doc.items and all(s.kind == "other" for s in doc.sections)
    heads: _Heads | None = None  # classified once per document, when a section needs it
    for index, section in enumerate(doc.sections):
        kind = KIND_BY_SECTION.get(section.kind)
        if kind is None:
            continue
        items = [number for number, item in enumerate(doc.items) if item.section == index]
        if not items and narrative and heads is None:
            heads = _Heads.of(doc, title, heading_model, ctx.lexicon)
        titled = None if items or not narrative else _titled_practices(doc, section, heads)
        if items:
            found = _from_items(doc, section, items, kind)
        elif titled:
            found = _from_titled(doc, titled, kind)
        # A results section in prose states results, not practices: no measure per paragraph.
        elif narrative and (section.kind not in ("other", "outcomes") or pure_narrative):
            found = _from_paragraphs(doc, section, kind, title)
        else:
            continue
        for measure in found:
            measure.ordinal = ordinal
            ordinal += 1
            yield measure


def _from_items(doc: Structure, section: Section, numbers: list[int], kind: str) -> Iterator[Measure]:
    has_children = {doc.items[n].parent for n in numbers}
    run_kind = kind
    for position, number in enumerate(numbers):
        item = doc.items[number]
        # Results sections often end on what was learnt ("成效与启示 … 提供了有益启示:一是…").
        if (
            section.kind in ("other", "outcomes", "lessons")
            and item.parent is None
            and (
                position == 0
                or doc.items[numbers[position - 1]].style != item.style
                or _FIRST_MARKER.match(item.marker)
            )
        ):
            run_kind = _kind_from_lead(doc, item) or kind
        if number in has_children:
            continue
        group = doc.items[item.parent].heading if item.parent is not None else section.heading
        yield Measure(
            doc_id=doc.doc_id,
            start=item.start,
            end=item.end,
            heading=item.heading,
            text=doc.text[item.start : item.end],
            section=group,
            kind=run_kind,
        )


@lru_cache(maxsize=1)
def _lead_words() -> re.Pattern:
    """Outcome and lesson words of corpus/section_headings.txt, as named groups."""
    words = {
        kind: line.split()[1:]
        for line in read_lines("section_headings.txt")
        for kind in [line.split()[0]]
        if kind in ("outcomes", "lessons")
    }
    return re.compile("|".join(f"(?P<{kind}>{'|'.join(map(re.escape, w))})" for kind, w in words.items()))


def _kind_from_lead(doc: Structure, item) -> str | None:
    """Kind of an enumeration that a sentence introduces without a section heading.

    "…的经验有三点:一是…" lists lessons, "…取得明显成效:一是…" outcomes: the
    clause right before the first marker ends in a colon and names the kind.
    """
    window = doc.text[max(0, item.start - _LEAD_REACH) : item.start].rstrip()
    if not window.endswith((":", "\uff1a")):
        return None
    clause = re.split(r"[。;,!?\n]", window[:-1])[-1]
    found = [m.lastgroup for m in _lead_words().finditer(clause)]
    return KIND_BY_SECTION[found[-1]] if found else None


@lru_cache(maxsize=1)
def _roundup_words() -> tuple[str, ...]:
    return read_lines("roundup_markers.txt")


@dataclass
class _Heads:
    """The classifier's verdict on the document's title-like lines: by paragraph index, (label, candidate)."""

    by_paragraph: dict[int, tuple[str, Candidate]]
    practices: int  # practice titles in the whole document

    @classmethod
    def of(cls, doc: Structure, title: str | None, model: HeadingModel | None, lex: Lexicon) -> _Heads:
        if title and any(word in title for word in _roundup_words()):
            return cls({}, 0)  # a roundup of separate stories: its sub-headings title no practice
        items = candidates(doc, skip=title_paragraphs(doc, title))
        labels = classify(doc, items, lex, model) if items else []
        by_paragraph = {c.paragraph: (label, c) for c, label in zip(items, labels, strict=True)}
        return cls(by_paragraph, labels.count("practice"))


def _titled_practices(
    doc: Structure, section: Section, heads: _Heads
) -> list[tuple[Candidate, str | None, int]] | None:
    """The practices an author titled in a section without enumeration: (title, group, end of its text).

    The trained heading classifier (pipeline/extract/headings.py) labels every
    title-like line and inline head; a ``practice`` title opens a practice that
    runs to the next practice or section title, a ``section`` title inside the
    section groups the practices after it. One practice title in a whole
    document is no layout of titled parts (a stray short line), so at least two
    are needed. Chrome lines and a closing outlook after the last practice
    belong to none.
    """
    if heads.practices < 2:
        return None
    paragraphs = [
        p for p in doc.paragraphs if section.start <= p.start < section.end and not _is_section_heading(p, section)
    ]
    group = section.heading if section.kind != "other" else None
    blocks: list[tuple[Candidate, str | None, list[Paragraph]]] = []
    for para in paragraphs:
        label, candidate = heads.by_paragraph.get(para.index, ("body", None))
        if label == "practice":
            blocks.append((candidate, group, [para]))
        elif label == "section":
            group = doc.text[para.start : para.end].strip()
            if blocks:
                blocks.append((None, None, []))  # a new group closes the open practice
        elif label == "chrome" or not blocks or blocks[-1][0] is None:
            continue
        else:
            blocks[-1][2].append(para)
    found = []
    for n, (candidate, grouped, body) in enumerate(blocks):
        if candidate is None:
            continue
        last = n == len(blocks) - 1 or all(c is None for c, _, _ in blocks[n + 1 :])
        stop = _closing_start(doc, body, 1) if last else len(body)
        end = body[stop - 1].end if stop else body[0].end
        if len(body[:stop]) < 2 and not candidate.inline:
            continue  # a title with no text under it titles nothing
        found.append((candidate, grouped, end))
    return found if found else None


def _closing_start(doc: Structure, paragraphs: list[Paragraph], first: int) -> int:
    """Where the report's closing outlook starts after the last practice, else the end.

    News reports end on an official's outlook ("…书记表示,下一步将…"), which
    belongs to no practice: trailing paragraphs that look ahead are cut off.
    """
    stop = len(paragraphs)
    while stop > first and _is_outlook(doc.text[paragraphs[stop - 1].start : paragraphs[stop - 1].end]):
        stop -= 1
    return stop


def _is_outlook(paragraph: str) -> bool:
    """Opens with a look ahead (下一步,…), or someone says one (“…”书记表示,下一步将…)."""
    for ahead in _outlook().finditer(paragraph, 0, _OUTLOOK_REACH):
        if ahead.start() <= 2 or _has_verb("opinion", paragraph[max(0, ahead.start() - 4) : ahead.start()]):
            return True
    return False


def _from_titled(doc: Structure, blocks: list[tuple[Candidate, str | None, int]], kind: str) -> Iterator[Measure]:
    for candidate, group, end in blocks:
        start = doc.paragraphs[candidate.paragraph].start
        yield Measure(
            doc_id=doc.doc_id,
            start=start,
            end=end,
            heading=_unwrapped(ORNAMENT.sub("", candidate.text).strip()),
            text=doc.text[start:end],
            section=group,
            kind=kind,
        )


def _from_paragraphs(doc: Structure, section: Section, kind: str, title: str | None) -> Iterator[Measure]:
    group: str | None = section.heading
    paragraphs = [
        p for p in doc.paragraphs if section.start <= p.start < section.end and not _is_section_heading(p, section)
    ]
    # A news brief with no sub-heading at all: after its lead paragraph, each
    # paragraph that reports a practice is one (ungrouped) measure.
    headless = group is None and not any(
        p.is_heading and not _is_title(doc, p, title) and not _is_header_line(doc, p) for p in paragraphs
    )
    past_lead = False
    unit: list[Paragraph] = []
    for para in paragraphs + [None]:
        continues = para is not None and bool(unit) and not para.is_heading and _is_cut(doc, unit[-1])
        if continues:
            unit.append(para)
            continue
        if unit and (group is not None or past_lead):
            measure = _paragraph_measure(doc, unit, group, kind)
            if measure is not None:
                yield measure
        past_lead = past_lead or (headless and bool(unit))
        unit = []
        if para is None:
            break
        if para.is_heading:
            if not _is_title(doc, para, title) and not _is_header_line(doc, para):
                group = doc.text[para.start : para.end]
        else:
            unit = [para]


def _is_section_heading(para: Paragraph, section: Section) -> bool:
    return section.heading_start is not None and para.start <= section.heading_start < para.end


def _unwrapped(heading: str) -> str:
    """「聚人心:支部建在网格上」 (quoted after normalization) is the heading inside its brackets."""
    if len(heading) > 2 and heading[0] == "“" and heading[-1] == "”" and "“" not in heading[1:-1]:
        return heading[1:-1]
    return heading


def _is_title(doc: Structure, para: Paragraph, title: str | None) -> bool:
    """The headline (as metadata found it: not always the first line), or its subtitle (——…见闻)."""
    text = doc.text[para.start : para.end]
    return (
        para.index == 0
        or text == doc.title_hint
        or bool(title and title in text)
        or text.lstrip().startswith(("——", "—", "--"))
    )


def _is_header_line(doc: Structure, para: Paragraph) -> bool:
    return is_header_line(doc.text[para.start : para.end])


def _is_cut(doc: Structure, para: Paragraph) -> bool:
    return doc.text[para.end - 1] not in _COMPLETE_END


def _paragraph_measure(doc: Structure, unit: list[Paragraph], group: str | None, kind: str) -> Measure | None:
    start, end = unit[0].start, unit[-1].end
    # Cut lines are joined so that a clause can run across the break.
    joined = "".join(doc.text[p.start : p.end] for p in unit)
    clauses = list(_CLAUSE.finditer(joined))
    if not clauses or _has_verb("opinion", clauses[0].group()) or _is_outlook(joined):
        return None
    for clause in clauses:
        text = clause.group()
        if _has_verb("modal", text):
            continue
        at = _practice_verb_at(text)
        if at is None:
            continue
        # A practice passage: its author gave it no title, and none is made up from its clauses.
        return Measure(
            doc_id=doc.doc_id,
            start=start,
            end=end,
            heading="",
            text=doc.text[start:end],
            section=group,
            kind=kind,
            titled=False,
        )
    return None


def _practice_verb_at(clause: str) -> int | None:
    """Offset of the practice verb that leads a clause, if one does.

    The verb must sit in the clause's first half: "资源整合功能" ends with a
    noun use of 整合, while "苏州还突出队伍建设" leads with its verb.
    """
    verbs = _verbs().get("practice")
    hit = verbs.search(clause) if verbs is not None else None
    if hit is None:
        return None
    return hit.start() if hit.start() <= len(clause) / 2 else None
