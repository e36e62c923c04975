"""jieba's dictionary for the extractors' word questions, without loading jieba.

Places and mechanisms ask the dictionary small questions: is this pair of
characters a word, where do jieba's word boundaries fall in this short phrase
and which part of speech the dictionary gives each word, which tag the
dictionary gives a numeral-bearing phrase. rjieba (jieba-rs: jieba's algorithm
and dictionary) answers the first two: its cuts are jieba.lcut's, with and
without HMM, and its tags are dict.txt's (tests/extract/test_lexicon.py; cuts
also checked on 129,000 corpus and random phrases). Its default dictionary is
built when rjieba is imported, which the pipeline does in any case, whereas
importing jieba (it imports pkg_resources) and building a Python jieba
dictionary would cost every process a noticeable start-up time.

rjieba tags a word only inside a cut, and a phrase whose cut splits it has
no tag there; the tags of such phrases are read from jieba's dict.txt,
located without importing jieba, for the few words asked about (those with
given characters): a table of all 350,000 words would cost every process time and memory.
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

from ..segment import rjieba_dictionary

JIEBA_DICTIONARY = "dict.txt"  # in the jieba package: the file jieba.dt and jieba.posseg read


class Words(Protocol):
    """A jieba-rs dictionary: an ``rjieba.Jieba`` or the ``rjieba`` module's default one."""

    def cut(self, text: str, hmm: bool = True) -> list[str]: ...

    def has_word(self, word: str) -> bool: ...

    def add_word(self, word: str, freq: int | None = None, tag: str | None = None) -> int: ...

    def tag(self, text: str, hmm: bool = True) -> list[tuple[str, str]]: ...


@dataclass(frozen=True)
class Lexicon:
    """jieba's words, the user dictionary's included, and their tags."""

    words: Words

    def is_word(self, text: str) -> bool:
        return self.words.has_word(text)

    def cut(self, text: str, *, hmm: bool = True) -> list[str]:
        """``jieba.lcut(text, HMM=hmm)`` with the user dictionary loaded."""
        return self.words.cut(text, hmm)

    def cut_tagged(self, text: str) -> list[tuple[str, str]]:
        """``jieba.lcut(text, HMM=False)``, each word with its dictionary tag (a user word: its user tag;
        a Han character the dictionary lacks: x; digits m and Latin letters eng, as jieba.posseg says)."""
        return self.words.tag(text, False)


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


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The dictionary, read once per process: rjieba's default one, which the rjieba segmenter cuts with too."""
    return Lexicon(rjieba_dictionary())
