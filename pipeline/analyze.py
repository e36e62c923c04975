"""One document from raw text to records: normalize → structure → extract → themes.

This is the per-document work that ``ingest`` runs in worker processes; it
touches no store. The text is segmented once, and the tokens are reused by
the theme model and for the full-text index of the document and each measure.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING

from .records import Document, Extraction, Measure, Structure
from .segment import DEFAULT_SEGMENTER, get_segmenter

if TYPE_CHECKING:
    from .kinds import DocumentContext


@dataclass
class Analysis:
    document: Document
    structure: Structure
    extraction: Extraction
    index_text: str = ""  # segmented document text for FTS
    measure_index: list[tuple[str, str]] = field(default_factory=list)  # segmented (heading, body)


class Tokens:
    """A text's segmentation with each token's offset, for slicing by span."""

    def __init__(self, text: str, segmenter: str = DEFAULT_SEGMENTER) -> None:
        self._cut = get_segmenter(segmenter).cut
        self.tokens = self._cut(text)
        self.starts = [0, *accumulate(map(len, self.tokens))][:-1]
        self._pieces: dict[str, list[str]] = {}

    def between(self, start: int, end: int) -> list[str]:
        """The tokens that start in [start, end)."""
        return self.tokens[bisect.bisect_left(self.starts, start) : bisect.bisect_left(self.starts, end)]

    def piece(self, text: str) -> list[str]:
        """A short text segmented on its own (a heading: the themes and the index both read it)."""
        if text not in self._pieces:
            self._pieces[text] = self._cut(text)
        return self._pieces[text]


def _words(tokens: list[str]) -> str:
    return " ".join(filter(str.strip, tokens))


def document_context(
    structure: Structure,
    *,
    segmenter: str = DEFAULT_SEGMENTER,
    script: str = "simplified",
    title: str | None = None,
    tokens: Tokens | None = None,
) -> DocumentContext:
    """What every extractor of ``structure`` reads, segmented by ``segmenter`` (``tokens`` if the caller has them)."""
    from .extract.lexicon import lexicon
    from .kinds import DocumentContext
    from .structure import body_view

    tokens = tokens or Tokens(structure.text, segmenter)
    body = body_view(structure)
    body_tokens = tokens if body is structure else Tokens(body.text, segmenter)
    return DocumentContext(
        structure, body, tokens.tokens, body_tokens.tokens, segmenter, lexicon(segmenter), script, title
    )


def extract(
    structure: Structure,
    *,
    script: str = "simplified",
    theme_model=None,
    label_themes: bool = True,
    segmenter: str = DEFAULT_SEGMENTER,
    tokens: Tokens | None = None,
    relevance: bool = True,
) -> Extraction:
    """Run every extractor over a structured document.

    Args:
        tokens: the segmentation of ``structure.text`` with ``segmenter``,
            when the caller has it; places and themes read it.
        relevance: label the document's relevance (off while training that model).
    """
    from .extract.metadata import case_metadata
    from .kinds import RECORD_KINDS

    tokens = tokens or Tokens(structure.text, segmenter)
    metadata = case_metadata(structure, script=script)
    context = document_context(structure, segmenter=segmenter, script=script, title=metadata.title, tokens=tokens)
    for kind in RECORD_KINDS:  # in registry order: a later extractor may read an earlier one's records
        context.found[kind.field] = kind.extract(context)
    extraction = Extraction(doc_id=structure.doc_id, metadata=metadata, **context.found)
    for ordinal, measure in enumerate(extraction.measures):
        measure.ordinal = ordinal
    if relevance:
        from .extract.mechanism_model import default_model
        from .extract.mechanisms import kept_for_label
        from .relevance import classify

        extraction.relevance = classify(structure, extraction)
        label, related = extraction.relevance.label, default_model().related_threshold
        extraction.mechanisms = kept_for_label(extraction.mechanisms, label, related)
    if label_themes and extraction.measures:
        from .themes import label_measures

        label_measures(
            extraction.measures, model=theme_model, tokens=[_measure_tokens(m, tokens) for m in extraction.measures]
        )
    return extraction


def _measure_tokens(measure: Measure, tokens: Tokens) -> list[str]:
    """Tokens of themes.measure_text(heading, body): the body's come from the document's segmentation."""
    return [*tokens.piece(measure.heading), "\n", *tokens.between(measure.start, measure.end)]


def segmented_index(
    text: str, extraction: Extraction, segmenter: str = DEFAULT_SEGMENTER, tokens: Tokens | None = None
) -> tuple[str, list[tuple[str, str]]]:
    """Segmented text for the FTS index: the document, and (heading, body) per measure.

    The text is segmented once (or ``tokens`` reused); bodies are slices of it.
    """
    tokens = tokens or Tokens(text, segmenter)
    measure_index = [
        (_words(tokens.piece(m.heading)), _words(tokens.between(m.start, m.end))) for m in extraction.measures
    ]
    return _words(tokens.tokens), measure_index


def analyze_document(
    document: Document,
    *,
    segmenter: str = DEFAULT_SEGMENTER,
    theme_model=None,
    label_themes: bool = True,
    relevance: bool = True,
) -> Analysis:
    from .structure import build_structure

    structure = build_structure(
        document.doc_id, document.text, title_hint=document.title_hint, published_hint=document.published_hint
    )
    tokens = Tokens(document.text, segmenter)
    extraction = extract(
        structure,
        script=document.script,
        theme_model=theme_model,
        label_themes=label_themes,
        segmenter=segmenter,
        tokens=tokens,
        relevance=relevance,
    )
    index_text, measure_index = segmented_index(document.text, extraction, segmenter, tokens)
    return Analysis(document, structure, extraction, index_text, measure_index)


def document_from_raw(raw, *, normalized: object | None = None) -> Document:
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
        # Page titles are as untrusted as the body: the same script and width rules apply.
        title_hint=(normalize(raw.title_hint).text.strip() or None) if raw.title_hint else None,
        published_hint=raw.published_hint,
    )
