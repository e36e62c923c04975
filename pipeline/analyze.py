"""One document from raw text to records: normalize → structure → extract → themes.

This is the per-document work that ``ingest`` runs in worker processes; it
touches no store. The text is segmented once, and the tokens are reused for
the full-text index of the document and of each measure.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .records import Document, Extraction, Structure
from .segment import get_segmenter


@dataclass
class Analysis:
    document: Document
    structure: Structure
    extraction: Extraction
    index_text: str = ""  # segmented document text for FTS
    measure_index: list[tuple[str, str]] = field(default_factory=list)  # segmented (heading, body)


def extract(structure: Structure, *, script: str = "simplified", theme_model=None,
            label_themes: bool = True) -> Extraction:
    """Run every extractor over a structured document."""
    from .extract.changes import changes
    from .extract.figures import figures
    from .extract.measures import measures
    from .extract.mechanisms import mechanisms
    from .extract.metadata import case_metadata
    from .extract.places import places

    found_figures = list(figures(structure))
    extraction = Extraction(
        doc_id=structure.doc_id,
        metadata=case_metadata(structure, script=script),
        figures=found_figures,
        changes=list(changes(structure, figures=found_figures)),
        mechanisms=list(mechanisms(structure)),
        measures=list(measures(structure)),
        places=list(places(structure)),
    )
    for ordinal, measure in enumerate(extraction.measures):
        measure.ordinal = ordinal
    if label_themes and extraction.measures:
        from .themes import label_measures

        label_measures(extraction.measures, model=theme_model)
    return extraction


def segmented_index(text: str, extraction: Extraction, segmenter: str = "jieba") -> tuple[str, list[tuple[str, str]]]:
    """Segment the text once; slice the tokens for each measure's body."""
    tokens = get_segmenter(segmenter).cut(text)
    starts = []
    pos = 0
    for tok in tokens:
        starts.append(pos)
        pos += len(tok)
    words = [(s, t) for s, t in zip(starts, tokens) if t.strip()]
    index_text = " ".join(t for _, t in words)
    measure_index = []
    cut = get_segmenter(segmenter).cut
    for m in extraction.measures:
        body = " ".join(t for s, t in words if m.start <= s < m.end)
        heading = " ".join(t for t in cut(m.heading) if t.strip())
        measure_index.append((heading, body))
    return index_text, measure_index


def analyze_document(document: Document, *, segmenter: str = "jieba", theme_model=None,
                     label_themes: bool = True) -> Analysis:
    from .structure import build_structure

    structure = build_structure(document.doc_id, document.text, title_hint=document.title_hint,
                                published_hint=document.published_hint)
    extraction = extract(structure, script=document.script, theme_model=theme_model, label_themes=label_themes)
    index_text, measure_index = segmented_index(document.text, extraction, segmenter)
    return Analysis(document, structure, extraction, index_text, measure_index)


def document_from_raw(raw, *, normalized: Optional[object] = None) -> Document:
    """A Document from a RawText (pipeline.ingest.read), normalized."""
    from .ingest.dedupe import content_hash
    from .ingest.normalize import normalize

    norm = normalized or normalize(raw.text)
    digest = content_hash(norm.text)
    return Document(
        doc_id=digest[:16],
        text=norm.text,
        script=norm.script,
        source_format=raw.source_format,
        aliases=[str(raw.source)],
        raw_hash=raw.raw_hash,
        content_hash=digest,
        title_hint=raw.title_hint,
        published_hint=raw.published_hint,
    )
