"""The case profile: the case's own place and one value per indicator.

A report names many figures that map to one indicator (corpus/indicators.tsv):
the district's 110 communities, the 77 of them in urban villages, the 1000
wishes collected. The profile keeps the one that describes the case as a
whole: its subject is the case's place or programme, not a sub-area, a single
project, a per-unit amount or a plan. The choice reads general features of
the figure's clause and sentence (scope words 全区/共/累计, part words
其中/每个/单个, places named next to the number, the section it stands in,
its position), never strings of one report; the cue words live in
corpus/profile_cues.tsv. Where the text gives the indicator as a change
(由183家增长到769家), the profile shows both values.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

from .records import Change, Document, Extraction, Figure, Place, Structure
from .resources import read_lines

NOT_FOUND = "未找到"
LEVELS = ("province", "city", "district", "street", "community")  # coarse → fine
LEVEL_NAMES = {"province": "省份", "city": "城市", "district": "区县", "street": "街道", "community": "社区"}
# Words that name a level of place: 全区 is the whole district, 全社区 the whole community.
LEVEL_WORDS = {
    "province": ("省", "自治区"),
    "city": ("市", "州", "盟"),
    "district": ("区", "县", "旗"),
    "street": ("街道", "镇", "乡"),
    "community": ("社区", "村", "居委会"),
}
_PLACE_SUFFIXES = tuple(sorted({w for ws in LEVEL_WORDS.values() for w in ws}, key=len, reverse=True))
# Lower scores than this mean the best candidate is still not the case's figure.
MIN_SCORE = -1.0
LARGEST_BONUS = 0.6
HEAD_MISFIT = -3.0  # _head_fit of a subject whose counted noun is another thing
_COUNT_SUFFIXES = ("总数", "数量", "总量", "规模", "人员", "队伍", "数")
BEFORE_CHARS = 8  # how far before a number its counted noun may stand (社工师持证人员达553人)


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


@dataclass(frozen=True)
class ProfileValue:
    """One indicator of one case: the chosen figure, or not found (``value`` None)."""

    indicator: str  # 社工人数
    unit: str  # the indicator's unit (人); the value is converted into it
    value: float | None = None  # for a change, the later value
    approx: str | None = None  # 约, 多, 余 … as written
    before: float | None = None  # for a change, the earlier value
    text: str = ""  # the sentence the value was read from
    start: int | None = None  # span of the figure's clause (or the change) in the normalized text
    end: int | None = None
    subject: str | None = None
    others: int = 0  # further figures of this indicator in the report (shown in 指标明细)
    why: str = ""  # the chooser's reasons: score and the features that fired (指标明细, 依据)

    @property
    def found(self) -> bool:
        return self.value is not None

    @property
    def header(self) -> str:
        return f"{self.indicator}({self.unit})"

    @property
    def shown(self) -> str:
        """As a report writes it: 约1.3万人, 183→769家; 未找到 when there is none."""
        from .compare import format_number, format_quantity

        if self.value is None:
            return NOT_FOUND
        if self.before is not None:
            return f"{format_number(self.before)}→{format_number(self.value)}{self.unit}"
        return format_quantity(self.value, self.unit, self.approx)


@dataclass
class CaseProfile:
    doc_id: str
    stem: str
    place: CasePlace
    title: str | None = None
    published: str | None = None
    source: str | None = None
    link: str | None = None  # the source's web address, else its file path
    values: dict[str, ProfileValue] = field(default_factory=dict)  # indicator name → value, every indicator
    details: list[ProfileValue] = field(default_factory=list)  # every figure that maps to an indicator

    def value(self, indicator: str) -> ProfileValue:
        return self.values[indicator]

    def to_gold(self) -> dict:
        """The profile block of the gold schema (corpus/gold/SCHEMA.md, "profile")."""
        from .export import _number

        def one(v: ProfileValue) -> dict | None:
            if not v.found:
                return None
            return {
                "value": _number(v.value),
                "unit": v.unit,
                "approx": v.approx,
                "text": v.text,
                "from": _number(v.before) if v.before is not None else None,
                "to": _number(v.value) if v.before is not None else None,
                "start": v.start,
                "end": v.end,
            }

        return {"place": "/".join(self.place.chain), "indicators": {name: one(v) for name, v in self.values.items()}}


# -- cues ------------------------------------------------------------------------------------
@cache
def _cues() -> dict[str, tuple[str, ...]]:
    kinds: dict[str, list[str]] = {
        k: []
        for k in (
            "whole",
            "part",
            "plan",
            "own",
            "lever",
            "facts",
            "example",
            "generic",
            "group",
            "single",
            "facility",
            "everyone",
            "minimum",
        )
    }
    for line in read_lines("profile_cues.tsv"):
        kind, _, word = line.partition("\t")
        kinds.setdefault(kind.strip(), []).append(word.strip())
    return {k: tuple(v) for k, v in kinds.items()}


@cache
def _minimums() -> dict[str, float]:
    """Indicator → the least value a case's figure can have (minimum 资金投入=1000 in profile_cues.tsv)."""
    pairs = (w.partition("=") for w in _cues()["minimum"])
    return {name: float(value) for name, _, value in pairs}


def _short(name: str) -> str:
    """大和社区 → 大和, 青山区 → 青山: how reports refer back to a place."""
    for suffix in _PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def _level_scope(text: str) -> list[str]:
    """Levels a 全-scope word names: 全区 → district, 全街道 → street."""
    return [level for level, words in LEVEL_WORDS.items() if any(f"全{w}" in text for w in words)]


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
    if not full.level:
        return full
    title = extraction.metadata.title or ""
    finer = LEVELS.index(full.level)
    named = [lv for lv in LEVELS[:finer] if (n := full.at(lv)) and n != full.name and _mentions(title, n)]
    if not named or _mentions(title, full.name):
        return full
    level = named[-1]
    facts = _cues()["facts"]
    for sentence in _sentences(text, structure):
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


# -- candidates --------------------------------------------------------------------------------
_DELIMITERS = "、,,;;::。!?()()\n"


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
    from .compare import map_indicator

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
    from .compare import load_indicators, map_indicator

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
    from .compare import format_number

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
    from .compare import load_indicators

    words = words.rstrip("达为有共是约近超过")
    for suffix in _COUNT_SUFFIXES:
        if words.endswith(suffix):
            words = words[: -len(suffix)]
            break
    keywords = {k for r in load_indicators() for k in r.keywords if k != "*"}
    return any(k in words and len(words) - words.rfind(k) - len(k) <= 2 for k in keywords)


class _Context:
    """What the chooser reads around a figure: its sentence, section and the places named near it."""

    def __init__(self, text: str, structure: Structure | None, extraction: Extraction, place: CasePlace) -> None:
        self.text = text
        self.place = place
        self.title_bigrams = title_topic(extraction.metadata.title or "", place)
        sentences = structure.sentences if structure else []
        self._starts = [s.start for s in sentences]
        self._sentences = sentences
        self.has_sentences = bool(sentences)
        self._plans = [(s.start, s.end) for s in (structure.sections if structure else []) if s.kind == "plans"]
        chain = set(place.chain)
        # Places named in the report that are not the case's place nor one enclosing it.
        self.other_places = [
            (p.start, p.end)
            for p in extraction.places
            if (name := CasePlace.from_place(p).name) and name not in chain and p.end > p.start
        ]
        self.case_names = [n for n in {place.name, _short(place.name)} if n] if place.name else []
        finer = LEVELS.index(place.level) if place.level else len(LEVELS)
        self.coarser = list(LEVELS[:finer])
        self.coarser_names = [n for lv in self.coarser if (n := place.at(lv)) and n not in (place.name or "")]

    def sentence(self, start: int, end: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._starts, start) - 1
        if 0 <= i < len(self._sentences) and self._sentences[i].end >= start:
            return self._sentences[i].start, max(self._sentences[i].end, end)
        return start, end

    def in_plans(self, start: int) -> bool:
        return any(s <= start < e for s, e in self._plans)


# A number: digits, or Chinese numerals with their measure word (马鞍山市主城区之一 is no count).
_NUMBER = r"\s*(?:\d|[一二三四五六七八九十两百千万]+[个家名户人所座支处项条])"
_ORIGIN = ("来自", "从")  # 来自毕节、六盘水: places people came from, not the owner of the count
ORIGIN_CHARS = 12


# The chooser's features and their weights: a candidate's score is the sum of the weights of the
# features that fire (``features`` names them, so `explain` can say why a figure won).
WEIGHTS = {
    "change": 2.5,  # a before/after of the indicator is what a case reports about itself
    "case_named": 1.5,  # the case's place is named in the sentence before the figure
    "whole": 1.0,  # 共/累计/合计/下辖: a total
    "part": -2.5,  # 其中/每个/单个/最高: a part, a unit value or a limit
    "own_level_acts": 0.7,  # 街道每年安排…: the case's own level acts
    "own": 1.5,  # the case's own money or effort (安排, 财政)
    "lever": -1.5,  # money drawn from others (撬动, 配套)
    "plan": -3.0,  # a plan or a target
    "excluded": -2.0,  # 吸纳搬迁群众参与1600余人: the phrase says what the subject left out
    "scope_own": 2.0,  # 全街道 for a street
    "scope_coarser": -3.0,  # 全市 for a street: another, larger place
    "scope_other": -1.0,
    "coarser_owner": -3.0,  # 龙华区110个社区 is the district's count
    "other_place": -2.5,  # another community or street named before the number
    "example": -2.5,  # 以加装电梯为例…: one instance told as an example, not the case as a whole
    "finer_subject": -1.5,  # 社区年活动经费 in a district's report: each sub-area's amount
    "title_topic": 1.0,  # the sentence names the title's programme (院落治理专项经费): the case's own
    # 小组活动: group-work sessions rank below activities for the whole community when both are given
    # (more than LARGEST_BONUS, which the larger group count may carry)
    "group": -1.0,
    "everyone": 1.0,  # 服务居民9万余人次: the people served are everyone (居民, 群众), not one group (学生)
    "qualified": -2.5,  # 成立业委会的小区: only those of the case's things that did something
    "implied": -1.0,  # a count implied without a number (全覆盖, the place's own station): written counts first
}


def features(c: _Candidate, ctx: _Context) -> dict[str, float]:
    """The named features of one candidate with their weighted values (see WEIGHTS)."""
    rec = c.record
    s_start, _ = ctx.sentence(rec.start, rec.end)
    lead = ctx.text[s_start : rec.end]  # the sentence up to the figure: who owns it is said before it
    on = {**_word_features(c, ctx, lead), **_place_features(c, ctx, lead, s_start)}
    if "case_named" in on:
        on.pop("example", None)  # 以社区服务社会化项目为例,苏州…累计投入: an example across the case's own place
    out = {name: WEIGHTS[name] * n for name, n in on.items()}
    if fit := _head_fit(c):
        out["head_fit"] = fit
    # The opening describes the case (辖区面积…常住人口…): a small preference, read as a share of the text.
    out["position"] = 0.3 * (1.0 - min(1.0, rec.start / max(1, len(ctx.text))))
    return out


def _word_features(c: _Candidate, ctx: _Context, lead: str) -> dict[str, float]:
    """Features read from cue words of corpus/profile_cues.tsv and the indicator's exclusions."""
    from .compare import load_indicators

    rec, cues, clause = c.record, _cues(), _clause(c.record)
    exclusions = {x for r in load_indicators() if r.name == c.rule_name for x in r.exclusions}
    # An example is announced in the sentence itself or in the paragraph's opening clause (以加装电梯为例,…).
    paragraph = ctx.text[ctx.text.rfind("\n", 0, rec.start) + 1 : rec.start]
    opening = re.split(r"[,,。;;]", paragraph, maxsplit=1)[0]
    fired = {
        "change": isinstance(rec, Change),
        # 常住 is a total word, but not inside the indicator's own name (常住人口1.3万多 is any place's).
        "whole": any(w in _without_keywords(clause, c.keywords) for w in cues["whole"]),
        "part": any(w in clause for w in cues["part"]),
        "own_level_acts": any(clause.startswith(w) for w in LEVEL_WORDS.get(ctx.place.level or "", ())),
        "own": any(w in c.window or w in clause for w in cues["own"]),
        "lever": c.unit == "元" and any(w in clause for w in cues["lever"]),
        "example": any(w in lead or w in opening for w in cues["example"]),
        "finer_subject": _finer_subject(c, ctx, clause),
        "group": any(w in c.window for w in cues["group"]),
        "title_topic": _shared_bigrams(lead, ctx.title_bigrams) >= 2,
        "plan": ctx.in_plans(rec.start) or any(w in clause for w in cues["plan"]),
        "excluded": any(x in c.window or x in _clause_before(rec, clause) for x in exclusions),
        "implied": c.implied,
        "qualified": _qualified(c),
        "everyone": c.unit == "人次" and (c.record.subject or "").strip() in cues["everyone"],
    }
    return {name: 1.0 for name, yes in fired.items() if yes}


def _place_features(c: _Candidate, ctx: _Context, lead: str, s_start: int) -> dict[str, float]:
    """Features of who owns the figure: the case's place, a coarser one, another one."""
    rec = c.record
    on: dict[str, float] = {}
    # A quoted name (“雨山邻里公益基金”, “三江口社区微基金”) is a programme named after the place, not its owner.
    if any(n in _QUOTED.sub("", lead) for n in ctx.case_names):
        on["case_named"] = 1.0
    for level in _level_scope(lead):
        key = "scope_own" if level == ctx.place.level else ("scope_coarser" if level in ctx.coarser else "scope_other")
        on[key] = on.get(key, 0.0) + 1.0
    if _coarser_owner(lead, ctx):
        on["coarser_owner"] = 1.0
    if any(
        (rec.start <= s and e <= rec.end or s_start <= s and e <= rec.start)
        and not any(w in ctx.text[max(s_start, s - ORIGIN_CHARS) : s] for w in _ORIGIN)
        for s, e in ctx.other_places
    ):
        on["other_place"] = 1.0
    return on


_QUOTED = re.compile(r"“[^”]*”|「[^」]*」|‘[^’]*’")
_BOX_SEPARATORS = "|｜"  # a data box (【数说…】社区社会组织 47家|持证社工 63名|…) lists one figure per cell


def _clause(rec: Figure | Change) -> str:
    """The figure's clause, cut to its own cell when the clause is a row of a data box."""
    text = rec.text or ""
    raw = getattr(rec, "raw", None) or ""
    at = text.find(raw) if raw else -1
    if at < 0 or not any(sep in text for sep in _BOX_SEPARATORS):
        return text
    lo = max(text.rfind(sep, 0, at) for sep in _BOX_SEPARATORS) + 1
    his = [i for sep in _BOX_SEPARATORS if (i := text.find(sep, at)) >= 0]
    return text[lo : min(his) if his else len(text)]


def _qualified(c: _Candidate) -> bool:
    """Whether the subject is the indicator's thing qualified by a clause (成立业委会的小区, 已建基金的村).

    A bare verb before 的 (招募的志愿者, 培育的组织) says how all of them came, not which of them.
    """
    subject = c.record.subject or ""
    at = subject.rfind("的")
    return at >= 3 and any(subject[at + 1 :].startswith(k) for k in c.keywords if k != "*")


def _without_keywords(text: str, keywords: tuple[str, ...]) -> str:
    for k in sorted((k for k in keywords if k != "*"), key=len, reverse=True):
        text = text.replace(k, " ")
    return text


def _clause_before(rec: Figure | Change, clause: str) -> str:
    """The clause up to the number, from the last list comma (全村累计拆除违章搭建和废弃旱厕|1.2万平方米):
    what was done to the thing counted, not to the list's other items."""
    raw = getattr(rec, "raw", "")
    at = clause.find(raw) if raw else -1
    return clause[clause.rfind("、", 0, at) + 1 : at] if at > 0 else ""


def _coarser_owner(lead: str, ctx: _Context) -> bool:
    """Whether a coarser place stands right before the number (龙华区110个社区), and not only before
    the case's own name (宜昌市西陵区辖7个街道: 西陵区 is the case)."""
    for name in ctx.coarser_names:
        for m in re.finditer(re.escape(name) + r"([^,,;;。、]{0,4}?)(?:下?辖|共有|有)?" + _NUMBER, lead):
            if not any(n in m.group(1) for n in ctx.case_names):
                return True
    return False


def _finer_subject(c: _Candidate, ctx: _Context, clause: str) -> bool:
    """Whether a sum of money is each sub-area's: its subject opens with a level finer than the case's
    (社区年活动经费 in a district's report) and the clause gives no total (累计, 共).

    Counts are left alone: 7个街道社工站 in a district's report is the district's count; so is a
    compound that an indicator names (社区社会组织公益创投资金 is money for community organisations).
    """
    from .compare import load_indicators

    subject = (c.record.subject or "").strip()
    if c.unit != "元" or not subject or not ctx.place.level or any(w in clause for w in _cues()["whole"]):
        return False
    finer = [w for lv in LEVELS[LEVELS.index(ctx.place.level) + 1 :] for w in LEVEL_WORDS[lv]]
    level = next((w for w in finer if subject.startswith(w)), None)
    compounds = {k for r in load_indicators() for k in r.keywords if len(k) > len(level or "")}
    return level is not None and not any(subject.startswith(k) for k in compounds)


def _bigrams(text: str) -> set[str]:
    return {a + b for run in re.findall(r"[\u4e00-\u9fff]+", text) for a, b in zip(run, run[1:], strict=False)}


def _shared_bigrams(text: str, title_bigrams: set[str]) -> int:
    return len(_bigrams(text) & title_bigrams)  # quoted names count: “石榴籽家园” is the title's “石榴籽”


def title_topic(title: str, place: CasePlace) -> set[str]:
    """The title's words for the case's programme, as character pairs: the title without the case's
    place names and without the genre's common words (corpus/profile_cues.tsv, generic)."""
    common = {*place.chain, *_cues()["generic"]}
    return {b for b in _bigrams(_QUOTED.sub(lambda m: m.group(0)[1:-1], title)) if not any(b in w for w in common)}


def _score(c: _Candidate, ctx: _Context) -> float:
    return sum(features(c, ctx).values())


def _head_fit(c: _Candidate) -> float:
    """Whether the number counts the indicator's own thing, not something else its subject names.

    社区停车位 and 城中村百姓愿景 name a community, but count parking spaces and wishes.
    """
    words = c.mapped_by.strip()  # empty unless the subject mapped: the words around a number end in it
    keywords = [k for k in c.keywords if k != "*"]
    if not words or not keywords or c.unit == "元":
        return 0.0  # a sum of money is named by what it pays for (区财政投入购买社工服务)
    for suffix in _COUNT_SUFFIXES:
        if words.endswith(suffix) and len(words) > len(suffix):
            words = words[: -len(suffix)]
            break
    found = [k for k in keywords if k in words]
    if not found:
        return 0.0
    tail = min(len(words) - words.rfind(k) - len(k) for k in found)
    return 0.5 if tail == 0 else (-0.5 if tail <= 2 else -3.0)


def scored_candidates(
    document: Document, structure: Structure | None, extraction: Extraction
) -> tuple[_Context, dict[str, list[_Candidate]]]:
    """Per indicator, the candidates that may be the case's value, each with its features and score.

    A plan or target (力争, 下一步, the plans section) is never eligible (it stays in the details), nor
    a venue's area that is neither a total nor the venue the title is about. The largest of the rest
    gets the feature ``largest`` (a case's total is at least any of its parts), except for money.
    """
    from .compare import load_indicators

    place = case_place(document.text, structure, extraction)
    ctx = _Context(document.text, structure, extraction, place)
    found: dict[str, list[_Candidate]] = {}
    for cand in [*candidates(document.text, extraction), *implied_candidates(document.text, extraction, place)]:
        if _head_fit(cand) <= HEAD_MISFIT:
            continue  # 社区停车位: the subject names a community but counts parking spaces
        cand.features = features(cand, ctx)
        found.setdefault(cand.rule_name, []).append(cand)
    units = {r.name: r.unit for r in load_indicators()}
    for name, cands in found.items():
        eligible = [c for c in cands if "plan" not in c.features]
        floor = _minimums().get(name)
        if floor is not None:
            # Unit fit: 补贴3元 or 每平方米0.35元 is a price or a rate, not what a case spends.
            eligible = [c for c in eligible if c.value >= floor]
        if name in _cues()["facility"]:
            # One venue's area (一间约六十平方米的议事厅) describes the case only as its total (共整合…8600余平方米)
            # or as the venue the title is about (社工站“扎根”社区: the station's 260 square metres).
            eligible = [c for c in eligible if {"whole", "scope_own", "title_topic"} & c.features.keys()]
        # The largest of several is their total; a lone candidate has nothing to be larger than.
        if len(eligible) > 1 and units.get(name) != "元":  # sums of money are different pots, not parts of one total
            max(eligible, key=lambda c: c.value).features["largest"] = LARGEST_BONUS
        for c in cands:
            c.eligible = c in eligible
            c.score = sum(c.features.values())
    return ctx, found


def case_profile(document: Document, structure: Structure | None, extraction: Extraction) -> CaseProfile:
    """The profile of one stored case.

    Every indicator of corpus/indicators.tsv gets a value: the eligible candidate with the best
    score (see ``scored_candidates``) when it scores at least MIN_SCORE, else ``NOT_FOUND``
    (``value`` None); ties go to the earlier figure.
    """
    from .compare import load_indicators

    ctx, by_indicator = scored_candidates(document, structure, extraction)
    place = ctx.place
    values: dict[str, ProfileValue] = {}
    for rule in load_indicators():
        if rule.name in values:
            continue
        found = by_indicator.get(rule.name, [])
        best = max((c for c in found if c.eligible), key=lambda c: (c.score, -c.record.start), default=None)
        if best is None or best.score < MIN_SCORE:
            values[rule.name] = ProfileValue(rule.name, rule.unit, others=len(found))
            continue
        values[rule.name] = _value(best, ctx, len(found) - 1)
    meta = extraction.metadata
    link = next((a for a in document.aliases if a.startswith(("http://", "https://"))), None)
    return CaseProfile(
        doc_id=document.doc_id,
        stem=document.stem,
        place=place,
        title=meta.title,
        published=meta.published,
        source=meta.source,
        link=link or (document.aliases[0] if document.aliases else None),
        values=values,
        details=[_value(c, ctx, 0) for cands in by_indicator.values() for c in cands],
    )


def _value(c: _Candidate, ctx: _Context, others: int) -> ProfileValue:
    rec = c.record
    s_start, s_end = ctx.sentence(rec.start, rec.end)
    before = rec.from_value * c.factor if isinstance(rec, Change) else None
    approx = None if isinstance(rec, Change) else rec.approx
    return ProfileValue(
        indicator=c.rule_name,
        unit=c.unit,
        value=c.value,
        approx=approx,
        before=before,
        text=ctx.text[s_start:s_end].strip() if ctx.has_sentences else rec.text,
        start=rec.start,
        end=rec.end,
        subject=rec.subject,
        others=others,
        why=explain(c),
    )


# The features as a researcher reads them in 指标明细 (依据).
FEATURE_LABELS = {
    "change": "前后变化",
    "case_named": "句中有本案地名",
    "whole": "总数词(共/累计)",
    "part": "部分词(其中/每个/单个)",
    "own_level_acts": "本级主体",
    "own": "本案投入词(安排/财政)",
    "lever": "撬动/配套资金",
    "plan": "计划/目标",
    "excluded": "排除词",
    "scope_own": "本级范围词(全区/全街道)",
    "scope_coarser": "上级范围词",
    "scope_other": "其他范围词",
    "coarser_owner": "上级地名在前",
    "other_place": "他处地名在前",
    "example": "举例段落",
    "finer_subject": "下级单位的金额",
    "title_topic": "与标题主题相同",
    "group": "小组活动",
    "everyone": "服务全体居民",
    "qualified": "限定主语(…的小区)",
    "implied": "文中无数字(推得)",
    "head_fit": "计数对象相符",
    "largest": "同类中最大",
}


def explain(c: _Candidate) -> str:
    """得分 2.41:本案投入词(安排/财政)+1.5、本级主体+0.7 … (position, a small tie-breaker, left out)."""
    parts = [f"{FEATURE_LABELS.get(k, k)}{v:+.1f}" for k, v in c.features.items() if k != "position" and v]
    eligible = "" if c.eligible else "(不参选)"
    return f"得分 {c.score:.2f}{eligible}:" + ("、".join(parts) if parts else "无")


def stored_profiles(store, doc_ids: Iterable[str] | None = None) -> Iterator[CaseProfile]:
    """Profiles of stored documents (all, in store order, or ``doc_ids``)."""
    for doc_id in doc_ids if doc_ids is not None else store.doc_ids():
        yield case_profile(store.get_document(doc_id), store.get_structure(doc_id), store.get_extraction(doc_id))
