"""Extraction records -> the gold schema (corpus/gold/SCHEMA.md), one JSON file per document.

The exported dicts are what :mod:`pipeline.evaluate` scores, so a prediction
and a gold file can be diffed by eye. Character spans (``start``/``end``
into the normalized text) ride along as extra keys; the scorer ignores them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .fileio import write_text_atomic
from .kinds import RECORD_KINDS
from .records import Change, Document, Extraction, Figure, Measure, Mechanism, Place

if TYPE_CHECKING:
    from .profile import CaseProfile

SCHEMA_KEYS = (
    "doc_id",
    "title",
    "published",
    "source",
    "script",
    "locations",
    "mechanisms",
    "figures",
    "changes",
    "measures",
    "passages",  # beyond SCHEMA.md: untitled practice paragraphs, never scored as measures
    "profile",
)


def _number(value: float) -> int | float:
    """An int when integral (within float noise: 1.3 * 10000), else a float without noise digits."""
    value = float(value)
    nearest = round(value)
    if abs(value - nearest) <= 1e-9 * max(1.0, abs(value)):
        return int(nearest)
    return float(f"{value:.12g}")


def _location(place: Place, primary: bool) -> dict:
    return {
        "province": place.province,
        "city": place.city,
        "district": place.district,
        "street": place.street,
        "community": place.community,
        "primary": primary,
        "code": place.code,
        "start": place.start,
        "end": place.end,
    }


def mechanism_record(m: Mechanism) -> dict:
    return {"name": m.name, "required": True, "definition": m.definition, "start": m.start, "end": m.end}


def figure_record(f: Figure) -> dict:
    return {
        "value": _number(f.value),
        "unit": f.unit,
        "approx": f.approx,
        "subject": f.subject,
        "text": f.text,
        "required": True,
        "start": f.start,
        "end": f.end,
    }


def change_record(c: Change) -> dict:
    return {
        "subject": c.subject,
        "unit": c.unit,
        "from": _number(c.from_value),
        "to": _number(c.to_value),
        "text": c.text,
        "start": c.start,
        "end": c.end,
    }


def _measure(m: Measure) -> dict:
    return {
        "section": m.section,
        "heading": m.heading,
        "themes": list(m.themes),
        "kind": m.kind,
        "start": m.start,
        "end": m.end,
        "text": m.text,
    }


def _passage(m: Measure) -> dict:
    # A passage has no heading: its opening words stand in, under their own key.
    record = _measure(m)
    del record["heading"]
    return {"section": record.pop("section"), "snippet": m.label, **record}


def locations_of(extraction: Extraction) -> dict[str, list[dict]]:
    """The places as gold "locations": the primary first and alone marked primary, then the others in found order."""
    primary: Place | None = extraction.primary_place()
    if primary is None:
        return {"locations": []}
    others = [p for p in extraction.places if p is not primary]
    return {"locations": [_location(primary, True), *(_location(p, False) for p in others)]}


def measures_of(extraction: Extraction) -> dict[str, list[dict]]:
    """The titled measures as gold "measures"; the practices described in untitled paragraphs have no
    heading of their own, so no 做法 record: they are "passages"."""
    return {
        "measures": [_measure(m) for m in extraction.titled_measures],
        "passages": [_passage(m) for m in extraction.passages],
    }


def to_gold_schema(doc: Document, extraction: Extraction, profile: CaseProfile | None = None) -> dict:
    """One document's extraction in the gold schema, keyed ``doc_id`` = ``doc.stem``.

    ``profile`` is the case profile (pipeline.profile.case_profile); without it one is made
    from the extraction alone (each value's sentence is then its clause).
    """
    from .profile import case_profile

    meta = extraction.metadata
    parts = {
        "doc_id": doc.stem,
        "title": meta.title,
        "published": meta.published,
        "source": meta.source,
        "script": doc.script,
    }
    for kind in RECORD_KINDS:
        parts.update(kind.exported(extraction))
    record = {key: parts[key] for key in SCHEMA_KEYS if key in parts}  # in the schema's order
    record["profile"] = (profile or case_profile(doc, None, extraction)).to_gold()
    return record


def write_export(
    items: Iterable[tuple[Document, Extraction] | tuple[Document, Extraction, CaseProfile | None]], out_dir: str | Path
) -> list[Path]:
    """Write ``<stem>.json`` per document into ``out_dir`` (created if needed).

    Two documents with the same stem (e.g. two web pages both named
    ``index.html``) must not overwrite each other: the later one is written
    as ``<stem>_<doc_id>.json`` and its ``doc_id`` key says so.

    Returns:
        The written paths, in input order.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for doc, extraction, *profile in items:
        record = to_gold_schema(doc, extraction, *profile)
        stem = record["doc_id"]
        if stem in used:
            stem = record["doc_id"] = f"{stem}_{doc.doc_id}"
        used.add(stem)
        path = out / f"{stem}.json"
        write_text_atomic(path, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        written.append(path)
    return written
