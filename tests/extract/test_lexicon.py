"""The extractors' dictionary answers as jieba itself does, on the seed reports."""
import re

import jieba
import jieba.posseg
import pytest

from pipeline.extract.lexicon import lexicon
from pipeline.resources import reports_dir
from pipeline.segment import get_segmenter, user_dictionary


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    get_segmenter("jieba")  # the user dictionary goes into the global jieba
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(reports_dir().glob("0*.txt")))
    return [s for s in re.split(r"[。!?\n]", text) if s.strip()]


@pytest.mark.parametrize("hmm", [True, False])
def test_cut_is_jiebas(sentences, hmm):
    assert len(sentences) > 100
    for sentence in sentences:
        assert lexicon().cut(sentence, hmm=hmm) == jieba.lcut(sentence, HMM=hmm)


def test_cut_of_short_phrases_is_jiebas(sentences):
    # What the extractors cut: stems before 社区/街道 and the Han runs before 项目/机制.
    for sentence in sentences[:80]:
        for start in range(0, len(sentence) - 2):
            for length in (2, 4, 6, 12):
                phrase = sentence[start : start + length]
                assert lexicon().cut(phrase, hmm=False) == jieba.lcut(phrase, HMM=False)
                assert lexicon().cut(phrase) == jieba.lcut(phrase)


def test_words_are_jiebas(sentences):
    pairs = {s[i : i + 2] for s in sentences for i in range(len(s) - 1)}
    assert {p for p in pairs if lexicon().is_word(p)} == {p for p in pairs if jieba.dt.FREQ.get(p, 0) > 0}
    assert lexicon().is_word("三社联动") and lexicon().is_word("社区") and not lexicon().is_word("区居")


def test_tags_are_the_base_dictionarys():
    user_words = {word for word, _, _ in user_dictionary()}
    table = jieba.posseg.dt.word_tag_tab  # user tags join it once posseg has cut something
    assert lexicon().tags["千方百计"] == "i" and lexicon().tags["一方面"] == "mq"
    assert set(lexicon().tags) - user_words == set(table) - user_words
    assert all(lexicon().tags[w] == t for w, t in table.items() if w not in user_words)


def test_a_user_word_without_frequency_takes_jiebas_tables(monkeypatch, sentences):
    # jieba suggests the frequency from its prefix table, which the lexicon does not keep.
    import pipeline.extract.lexicon as module

    monkeypatch.setattr(module, "user_dictionary", lambda: [*user_dictionary(), ("三社", None, None)])
    module.lexicon.cache_clear()
    try:
        assert module.lexicon().tokenizer is jieba.dt
        assert module.lexicon().cut(sentences[0]) == jieba.lcut(sentences[0])
    finally:
        module.lexicon.cache_clear()
