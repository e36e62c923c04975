"""Changes: a before/after pair stated in one clause (SCHEMA.md "changes").

由183家迅速增长到769家, 从20万元增加到50万元, 由当初每年1000多起下降至现在的50多起,
183家增长到769家, 由18增至25个.  The second number must be a figure; the
first may omit its unit and takes the second's, and a unit it does state must
be the same one.  Non-numeric pairs (从“最后一公里”到“最好一公里”) and ranges
without a verb of change (从5000元到1万元不等) are not changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from ..kinds import DocumentContext
from ..numbers import CN_DIGITS, CN_MAGNITUDES, NUMERAL
from ..patterns import CHANGE_FILLER
from ..records import Change, Figure
from ..vocabulary import sections
from .figures import figures as find_figures
from .figures import quantity_at, strip_qualifiers, unit_of

CHANGE_WORDS = "change_words.txt"  # verbs of change, link words (到至为成), lead-ins
_NUMBER_CHARS = frozenset("0123456789." + CN_DIGITS + CN_MAGNITUDES)
_FILLER_WIDTH = 5  # characters of the longest filler unit, a year
_AFTER_LINK = 6  # filler units at most between 到/至/为 and the figure


@dataclass(frozen=True)
class _Rules:
    links: tuple[str, ...]  # 到 至 为 成
    change: re.Pattern  # searched in a figure's clause up to the figure
    lead_in: re.Pattern  # the words that open a clause before its subject


@lru_cache(maxsize=1)
def _rules() -> _Rules:
    """The change patterns, built from corpus/change_words.txt.

    The clause up to the figure must end in [由/从 …] A … verb 到/至/为 [filler],
    the figure being B. Verbs and lead-ins are tried in file order (增长 before 增).
    """
    words = sections(CHANGE_WORDS)
    verbs = "|".join(map(re.escape, words["verb"]))
    links = "".join(words["link"])
    change = re.compile(
        rf"(?:(?P<prep>由|从){CHANGE_FILLER}{{0,8}}?)?"
        rf"(?<![0-9.,{CN_DIGITS}{CN_MAGNITUDES}])(?P<a>{NUMERAL}){CHANGE_FILLER}{{0,8}}?"
        rf"(?P<verb>{verbs})了?[{re.escape(links)}]{CHANGE_FILLER}{{0,{_AFTER_LINK}}}\Z"
    )
    lead_in = re.compile(rf"^(?:{'|'.join(map(re.escape, words['lead_in']))})+")
    return _Rules(tuple(words["link"]), change, lead_in)


# Adverbs allowed between a number and the verb when there is no 由/从 (迅速, 逐步).
_MAX_ADVERB = 2


def changes(ctx: DocumentContext) -> Iterator[Change]:
    """Before/after pairs in the document's body, in text order.

    Args:
        ctx: the document; spans refer to ``ctx.body.text``. The "after" number must be one
            of its figures (``ctx.found["figures"]`` when the figures extractor ran, else found here).
    """
    doc = ctx.body
    text = doc.text
    rules = _rules()
    figures: list[Figure] = ctx.found["figures"] if "figures" in ctx.found else list(find_figures(ctx))
    for after, raw_start in zip(figures, _raw_starts(text, figures), strict=False):
        if raw_start < 0:  # a figure whose raw is not in its clause (not from this doc)
            continue
        # The search tries every start in the clause; most clauses lack the link word it ends with.
        tail = text[max(after.start, raw_start - _AFTER_LINK * _FILLER_WIDTH - 1) : raw_start]
        m = rules.change.search(text, after.start, raw_start) if any(link in tail for link in rules.links) else None
        before = quantity_at(text, m.start("a")) if m else None
        if before is None:
            continue
        if before.unit is not None and unit_of(before.unit.canonical) != unit_of(after.unit):
            continue
        if m.group("prep") is None and m.start("verb") - before.end > _MAX_ADVERB:
            continue
        head_start = max(after.start, text.rfind("、", after.start, m.start()) + 1)
        # A 由 too far from the number for the pattern (物业费由原来的每月每平方米1.2元) is cut here.
        head = strip_qualifiers(text[head_start : m.start()], ctx.lexicon)
        lead = rules.lead_in.match(head)
        trimmed = head[lead.end() :] if lead else head
        start, end = head_start + len(head) - len(trimmed), raw_start + len(after.raw)
        yield Change(
            doc_id=doc.doc_id,
            start=start,
            end=end,
            subject=trimmed.strip() or after.subject,
            unit=after.unit,
            from_value=before.value,
            to_value=after.value,
            text=text[start:end],
        )


def _raw_starts(text: str, figures: list[Figure]) -> list[int]:
    """Where each figure's raw number+unit starts (the same raw twice in a clause: in order)."""
    starts: list[int] = []
    for figure in figures:
        pos = text.find(figure.raw, figure.start, figure.end)
        # Not inside a longer number: "5个工作日" first occurs in "15个工作日".
        while pos in starts[-8:] or (pos > 0 and text[pos - 1] in _NUMBER_CHARS and figure.raw[0] in _NUMBER_CHARS):
            pos = text.find(figure.raw, pos + 1, figure.end)
        starts.append(pos)
    return starts
