"""Figures: every quantity stated in a report, as number + unit (SCHEMA.md "figures").

A figure is a numeral followed by a unit from ``corpus/units.txt``; 万/亿 are
multiplied out, hedges from ``corpus/hedges.txt`` give ``approx``.  What is
*not* a figure follows from a few general rules rather than word lists:

- dates and years: 年 after a four-digit number in 1900-2100, dotted or
  colon-joined digits (30.06.2017, 18:03), codes with a leading zero (0536),
  digits glued to letters or right after a colon (访问量:1024563次); record
  numbers end in 号, which is no unit (鲁ICP备12345678号);
- ordinals: a numeral after 第;
- names and slogans: numerals inside 《》 or inside a short quoted span with
  no clause punctuation (“最后100米”, “一核三擎”); Chinese numerals need a
  counted unit right after them, so 三社联动 / 四化 / 三级 never qualify;
- Chinese numerals that are not a count: a lone 一 before a measure word is
  an article (一批, 一个书桌), adjacent digits are years or rough ranges
  (二〇一六, 三五个), bare 百/千/万 are idiom (千家万户) unless hedged (百余名),
  and 数十/几百 are vague.

The scan is regex-only over the text; only the short clause around a figure
is POS-tagged (the segmenter's dictionary) to name its subject.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

from ..kinds import DocumentContext
from ..numbers import (
    is_bare_magnitude,
    is_lone_one,
    parse_number,
    reads_digit_by_digit,
)
from ..patterns import (
    AFTER_UNIT_WINDOW,
    ARABIC_DIGITS,
    CLAUSE_BREAK,
    CLAUSE_PUNCT,
    DURATION_TAIL,
    GLUED_AFTER,
    GLUED_BEFORE,
    HAS_ARABIC,
    HEDGED_COUNTED_DURATION,
    HEDGED_DURATION_AFTER_ONE,
    NAME_SPANS,
    NUMBER_GAP,
    NUMERAL_CANDIDATE,
    QUOTE_MARKS,
    RANGE_LINK,
    YEAR_NUMBER,
)
from ..records import Figure
from ..vocabulary import rows, sections
from .lexicon import Lexicon as Dictionary

UNITS_FILE = "units.txt"
HEDGES_FILE = "hedges.txt"
FIGURE_WORDS = "figure_words.txt"  # estate endings, link words, the 成 (tenths) lists

_TENTHS_DIGITS = "一二两三四五六七八九"  # 三成: a single Chinese digit before 成
# POS tags (jieba's set) that end a noun phrase: prepositions, conjunctions,
# particles, adverbs, pronouns, numerals, measure words, time words, punctuation.
_STOP_TAGS = ("p", "c", "u", "d", "ad", "r", "m", "q", "x", "w", "y", "e", "o", "t", "f", "h")
_QUALIFIER_TAGS = ("p", "u", "d", "r")


@dataclass(frozen=True)
class Unit:
    form: str
    canonical: str
    category: str
    blockers: str = ""


@dataclass(frozen=True)
class Lexicon:
    units: dict[str, Unit]
    implied: dict[str, str]  # subject word -> unit of a bare number after it
    pre: dict[str, str | None]  # hedge word -> approx label (None: look-alike)
    pre_longest: int
    pre_ends: frozenset[str]  # last characters of the pre hedges
    mid: dict[str, str]
    post: dict[str, str]
    unit_re: re.Pattern
    mid_re: re.Pattern
    post_re: re.Pattern


def _alternation(words) -> re.Pattern:
    return re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Units and hedges from ``corpus/units.txt`` and ``corpus/hedges.txt``."""
    units: dict[str, Unit] = {}
    implied: dict[str, str] = {}
    for row in rows(UNITS_FILE):
        cols = row.fields
        if cols[2] == "implied":
            implied[cols[0]] = cols[1]
        else:
            units[cols[0]] = Unit(cols[0], cols[1], cols[2], cols[3] if len(cols) > 3 else "")
    hedges: dict[str, dict[str, str | None]] = {"pre": {}, "mid": {}, "post": {}}
    for row in rows(HEDGES_FILE):
        word, position, label = row.fields
        hedges[position][word] = None if label == "-" else label
    return Lexicon(
        units=units,
        implied=implied,
        pre=hedges["pre"],
        pre_longest=max(map(len, hedges["pre"]), default=0),
        pre_ends=frozenset(word[-1] for word in hedges["pre"]),
        mid=hedges["mid"],
        post=hedges["post"],
        unit_re=_alternation(units),
        mid_re=_alternation(hedges["mid"]),
        post_re=_alternation(hedges["post"]),
    )


@dataclass(frozen=True)
class _Words:
    """The patterns and lists built from corpus/figure_words.txt (its comments say what each is)."""

    estate_before: re.Pattern  # the end of an estate's name: 岳华社区|7栋
    building_units: tuple[str, ...]  # 栋 幢 单元
    half_duration: re.Pattern  # 半年, 近半个月 (not 上半年, 每半年)
    link_tail: re.Pattern  # 达到, 共, 为 … at the end of a subject
    tenths_blockers: frozenset[str]
    tenths_before: tuple[str, ...]
    tenths_before_reach: int  # characters before the digit that may hold a tenths_before word
    tenths_after: tuple[str, ...]


@lru_cache(maxsize=1)
def _words() -> _Words:
    words = sections(FIGURE_WORDS)

    def alternation(kind: str) -> str:
        return "|".join(map(re.escape, words[kind]))

    def characters(kind: str) -> str:
        return re.escape("".join(words[kind]))

    # "全社区", "各小区" are counts of the whole, not names; 3栋12单元 continues an address.
    estate = rf"(?<![{characters('whole_before_estate')}])(?:{alternation('estate_end')})\Z|[0-9][栋幢]\Z"
    return _Words(
        estate_before=re.compile(estate),
        building_units=words["building_unit"],
        half_duration=re.compile(rf"(?<![{characters('not_before_half')}])(?P<pct>(?!))?(?P<num>半)(?=年|个月)"),
        link_tail=re.compile(rf"(?:{alternation('link_tail')})+\Z"),
        tenths_blockers=frozenset(words["tenths_blocker"]),
        tenths_before=words["tenths_before"],
        tenths_before_reach=max(map(len, words["tenths_before"]), default=0),
        tenths_after=words["tenths_after"],
    )


def unit_of(canonical_or_form: str) -> str:
    """Canonical form of a unit as written (㎡ -> 平方米); unknown units pass through."""
    unit = lexicon().units.get(canonical_or_form)
    return unit.canonical if unit else canonical_or_form


@dataclass(slots=True)
class Quantity:
    """A numeral with what is written around it, before it is judged a figure."""

    start: int  # first char of the pre-hedge, or of the numeral
    num_start: int
    num_end: int  # end of the numeral and its mid hedge
    end: int  # end of the unit / post hedge
    numeral: str
    unit: Unit | None
    approx: str | None
    mid_hedged: bool  # a hedge sits between numeral and unit (二十余家, 百余名)
    percent: bool  # written 百分之…
    magnitude: str = ""  # 万/亿 written after the hedge (1200余万元)
    half: bool = False  # a duration with 半 after its unit (两年半, 3个半月)
    tenths: bool = False  # 三成 (30 %): the value is read as a percentage
    _value: float | None = field(default=None, repr=False, compare=False)

    @property
    def value(self) -> float:
        """The numeral's value; parsed only for candidates that survive the cheap rules.

        Cached by hand: functools.cached_property takes a lock on every read (Python 3.11).

        Raises:
            ValueError: the numeral does not read as a number (3一).
        """
        if self._value is None:
            whole = 0.0 if self.numeral == "半" else parse_number(self.numeral + self.magnitude)
            self._value = (whole + (0.5 if self.half or self.numeral == "半" else 0)) * (10 if self.tenths else 1)
        return self._value


def read_quantity(text: str, match: re.Match, lex: Lexicon) -> Quantity:
    """The numeral in ``match`` with its hedges and unit as written around it."""
    numeral = match.group("num")
    pct = match.group("pct") is not None
    pos = NUMBER_GAP.match(text, match.end()).end()
    approx = None
    mid = lex.mid_re.match(text, pos)
    magnitude = ""
    if mid:
        approx = lex.mid[mid.group()]
        pos = NUMBER_GAP.match(text, mid.end()).end()
        if text[pos : pos + 1] in ("万", "亿"):
            magnitude = text[pos]
            pos += 1
    num_end = pos
    unit = None
    found = lex.unit_re.match(text, pos)
    if pct:
        unit = lex.units["%"]
    elif found:
        candidate = lex.units[found.group()]
        follower = text[found.end() : found.end() + 1]
        if not (follower and follower in candidate.blockers):
            unit, pos = candidate, found.end()
    tenths = False
    if unit is None and not pct and _is_tenths(text, match.start(), numeral, pos):
        unit, pos, tenths = lex.units["%"], pos + 1, True
    half = False
    if unit is not None and (unit.form == "个" or unit.category == "duration"):
        unit, pos, half, inner = _duration(text, pos, unit, lex)
        approx = approx or inner
    post = lex.post_re.match(text, pos) if unit else None
    if post:
        approx = approx or lex.post[post.group()]
        pos = post.end()
    start = match.start()
    hedged = start > 0 and text[start - 1] in lex.pre_ends
    for length in range(lex.pre_longest if hedged else 0, 0, -1):
        word = text[max(0, start - length) : start]
        if len(word) == length and word in lex.pre:
            if lex.pre[word]:
                approx = approx or lex.pre[word]
                start -= length
            break
    end = pos if unit else num_end
    return Quantity(
        start, match.start("num"), num_end, end, numeral, unit, approx, mid is not None, pct, magnitude, half, tenths
    )


def _is_tenths(text: str, start: int, numeral: str, pos: int) -> bool:
    """三成, 八成以上: a share in tenths, as news reports write it.

    A single Chinese digit before 成 that no word swallows (成员, 成立, 一成不变),
    with a share verb or hedge before it (占, 超过, 近) or a hedge after it.
    """
    if len(numeral) != 1 or numeral not in _TENTHS_DIGITS or text[pos : pos + 1] != "成":
        return False
    words = _words()
    if text[pos + 1 : pos + 2] in words.tenths_blockers:
        return False
    before = text[max(0, start - words.tenths_before_reach) : start]
    return before.endswith(words.tenths_before) or text.startswith(words.tenths_after, pos + 1)


def _duration(text: str, pos: int, unit: Unit, lex: Lexicon) -> tuple[Unit, int, bool, str | None]:
    """A duration's hedge or half written after its measure word: 两年多, 两年半, 3个多月, 3个半小时.

    Returns the unit (个 becomes 个月/小时 when a duration follows it), the
    position after what was read, whether 半 was added, and the hedge.
    """
    if unit.form == "个":
        inside = HEDGED_COUNTED_DURATION.match(text, pos)
        if inside is None:
            return unit, pos, False, None
        unit = lex.units["个月" if inside.group(2) == "月" else inside.group(2)]
        hedge = inside.group(1)
        return unit, inside.end(), hedge == "半", lex.mid.get(hedge) if hedge else None
    tail = DURATION_TAIL.match(text, pos)
    half, hedge = tail.group(1) is not None, tail.group(2)
    return unit, tail.end(), half, lex.mid.get(hedge) if hedge else None


def quantity_at(text: str, pos: int) -> Quantity | None:
    """The numeral starting at ``pos`` with its hedges and unit, read without the not-a-figure rules."""
    match = NUMERAL_CANDIDATE.match(text, pos)
    quantity = read_quantity(text, match, lexicon()) if match else None
    return quantity if quantity and _readable(quantity) else None


def _is_quantity_numeral(text: str, q: Quantity) -> bool:
    numeral = q.numeral
    before = text[q.num_start - 1] if q.num_start else ""
    if before == "第":
        return False
    if numeral[0] in ARABIC_DIGITS:
        if before in GLUED_BEFORE or GLUED_AFTER.match(text, q.num_start + len(numeral)):
            return False
        return not (numeral[0] == "0" and numeral[1:2].isdigit())
    if not HAS_ARABIC.search(numeral):
        if reads_digit_by_digit(numeral) or (before and before in "数几"):
            return False
        if is_bare_magnitude(numeral) and not (q.mid_hedged or q.percent or q.start < q.num_start):
            return False
    return True


def _is_calendar(q: Quantity, unit: Unit) -> bool:
    return unit.canonical == "年" and bool(YEAR_NUMBER.match(q.numeral))


class _Spans:
    """Sorted, non-overlapping spans with a point lookup."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.starts = [s for s, _ in spans]
        self.ends = [e for _, e in spans]

    def covers(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]


def name_spans(text: str) -> list[tuple[int, int]]:
    """Spans of 《titles》 and short quoted names/slogans, where numerals are not figures."""
    spans = []
    for m in NAME_SPANS.finditer(text):
        inner = m.group()[1:-1]
        if m.group()[0] == "《" or not CLAUSE_PUNCT.search(inner):
            spans.append(m.span())
    return spans


class Clauses:
    """Clause boundaries of a text, found once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.breaks = [m.start() for m in CLAUSE_BREAK.finditer(text)]

    def around(self, start: int, end: int) -> tuple[int, int]:
        i = bisect.bisect_left(self.breaks, start)
        lo = self.breaks[i - 1] + 1 if i else 0
        j = bisect.bisect_left(self.breaks, end)
        hi = self.breaks[j] if j < len(self.breaks) else len(self.text)
        while lo < hi and self.text[lo].isspace():
            lo += 1
        while hi > lo and self.text[hi - 1].isspace():
            hi -= 1
        return lo, hi


def quantities(text: str) -> Iterator[tuple[Quantity, Unit]]:
    """Every number + unit in ``text`` that passes the not-a-figure rules, in order."""
    lex = lexicon()
    names = _Spans(name_spans(text))
    found = []
    for match in NUMERAL_CANDIDATE.finditer(text):
        # A lone 一 is the commonest candidate and never a figure: drop it first.
        lone_one = is_lone_one(match.group("num")) and not HEDGED_DURATION_AFTER_ONE.match(text, match.end())
        if lone_one or names.covers(match.start()):
            continue
        q = read_quantity(text, match, lex)
        if _is_quantity_numeral(text, q):
            found.append(q)
    if "半" in text:
        found.extend(read_quantity(text, match, lex) for match in _words().half_duration.finditer(text))
        found.sort(key=lambda q: q.num_start)
    for i, q in enumerate(found):
        unit = q.unit or _range_unit(text, q, found[i + 1] if i + 1 < len(found) else None)
        unit = unit or _implied_unit(text, q, lex)
        if (
            unit
            and _reads_with(q, unit)
            and not _is_calendar(q, unit)
            and not _is_address(text, q, unit)
            and _readable(q)
        ):
            yield q, unit


# Points (积10分) and pieces (17块) only after Arabic digits: 十分重要, 三分之一 are no
# scores, 四块玉社区 and 一块牌子 no counts.
_ARABIC_ONLY = ("points", "pieces")


def _reads_with(q: Quantity, unit: Unit) -> bool:
    return unit.category not in _ARABIC_ONLY or q.numeral[0] in ARABIC_DIGITS


def _is_address(text: str, q: Quantity, unit: Unit) -> bool:
    """岳华社区7栋, 幸福小区12幢: a building number right after the estate's name is an address."""
    words = _words()
    return (
        unit.canonical in words.building_units
        and q.start == q.num_start
        and words.estate_before.search(text, max(0, q.start - 4), q.start) is not None
    )


def _readable(q: Quantity) -> bool:
    try:
        return q.value is not None
    except ValueError:
        return False


def _range_unit(text: str, q: Quantity, nxt: Quantity | None) -> Unit | None:
    """5000至1万元, 3-5年: the first number takes the unit of the second."""
    if nxt is None or nxt.unit is None:
        return None
    link = RANGE_LINK.match(text, q.num_end)
    return nxt.unit if link and link.end() == nxt.start else None


def _implied_unit(text: str, q: Quantity, lex: Lexicon) -> Unit | None:
    """常住人口1.3万多: a bare number right after a word that names its unit."""
    head = _words().link_tail.sub("", text[max(0, q.start - 8) : q.start])
    for word, canonical in lex.implied.items():
        if head.endswith(word):
            return lex.units[canonical]
    return None


def _stop(tag: str) -> bool:
    return tag.startswith(_STOP_TAGS)


def _is_verb(tag: str) -> bool:
    return tag.startswith("v") and tag != "vn"


# The subject rules read nothing but the piece: cached, because the same short
# pieces (户, 个社区, 名志愿者) come back in figure after figure.
@lru_cache(maxsize=8192)
def _subject_after(piece: str, dictionary: Dictionary) -> str | None:
    """The noun phrase that follows the unit (43家为老服务组织, 8种服务模式).

    It runs up to a function word, or up to a verb that starts a predicate
    (党支部入驻区 -> 党支部); a phrase closed by 的 only modifies the noun after
    it (30名不同专长的专业社工 -> 专业社工).
    """
    piece = QUOTE_MARKS.sub("", piece).lstrip("的")
    tokens = dictionary.cut_tagged(piece, hmm=True)
    words: list[str] = []
    for i, (word, tag) in enumerate(tokens):
        if word == "的" and i < len(tokens) - 1:
            return _subject_after(piece[len("".join(words)) :], dictionary)
        if _stop(tag) or (_is_verb(tag) and i + 1 < len(tokens)):
            break
        words.append(word)
    return _words().link_tail.sub("", "".join(words)) or None


def strip_qualifiers(piece: str, dictionary: Dictionary) -> str:
    """``piece`` without what qualifies a number written after it.

    A previous state (由原来的600人) or a rate (每月每平方米) stands between a
    noun and its number; it goes by its tags, before link words are cut by
    characters (which would split 原来).
    """
    tokens = dictionary.cut_tagged(piece, hmm=True)
    while tokens and (tokens[-1][1].startswith(_QUALIFIER_TAGS) or tokens[-1][0].startswith("每")):
        piece = piece[: -len(tokens.pop()[0])]
    return piece


@lru_cache(maxsize=8192)
def _subject_before(piece: str, dictionary: Dictionary) -> str | None:
    """The noun phrase that ends right before the number (停车位157个, 人员达553人).

    Trailing link words and verbs go first (投入就近500万元); then the nouns
    after the last verb or function word (组织社会组织36家 -> 社会组织).
    """
    bare = _words().link_tail.sub("", strip_qualifiers(QUOTE_MARKS.sub("", piece), dictionary))
    tokens = dictionary.cut_tagged(bare, hmm=True)
    while tokens and (_stop(tokens[-1][1]) or _is_verb(tokens[-1][1])):
        tokens.pop()
    run: list[tuple[str, str]] = []
    for word, tag in reversed(tokens):
        if _stop(tag) or _is_verb(tag):
            break
        run.insert(0, (word, tag))
    while run and run[0][1] == "vn":  # 培育社区社会组织 -> 社区社会组织
        run.pop(0)
    return "".join(word for word, _ in run) or None


def figures(ctx: DocumentContext, *, with_subjects: bool = True) -> Iterator[Figure]:
    """Every quantity stated in the document's body (``ctx.body``), in text order.

    Args:
        ctx: the document; spans refer to ``ctx.body.text``.
        with_subjects: name what each figure counts (tags the clause around it with ``ctx.lexicon``).

    Returns:
        Figures whose ``start``/``end`` span their clause (``text``), with the
        number and unit as written in ``raw``.
    """
    doc = ctx.body
    text = doc.text
    clauses = Clauses(text)
    previous: tuple[Quantity, Figure] | None = None
    for q, unit in quantities(text):
        lo, hi = clauses.around(q.start, q.end)
        subject = None
        if with_subjects:
            subject = _subject(text, q, lo, hi, previous, ctx.lexicon)
        figure = Figure(
            doc_id=doc.doc_id,
            start=lo,
            end=hi,
            value=q.value,
            unit=unit.canonical,
            approx=q.approx,
            subject=subject,
            text=text[lo:hi],
            raw=text[q.start : q.end],
        )
        previous = q, figure
        yield figure


def _subject(
    text: str, q: Quantity, lo: int, hi: int, previous: tuple[Quantity, Figure] | None, dictionary: Dictionary
) -> str | None:
    """What is counted: the noun phrase after the unit, else the one before the number.

    Before the number, the search starts after the previous figure of the same
    clause and after the last 、, so 居民4241户21059人 and 小区123个,其中社区管理小区58个
    each get their own noun; with nothing there, the previous figure's subject holds.
    """
    after = AFTER_UNIT_WINDOW.match(text, q.end, hi).group()
    subject = _subject_after(after, dictionary) if after else None
    if subject:
        return subject
    same_clause = previous is not None and previous[1].start == lo
    window_start = max(lo, previous[0].end) if same_clause else lo
    window_start = max(window_start, text.rfind("、", lo, q.start) + 1)
    subject = _subject_before(text[window_start : q.start], dictionary)
    if subject is None and same_clause:
        return previous[1].subject
    return subject
