"""jieba's dictionary for the extractors' word questions, without loading jieba's segmenter.

Places and mechanisms ask the dictionary small questions: is this pair of
characters a word, what part of speech does the dictionary give this word,
where do jieba's word boundaries fall in this short phrase. Loading jieba
for them (``jieba.initialize()``, ``jieba.posseg``, a pass over dict.txt
for numeral words) cost ~1.5 s CPU in every process, also with rjieba,
which has no dictionary lookup. Here dict.txt is parsed once into the two
tables needed (~0.3 s), and jieba's own ``Tokenizer`` segments with them:
only its DAG step is replaced, because jieba walks every prefix of every
word, which it stores with frequency 0 and we do not.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import jieba

from ..segment import get_segmenter, user_dictionary


class _WordsOnlyTokenizer(jieba.Tokenizer):
    """A jieba tokenizer whose frequency table holds words only, no prefixes."""

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:
        # jieba's DAG: from each position, the ends of the words starting there
        # (or the character alone). jieba finds them by extending a prefix while
        # it is in its table; with words only, every length is looked up.
        freq, longest, n = self.FREQ, self.longest, len(sentence)
        return {
            k: [i for i in range(k, min(n, k + longest)) if freq.get(sentence[k : i + 1], 0) > 0] or [k]
            for k in range(n)
        }


@dataclass(frozen=True)
class Lexicon:
    """jieba's words with their frequencies and dictionary tags."""

    tokenizer: jieba.Tokenizer  # jieba's base dictionary with the user dictionary, as jieba.dt has it
    # Base dictionary word → POS tag: jieba.posseg's table as read from dict.txt (the pipeline never
    # cuts with posseg, which is when it would take in the user dictionary's tags).
    tags: dict[str, str]

    def is_word(self, text: str) -> bool:
        return self.tokenizer.FREQ.get(text, 0) > 0

    def cut(self, text: str, *, hmm: bool = True) -> list[str]:
        """``jieba.lcut(text, HMM=hmm)`` with the user dictionary loaded."""
        return self.tokenizer.lcut(text, HMM=hmm)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The dictionary, read once per process."""
    with jieba.dt.get_dict_file() as handle:  # the file jieba.dt and jieba.posseg read
        text = handle.read().decode("utf-8")
    fields = text.split()
    if len(fields) != 3 * (text.count("\n") + (not text.endswith("\n"))):
        raise ValueError("jieba's dictionary: expected 'word frequency tag' on every line")
    words, freqs, tags = fields[0::3], list(map(int, fields[1::3])), fields[2::3]
    rows = user_dictionary()
    if any(freq is None for _, freq, _ in rows):
        # jieba suggests a frequency from its prefix table, which we do not keep: use jieba's own.
        get_segmenter("jieba")
        return Lexicon(jieba.dt, dict(zip(words, tags)))
    tokenizer = _WordsOnlyTokenizer()
    tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(zip(words, freqs)), sum(freqs), True
    for word, freq, tag in rows:
        # jieba's own bookkeeping (frequency, total, forced splits); with a frequency given it does not cut.
        tokenizer.add_word(word, freq, tag)
    tokenizer.longest = max(map(len, tokenizer.FREQ))
    return Lexicon(tokenizer, dict(zip(words, tags)))
