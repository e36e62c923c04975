"""Named governance mechanisms: numeral slogans, quoted programme names, known models.

Three kinds of evidence, all regex scans compiled once:

* numeral slogans found by shape, quoted or not (三社联动, 一核三擎,
  三报告双评议一监督, 双轨制), with “三社”联动 / “三社” folded together;
* quoted phrases that carry a cue: a head noun at their end (“社工支网计划”),
  a model noun right after the quote (“一领双融三孵化”工作模式), or, for
  enumerated slogans, a verb that adopts them (实行“分类管理、三级管辖”);
* the dictionary ``corpus/mechanisms.txt`` and unquoted names that the text
  repeats with the same wording before a head noun (社区服务社会化项目).

Every cue list is a data file under ``corpus/`` (see ``_cues``).
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

from ..records import Mechanism, Structure
from ..resources import read_lines
from .lexicon import dictionary_tags, lexicon

NUMERALS = "一二三四五六七八九十两双壹贰叁肆伍百千万"
_HAN_NOT_NUM = rf"(?:(?![{NUMERALS}])[\u4e00-\u9fff])"
# The scans below start with a plain character class, not a repeat ([一二]{1,2}, (?:…){2,}): only
# then does the re module skip ahead to the next numeral instead of trying every position (3× faster).
_NUMERAL = rf"[{NUMERALS}][{NUMERALS}]?"  # one or two numerals
_CHUNK = rf"{_NUMERAL}{_HAN_NOT_NUM}{{1,3}}"
# A whole quoted slogan made of numeral-led chunks: 四化, 五有效, 一领双融三孵化.
_NUMERAL_TERM = re.compile(rf"(?:[{NUMERALS}]{{1,2}}{_HAN_NOT_NUM}{{1,4}})+")
_NUMERAL_CHAIN = re.compile(rf"{_CHUNK}(?:{_CHUNK})+")  # two chunks or more
_REDUPLICATED = re.compile(r"(..)\1")
_NUMERAL_RANGE = re.compile(rf"[{NUMERALS}][至到][{NUMERALS}]")
_SHORT_CORE = re.compile(rf"[{NUMERALS}]{_HAN_NOT_NUM}{{1,2}}")
# “积分+信贷”, “四点半课堂+爱心晚餐”: parts joined by + make a coined arrangement.
_JOINED_PARTS = re.compile(r"[\u4e00-\u9fff]{2,8}(?:\+[\u4e00-\u9fff]{2,8})+")
_PLACE_INSIDE = re.compile("街道|社区|小区|[省市县区镇乡村]{2}")
_PART_CORE = re.compile(rf"[{NUMERALS}]{_HAN_NOT_NUM}")  # a numeral and one character
# 一 + a measure word + a noun (“一张网”, “一台戏”, “一盘棋”) is a figure of speech.
_MEASURE_PHRASE = re.compile(r"[一两][张台道盘条家个份本把根片碗面支座扇颗股][\u4e00-\u9fff]{1,2}")
_QUOTED = re.compile(r"“([^“”\n]{1,60})”|「([^「」\n]{1,60})」|『([^『』\n]{1,60})』")
_SUCCESSION = re.compile(r"从“([^“”\n]{2,20})”(?:到|向|走向|迈向|升级为|升级到|转变为|拓展为|延伸到)“([^“”\n]{2,20})”")
_TITLED = re.compile(r"《([^《》“”\n]{2,40})》")
_LIST_SEP = re.compile(r"[、,;]")
_SENTENCE_PUNCT = re.compile(r"[。!?…]")
_INNER_MARKS = re.compile(r"[‘’'\"“”「」『』《》()\s]")
_WINDOW_STOP = re.compile(r"[,。;:!?、“”《》()\n]")
_HAN_RUN_END = re.compile(r"[\u4e00-\u9fff]+$")
_PAREN_DEF = re.compile(r"\s*\((?:即|也就是)?([^()\n]{4,120})\)")
_COPULA_DEF = re.compile(r"\s*(?:,?(?:是指|指的是|也就是|即|就是)|是)([^。\n]{6,150})")
_COLON_DEF = re.compile(r"\s*:([^。\n]{6,200})")
_DEFINED = re.compile(r"\(即|是指|指的是")  # “邻里守望”是指…: the text defines it
_DEF_START = re.compile(r"\s*[(:,是指也即就]")  # where one of the three definition patterns can begin
_DEF_NOT_TEXT = re.compile(r"^[\d\s\-~—年月日.%/]+$")
# “小而精、实而用”:一是…,二是…: a colon before an enumeration introduces practices, not a gloss.
_DEF_LIST_START = re.compile(r"\s*(?:[一二三四五六七八九十]+是|首先|[((]?[一二三四五六七八九十\d]+[))、.])")
_CLOSING = ("”", "」", "』", "’", "》")
_CONTEXT_WINDOW = 8
_TRIGGER_WINDOW = 6  # longest trigger verb plus a modifier: 深入推进“
_REPEAT_CONTEXT = 12
_MIN_REPEAT = 4

_CONFIDENCE = {
    "dictionary": 0.95,
    "numeral": 0.9,
    "suffix": 0.85,
    "joined": 0.8,
    "slogan_list": 0.75,
    "context": 0.7,
    "numeral_unquoted": 0.7,
    "titled": 0.6,
    "repeated": 0.6,
}


@dataclass
class _Candidate:
    name: str
    start: int
    end: int
    how: str  # key of _CONFIDENCE
    core: str | None = None  # numeral core (三社 for “三社”联动), groups variants


@dataclass(frozen=True)
class _Cues:
    suffixes: tuple[str, ...]
    context: re.Pattern
    triggers: re.Pattern
    joins: re.Pattern
    unquoted_numeral: re.Pattern
    stop: tuple[str, ...]
    dictionary: dict[str, str]  # alias -> canonical
    dictionary_re: re.Pattern | None
    repeat_heads: re.Pattern


def _alternation(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _cues() -> _Cues:
    joins = read_lines("mechanism_joins.txt")
    dictionary: dict[str, str] = {}
    for line in read_lines("mechanisms.txt"):
        names = [n.strip() for n in line.split("|") if n.strip()]
        for alias in names:
            dictionary[alias] = names[0]
    suffixes = read_lines("mechanism_suffixes.txt")
    return _Cues(
        suffixes=suffixes,
        context=re.compile(_alternation(read_lines("mechanism_context.txt"))),
        triggers=re.compile(rf"(?:{_alternation(read_lines('mechanism_triggers.txt'))})$"),
        joins=re.compile(_alternation(joins)),
        unquoted_numeral=re.compile(rf"{_NUMERAL}{_HAN_NOT_NUM}{{1,3}}?(?:{_alternation(joins)})"),
        stop=read_lines("mechanism_stop.txt"),
        dictionary=dictionary,
        dictionary_re=re.compile(_alternation(tuple(dictionary))) if dictionary else None,
        repeat_heads=re.compile(_alternation(suffixes)),
    )


def _ordinary_tag(word: str) -> str | None:
    """The tag of a numeral-bearing word of jieba's base dictionary.

    jieba ships the best free list of Chinese idioms and set phrases
    (千方百计 i, 一体化 l, 一方面 mq); a numeral phrase listed there with a tag
    other than noun/abbreviation is ordinary language, not a coined slogan.
    """
    return dictionary_tags(NUMERALS).get(word) if any(ch in NUMERALS for ch in word) else None


def _splits_word(text: str, pos: int) -> bool:
    """True when text[pos-1:pos+1] is a dictionary word (统|一体制, 强化制|度), user words included."""
    return pos > 0 and lexicon().is_word(text[pos - 1 : pos + 1])


def _is_coined_unquoted(term: str, text: str, start: int) -> bool:
    # Unquoted, the match must not cut a word at either end: 统一体制, 强化制度.
    if not _coined_form(term) or _splits_word(text, start) or _splits_word(text, start + len(term)):
        return False
    # Prose, not a slogan: 一边刷卡一边说 (an adverb opens it), 经八路街道一处 (a place inside).
    return _ordinary_tag(term[:2]) != "d" and _PLACE_INSIDE.search(term) is None


@lru_cache(maxsize=8192)
def _coined_form(term: str) -> bool:
    """Whether a numeral term, wherever it stands, can be a coined slogan."""
    if term.startswith(_cues().stop) or term[1:2] == "是":  # 一是/二是 list markers
        return False
    if _MEASURE_PHRASE.fullmatch(term):
        return False
    tag = _ordinary_tag(term)
    if tag is not None and tag not in ("n", "j"):
        return False
    # An idiom inside (四面八方汇聚) or a reduplication (一件一件) is plain prose.
    if any((_ordinary_tag(term[i : i + 4]) or "n") not in ("n", "j") for i in range(len(term) - 3)):
        return False
    if _REDUPLICATED.search(term):
        return False
    # 一至八月, 三到五年: a range of numbers, not a slogan.
    return not _NUMERAL_RANGE.search(term)


@lru_cache(maxsize=16384)  # names recur within and across reports
def _clean(name: str) -> str:
    return _INNER_MARKS.sub("", name)


def _context_after(text: str, pos: int) -> int | None:
    """End of a model noun (模式, 机制 …) shortly after ``pos`` in the same clause, if any."""
    window = text[pos : pos + _CONTEXT_WINDOW]
    stop = _WINDOW_STOP.search(window)
    match = _cues().context.search(window[: stop.start()] if stop else window)
    # “网格+物业”的服务模式 and “包楼”服务的形式 name the model; in “新市民”融入的
    # 治理路径 the noun heads a phrase of its own: past a 的 inside the gap, the
    # model noun must come next.
    if match is None or "的" in window[1 : max(1, match.start() - 1)]:
        return None
    return pos + match.end()


def _trigger_before(text: str, pos: int) -> bool:
    return bool(_cues().triggers.search(text[max(0, pos - _TRIGGER_WINDOW) : pos]))


def _join_after(text: str, pos: int) -> re.Match | None:
    match = _cues().joins.match(text, pos)
    return None if match is None or _splits_word(text, match.end()) else match


@lru_cache(maxsize=16384)
def _numeral_core(name: str) -> str:
    """三社联动 -> 三社: the part before a completing head, used to group variants."""
    match = _cues().joins.search(name, 1)
    while match and match.end() != len(name):
        match = _cues().joins.search(name, match.start() + 1)
    return name[: match.start()] if match and match.start() > 1 else name


class _Shape(NamedTuple):
    """A quoted phrase as far as it can be judged without its context."""

    kind: str  # list | core (a bare numeral core: 三社) | numeral | suffix | other
    name: str
    span: tuple[int, int]  # of the name, from the opening quote
    core: str = ""  # of a numeral slogan


@lru_cache(maxsize=16384)
def _quoted_shape(inner: str) -> _Shape | None:
    """None when the phrase names no mechanism wherever it is quoted.

    Cached: reports quote the same slogans again and again.
    """
    name = _clean(inner)
    lead = len(inner) - len(inner.lstrip())
    span = (1 + lead, 1 + len(inner.rstrip()))
    if not name or _SENTENCE_PUNCT.search(inner) or len(name) > 40:
        return None
    chunks = _LIST_SEP.split(name)
    if len(chunks) >= 2:
        return _Shape("list", name, span) if all(2 <= len(c) <= 10 for c in chunks) else None
    if _NUMERAL_TERM.fullmatch(name):
        if not _coined_form(name):
            return None
        # Only a bare core is completed by the word after it: “三社”联动, not “一核三擎”治理.
        return _Shape("core" if _SHORT_CORE.fullmatch(name) else "numeral", name, span, _numeral_core(name))
    if name.endswith("化") and len(name) <= 4:  # “科学化”“精细化”: adjectives
        return None
    return _Shape("suffix" if name.endswith(_cues().suffixes) else "other", name, span)


def _classify_quoted(text: str, inner: str, start: int, end: int) -> _Candidate | None:
    """Decide whether the quoted phrase text[start:end] (quotes included) names a mechanism."""
    shape = _quoted_shape(inner)
    if shape is None:
        return None
    name, inner_span = shape.name, (start + shape.span[0], start + shape.span[1])
    if shape.kind == "list":
        if _trigger_before(text, start) or _context_after(text, end) is not None:
            return _Candidate(name, *inner_span, "slogan_list")
        return None
    if shape.kind in ("core", "numeral"):
        join = _join_after(text, end) if shape.kind == "core" else None
        if join:
            return _Candidate(name + join.group(), start, join.end(), "numeral", core=name)
        return _Candidate(name, *inner_span, "numeral", core=shape.core)
    if shape.kind == "suffix":
        return _Candidate(name, *inner_span, "suffix")
    join = _join_after(text, end)
    if join and len(name) <= 4:
        return _Candidate(name + join.group(), start, join.end(), "joined")
    # “有事好商量”议事会: the head after the quote is part of the name, unless it is
    # a mere type noun (“吹哨报到”机制 is 吹哨报到; see mechanism_context.txt).
    head = _cues().repeat_heads.match(text, end)
    if head and not _cues().context.fullmatch(head.group()) and not _splits_word(text, head.end()):
        return _Candidate(name + head.group(), start, head.end(), "suffix")
    context_end = _context_after(text, end)
    if name.isascii():
        # “1+3+N”组织体系: a code means nothing without the noun it labels.
        return _Candidate(name + text[end:context_end], start, context_end, "joined") if context_end else None
    if context_end or _DEFINED.match(text, end) or _JOINED_PARTS.fullmatch(name):
        return _Candidate(name, *inner_span, "context")
    return None


def _quoted(text: str) -> Iterator[_Candidate]:
    for match in _QUOTED.finditer(text):
        inner = match.group(match.lastindex)  # the one alternative that matched
        found = _classify_quoted(text, inner, *match.span())
        if found:
            yield found


def _successors(text: str, names: set[str]) -> list[_Candidate]:
    """The model a known one grew into: 从“接诉即办”向“未诉先办”, 从“三社联动”到“五社联动”.

    The second quoted name counts only when the first is already a mechanism
    (从“要我干”到“我要干” names none).
    """
    found = []
    for match in _SUCCESSION.finditer(text):
        before, after = _clean(match.group(1)), _clean(match.group(2))
        if before in names and after not in names and _quoted_shape(match.group(2)) is not None:
            found.append(_Candidate(after, match.start(2), match.end(2), "context"))
    return found


def _titled(text: str) -> Iterator[_Candidate]:
    """《区域党建联席会议制度》: a named arrangement, unlike 《关于…的意见》 documents."""
    for match in _TITLED.finditer(text):
        name = _clean(match.group(1))
        if "的" in name or name.startswith("关于") or not name.endswith(_cues().suffixes):
            continue
        yield _Candidate(name, match.start(1), match.end(1), "titled")


def _unquoted_numerals(text: str) -> Iterator[_Candidate]:
    cues = _cues()
    for pattern in (_NUMERAL_CHAIN, cues.unquoted_numeral):
        for match in pattern.finditer(text):
            name = match.group()
            if _is_coined_unquoted(name, text, match.start()):
                yield _Candidate(name, match.start(), match.end(), "numeral_unquoted", core=_numeral_core(name))


def _dictionary(text: str) -> Iterator[_Candidate]:
    cues = _cues()
    if cues.dictionary_re is None:
        return
    for match in cues.dictionary_re.finditer(text):
        yield _Candidate(cues.dictionary[match.group()], match.start(), match.end(), "dictionary")


def _repeated(text: str) -> Iterator[_Candidate]:
    """Unquoted names the text repeats verbatim before a head noun.

    Two mentions of 项目/计划/… preceded by the same ≥4 Han characters
    (以社区服务社会化项目为例 … 仅社区服务社会化项目累计投入) name one
    programme; the shared wording is cut back to a word boundary.
    """
    # Only mentions whose last _MIN_REPEAT characters agree can share a name:
    # bucketing on them keeps the pairwise comparison small on long texts.
    buckets: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for match in _cues().repeat_heads.finditer(text):
        left = _HAN_RUN_END.search(text[max(0, match.start() - _REPEAT_CONTEXT) : match.start()])
        if left and len(left.group()) >= _MIN_REPEAT:
            buckets[match.group(), left.group()[-_MIN_REPEAT:]].append((match.start(), left.group()))
    found: dict[tuple[str, str], set[int]] = defaultdict(set)
    for (head, _), mentions in buckets.items():
        # Pairs are formed between distinct left contexts, each standing for
        # all its mentions: a text that repeats a paragraph many times would
        # otherwise cost the square of its repetitions.
        by_left: dict[str, list[int]] = defaultdict(list)
        for pos, left in mentions:
            by_left[left].append(pos)
        lefts = list(by_left)
        for i, left_a in enumerate(lefts):
            for left_b in lefts[i + 1 :]:
                shared = _common_suffix(left_a, left_b)
                if len(shared) < _MIN_REPEAT:
                    continue
                longer = left_a if len(left_a) >= len(left_b) else left_b
                shared = _from_word_boundary(_cut(longer), shared)
                if len(shared) >= _MIN_REPEAT:
                    found[shared, head].update(by_left[left_a], by_left[left_b])
    names = {modifier + head for modifier, head in found}
    for (modifier, head), positions in found.items():
        name = modifier + head
        # A head phrase met with varying modifiers (特色服务项目, 社工特色服务项目,
        # 城中村社工特色服务项目) is a generic category, not a proper name.
        if any(other != name and (other.endswith(name) or name.endswith(other)) for other in names):
            continue
        if _opens_with_verb(modifier):  # 划分综合网格 … 划分综合网格: an action told twice
            continue
        for pos in sorted(positions):
            yield _Candidate(name, pos - len(modifier), pos + len(head), "repeated")


def _opens_with_verb(phrase: str) -> bool:
    first = lexicon().cut_tagged(phrase[:6])
    return bool(first) and first[0][1] == "v"


@lru_cache(maxsize=4096)
def _cut(text: str) -> tuple[str, ...]:
    """jieba's words (the default segmenter's); the same phrases recur across reports."""
    return tuple(lexicon().cut(text))


def _common_suffix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return a[len(a) - n :]


def _from_word_boundary(tokens: Sequence[str], shared: str) -> str:
    """Drop leading characters of ``shared`` until it starts where a token starts."""
    total = sum(len(t) for t in tokens)
    boundaries, pos = set(), 0
    for token in tokens:
        boundaries.add(total - pos)
        pos += len(token)
    length = len(shared)
    while length > 0 and length not in boundaries:
        length -= 1
    return shared[len(shared) - length :]


def _definition(text: str, end: int) -> str | None:
    """The gloss the text gives right after a mention: (即…), 是指…, X机制:…"""
    end += len(text[end : end + 1]) if text[end : end + 1] in _CLOSING else 0
    head = _cues().context.match(text, end)
    for pos in (end, head.end()) if head else (end,):
        if not _DEF_START.match(text, pos):
            continue
        for pattern in (_PAREN_DEF, _COLON_DEF, _COPULA_DEF):
            match = pattern.match(text, pos)
            if match and not _DEF_NOT_TEXT.match(match.group(1)) and not _DEF_LIST_START.match(match.group(1)):
                return _clean_definition(match.group(1))
    return None


_DEF_EDGE = " ,,、"  # characters, not a suffix: str.strip takes a set


def _clean_definition(raw: str) -> str:
    return re.sub(r"[“”‘’「」『』]", "", raw).strip(_DEF_EDGE)


def _only_parts(spans: dict[str, list[tuple[int, int]]]) -> set[str]:
    """Names each of whose spans lies inside another name's different span."""
    ordered = sorted((s, e, name) for name, ss in spans.items() for s, e in ss)
    starts = [s for s, _, _ in ordered]
    reach = list(accumulate((e for _, e, _ in ordered), max))  # furthest end among spans starting so far

    def inside(name: str, start: int, end: int) -> bool:
        # A container starts before this span and reaches its end, or starts with it and ends later.
        lo, hi = bisect.bisect_left(starts, start), bisect.bisect_right(starts, start)
        if not ((lo and reach[lo - 1] >= end) or any(e > end for _, e, _ in ordered[lo:hi])):
            return False
        return any(s <= start and end <= e and (s, e) != (start, end) and n != name for s, e, n in ordered[:hi])

    return {name for name, ss in spans.items() if all(inside(name, s, e) for s, e in ss)}


def _chain_parts(groups: dict[str, list[_Candidate]]) -> set[str]:
    """“一核”, “两翼” quoted apart from the slogan they are links of (一核两翼四联).

    A numeral and one character that no head completes is reported only when
    no numeral chain of the text holds it; 三社 completed as 三社联动 is no part.
    """
    chains = [name for name in groups if _NUMERAL_CHAIN.fullmatch(name)]
    return {
        name
        for name, cands in groups.items()
        if _PART_CORE.fullmatch(name)
        and all(c.name == name for c in cands)
        and any(name in chain and name != chain for chain in chains)
    }


def _group(candidates: list[_Candidate]) -> dict[str, list[_Candidate]]:
    """Candidates by canonical name; numeral variants of one core share the commonest full form."""
    by_core: dict[str, list[_Candidate]] = defaultdict(list)
    for cand in candidates:
        if cand.core:
            by_core[cand.core].append(cand)
    canonical: dict[str, str] = {}
    for core, cands in by_core.items():
        full = Counter(c.name for c in cands if c.name != core)
        canonical[core] = full.most_common(1)[0][0] if full else core
    groups: dict[str, list[_Candidate]] = defaultdict(list)
    for cand in candidates:
        name = canonical.get(cand.core, cand.name) if cand.core else cand.name
        groups[_clean(name)].append(cand)
    # A repeated phrase that is part of a better-attested name is that name
    # (社会工作联席会 … 《社会工作联席会议制度》).
    for name in [n for n, cands in groups.items() if all(c.how == "repeated" for c in cands)]:
        longer = next((n for n in groups if n != name and name in n), None)
        if longer:
            groups[longer].extend(groups.pop(name))
    return groups


def _count_mentions(text: str, name: str, spans: list[tuple[int, int]]) -> int:
    """Candidate spans plus the occurrences of ``name`` that overlap none of them."""
    ordered = sorted(set(spans))
    starts = [s for s, _ in ordered]
    reach = list(accumulate((e for _, e in ordered), max))  # furthest end among spans starting so far
    extra, pos = 0, text.find(name)
    while pos != -1:
        before = bisect.bisect_left(starts, pos + len(name))  # spans that start before this occurrence ends
        if before == 0 or reach[before - 1] <= pos:
            extra += 1
        pos = text.find(name, pos + len(name))
    return len(ordered) + extra


def mechanisms(doc: Structure, *, min_confidence: float = 0.0) -> Iterator[Mechanism]:
    """Yield one record per distinct mechanism named in ``doc``, in order of first mention.

    Args:
        doc: the structured document; spans refer to ``doc.text``.
        min_confidence: drop mechanisms whose confidence is below this value
            (0.6 keeps repeated/titled names out, 0.8 keeps only quoted
            slogans, suffixed names and dictionary hits).
    """
    text = doc.text
    quoted = list(_quoted(text))
    others = [*_titled(text), *_unquoted_numerals(text), *_dictionary(text), *_repeated(text)]
    others += _successors(text, {_clean(c.name) for c in quoted + others})
    groups = _group(quoted + others)
    all_spans = {name: [(c.start, c.end) for c in cands] for name, cands in groups.items()}
    parts = _only_parts(all_spans) | _chain_parts(groups)
    records = []
    for name, cands in groups.items():
        if name in parts:
            continue  # only ever part of a longer name: 双轨制 inside 分类管理、三级管辖、双轨制管理
        spans = all_spans[name]
        cands.sort(key=lambda c: c.start)
        mentions = _count_mentions(text, name, spans)
        confidence = max(_CONFIDENCE[c.how] for c in cands)
        confidence = min(1.0, confidence + 0.05 * (mentions - 1))
        if confidence < min_confidence:
            continue
        definition = next(filter(None, (_definition(text, c.end) for c in cands)), None)
        first = cands[0]
        records.append(
            Mechanism(
                doc_id=doc.doc_id,
                start=first.start,
                end=first.end,
                name=name,
                definition=definition,
                mentions=mentions,
                confidence=round(confidence, 3),
            )
        )
    yield from sorted(records, key=lambda m: m.start)
