"""Candidates: the figures and changes of a report that map to an indicator, and the counts it
implies without a number (全覆盖, the case's own station)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..records import Change, Extraction, Figure
from .cues import LEVEL_WORDS, _cues
from .place import CasePlace

_COUNT_SUFFIXES = ("总数", "数量", "总量", "规模", "人员", "队伍", "数")
BEFORE_CHARS = 8  # how far before a number its counted noun may stand (社工师持证人员达553人)


@dataclass
class _Candidate:
    record: Figure | Change
    rule_name: str
    unit: str
    factor: float
    keywords: tuple[str, ...]  # the mapped rule's keywords; ("*",) when the unit alone decided
    mapped_by: str  # the words the indicator was found in: the subject, else the words around the number
    window: str  # the phrase around the number, between delimiters
    score: float = 0.0
    implied: bool = False  # a count the text gives without a number (implied_candidates)
    features: dict[str, float] = field(default_factory=dict)  # the chooser's named features (WEIGHTS)
    eligible: bool = True  # False for plans and for single venues' areas (scored_candidates)

    @property
    def value(self) -> float:
        rec = self.record
        return (rec.to_value if isinstance(rec, Change) else rec.value) * self.factor


def _windows(text: str, rec: Figure | Change) -> tuple[str, str]:
    """The words right after the number (what “99个乡镇(街道)社工站” counts) and the few right before it.

    A figure's subject is sometimes only part of what it counts (乡镇 of
    “99个乡镇(街道)社工站”); the words next to the number name it whole.
    The after-words stop at a delimiter or at 的 (16个街道的所有城市社区
    counts streets).
    """
    if isinstance(rec, Change):
        return "", ""
    at = text.find(rec.raw, rec.start, rec.end) if rec.raw else -1
    lo, hi = (at, at + len(rec.raw)) if at >= 0 else (rec.start, rec.end)
    # …and at a conjunction before the next number (6名专职社工|和120余名志愿者: the volunteers are not social workers).
    after = re.match(r"(?:(?![和及与][\d一二三四五六七八九十两])[^、,,;;::。!?\n的|｜]){0,12}", text[hi:])
    before_start = max(
        [text.rfind(d, max(0, lo - BEFORE_CHARS), lo) for d in "、,,;;::。!?\n|｜"] + [lo - BEFORE_CHARS - 1]
    )
    return (after.group(0) if after else ""), text[max(0, before_start + 1) : lo]


def candidates(text: str, extraction: Extraction) -> Iterator[_Candidate]:
    """Figures and changes that map to an indicator; a figure inside a change is left to the change."""
    from ..compare import map_indicator

    change_spans = [(c.start, c.end) for c in extraction.changes]
    records: list[Figure | Change] = [*extraction.figures, *extraction.changes]
    for rec in records:
        if isinstance(rec, Figure) and any(s <= rec.start and rec.end <= e for s, e in change_spans):
            continue
        after, before = _windows(text, rec)
        window = before + (rec.raw or "") + after if not isinstance(rec, Change) else rec.text or ""
        # The words before the number are read last, and only when they end in what is counted
        # (投入资金460万元建设…: the subject after the number is what the money built).
        for words in (rec.subject or rec.text or "", after, before if _ends_in_noun(before) else ""):
            mapped = map_indicator(words, rec.unit) if words else None
            if mapped is not None and _counts_another_level(after, mapped[0].keywords):
                break  # 16个街道的所有城市社区 counts streets, whatever the subject says
            if mapped is not None:
                rule, factor = mapped
                by_subject = words == (rec.subject or "")
                yield _Candidate(rec, rule.name, rule.unit, factor, rule.keywords, words if by_subject else "", window)
                break


_COVERAGE = re.compile(
    r"(?P<level>(?:乡镇|街道|社区|村|镇|乡)(?:[((](?:街道|社区|乡镇|村)[))])?)(?P<thing>[^、,,;;。!?\n]{1,8}?)全覆盖"
)


def implied_candidates(text: str, extraction: Extraction, place: CasePlace) -> Iterator[_Candidate]:
    """Counts of facilities the text gives without a number.

    - Coverage: 实现乡镇(街道)社工站全覆盖 with 辖26个乡镇(街道) says there are 26 stations.
    - The case's own named facility, for the indicators listed as ``single`` in corpus/profile_cues.tsv:
      扬名街道社工站挂牌运行 in a street's report is that street's one station.
    Each is a figure whose raw text is empty and whose subject says how it was read.
    """
    from ..compare import load_indicators, map_indicator

    rules = {r.name: r for r in load_indicators()}
    for m in _COVERAGE.finditer(text):
        mapped = map_indicator(m.group("thing"), "个")
        if mapped is None:
            continue
        level = m.group("level")
        head = re.split(r"[((]", level)[0]
        count = next(
            (f for f in extraction.figures if f.unit == "个" and _after_number(text, f).startswith(head)), None
        )
        if count is not None:
            rule = mapped[0]
            subject = f"{level}{m.group('thing')}全覆盖:{_number_text(count)}个{level}"
            rec = Figure(count.doc_id, m.start(), m.end(), count.value, "个", count.approx, subject, m.group(0))
            yield _Candidate(rec, rule.name, rule.unit, 1.0, rule.keywords, "", m.group(0), implied=True)
    if place.level not in ("street", "community"):
        return  # a grassroots place has one station of its own; a county's 新化县社工站建设 is many
    for name in _cues()["single"]:
        rule = rules.get(name)
        if rule is None:
            continue
        words = "|".join(re.escape(k) for k in rule.keywords if k != "*")
        m = re.search(re.escape(place.name) + f"(?:{words})(?![\\d一二三四五六七八九十两]*[个家所])", text)
        if m:
            rec = Figure(extraction.doc_id, m.start(), m.end(), 1.0, "个", None, f"{m.group(0)}(一个)", m.group(0))
            yield _Candidate(rec, rule.name, rule.unit, 1.0, rule.keywords, "", m.group(0), implied=True)


def _after_number(text: str, figure: Figure) -> str:
    """The few characters after a figure's number and unit (26个|乡镇(街道))."""
    at = text.find(figure.raw, figure.start, figure.end) if figure.raw else -1
    end = at + len(figure.raw) if at >= 0 else figure.end
    return text[end : end + 12]


def _number_text(figure: Figure) -> str:
    from ..compare import format_number

    return format_number(figure.value)


_LEVEL_LEAD = re.compile(
    "[((]?(?:" + "|".join(sorted({w for ws in LEVEL_WORDS.values() for w in ws}, key=len, reverse=True)) + ")[))]?"
)


def _counts_another_level(after: str, keywords: tuple[str, ...]) -> bool:
    """Whether the words right after the number name a level of place the indicator does not count
    (16个|街道的所有城市社区, 97个|乡镇(街道)建立了“社区慈善基金”), rather than its own thing
    (7个|街道社工站): after the level words, the indicator's keyword must follow at once."""
    rest, own = after, [k for k in keywords if k != "*"]
    while not any(rest.startswith(k) for k in own) and (m := _LEVEL_LEAD.match(rest)):
        rest = rest[m.end() :]
    return rest != after and not any(rest.startswith(k) for k in own)


def _ends_in_noun(words: str) -> bool:
    """Whether the words before a number end in the thing counted (社工师持证人员达553人),
    not in a verb phrase about something else (小区新增停车位150个)."""
    from ..compare import load_indicators

    words = words.rstrip("达为有共是约近超过")
    for suffix in _COUNT_SUFFIXES:
        if words.endswith(suffix):
            words = words[: -len(suffix)]
            break
    keywords = {k for r in load_indicators() for k in r.keywords if k != "*"}
    return any(k in words and len(words) - words.rfind(k) - len(k) <= 2 for k in keywords)
