"""The record kinds extraction produces, in one registry, and the per-document context they read.

Each :class:`RecordKind` names a kind once: its records-table name, its :class:`Extraction`
attribute, its record type, what staff read for it, how it is stored, and its extractor,
wired to what it reads of the shared :class:`DocumentContext`. ``analyze.extract`` runs the
extractors in registry order (metadata first: later extractors read its title; figures
before changes: a change's new value is one of them); the stores write and read back every
kind stored as ``records`` rows from this list. Adding a kind is a record type in records.py,
an extractor under extract/, and one entry here, with its export and scorer (export.py,
evaluate.py: a record's export hook, or for measures and places the kind's export as a whole;
evaluate's DocumentScore names each scored field).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .records import Change, Figure, Measure, Mechanism, Place, RecordName, Structure

if TYPE_CHECKING:
    from .extract.lexicon import Lexicon


@dataclass
class DocumentContext:
    """What the extractors of one document read, built once (analyze.extract).

    ``body`` is ``structure`` with its references blanked out (structure.body_view): the facts
    extractors read it. ``found`` holds what earlier extractors returned, by field. Every
    extractor takes this one argument (and keyword-only filters); build one for a bare
    structure with pipeline.analyze.document_context.
    """

    structure: Structure
    body: Structure
    tokens: list[str]  # segmentation of structure.text
    body_tokens: list[str]  # ... of body.text (the same list when nothing was blanked)
    segmenter: str
    lexicon: Lexicon  # the dictionary ``segmenter`` cuts with: every word question asks it
    script: str = "simplified"
    title: str | None = None  # the headline metadata found
    found: dict[str, list[Any]] = field(default_factory=dict)


def _later(module: str, name: str) -> Callable[..., Any]:
    """A function of a later stage (export, evaluate), imported on its first call: kinds.py sits below them."""

    def call(*args: Any) -> Any:
        return getattr(importlib.import_module(module, __package__), name)(*args)

    call.__qualname__ = f"{module.lstrip('.')}.{name}"
    return call


@dataclass(frozen=True)
class RecordKind:
    name: RecordName  # the records table's kind and the web's highlight kind: "figure"
    field: str  # the Extraction attribute, also its gold-schema key: "figures"
    record: type  # the record's dataclass
    label: str  # what staff read: 数字
    extract: Callable[[DocumentContext], list[Any]]
    stored: str = "records"  # "records": JSON rows of the records table; "measures": its own table
    # One record as a gold-schema dict (corpus/gold/SCHEMA.md), exported under ``field``.
    export: Callable[[Any], dict[str, Any]] | None = None
    # Or the kind exported as a whole, from the Extraction: gold-schema key -> dicts (measures give
    # "measures" and "passages", places the ordered "locations").
    export_all: Callable[[Any], dict[str, list[dict[str, Any]]]] | None = None
    # (gold dicts, predicted dicts) -> (counts, details): the kind's scorer in pipeline.evaluate.
    score: Callable[[list[dict[str, Any]], list[dict[str, Any]]], tuple[Any, dict[str, Any]]] | None = None

    def exported(self, extraction: Any) -> dict[str, list[dict[str, Any]]]:
        """This kind's gold-schema entries of one Extraction, through whichever hook it has."""
        if self.export_all is not None:
            return self.export_all(extraction)
        if self.export is None:
            return {}
        return {self.field: [self.export(r) for r in getattr(extraction, self.field)]}


def _figures(ctx: DocumentContext) -> list[Figure]:
    from .extract.figures import figures

    return list(figures(ctx))


def _changes(ctx: DocumentContext) -> list[Change]:
    from .extract.changes import changes

    return list(changes(ctx))


def _mechanisms(ctx: DocumentContext) -> list[Mechanism]:
    from .extract.mechanisms import mechanisms

    return list(mechanisms(ctx))


def _measures(ctx: DocumentContext) -> list[Measure]:
    from .extract.measures import measures

    return list(measures(ctx))


def _places(ctx: DocumentContext) -> list[Place]:
    from .extract.places import places

    return list(places(ctx))


# In the order analyze.extract runs them.
RECORD_KINDS: tuple[RecordKind, ...] = (
    RecordKind(
        RecordName.FIGURE,
        "figures",
        Figure,
        "数字",
        _figures,
        export=_later(".export", "figure_record"),
        score=_later(".evaluate", "_score_figures"),
    ),
    RecordKind(
        RecordName.CHANGE,
        "changes",
        Change,
        "变化",
        _changes,
        export=_later(".export", "change_record"),
        score=_later(".evaluate", "_score_changes"),
    ),
    RecordKind(
        RecordName.MECHANISM,
        "mechanisms",
        Mechanism,
        "机制",
        _mechanisms,
        export=_later(".export", "mechanism_record"),
        score=_later(".evaluate", "_score_mechanisms"),
    ),
    RecordKind(
        RecordName.MEASURE,
        "measures",
        Measure,
        "做法",
        _measures,
        stored="measures",
        export_all=_later(".export", "measures_of"),
    ),
    RecordKind(RecordName.PLACE, "places", Place, "地点", _places, export_all=_later(".export", "locations_of")),
)
# The kinds stored as JSON rows of the records table (metadata and relevance are stored beside them).
RECORD_ROWS: tuple[RecordKind, ...] = tuple(k for k in RECORD_KINDS if k.stored == "records")
