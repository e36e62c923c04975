"""Typed records that flow between the pipeline's stages.

Every record that points into a document carries ``doc_id`` and a
``(start, end)`` character span into the document's *normalized* text
(``Document.text``), so any table row can be traced to its sentence:
``doc.text[rec.start:rec.end]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

SECTION_KINDS = ("background", "measures", "outcomes", "lessons", "problems", "other", "references", "plans")


# The kind strings as enums. str-valued (each member is its value and equals the plain string),
# so stored rows, JSON, the CLI's choices and records read back as plain strings are unchanged.
class MeasureKind(StrEnum):
    """What a measure record states: a practice (做法), an outcome (成效), a lesson (经验)."""

    MEASURE = "measure"
    OUTCOME = "outcome"
    LESSON = "lesson"


class RecordName(StrEnum):
    """A record kind's name (pipeline.kinds): the records table's ``kind`` and the web's highlight kind."""

    FIGURE = "figure"
    CHANGE = "change"
    MECHANISM = "mechanism"
    MEASURE = "measure"
    PLACE = "place"


MEASURE_KINDS: tuple[MeasureKind, ...] = tuple(MeasureKind)


@dataclass
class Document:
    """One normalized case report, as stored."""

    doc_id: str
    text: str  # the normalized text every span refers to
    script: str = "simplified"  # script of the source: simplified | traditional
    source_format: str = "txt"  # txt | md | html | docx | pdf
    aliases: list[str] = field(default_factory=list)  # every path/URL this text came from
    raw_hash: str = ""  # sha256 of the first source's bytes
    content_hash: str = ""  # sha256 of the normalized text
    title_hint: str | None = None  # title from page metadata (html/docx/pdf), if any
    published_hint: str | None = None  # publish date from page metadata, if any
    ingested_at: str = ""

    @property
    def stem(self) -> str:
        """File stem of the first source (the gold files are named after it)."""
        return source_stem(self.doc_id, self.aliases)


def source_stem(doc_id: str, aliases: Sequence[str]) -> str:
    """File stem of a document's first source, else its id."""
    from pathlib import PurePosixPath

    if not aliases:
        return doc_id
    name = aliases[0].rstrip("/").replace("\\", "/").rsplit("/", 1)[-1]
    return PurePosixPath(name).stem or doc_id


@dataclass
class Paragraph:
    index: int
    start: int
    end: int
    is_heading: bool = False


@dataclass
class Sentence:
    start: int
    end: int
    paragraph: int  # index into Structure.paragraphs


@dataclass
class Section:
    """A top-level part of a report (背景/做法/成效/经验/问题)."""

    kind: str  # one of SECTION_KINDS
    heading: str | None
    start: int  # start of the heading (or of the body when there is none)
    end: int
    heading_start: int | None = None
    heading_end: int | None = None


@dataclass
class EnumItem:
    """A node of the enumeration tree: (一) / 一、 / 1. / (1) / ① / 一是 / 第一 / 首先 …"""

    marker: str  # the marker as written, e.g. "(一)", "一是", "1."
    style: str  # marker family, e.g. "paren_cn", "cn_dun", "arabic_dot", "yishi"
    level: int  # depth in the tree, 0 = outermost
    heading: str  # the item's own short title (no marker)
    start: int  # start of the marker
    end: int  # end of the item's body (before the next sibling or parent's end)
    heading_start: int
    heading_end: int
    parent: int | None = None  # index into Structure.items
    section: int | None = None  # index into Structure.sections


@dataclass
class Structure:
    """A document with its layout found: the input of every extractor."""

    doc_id: str
    text: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    items: list[EnumItem] = field(default_factory=list)
    title_hint: str | None = None
    published_hint: str | None = None


@dataclass
class Figure:
    doc_id: str
    start: int
    end: int
    value: float
    unit: str
    approx: str | None  # 多 余 近 约 以上 以下 左右 超过 突破 … or None
    subject: str | None
    text: str  # the clause or phrase the figure was read from
    raw: str = ""  # the matched number+unit as written


@dataclass
class Change:
    doc_id: str
    start: int
    end: int
    subject: str | None
    unit: str
    from_value: float
    to_value: float
    text: str


@dataclass
class Mechanism:
    doc_id: str
    start: int
    end: int
    name: str  # canonical name, no quotes
    definition: str | None = None
    mentions: int = 1
    confidence: float = 1.0


@dataclass
class Measure:
    doc_id: str
    start: int
    end: int
    heading: str
    text: str
    section: str | None  # heading of the enclosing group, or None
    kind: MeasureKind | str  # a MeasureKind (records read back from a store hold the plain string)
    themes: list[str] = field(default_factory=list)
    theme_scores: dict[str, float] = field(default_factory=dict)
    ordinal: int = 0  # position among the document's measures
    # False for a practice passage: a paragraph that describes a practice its author gave no
    # title. It is searchable and theme-labelled, but its heading is empty (never made up)
    # and it is no named 做法 in comparisons, clusters or the export's ``measures``.
    titled: bool = True

    @property
    def label(self) -> str:
        """The heading, or a passage's opening words (for lists and search results)."""
        return self.heading or snippet(self.text)


@dataclass
class Place:
    doc_id: str
    start: int
    end: int
    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    code: str | None = None  # administrative code of the most specific coded level
    primary: bool = False
    mentions: int = 1


@dataclass
class CaseMetadata:
    doc_id: str
    title: str | None = None
    published: str | None = None  # YYYY-MM-DD, YYYY-MM or None
    source: str | None = None
    script: str = "simplified"
    title_span: tuple[int, int] | None = None
    source_span: tuple[int, int] | None = None
    published_span: tuple[int, int] | None = None


@dataclass
class Relevance:
    """Whether a document is a governance case, and why (pipeline.relevance)."""

    doc_id: str
    label: str  # 治理案例 | 相关报道 | 无关
    score: float  # probability of 治理案例: the case score
    probabilities: dict[str, float] = field(default_factory=dict)
    # (feature, value, contribution to the label's logit), the largest first
    contributions: list[tuple[str, float, float]] = field(default_factory=list)


@dataclass
class Extraction:
    """Everything extraction finds in one document."""

    doc_id: str
    metadata: CaseMetadata
    relevance: Relevance | None = None
    figures: list[Figure] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    mechanisms: list[Mechanism] = field(default_factory=list)
    measures: list[Measure] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)

    @property
    def titled_measures(self) -> list[Measure]:
        return [m for m in self.measures if m.titled]

    @property
    def passages(self) -> list[Measure]:
        return [m for m in self.measures if not m.titled]

    def primary_place(self) -> Place | None:
        return next((p for p in self.places if p.primary), self.places[0] if self.places else None)


@dataclass
class IngestError:
    path: str
    reason: str  # one plain line, Chinese where staff will read it


SNIPPET_CHARS = 28


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """A passage's opening words: its first line up to ``limit`` characters, "…" when cut."""
    first = text.strip().split("\n", 1)[0]
    return first if len(first) <= limit else first[:limit] + "…"


def to_dict(record: Any) -> dict[str, Any]:
    return asdict(record)
