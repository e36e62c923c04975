"""The chosen segmenter's dictionary, for the extractors' word questions.

Places, mechanisms, headings and figures ask the dictionary small questions:
is this pair of characters a word, where do the word boundaries fall in this
short phrase, which part of speech the dictionary gives each word. They ask
the dictionary of the segmenter the document is cut with (``lexicon(name)``,
carried by the per-document context, pipeline.kinds.DocumentContext), so
``--segmenter jieba`` runs no rjieba. rjieba (jieba-rs: jieba's algorithm and
dictionary) answers as jieba does: its cuts are jieba.lcut's, with and without
HMM, and its tags are dict.txt's (tests/extract/test_lexicon.py; cuts also
checked on 129,000 corpus and random phrases).

rjieba tags a word only inside a cut, and a phrase whose cut splits it has
no tag there; the tags of such phrases are read from jieba's dict.txt (the
base dictionary both segmenters load), located without importing jieba, for
the few words asked about (those with given characters): a table of all
350,000 words would cost every process time and memory.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..segment import DEFAULT_SEGMENTER, Words, get_segmenter

JIEBA_DICTIONARY = "dict.txt"  # in the jieba package: the file jieba.dt and jieba.posseg read


@dataclass(frozen=True)
class Lexicon:
    """A segmenter's words, the user dictionary's included, and their tags."""

    words: Words

    def is_word(self, text: str) -> bool:
        return self.words.has_word(text)

    def cut(self, text: str, *, hmm: bool = True) -> list[str]:
        """``jieba.lcut(text, HMM=hmm)`` with the user dictionary loaded."""
        return self.words.cut(text, hmm)

    def cut_tagged(self, text: str, *, hmm: bool = False) -> list[tuple[str, str]]:
        """``jieba.lcut(text, HMM=hmm)``, each word with its dictionary tag (a user word: its user tag;
        a Han character the dictionary lacks: x; digits m and Latin letters eng, as jieba.posseg says)."""
        return self.words.tag(text, hmm)


@lru_cache(maxsize=8)
def dictionary_tags(containing: str) -> dict[str, str]:
    """Word → tag of the words of jieba's base dictionary with any of the characters ``containing``."""
    spec = importlib.util.find_spec("jieba")  # finds the package without running its (slow) import
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jieba is not installed: its dictionary gives the extractors' part-of-speech tags")
    text = (Path(spec.submodule_search_locations[0]) / JIEBA_DICTIONARY).read_text(encoding="utf-8")
    # One regex pass picks the lines out: a tenth of splitting all 350,000 of them.
    line = re.compile(rf"^(\S*[{re.escape(containing)}]\S*) \d+ (\S+)$", re.MULTILINE)
    return dict(line.findall(text))


@lru_cache(maxsize=4)
def lexicon(segmenter: str = DEFAULT_SEGMENTER) -> Lexicon:
    """The dictionary the segmenter named ``segmenter`` cuts with, loaded once per process."""
    return Lexicon(get_segmenter(segmenter).words)
