"""The extractors' dictionary (rjieba's) answers as jieba itself does, on the seed reports."""

import re
import subprocess
import sys

import jieba
import jieba.posseg
import pytest
import rjieba

from pipeline.extract.lexicon import dictionary_tags, lexicon
from pipeline.resources import reports_dir
from pipeline.segment import get_segmenter, user_dictionary


@pytest.fixture(scope="module")
def sentences() -> list[str]:
    get_segmenter("jieba")  # the user dictionary goes into the global jieba
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(reports_dir().glob("0*.txt")))
    return [s for s in re.split(r"[。!?\n]", text) if s.strip()]


@pytest.mark.parametrize("hmm", [True, False])
def test_cut_of_han_text_is_jiebas(sentences, hmm):
    # The extractors cut Han text only; jieba-rs keeps tokens like 30.06.2017 whole, jieba does not.
    runs = [run for sentence in sentences for run in re.findall(r"[\u4e00-\u9fff]+", sentence)]
    assert len(runs) > 500
    for run in runs:
        assert lexicon().cut(run, hmm=hmm) == jieba.lcut(run, HMM=hmm)


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


def test_tagged_cut_is_jiebas_cut_with_the_dictionary_tags(sentences):
    user_tags = {word: tag for word, _, tag in user_dictionary()}
    table = jieba.posseg.dt.word_tag_tab  # dict.txt's tags; user tags join it once posseg has cut something
    assert dict(lexicon().cut_tagged("千方百计")) == {"千方百计": "i"}
    for sentence in sentences[:80]:
        for start in range(0, len(sentence) - 2, 3):
            phrase = sentence[start : start + 8]
            tagged = lexicon().cut_tagged(phrase)
            assert [word for word, _ in tagged] == jieba.lcut(phrase, HMM=False)
            for word, tag in tagged:
                if len(word) > 1 and re.fullmatch(r"[\u4e00-\u9fff]+", word):
                    assert tag == user_tags.get(word) or tag == table[word], (phrase, word, tag)


def test_every_dictionary_word_cut_whole_has_its_dictionary_tag():
    user_words = {word for word, _, _ in user_dictionary()}
    whole = 0
    for word, tag in jieba.posseg.dt.word_tag_tab.items():
        tagged = lexicon().cut_tagged(word)
        if word not in user_words and len(tagged) == 1:
            whole += 1
            assert tagged[0] == (word, tag)
    assert whole > 300_000  # a few thousand rare words are cut into likelier parts


def test_tags_of_words_with_given_characters_are_the_base_dictionarys():
    user_words = {word for word, _, _ in user_dictionary()}
    numerals = "一二三四五六七八九十百千"
    tags = dictionary_tags(numerals)
    assert tags["千方百计"] == "i" and tags["一方面"] == "mq" and "社区" not in tags
    expected = {w: t for w, t in jieba.posseg.dt.word_tag_tab.items() if any(ch in numerals for ch in w)}
    assert {w: t for w, t in tags.items() if w not in user_words} == {
        w: t for w, t in expected.items() if w not in user_words
    }


def test_a_user_word_without_frequency_is_a_word_as_in_jieba():
    # jieba-rs suggests the frequency as jieba does; a fresh dictionary keeps the process-wide one clean.
    words = rjieba.Jieba()
    tokenizer = jieba.Tokenizer()
    for dictionary in (words, tokenizer):
        dictionary.add_word("网格议事", None, None)
    phrase = "推行网格议事制度"
    assert words.cut(phrase, False) == tokenizer.lcut(phrase, HMM=False) == ["推行", "网格议事", "制度"]
    assert words.suggest_freq("网格议事") == tokenizer.suggest_freq("网格议事")


def test_the_extractors_do_not_import_jieba():
    # Importing jieba costs ~0.12 s per process, a waste with the rjieba segmenter.
    code = (
        "import sys; from pipeline.extract import mechanisms, places; from pipeline.extract.lexicon import lexicon; "
        "lexicon().cut('社区服务'); print('jieba' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
