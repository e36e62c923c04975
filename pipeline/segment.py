"""Word segmentation behind one small interface, chosen by name.

``get_segmenter("rjieba")`` (the default, :data:`DEFAULT_SEGMENTER`) or
``get_segmenter("jieba")``: the same algorithm and dictionary (jieba-rs is
much faster), both with the governance user dictionary from
``corpus/userdict.txt`` applied.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import cache, lru_cache
from typing import Any, Protocol

from .resources import data_path

USER_DICT = "userdict.txt"
_lock = threading.Lock()


class Words(Protocol):
    """A segmenter's dictionary, for the extractors' word questions (pipeline.extract.lexicon)."""

    def cut(self, text: str, hmm: bool = True) -> list[str]: ...

    def has_word(self, word: str) -> bool: ...

    def tag(self, text: str, hmm: bool = True) -> list[tuple[str, str]]: ...


class Segmenter(Protocol):
    name: str
    words: Words  # the dictionary it cuts with: the extractors ask theirs, not another segmenter's

    def cut(self, text: str) -> list[str]: ...


def user_dictionary() -> list[tuple[str, int | None, str | None]]:
    """(word, freq, tag) rows of the user dictionary.

    Read by us rather than by ``jieba.load_userdict`` because jieba silently
    ignores files with CRLF endings or a BOM; here both are tolerated.
    """
    rows = []
    text = data_path(USER_DICT).read_text(encoding="utf-8-sig")
    for line in text.splitlines():
        parts = line.strip().split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        tag = parts[2] if len(parts) > 2 else None
        rows.append((parts[0], freq, tag))
    return rows


class JiebaSegmenter:
    name = "jieba"

    def __init__(self) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        for word, freq, tag in user_dictionary():
            # add_word also registers the tag for jieba.posseg (jieba#1017).
            jieba.add_word(word, freq, tag)
        self._cut = jieba.lcut
        self.words = _JiebaWords(jieba)

    def cut(self, text: str) -> list[str]:
        return self._cut(text)


class _JiebaWords:
    """jieba's global dictionary (the user dictionary added) asked as rjieba's is."""

    def __init__(self, jieba: Any) -> None:
        import jieba.posseg

        self._jieba = jieba
        self._posseg = jieba.posseg

    def cut(self, text: str, hmm: bool = True) -> list[str]:
        return self._jieba.lcut(text, HMM=hmm)

    def has_word(self, word: str) -> bool:
        return self._jieba.dt.FREQ.get(word, 0) > 0  # FREQ also holds every word's prefixes, at 0

    def tag(self, text: str, hmm: bool = True) -> list[tuple[str, str]]:
        return [(pair.word, pair.flag) for pair in self._posseg.lcut(text, HMM=hmm)]


@lru_cache(maxsize=1)
def rjieba_dictionary():
    """rjieba's default dictionary (built when rjieba is imported) with the user dictionary added.

    One per process: a second ``rjieba.Jieba()`` would build the same dictionary
    again, a tenth of a second in every process.
    """
    import rjieba

    for word, freq, tag in user_dictionary():
        # jieba-rs replaces the frequency of a word it has where jieba adds it to the total once more:
        # the totals differ by 2.5e-5, which no cut checked is sensitive to (tests/extract/test_lexicon.py).
        rjieba.add_word(word, freq, tag)
    return rjieba


class RJiebaSegmenter:
    name = "rjieba"

    def __init__(self) -> None:
        self.words = self._jieba = rjieba_dictionary()

    def cut(self, text: str) -> list[str]:
        return self._jieba.cut(text, True)


_REGISTRY: dict[str, Callable[[], Segmenter]] = {
    "jieba": JiebaSegmenter,
    "rjieba": RJiebaSegmenter,
}


# What ingest, extract, run and cluster use unless told otherwise: rjieba cuts Han text as
# jieba.lcut does with the same dictionary (tests/extract/test_lexicon.py; the gold scores are
# identical) at a fraction of the cost. jieba stays selectable by name.
DEFAULT_SEGMENTER = "rjieba"


def available_segmenters() -> list[str]:
    return sorted(_REGISTRY)


@cache
def get_segmenter(name: str = DEFAULT_SEGMENTER) -> Segmenter:
    """The segmenter registered under ``name``, loaded once per process."""
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown segmenter {name!r}; choose one of {available_segmenters()}") from None
    with _lock:
        try:
            return factory()
        except ImportError as exc:
            raise RuntimeError(f"segmenter {name!r} needs a package that is not installed: {exc.name}") from exc


def segment_for_index(text: str, segmenter: str = DEFAULT_SEGMENTER) -> str:
    """Space-joined tokens without whitespace tokens: what the FTS5 index stores."""
    return " ".join(tok for tok in get_segmenter(segmenter).cut(text) if tok.strip())
