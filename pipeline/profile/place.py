"""The case's own place: the primary place at the level the report is about."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..records import Extraction, Place, Structure
from .cues import LEVELS, _cues, _short


@dataclass(frozen=True)
class CasePlace:
    """The case's place at the level the report is about, with its chain of enclosing places."""

    name: str | None  # 大和社区, 青山区; None when no place was found
    level: str | None  # one of LEVELS
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None

    @property
    def chain(self) -> list[str]:
        """Enclosing places, coarse to fine, without repeats (北京市 is province and city)."""
        names = [getattr(self, level) for level in LEVELS]
        return list(dict.fromkeys(n for n in names if n))

    def at(self, level: str) -> str | None:
        return getattr(self, level)

    @classmethod
    def from_place(cls, place: Place | None) -> CasePlace:
        if place is None:
            return cls(None, None)
        fields = {level: getattr(place, level) for level in LEVELS}
        level = next((lv for lv in reversed(LEVELS) if fields[lv]), None)
        return cls(fields[level] if level else None, level, **fields)


# -- the case's place --------------------------------------------------------------------------
def case_place(text: str, structure: Structure | None, extraction: Extraction) -> CasePlace:
    """The primary place at the level the report is about.

    A headline that names only a coarser place of the primary's chain
    (长沙望月湖街道: … about a street, with one community as its example) puts
    the case at that level, unless the first sentence that opens with a place
    and gives its basic facts (位于, 辖区面积, 下辖 …) opens with the finer one
    (翠竹园社区位于…: the report is about the community).
    """
    full = CasePlace.from_place(extraction.primary_place())
    return settle_place(full, extraction.metadata.title, lambda: _sentences(text, structure))


def title_level(full: CasePlace, title: str | None) -> str | None:
    """The coarser level of ``full``'s chain that the title names instead of ``full`` itself, or None
    (the case is at ``full``'s level, whatever the text says)."""
    if not full.level:
        return None
    title = title or ""
    finer = LEVELS.index(full.level)
    named = [lv for lv in LEVELS[:finer] if (n := full.at(lv)) and n != full.name and _mentions(title, n)]
    if not named or _mentions(title, full.name):
        return None
    return named[-1]


def settle_place(full: CasePlace, title: str | None, sentences: Callable[[], Iterable[str]]) -> CasePlace:
    """``case_place`` from the primary place, the title and the report's sentences; the sentences
    are read only when the title names a coarser place (a comparison reads most places from the
    documents table without opening the text)."""
    level = title_level(full, title)
    if level is None:
        return full
    facts = _cues()["facts"]
    for sentence in sentences():
        opener = next((lv for lv in reversed(LEVELS) if (n := full.at(lv)) and sentence.startswith(n)), None)
        if opener is None:
            opener = next(
                (lv for lv in reversed(LEVELS) if (n := full.at(lv)) and sentence.startswith(_short(n))), None
            )
        if opener is not None and any(w in sentence for w in facts):
            if LEVELS.index(opener) > LEVELS.index(level):
                return full
            break
    return _cut(full, level)


def _mentions(text: str, name: str | None) -> bool:
    return bool(name) and (name in text or _short(name) in text)


def _sentences(text: str, structure: Structure | None) -> Iterator[str]:
    if structure and structure.sentences:
        for s in structure.sentences:
            yield text[s.start : s.end].strip()
    else:
        yield from (p.strip() for p in re.split(r"(?<=[。!?])|\n", text) if p.strip())


def _cut(place: CasePlace, level: str) -> CasePlace:
    keep = LEVELS[: LEVELS.index(level) + 1]
    fields = {lv: (place.at(lv) if lv in keep else None) for lv in LEVELS}
    return CasePlace(place.at(level), level, **fields)
