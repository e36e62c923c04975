"""Named governance mechanisms: numeral slogans, quoted programme names, councils, known models.

Scans (regular expressions compiled once) propose candidate names generously:

* numeral slogans found by shape, quoted or not (三社联动, 一核三擎,
  三报告双评议一监督, 双轨制), with “三社”联动 / “三社” folded together;
* every quoted phrase, with the cue it carries if any: a head noun at its end
  (“社工支网计划”), a model noun right after the quote (“一领双融三孵化”工作模式),
  a verb that adopts it (实行“分类管理、三级管辖”, 组建“红枫义警”);
* unquoted names ending in a council, facility, team, fund or record head
  (院落议事会, 阿妈妮帮扶队, 楼栋议事角; ``corpus/mechanism_heads.txt``) and
  A+B arrangements (党建+物业联动);
* the dictionary ``corpus/mechanisms.txt`` and unquoted names that the text
  repeats with the same wording before a head noun (社区服务社会化项目).

Meetings, treaties, national slogans and counted things (``corpus/mechanism_reject.txt``)
are never proposed. The mechanism model (pipeline/extract/mechanism_model.py, trained from
the gold by pipeline.mechanisms_train) scores each candidate on named features of the name,
its clause and sentence, and its text, and keeps those at or above its threshold (a stricter one
for a text under SHORT_TEXT characters: a feed's short stories are briefs, whose mottos and
formulas a one-line case sentence does not have); a dictionary name is kept wherever it is named.
Every cue list is a data file under ``corpus/`` (see ``_cues``).
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple

from ..kinds import DocumentContext
from ..numbers import SMALL_CHINESE
from ..records import Mechanism, Structure
from ..resources import read_lines
from ..vocabulary import sections
from .lexicon import Lexicon, dictionary_tags
from .mechanism_model import MechanismModel, default_model

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
    "dictionary_short": 0.7,  # a short form of a known name (共同缔造): also an ordinary phrase elsewhere
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
    trigger_any: re.Pattern  # the same verbs anywhere (triggers: ending a window)
    adherence: re.Pattern  # corpus/mechanism_adherence.txt: 坚持, 整治 … right before a name
    joins: re.Pattern
    unquoted_numeral: re.Pattern
    stop: tuple[str, ...]
    dictionary: dict[str, str]  # alias -> canonical
    dictionary_re: re.Pattern | None
    repeat_heads: re.Pattern
    heads: re.Pattern  # corpus/mechanism_heads.txt, at the end of an unquoted name
    clause_verbs: frozenset[str]  # corpus/mechanism_clause_verbs.txt: 参与|议事会 ends a name's wider reading
    reject_any: re.Pattern  # meetings, treaties, generic policy words (corpus/mechanism_reject.txt)
    reject_unquoted: re.Pattern  # numeral phrases that are prose when unquoted


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
    triggers = _alternation(read_lines("mechanism_triggers.txt"))
    return _Cues(
        suffixes=suffixes,
        context=re.compile(_alternation(read_lines("mechanism_context.txt"))),
        triggers=re.compile(rf"(?:{triggers})了?$"),
        trigger_any=re.compile(rf"(?:{triggers})了?"),
        adherence=re.compile(rf"(?:{_alternation(read_lines('mechanism_adherence.txt'))})(?:好|新时代|搞)?$"),
        joins=re.compile(_alternation(joins)),
        unquoted_numeral=re.compile(rf"{_NUMERAL}{_HAN_NOT_NUM}{{1,3}}?(?:{_alternation(joins)})"),
        stop=read_lines("mechanism_stop.txt"),
        dictionary=dictionary,
        dictionary_re=re.compile(_alternation(tuple(dictionary))) if dictionary else None,
        repeat_heads=re.compile(_alternation(suffixes)),
        heads=re.compile(_alternation(read_lines("mechanism_heads.txt"))),
        clause_verbs=frozenset(read_lines("mechanism_clause_verbs.txt")),
        reject_any=_rejections("any"),
        reject_unquoted=_rejections("unquoted"),
    )


def is_known(name: str) -> bool:
    """True for a canonical name of the dictionary (corpus/mechanisms.txt): a known model wherever it is named."""
    return name in _cues().dictionary.values()


def _rejections(section: str) -> re.Pattern:
    """One pattern of the regular expressions of a section of corpus/mechanism_reject.txt."""
    patterns = sections("mechanism_reject.txt").get(section, ())
    return re.compile("|".join(f"(?:{p})" for p in patterns) or r"(?!)")


def _ordinary_tag(word: str) -> str | None:
    """The tag of a numeral-bearing word of jieba's base dictionary.

    jieba ships the best free list of Chinese idioms and set phrases
    (千方百计 i, 一体化 l, 一方面 mq); a numeral phrase listed there with a tag
    other than noun/abbreviation is ordinary language, not a coined slogan.
    """
    return dictionary_tags(NUMERALS).get(word) if any(ch in NUMERALS for ch in word) else None


def _splits_word(text: str, pos: int, lex: Lexicon) -> bool:
    """True when text[pos-1:pos+1] is a dictionary word (统|一体制, 强化制|度), user words included."""
    return pos > 0 and lex.is_word(text[pos - 1 : pos + 1])


def _is_coined_unquoted(term: str, text: str, start: int, lex: Lexicon) -> bool:
    # Unquoted, the match must not cut a word at either end: 统一体制, 强化制度.
    if not _coined_form(term) or _splits_word(text, start, lex) or _splits_word(text, start + len(term), lex):
        return False
    # Counted things (一栋楼里十几口人, 一辆接着一辆) and prose (两国和两国人民): corpus/mechanism_reject.txt.
    # A count that opens a chain of counts is a slogan again: 一户一档, 一村一策.
    if (_COUNTED.match(term) and not _NUMERAL_CHAIN.fullmatch(term)) or _cues().reject_unquoted.search(term):
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


def _adhering_before(text: str, pos: int) -> bool:
    return bool(_cues().adherence.search(text[max(0, pos - _TRIGGER_WINDOW - 2) : pos]))


def _join_after(text: str, pos: int, lex: Lexicon) -> re.Match | None:
    match = _cues().joins.match(text, pos)
    return None if match is None or _splits_word(text, match.end(), lex) else match


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


def _classify_quoted(text: str, inner: str, start: int, end: int, lex: Lexicon) -> _Candidate | None:
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
        join = _join_after(text, end, lex) if shape.kind == "core" else None
        if join:
            return _Candidate(name + join.group(), start, join.end(), "numeral", core=name)
        return _Candidate(name, *inner_span, "numeral", core=shape.core)
    if shape.kind == "suffix":
        return _Candidate(name, *inner_span, "suffix")
    join = _join_after(text, end, lex)
    if join and len(name) <= 4:
        return _Candidate(name + join.group(), start, join.end(), "joined")
    # “有事好商量”议事会: the head after the quote is part of the name, unless it is
    # a mere type noun (“吹哨报到”机制 is 吹哨报到; see mechanism_context.txt).
    head = _cues().repeat_heads.match(text, end)
    if head and not _cues().context.fullmatch(head.group()) and not _splits_word(text, head.end(), lex):
        return _Candidate(name + head.group(), start, head.end(), "suffix")
    context_end = _context_after(text, end)
    if name.isascii():
        # “1+3+N”组织体系: a code means nothing without the noun it labels.
        return _Candidate(name + text[end:context_end], start, context_end, "joined") if context_end else None
    if context_end or _DEFINED.match(text, end) or _JOINED_PARTS.fullmatch(name):
        return _Candidate(name, *inner_span, "context")
    return None


def _quoted(text: str, lex: Lexicon) -> Iterator[_Candidate]:
    for match in _QUOTED.finditer(text):
        inner = match.group(match.lastindex)  # the one alternative that matched
        found = _classify_quoted(text, inner, *match.span(), lex)
        if found:
            yield found
        elif (shape := _quoted_shape(inner)) is not None:
            # No cue: “锦绣芳邻”, “时间存折”, “横向到边、纵向到底” are often programmes all the same;
            # the model decides.
            start = match.start()
            how = "quoted_list" if shape.kind == "list" else "quoted"
            yield _Candidate(shape.name, start + shape.span[0], start + shape.span[1], how)


# Tags of the words that may stand in the modifier of a headed name (楼栋|议事角, 阿妈妮|帮扶队):
# nouns, names, abbreviations, distinguishing words, words jieba does not know.
_MODIFIER_TAGS = ("n", "nr", "ns", "nt", "nz", "nrt", "ng", "zg", "vn", "an", "j", "b", "x", "l", "eng", "m")
_MAX_MODIFIER = 8
_OPEN_BEFORE = re.compile(rf"[\u4e00-\u9fffA-Za-z0-9]{{1,{_MAX_MODIFIER}}}$")


def _tagged_window(text: str, end: int, lex: Lexicon) -> tuple[str, list[tuple[str, str]]]:
    """The run of up to _MAX_MODIFIER characters before ``end`` (no punctuation), and its tagged words."""
    window = _OPEN_BEFORE.search(text, max(0, end - _MAX_MODIFIER), end)
    return ("", []) if window is None else (window.group(), lex.cut_tagged(window.group()))


def _modifier(text: str, end: int, lex: Lexicon, tagged: tuple[str, list[tuple[str, str]]] | None = None) -> str:
    """The noun phrase that ends at ``end``: the words back to the nearest verb, particle or punctuation.

    ``tagged``: ``_tagged_window(text, end, lex)``, when the caller has it.
    """
    window, words = tagged or _tagged_window(text, end, lex)
    kept = 0
    previous: tuple[str, str] | None = None  # the word kept last (the one after this in the text)
    for i in range(len(words) - 1, -1, -1):
        word, tag = words[i]
        # A count is no modifier (两个, 三支); the parties of a council open its name (物业企业|三方联席会议).
        if tag == "m" and word.endswith("方"):
            kept += len(word)
            break
        noun = tag.startswith(_MODIFIER_TAGS) and (tag != "m" or word.isdigit())
        if not noun and not (tag.startswith("v") and _glued(word, previous, words[i - 1] if i else None)):
            break
        kept += len(word)
        previous = (word, tag)
    return window[len(window) - kept :]


def _glued(word: str, after: tuple[str, str] | None, before: tuple[str, str] | None) -> bool:
    """A one-character verb beside a one-character noun is a coined word the segmenter split
    (孝|善 of 孝善基金, 助|餐 of 助餐议事小组), not the verb that opens the phrase (推行, 组成)."""

    def nominal(neighbour: tuple[str, str] | None) -> bool:
        return (
            neighbour is not None
            and len(neighbour[0]) == 1
            and neighbour[1].startswith(_MODIFIER_TAGS)
            # 张辉|到: a person's name, then the clause's verb; 一|是|网格+调解: an enumerator, then its copula
            and not neighbour[1].startswith(("nr", "m"))
        )

    return len(word) == 1 and (nominal(after) or nominal(before))


_LOCATIVES = frozenset("里内中上旁边前后")
_QUOTED_MODIFIER = re.compile(r"“([^“”\n]{1,12})”([\u4e00-\u9fff]{0,4})$")


def _headed(text: str, lex: Lexicon) -> Iterator[_Candidate]:
    """Unquoted names ending in a head of corpus/mechanism_heads.txt: 院落议事会, 阿妈妮帮扶队, 红黑榜.

    A quoted modifier is part of the name (“阿妈妮”帮扶队, “五社联动”专项基金).
    """
    for match in _cues().heads.finditer(text):
        # 中心|城区, 学校|园 split a word; 超市|里, 平台|上 are the place itself and a locative.
        if text[match.end() : match.end() + 1] not in _LOCATIVES and _splits_word(text, match.end(), lex):
            continue
        head, start = match.group(), match.start()
        tagged = _tagged_window(text, start, lex)
        modifier = _modifier(text, start, lex, tagged)
        quoted = _QUOTED_MODIFIER.search(text, max(0, start - 20), start)
        if quoted and modifier.endswith(quoted.group(2)):  # “时间币”在超市: no name
            name = _clean(quoted.group(1)) + quoted.group(2) + head
            yield _Candidate(name, quoted.start(1), match.end(), "headed")
            continue
        if len(modifier) + len(head) >= 3:
            yield _Candidate(modifier + head, start - len(modifier), match.end(), "headed")
        for wider in _wider_modifiers(tagged, modifier):
            yield _Candidate(wider + head, start - len(wider), match.end(), "headed_wide")


# Words that end a name read backwards from its head: particles (的, 了), prepositions (在, 把),
# conjunctions (和), pronouns (各, 这), adverbs (都, 也) and punctuation.
_HARD_STOP_TAGS = ("u", "p", "c", "r", "d", "x", "w", "y", "e", "o")
# Time words that place the clause, not the thing (几位老人正在|社区议事厅, 目前|基金), where 周末|课堂 and
# 夜间|门诊 name it: jieba tags both t. A closed class of the grammar, so listed here.
_CLAUSE_TIME_WORDS = frozenset(
    {
        "正在",
        "目前",
        "现在",
        "如今",
        "当前",
        "今年",
        "去年",
        "明年",
        "前年",
        "此前",
        "以前",
        "之前",
        "以后",
        "之后",
        "会上",
        "当天",
        "当时",
        "今天",
        "昨天",
        "近年",
        "近日",
        "日前",
        "最近",
        "平时",
        "届时",
        "随后",
        "后来",
        "同期",
        "年初",
        "年底",
        "年内",
    }
)


def _wider_modifiers(tagged: tuple[str, list[tuple[str, str]]], strict: str) -> list[str]:
    """Longer modifiers than ``strict`` in the tagged window before a head (``_tagged_window``), one per
    word boundary, up to a particle, a preposition, a pronoun or punctuation.

    ``_modifier`` keeps nouns only, but a third of the gold's unquoted names have a verb or an
    adjective inside their modifier (邻里互助|食堂, 老兵调解|工作室, 幸福|食堂, 红黑|榜) that jieba's tags
    read as the phrase's own verb. Each wider reading is a candidate of its own (how=headed_wide):
    the mechanism model decides among them. A verb that sets a name up (推行, 开设:
    corpus/mechanism_triggers.txt) or one of a clause (参与, 召开: corpus/mechanism_clause_verbs.txt)
    ends it, as a count does (220个).
    """
    window, words = tagged
    cues = _cues()
    out, length = [], 0
    for i in range(len(words) - 1, -1, -1):
        word, tag = words[i]
        if tag.startswith(_HARD_STOP_TAGS) or (tag == "m" and not word.endswith("方")) or word in _CLAUSE_TIME_WORDS:
            break
        if tag == "q" and i and words[i - 1][1] == "m":  # 220|个|驿站: a count, where 屋|场 and 屯|级 are names
            break
        if cues.triggers.fullmatch(word) or cues.adherence.fullmatch(word) or word in cues.clause_verbs:
            break  # 推行|红黑榜, 开设|助老服务站, 村民参与|议事会
        if tag.startswith("v") and len(word) == 1 and not _glued(word, None, words[i - 1] if i else None):
            break  # 张辉到|暖蜂驿站: a one-character verb of the clause, where 孝|善|基金 is glued
        length += len(word)
        if length > len(strict) and not tag.startswith("v"):  # 拿到|议事会, 互助|食堂: a clause or a part
            out.append(window[len(window) - length :])
    return out


_JOINED_UNQUOTED = re.compile(r"(?<![+\u4e00-\u9fff])[\u4e00-\u9fffA-Za-z]{2,12}(?:\+[\u4e00-\u9fff]{2,10})+")


def _joined_unquoted(text: str, lex: Lexicon) -> Iterator[_Candidate]:
    """A+B arrangements without quotes (探索党建+老旧小区改造): the first part cut back to its noun phrase."""
    for match in _JOINED_UNQUOTED.finditer(text):
        first = match.group().split("+", 1)[0]
        modifier = _modifier(text, match.start() + len(first), lex)
        if len(modifier) >= 2:
            start = match.start() + len(first) - len(modifier)
            yield _Candidate(text[start : match.end()], start, match.end(), "joined_unquoted")


# The object of a verb that sets a name up, read forward: 推行院落长制, 实行四单管理, 开设蜂鸟暑托班为…,
# 建立每月一题工作机制. A third of the gold's unquoted names that no other scan reached stand there, with no
# quotes and no head noun of corpus/mechanism_heads.txt (先尝后买, 一格多员, 塆组夜话). The object ends at
# punctuation or at a particle, preposition, conjunction or adverb (为, 的, 和, 并); a generic tail (机制,
# 建设, 活动) is no part of the name. Most such objects are plain policy (推进基层治理现代化): the
# mechanism model, which sees the verb (trigger=推行), decides.
_OBJECT_RUN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,16}")
_OBJECT_STOP_TAGS = ("p", "u", "c", "d")
_GENERIC_TAILS = ("建设", "活动", "工作", "方式")  # 红色业委会|建设, 民族团结一家亲|活动
_UNCERTAIN_TAILS = ("工作机制", "工作模式", "机制", "模式", "管理", "服务")  # 四单管理 and 骑手积分卡|管理: both read
_TRIGGERED_LENGTH = (3, 10)


def _triggered(text: str, lex: Lexicon) -> Iterator[_Candidate]:
    cues = _cues()
    for match in cues.trigger_any.finditer(text):
        if match.start() and lex.is_word(text[match.start() - 1 : match.end()]):  # 改|革新, 再|实践: a longer word
            continue
        run = _OBJECT_RUN.match(text, match.end())
        if run is None:
            continue
        words = lex.cut_tagged(run.group())
        kept = ""
        for i, (word, tag) in enumerate(words):
            count = (
                any(ch.isdigit() for ch in word)
                or _COUNTED.fullmatch(word) is not None
                or (tag == "m" and i + 1 < len(words) and words[i + 1][1] == "q")
            )
            if tag.startswith(_OBJECT_STOP_TAGS) or count or cues.triggers.fullmatch(word) or word in cues.clause_verbs:
                break  # 于|上世纪, 驿站|9个, 议事会|提出: the name, if any, is over
            kept += word
        generic = next((tail for tail in _GENERIC_TAILS if kept.endswith(tail)), None)
        uncertain = next((tail for tail in _UNCERTAIN_TAILS if kept.endswith(tail)), None)
        names = [kept[: -len(generic)]] if generic else [kept, kept[: -len(uncertain)]] if uncertain else [kept]
        for name in names:
            if _TRIGGERED_LENGTH[0] <= len(name) <= _TRIGGERED_LENGTH[1]:
                yield _Candidate(name, run.start(), run.start() + len(name), "triggered")


def _trigger_word(text: str, pos: int) -> str | None:
    """The verb that sets up the name at ``pos`` (推行 of 推行院落长制), if one ends right there."""
    found = _cues().triggers.search(text, max(0, pos - _TRIGGER_WINDOW), pos)
    return found.group().rstrip("了") if found else None


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


def _unquoted_numerals(text: str, lex: Lexicon) -> Iterator[_Candidate]:
    cues = _cues()
    for pattern in (_NUMERAL_CHAIN, cues.unquoted_numeral):
        for match in pattern.finditer(text):
            name = match.group()
            if _is_coined_unquoted(name, text, match.start(), lex):
                yield _Candidate(name, match.start(), match.end(), "numeral_unquoted", core=_numeral_core(name))


def _dictionary(text: str) -> Iterator[_Candidate]:
    cues = _cues()
    if cues.dictionary_re is None:
        return
    for match in cues.dictionary_re.finditer(text):
        name, found = cues.dictionary[match.group()], match.group()
        how = "dictionary_short" if found != name and found in name else "dictionary"
        yield _Candidate(name, match.start(), match.end(), how)


def _repeated(text: str, lex: Lexicon) -> Iterator[_Candidate]:
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
                shared = _from_word_boundary(_cut(longer, lex), shared)
                if len(shared) >= _MIN_REPEAT:
                    found[shared, head].update(by_left[left_a], by_left[left_b])
    names = {modifier + head for modifier, head in found}
    for (modifier, head), positions in found.items():
        name = modifier + head
        # A head phrase met with varying modifiers (特色服务项目, 社工特色服务项目,
        # 城中村社工特色服务项目) is a generic category, not a proper name.
        if any(other != name and (other.endswith(name) or name.endswith(other)) for other in names):
            continue
        if _opens_with_verb(modifier, lex):  # 划分综合网格 … 划分综合网格: an action told twice
            continue
        for pos in sorted(positions):
            yield _Candidate(name, pos - len(modifier), pos + len(head), "repeated")


def _opens_with_verb(phrase: str, lex: Lexicon) -> bool:
    first = lex.cut_tagged(phrase[:6])
    return bool(first) and first[0][1] == "v"


@lru_cache(maxsize=4096)
def _cut(text: str, lex: Lexicon) -> tuple[str, ...]:
    """The segmenter's words; the same phrases recur across reports."""
    return tuple(lex.cut(text))


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
    longest = max((e - s for s, e, _ in ordered), default=0)

    def inside(name: str, start: int, end: int) -> bool:
        # A container starts before this span and reaches its end, or starts with it and ends later.
        lo, hi = bisect.bisect_left(starts, start), bisect.bisect_right(starts, start)
        if not ((lo and reach[lo - 1] >= end) or any(e > end for _, e, _ in ordered[lo:hi])):
            return False
        # Only a span starting at most `longest` characters earlier can reach this one's end: scanning
        # every earlier span was quadratic in a long text's mentions (a 50 MB report: minutes).
        first = bisect.bisect_left(starts, start - longest)
        return any(s <= start and end <= e and (s, e) != (start, end) and n != name for s, e, n in ordered[first:hi])

    return {name for name, ss in spans.items() if all(inside(name, s, e) for s, e in ss)}


def _heads_of_longer(groups: dict[str, list[_Candidate]]) -> set[str]:
    """Names that end a longer name of the same text after a modifier: 议事会 after 院落议事会, 社区基金
    after 云凤社区基金, is that council or fund named again by its head noun, no second one. The last
    part of an A+B or a list (三级孵化+公益创投) is an arrangement of its own."""
    return {
        name
        for name in groups
        if any(other != name and other.endswith(name) and other[-len(name) - 1] not in _JOINERS for other in groups)
    }


_JOINERS = frozenset("+＋、，,和与及")


def _chain_parts(groups: dict[str, list[_Candidate]], text: str, proposed: set[str]) -> set[str]:
    """“一核”, “两翼” quoted apart from the slogan they are links of (一核两翼四联).

    A numeral and one character that no head completes is reported only when no
    numeral chain holds it: an accepted name (三社 completed as 三社联动 is no part)
    or a chain written in the text that the scans never proposed, a formula no
    mechanism (坚守“一国”之本 in a story of 一国两制). A proposed chain the model
    turned down leaves its links to the model (一核 of 一核两翼四联).
    """
    chains = {name for name in groups if _NUMERAL_CHAIN.fullmatch(name)}
    proposed_chains = [name for name in proposed if _NUMERAL_CHAIN.fullmatch(name)]
    written = (m.group() for m in _NUMERAL_CHAIN.finditer(text))  # may run on past the name: 一核两翼四联思路
    chains.update(w for w in written if not any(name in w for name in proposed_chains))
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


@dataclass
class CandidateGroup:
    """Every candidate mention of one name in one document, before the model decides."""

    name: str
    candidates: list[_Candidate]
    mentions: int
    shortest_paragraph: int = 0  # length of the shortest paragraph holding a mention (a heading line: short)


_RULE_KINDS = frozenset(_CONFIDENCE)


def candidate_groups(doc: Structure, lex: Lexicon) -> list[CandidateGroup]:
    """The names the scans propose, grouped, in order of first mention."""
    text = doc.text
    quoted = list(_quoted(text, lex))
    others = [*_titled(text), *_unquoted_numerals(text, lex), *_dictionary(text), *_repeated(text, lex)]
    others += _successors(text, {_clean(c.name) for c in quoted + others if c.how in _RULE_KINDS})
    others += [*_headed(text, lex), *_joined_unquoted(text, lex), *_triggered(text, lex)]
    groups = []
    reject = _cues().reject_any
    lengths = _paragraph_lengths(doc)
    for name, cands in _group(quoted + others).items():
        if len(name) < 2:  # “和”, “沉”: a quoted character is a word, never a name
            continue
        if reject.search(name):  # a meeting, a treaty, a generic policy word (corpus/mechanism_reject.txt)
            continue
        cands.sort(key=lambda c: c.start)
        mentions = _count_mentions(text, name, [(c.start, c.end) for c in cands])
        groups.append(CandidateGroup(name, cands, mentions, min(lengths(c.start) for c in cands)))
    return sorted(groups, key=lambda g: g.candidates[0].start)


_OPEN_QUOTES = "“「『《"
_HEDGED = re.compile(r"\d.*(?:左右|多|余)|[约近超]\d")
_NEGATED = re.compile(r"[不没无难太]")
_REPEATED_RUN = re.compile(r"(.{2,4})\1")
# Words before a quoted phrase that make it the problem the case met (群众反映“…”, 存在“…”的问题).
_ORGANISATIONS_AFTER = re.compile(
    r"[”」』]?[^。;\n]{0,30}?等(?:\d+|[一二三四五六七八九十百几多]+)?[个家支]?(?:社会组织|社区社会组织|组织|团队|队伍|机构)"
)
_PROBLEM_CUE = re.compile(r"问题|难题|困境|面临|存在|反映|抱怨|吐槽|曾经|过去|一度|以往|往往")
_COUNTED = re.compile(rf"[{NUMERALS}几]+[个名位户栋家件项场次条届年月天人座处批类种支辆岁]")


def _quoted_mention(text: str, cand: _Candidate) -> bool:
    """The mention is inside quotes or starts with them (“1+3+N”服务网络)."""
    return text[cand.start : cand.start + 1] in _OPEN_QUOTES or (
        cand.start > 0 and text[cand.start - 1] in _OPEN_QUOTES
    )


def _paragraph_lengths(doc: Structure) -> Callable[[int], int]:
    """pos -> the length of the paragraph holding it; the paragraph starts are read once per document."""
    starts = [p.start for p in doc.paragraphs]
    lengths = [p.end - p.start for p in doc.paragraphs]

    def length(pos: int) -> int:
        k = bisect.bisect_right(starts, pos) - 1
        return lengths[k] if k >= 0 else len(doc.text)

    return length


SHORT_TEXT = 300
GOVERNANCE_TEXT = 5.0  # governance words per thousand characters below which a text is no case report
NATIONAL_TEXT = 2.0  # national-news words per thousand characters: a story of the leadership or of many places


@lru_cache(maxsize=64)
def _densities(text: str) -> tuple[float, float, float]:
    """Governance, other-news and national-news words per thousand characters: a story of markets or
    diplomacy quotes and numbers its own phrases (“2+7合作框架”), and a story of the leadership and the
    centre its formulas (“十个坚持”), which name no governance mechanism."""
    from ..relevance import vocabulary_density  # the relevance vocabularies, one list for both

    return tuple(vocabulary_density(kind, text) for kind in ("governance", "other_news", "national"))


@lru_cache(maxsize=16384)
def vocabulary_inside(name: str) -> tuple[str, ...]:
    """The relevance vocabularies with a word inside the name: 议事厅 and 网格 name governance,
    储能 and 中亚 other news."""
    from ..relevance import vocabulary_count

    kinds = ("governance", "theme_seed", "other_news", "national")
    return tuple(kind for kind in kinds if vocabulary_count(kind, name))


@lru_cache(maxsize=64)
def _quote_count(text: str) -> int:
    """Distinct quoted phrases of a text: a text that quotes everything marks no name by quoting it."""
    return len({m.group() for m in _QUOTED.finditer(text)})


def _bucket(value: float, bounds: tuple[tuple[float, str], ...], last: str) -> str:
    return next((label for bound, label in bounds if value < bound), last)


# Shape features of a name alone: (feature, pattern searched in the name).
_NAME_PATTERNS = (
    ("latin_or_digit", re.compile(r"[A-Za-z0-9]")),
    ("dash_chain", re.compile("—")),
    ("listed", re.compile("、")),
    ("plus", re.compile(r"\+")),
    ("de_inside", re.compile("的")),
    ("counted", _COUNTED),
    ("hedged_number", _HEDGED),
    ("negation_inside", _NEGATED),  # “存得进、取不出”, “入不敷出”: a complaint quoted, not a name
    ("reduplicated", _REPEATED_RUN),  # 一条街一条街地
    ("adverbial_end", re.compile("[地得着了过]$")),
    ("place_inside", _PLACE_INSIDE),
)


_FUNCTION_TAGS = frozenset({"p", "c", "u", "uj", "ul", "uz", "ug", "ud", "uv"})  # prepositions, conjunctions, particles


@lru_cache(maxsize=16384)
def _name_features(name: str, lex: Lexicon) -> tuple[tuple[str, float], ...]:
    """What the name itself says: its length, numerals, marks, head noun, words and their tags."""
    cues, size = _cues(), len(name)
    feats = {f"len={size if size <= 3 else _bucket(size, ((7, '4-6'), (11, '7-10')), '11+')}": 1.0}
    feats.update({key: 1.0 for key, pattern in _NAME_PATTERNS if pattern.search(name)})
    if any(ch in NUMERALS for ch in name):
        feats["numeral"] = 1.0
        if name[0] in NUMERALS:
            feats["numeral_first"] = 1.0
    if name.endswith(cues.suffixes):
        feats["suffix_head"] = 1.0
    head = cues.heads.search(name)
    if head and head.end() == size:
        feats[f"head={head.group()}"] = 1.0
        feats[f"modifier_len={min(head.start(), 5)}"] = 1.0
    feats.update({f"{kind}_word_inside": 1.0 for kind in vocabulary_inside(name)})
    if name in cues.dictionary:
        feats["known_model"] = 1.0
    elif lex.is_word(name):
        feats["common_word"] = 1.0
    words = lex.cut_tagged(name)
    if any(tag in ("i", "l") for _, tag in words) or any(
        (_ordinary_tag(name[i : i + 4]) or "n") not in ("n", "j") for i in range(size - 3)
    ):
        feats["idiom"] = 1.0
    feats[f"last_tag={words[-1][1][:2]}"] = 1.0
    feats[f"first_tag={words[0][1][:2]}"] = 1.0
    if any(tag in _FUNCTION_TAGS for _, tag in words[1:-1]):
        feats["function_word_inside"] = 1.0  # 社会组织在联合国人权理事会: a clause cut out, not a name
    if "counted" in feats and words[-1][1][:1] in ("v", "d", "a", "r"):
        feats["counted_verb"] = 1.0  # 三个务必, 三个更加: a count of duties or attitudes, no arrangement
    return tuple(feats.items())


def _context_features(text: str, group: CandidateGroup, in_quotes: list[bool]) -> dict[str, float]:
    """What the words around the mentions say: a verb that sets it up, a model noun, a gloss, a complaint.

    ``in_quotes``: per mention, whether it is quoted.
    """
    cands = group.candidates
    quoted = any(in_quotes)
    # Past the closing quote of a quoted mention, before its opening one.
    ends = [c.end + q for c, q in zip(cands, in_quotes, strict=True)]
    starts = [c.start - q for c, q in zip(cands, in_quotes, strict=True)]
    tests = {
        "model_noun_after": any(_context_after(text, end) for end in ends),
        "adopting_verb_before": any(_trigger_before(text, start) for start in starts),
        "adhering_verb_before": any(_adhering_before(text, start) for start in starts),
        "defined": any(_DEFINED.match(text, end) for end in ends),
        "counted_out": any(_counted_out(text, group.name, end) for end in ends),
        "prose_pattern": not quoted and bool(_cues().reject_unquoted.search(group.name)),
        "problem_cue_before": any(_PROBLEM_CUE.search(text, max(0, c.start - 12), c.start) for c in cands),
        # “人人参与、人人尽力、人人共享”的新型社区: it describes, it names nothing.
        "de_after": all(text[c.end : c.end + 2].lstrip("”」』").startswith("的") for c in cands),
        # “草根文化社”、“工福晴雨”服务队等社会组织: bodies, not arrangements.
        "organisation_listed": any(_ORGANISATIONS_AFTER.match(text, c.end) for c in cands),
        # 推行在职党员“双报到”: an unquoted phrase right before a quote qualifies the quoted name.
        "quote_after": not quoted and any(text[c.end : c.end + 1] in _OPEN_QUOTES for c in cands),
        # 从“自发生长”向“有序发展”转变, 从“单打独斗”到“协同作战”: a before and an after state, no arrangement.
        "from_to": any(_state_change(text, c) for c, q in zip(cands, in_quotes, strict=True) if q),
    }
    feats = {key: 1.0 for key, found in tests.items() if found}
    feats.update({f"sentence_{kind}_word": 1.0 for kind in _sentence_vocabulary(text, group)})
    if any(_place_before(text, c.start) for c in cands):
        feats["place_before"] = 1.0  # 江西大余建立“时间银行”: a place's own; 坚持“动态清零”: nobody's
    return feats


_STATE_CHANGE = "向|到|转向|转为|变为|变成|迈向|走向"
_FROM_SLOT = re.compile(r"从“([^“”\n]{1,20})”$")
_TO_SLOT = re.compile(rf"(?:{_STATE_CHANGE})“([^“”\n]{{1,20}})”")
_FROM_BEFORE_TO = re.compile(rf"(?:{_STATE_CHANGE})$")


def _from_to_partner(text: str, cand: _Candidate) -> str | None:
    """The other state when the quoted mention is either state of 从“A”向/到“B”, else None."""
    start = cand.start if text[cand.start : cand.start + 1] in _OPEN_QUOTES else cand.start - 1
    close = text.find("”", cand.end - 1, cand.end + 2)
    if close < 0:
        return None
    if text[start - 1 : start] == "从" and (after := _TO_SLOT.match(text, close + 1)):
        return after.group(1)
    before = text[max(0, start - 30) : start]
    to = _FROM_BEFORE_TO.search(before)
    earlier = _FROM_SLOT.search(before[: to.start()]) if to else None
    return earlier.group(1) if earlier else None


def _state_change(text: str, cand: _Candidate) -> bool:
    """从“单打独斗”到“协同作战”: two states of the case, no arrangement; 从“接诉即办”到“未诉先办”, from a
    known model, is the next model."""
    partner = _from_to_partner(text, cand)
    return partner is not None and _clean(partner) not in _cues().dictionary


# “三统一”:统一房价、统一服务、统一管理; “三问”工作法:改造前问需……;改造后问效: a numeral slogan is
# followed by as many items as it counts. A counted phrase (三年行动, 两国人民) lists nothing after it.
# The items may be glossed after a head noun (工作法, 调解法) and a colon, 即 or a comma.
_COUNT_OUT_START = re.compile(r"[\u4e00-\u9fff]{0,4}?(?::|,?即|,)")  # text normalized: ASCII : , ;
_COUNT_OUT_WINDOW = 200
_ITEM_STEP = re.compile(r"第[一二三四五六七八九十]+步|[一二三四五六七八九十]+是")


def _numeral_values(name: str) -> set[int]:
    """The counts a numeral slogan promises: its first numeral (三统一: 3) and all of them (三听三说: 6)."""
    values = [SMALL_CHINESE[ch] for ch in name if ch in SMALL_CHINESE]
    if not values or name[0] not in SMALL_CHINESE:
        return set()
    return {v for v in (values[0], sum(values)) if 2 <= v <= 12}


def _counted_out(text: str, name: str, end: int) -> bool:
    promised = _numeral_values(name)
    if not promised:
        return False
    start = _COUNT_OUT_START.match(text, end)
    if start is None:
        return False
    sentence_end = _SENTENCE_PUNCT.search(text, start.end(), start.end() + _COUNT_OUT_WINDOW)
    rest = text[start.end() : sentence_end.start() if sentence_end else start.end() + _COUNT_OUT_WINDOW]
    rest = rest.split("\n", 1)[0]
    semis, commas = rest.count(";"), rest.count("、")
    counts = {len(_ITEM_STEP.findall(rest))}
    if semis:
        counts.add(semis + 1)
    if commas:
        counts.add(commas + 1)
    if semis and commas:
        counts.add(semis + commas + 1)
    return bool(counts & promised)


_LOCAL_UNIT = re.compile("社区|村|街道|小区|乡镇")


def _place_before(text: str, pos: int) -> bool:
    """A division of the gazetteer, or a community or village, earlier in the clause of ``pos``."""
    from .places import names_a_division

    floor = max(0, pos - 40)
    start = max((m.end() for m in _CLAUSE_END.finditer(text, floor, pos)), default=floor)
    clause = text[start:pos]
    return bool(_LOCAL_UNIT.search(clause)) or names_a_division(clause)


_CLAUSE_END = re.compile(r"[。!?;\n]")


_SENTENCE_KINDS = ("governance", "other_news", "national", "market", "campaign")


def _sentence_vocabulary(text: str, group: CandidateGroup) -> set[str]:
    """The relevance vocabularies with a word in a sentence that names it, outside the name: 一老一小 read
    in a sentence of 总书记 and 党中央, 医保基金 in one of 基金 and 结算, 时间银行 in one of 村民 and 志愿."""
    from ..relevance import vocabulary_count

    kinds: set[str] = set()
    for c in group.candidates:
        floor = max(0, c.start - 120)
        start = max((m.end() for m in _SENTENCE_PUNCT.finditer(text, floor, c.start)), default=floor)
        stop = _SENTENCE_PUNCT.search(text, c.end, c.end + 120)
        around = text[start : c.start] + "," + text[c.end : stop.start() if stop else c.end + 120]
        kinds.update(kind for kind in _SENTENCE_KINDS if vocabulary_count(kind, around))
    return kinds


def _document_features(doc: Structure, group: CandidateGroup) -> dict[str, float]:
    """Where in the document, and what kind of document: layout, governance vocabulary, quoting habit."""
    text = doc.text
    if len(text) < SHORT_TEXT:
        # A sentence or two: no layout and no density to go by, but a word can still tell the genre
        # (居民, 社区 against 外长, 股市, 党中央).
        feats = {"short_text": 1.0}
        feats.update({f"short_{kind}_word": 1.0 for kind in vocabulary_inside(text)})
        return feats
    feats: dict[str, float] = {}
    if group.shortest_paragraph <= 30:
        feats["in_short_line"] = 1.0
    if group.candidates[0].start < 0.2 * len(text):
        feats["early"] = 1.0
    governance, other_news, national = _densities(text)
    feats[f"governance_words={_bucket(governance, ((GOVERNANCE_TEXT, '<5'), (15, '5-15')), '15+')}"] = 1.0
    if other_news >= governance:
        feats["other_news_text"] = 1.0
    if national >= NATIONAL_TEXT:
        feats["national_text"] = 1.0
    elif national > 0:
        feats["national_word"] = 1.0  # a national outlet's lead (央视网消息) or one mention of the centre
    feats[f"quotes_in_text={_bucket(_quote_count(text), ((6, '0-5'), (16, '6-15')), '16+')}"] = 1.0
    return feats


def group_features(doc: Structure, group: CandidateGroup, lex: Lexicon) -> dict[str, float]:
    """Named features of one candidate name (the mechanism model's input; see models/mechanism_model.md)."""
    hows = {c.how for c in group.candidates}
    feats: dict[str, float] = {f"how={how}": 1.0 for how in hows}
    if hows & _RULE_KINDS:
        feats["rule"] = 1.0
    for c in group.candidates:
        if c.how == "triggered" and (verb := _trigger_word(doc.text, c.start)):
            feats[f"trigger={verb}"] = 1.0
    if hows == {"triggered"} and group.mentions == 1:
        # A verb's object named once and by no other scan: added expecting plain policy (组建网格党支部), it
        # learnt +0.28 against how=triggered's -0.35 (a name set up by 推行 is often told once).
        feats["triggered_once"] = 1.0
    in_quotes = [_quoted_mention(doc.text, c) for c in group.candidates]
    quoted = any(in_quotes)
    feats["quoted" if quoted else "unquoted"] = 1.0
    if quoted:
        # What a quoted phrase ends in tells a programme from a quote: 时间储蓄卡, 红骑先锋队, 红黑榜 against
        # 出行难, 大家商量着办. Learnt per character from the gold (LODO 0.8435/0.7174 -> 0.8487/0.7266 at 0.6).
        feats[f"quoted_last_char={group.name[-1]}"] = 1.0
    feats["mentions"] = math.log(group.mentions)
    if group.mentions >= 2:
        feats["repeated_mention"] = 1.0
    feats.update(_name_features(group.name, lex))
    feats.update(_context_features(doc.text, group, in_quotes))
    feats.update(_document_features(doc, group))
    # The same shape reads differently by genre: a quoted slogan or an A+B in a community's report is
    # its arrangement, in a story of the leadership or of markets a formula or a business model.
    genre = _genre(doc.text)
    for shape in _GENRE_SHAPES:
        if shape in feats:
            feats[f"{shape}@{genre}"] = 1.0
    return feats


_GENRE_SHAPES = (
    "quoted",
    "unquoted",
    "plus",
    "listed",
    "counted",
    "numeral_first",
    "suffix_head",
    "rule",
    "how=triggered",
)


@lru_cache(maxsize=64)
def _genre(text: str) -> str:
    """short | news | governance: the kind of text the names are read in, from the same densities as
    the document features."""
    if len(text) < SHORT_TEXT:
        return "short"
    governance, other_news, national = _densities(text)
    if national >= NATIONAL_TEXT or other_news >= governance or governance < GOVERNANCE_TEXT:
        return "news"
    return "governance"


def mechanisms(
    ctx: DocumentContext, *, min_confidence: float = 0.0, model: MechanismModel | None = None
) -> Iterator[Mechanism]:
    """Yield one record per distinct mechanism named in the document's body, in order of first mention.

    Every name the scans propose is scored by the mechanism model; its
    probability is the record's confidence.

    Args:
        ctx: the document; spans refer to ``ctx.body.text``, words are ``ctx.lexicon``'s.
        min_confidence: drop mechanisms whose confidence is below this value
            (on top of the model's own threshold).
        model: a mechanism model (default: the shipped models/mechanism_model.json).
    """
    model = model or default_model()
    doc, lex = ctx.body, ctx.lexicon
    scored = [(g, model.probability(group_features(doc, g, lex))) for g in candidate_groups(doc, lex)]
    short = len(doc.text) < SHORT_TEXT and model.short_threshold is not None
    threshold = model.short_threshold if short else model.threshold
    yield from select(doc, scored, max(threshold, min_confidence))


def kept_for_label(found: list[Mechanism], label: str, related_threshold: float | None) -> list[Mechanism]:
    """The records a document keeps once the relevance model has labelled it.

    A name the model proposes in a text read as unrelated news (无关) is a slogan, a trade programme or a
    brand far more often than an arrangement (on the real TV-news feed: 12 of 32 right, where the
    dictionary's known models were 49 of 49): only the known ones stay. A story of 相关报道 (policy news,
    roundups, profiles) quotes national programmes and formulas beside arrangements: its names need the
    mechanism model's stricter ``related_threshold``, chosen leave-one-document-out on such stories (None:
    the model has none).
    """
    from ..relevance import RELATED, UNRELATED

    if label == UNRELATED:
        return [m for m in found if is_known(m.name)]
    if label == RELATED and related_threshold is not None:
        return [m for m in found if is_known(m.name) or m.confidence >= related_threshold]
    return found


def select(doc: Structure, scored: list[tuple[CandidateGroup, float]], threshold: float) -> list[Mechanism]:
    """The records of the names scored at or above ``threshold``, less those only ever part of a longer one."""
    text = doc.text
    # A name of the dictionary (corpus/mechanisms.txt) is a known model wherever it is named.
    accepted = [(g, p) for g, p in scored if p >= threshold or any(c.how == "dictionary" for c in g.candidates)]
    spans = {g.name: [(c.start, c.end) for c in g.candidates] for g, _ in accepted}
    kept = {g.name: g.candidates for g, _ in accepted}
    parts = _only_parts(spans) | _chain_parts(kept, text, {g.name for g, _ in scored}) | _heads_of_longer(kept)
    records = []
    for group, probability in accepted:
        if group.name in parts:
            continue  # only ever part of a longer name: 双轨制 inside 分类管理、三级管辖、双轨制管理
        definition = next(filter(None, (_definition(text, c.end) for c in group.candidates)), None)
        first = group.candidates[0]
        records.append(
            Mechanism(
                doc_id=doc.doc_id,
                start=first.start,
                end=first.end,
                name=group.name,
                definition=definition,
                mentions=group.mentions,
                confidence=round(probability, 3),
            )
        )
    return sorted(records, key=lambda m: m.start)
