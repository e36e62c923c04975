"""jieba's dictionary for the extractors' word questions, without loading jieba.

Places and mechanisms ask the dictionary small questions: is this pair of
characters a word, what part of speech does the dictionary give this word,
where do jieba's word boundaries fall in this short phrase. rjieba (jieba-rs:
jieba's algorithm and dictionary) answers the first and the last: its cuts
are jieba.lcut's, with and without HMM (tests/extract/test_lexicon.py; also
checked on 129,000 corpus and random phrases). Its default dictionary is
built when rjieba is imported, which the pipeline does in any case, whereas
importing jieba costs ~0.12 s (jieba imports pkg_resources) and building a
Python jieba dictionary ~0.3 s, in every process.

The tags come from jieba's dict.txt, located without importing jieba:
rjieba tags a word only inside a cut, and gives user words their user tag.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional, Protocol

from ..segment import rjieba_dictionary, user_dictionary

JIEBA_DICTIONARY = "dict.txt"  # in the jieba package: the file jieba.dt and jieba.posseg read


class Words(Protocol):
    """A jieba-rs dictionary: an ``rjieba.Jieba`` or the ``rjieba`` module's default one."""

    def cut(self, text: str, hmm: bool = True) -> list[str]: ...

    def has_word(self, word: str) -> bool: ...

    def add_word(self, word: str, freq: Optional[int] = None, tag: Optional[str] = None) -> int: ...


@dataclass(frozen=True)
class Lexicon:
    """jieba's words, the user dictionary's included, and the base dictionary's tags."""

    words: Words
    # Base dictionary word → POS tag: jieba.posseg's table as read from dict.txt (the pipeline never
    # cuts with posseg, which is when it would take in the user dictionary's tags).
    tags: dict[str, str]

    def is_word(self, text: str) -> bool:
        return self.words.has_word(text)

    def cut(self, text: str, *, hmm: bool = True) -> list[str]:
        """``jieba.lcut(text, HMM=hmm)`` with the user dictionary loaded."""
        return self.words.cut(text, hmm)


def dictionary_tags() -> dict[str, str]:
    """Word → tag of jieba's base dictionary."""
    spec = importlib.util.find_spec("jieba")  # finds the package without running its (slow) import
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("jieba is not installed: its dictionary gives the extractors' part-of-speech tags")
    text = (Path(spec.submodule_search_locations[0]) / JIEBA_DICTIONARY).read_text(encoding="utf-8")
    fields = text.split()
    if len(fields) != 3 * (text.count("\n") + (not text.endswith("\n"))):
        raise ValueError("jieba's dictionary: expected 'word frequency tag' on every line")
    return dict(zip(fields[0::3], fields[2::3]))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The dictionary, read once per process: rjieba's default one, which the rjieba segmenter cuts with too."""
    return Lexicon(rjieba_dictionary(), dictionary_tags())
