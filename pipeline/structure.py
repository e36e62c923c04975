"""Document layout: paragraphs, sentences, headings, sections, enumerations.

(Minimal first version: paragraphs and sentences. Sections and the
enumeration tree are added by the structure work.)
"""
from __future__ import annotations

import re

from .records import Paragraph, Sentence, Structure

_PARA = re.compile(r"[^\n]+")
# A sentence ends at 。!?;… (and any closing quotes/brackets right after).
_SENT_END = re.compile(r"[。!?;!?;…]+[”’」』)\]]*")


def split_paragraphs(text: str) -> list[Paragraph]:
    paragraphs = []
    for match in _PARA.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            paragraphs.append(Paragraph(index=len(paragraphs), start=start, end=end))
    return paragraphs


def split_sentences(text: str, paragraphs: list[Paragraph]) -> list[Sentence]:
    sentences = []
    for para in paragraphs:
        pos = para.start
        for match in _SENT_END.finditer(text, para.start, para.end):
            sentences.append(Sentence(pos, match.end(), para.index))
            pos = match.end()
        if pos < para.end:
            sentences.append(Sentence(pos, para.end, para.index))
    return sentences


def build_structure(doc_id: str, text: str, *, title_hint=None, published_hint=None) -> Structure:
    paragraphs = split_paragraphs(text)
    return Structure(
        doc_id=doc_id,
        text=text,
        paragraphs=paragraphs,
        sentences=split_sentences(text, paragraphs),
        title_hint=title_hint,
        published_hint=published_hint,
    )
