"""The chooser's named features: a candidate's score is the sum of the weights of those that fire."""

from __future__ import annotations

import bisect
import re

from ..records import Change, Extraction, Figure, Structure
from .candidates import _COUNT_SUFFIXES, _Candidate
from .cues import LEVEL_WORDS, LEVELS, _cues, _level_scope, _short
from .place import CasePlace

HEAD_MISFIT = -3.0  # _head_fit of a subject whose counted noun is another thing


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
    from ..compare import load_indicators

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
    from ..compare import load_indicators

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
