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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from ..records import Change, Document, Extraction, Place, Structure, source_stem
from .candidates import _Candidate, candidates, implied_candidates
from .cues import LEVEL_NAMES, LEVEL_WORDS, LEVELS, NOT_FOUND, _cues, _minimums
from .features import HEAD_MISFIT, WEIGHTS, _Context, _head_fit, explain, features
from .place import CasePlace, _sentences, case_place, settle_place, title_level

__all__ = [
    "LEVELS",
    "LEVEL_NAMES",
    "LEVEL_WORDS",
    "NOT_FOUND",
    "WEIGHTS",
    "CaseHead",
    "CasePlace",
    "CaseProfile",
    "ProfileValue",
    "candidates",
    "case_heads",
    "case_place",
    "case_profile",
    "explain",
    "features",
    "implied_candidates",
    "scored_candidates",
    "stored_profiles",
]

MIN_SCORE = -1.0
LARGEST_BONUS = 0.6


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
        from ..compare import format_number, format_quantity

        if self.value is None:
            return NOT_FOUND
        if self.before is not None:
            return f"{format_number(self.before)}→{format_number(self.value)}{self.unit}"
        return format_quantity(self.value, self.unit, self.approx)


@dataclass(frozen=True)
class CaseHead:
    """A case's own place, title and sources: the profile without its indicators, which is all a
    comparison needs to find, label and order its rows (``case_heads`` reads it without the text)."""

    doc_id: str
    stem: str
    place: CasePlace
    title: str | None = None
    published: str | None = None
    source: str | None = None
    link: str | None = None


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

    @property
    def head(self) -> CaseHead:
        return CaseHead(self.doc_id, self.stem, self.place, self.title, self.published, self.source, self.link)

    def to_gold(self) -> dict:
        """The profile block of the gold schema (corpus/gold/SCHEMA.md, "profile")."""
        from ..export import _number

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


def scored_candidates(
    document: Document, structure: Structure | None, extraction: Extraction
) -> tuple[_Context, dict[str, list[_Candidate]]]:
    """Per indicator, the candidates that may be the case's value, each with its features and score.

    A plan or target (力争, 下一步, the plans section) is never eligible (it stays in the details), nor
    a venue's area that is neither a total nor the venue the title is about. The largest of the rest
    gets the feature ``largest`` (a case's total is at least any of its parts), except for money.
    """
    from ..compare import load_indicators

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
    from ..compare import load_indicators

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
    return CaseProfile(
        doc_id=document.doc_id,
        stem=document.stem,
        place=place,
        title=meta.title,
        published=meta.published,
        source=meta.source,
        link=_link(document.aliases),
        values=values,
        details=[_value(c, ctx, 0) for cands in by_indicator.values() for c in cands],
    )


def _link(aliases: Sequence[str]) -> str | None:
    """The source's web address, else its first path."""
    link = next((a for a in aliases if a.startswith(("http://", "https://"))), None)
    return link or (aliases[0] if aliases else None)


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


def stored_profiles(store, doc_ids: Iterable[str] | None = None) -> Iterator[CaseProfile]:
    """Profiles of stored documents (all, in store order, or ``doc_ids``)."""
    ids = list(doc_ids) if doc_ids is not None else store.doc_ids()
    for document, structure, extraction in store.profile_sources(ids):
        yield case_profile(document, structure, extraction)


def case_heads(store, rows: Sequence, aliases: Mapping[str, Sequence[str]]) -> list[CaseHead]:
    """The heads of the documents of ``rows`` (readmodel.DocumentPlace: the documents table's title,
    source, date and primary place), equal to their profiles' ``head``. The text is read only for the
    few whose title names a coarser place than the primary one (``settle_place``)."""
    keys = [(tuple(r), tuple(aliases.get(r.doc_id, ()))) for r in rows]
    texts = [r.doc_id for r in rows if title_level(_primary(tuple(r)), r.title)]
    sentences = {
        doc.doc_id: list(_sentences(doc.text, structure)) for doc, structure, _ in store.profile_sources(texts)
    }
    heads = []
    for row, names in keys:
        if row[0] in sentences:
            head = _head(row, names)
            place = settle_place(head.place, head.title, lambda d=row[0]: sentences[d])
            heads.append(replace(head, place=place))
        else:
            heads.append(_head(row, names))
    return heads


@lru_cache(maxsize=65_536)
def _primary(row: tuple) -> CasePlace:
    doc_id, title, source, published, *chain = row
    return CasePlace.from_place(Place(doc_id, 0, 0, *chain))


@lru_cache(maxsize=65_536)
def _head(row: tuple, aliases: tuple[str, ...]) -> CaseHead:
    """A head from its documents row alone (the case at its primary place's level), kept per process:
    a row and its aliases say everything the head holds, and a comparison of a few cities builds
    thousands (~0.07 ms each)."""
    doc_id, title, source, published, *_ = row
    return CaseHead(doc_id, source_stem(doc_id, aliases), _primary(row), title, published, source, _link(aliases))
