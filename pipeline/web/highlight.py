"""Cut a text into pieces at span boundaries, so overlapping highlights can be rendered.

The pieces are plain strings: templates escape them (autoescape), so no
markup is ever assembled from article text by hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Private-use characters: absent from the reports, so they can carry search marks through.
MARKS = ("\ue000", "\ue001")
_MARKED = re.compile(f"{MARKS[0]}(.*?){MARKS[1]}", re.S)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # a CSS class suffix: measure | figure | mechanism | change
    label: str  # shown as the piece's tooltip
    anchor: str | None = None  # an id for links to the span's start


@dataclass(frozen=True)
class Piece:
    text: str
    kinds: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    anchors: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return "\n".join(self.labels)


def pieces(text: str, spans: Iterable[Span], kind_order: Sequence[str] = ()) -> list[Piece]:
    """``text`` split at every span boundary; each piece knows which spans cover it.

    Spans may overlap or nest; they are clamped to the text and empty ones dropped.
    """
    rank = {k: i for i, k in enumerate(kind_order)}
    clamped = [Span(max(0, s.start), min(len(text), s.end), s.kind, s.label, s.anchor) for s in spans]
    clamped = [s for s in clamped if s.start < s.end]
    bounds = sorted({0, len(text), *(s.start for s in clamped), *(s.end for s in clamped)})
    by_start = sorted(clamped, key=lambda s: (s.start, rank.get(s.kind, len(rank))))
    active: list[Span] = []
    out: list[Piece] = []
    i = 0
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        active = [s for s in active if s.end > lo]
        opened = []
        while i < len(by_start) and by_start[i].start <= lo:
            opened.append(by_start[i])
            i += 1
        active += opened
        ordered = sorted(active, key=lambda s: rank.get(s.kind, len(rank)))
        out.append(
            Piece(
                text[lo:hi],
                tuple(dict.fromkeys(s.kind for s in ordered)),
                tuple(s.label for s in ordered),
                tuple(s.anchor for s in opened if s.anchor),
            )
        )
    return out


def marked_parts(snippet: str) -> list[tuple[str, bool]]:
    """A snippet whose matches are wrapped in ``MARKS`` as (piece, is_match) pairs; stray marks dropped."""
    parts: list[tuple[str, bool]] = []
    pos = 0
    for m in _MARKED.finditer(snippet):
        parts += [(snippet[pos : m.start()], False), (m.group(1), True)]
        pos = m.end()
    parts.append((snippet[pos:], False))
    strip = str.maketrans("", "", "".join(MARKS))
    return [(p.translate(strip), hit) for p, hit in parts if p.translate(strip)]
