"""Segmenters by name, the governance user dictionary, spaCy zh with jieba."""

import pytest

from pipeline.segment import available_segmenters, get_segmenter, segment_for_index, user_dictionary

SENTENCE = "街道推行五社联动,在社工站引入公益创投项目,网格员参与民生微实事。"


@pytest.mark.parametrize("name", ["jieba", "rjieba"])
def test_user_dictionary_words_stay_whole(name):
    tokens = get_segmenter(name).cut(SENTENCE)
    for word in ("五社联动", "社工站", "公益创投", "网格员", "民生微实事"):
        assert word in tokens, (name, tokens)
    assert "".join(tokens) == SENTENCE  # offsets can be rebuilt from token lengths


def test_posseg_honours_the_user_dictionary():
    get_segmenter("jieba")
    import jieba.posseg

    words = {w.word: w.flag for w in jieba.posseg.cut(SENTENCE)}
    assert words.get("五社联动") == "n" and words.get("民生微实事") == "n"


def test_dictionary_file_has_no_bom_or_crlf():
    from pipeline.resources import data_path

    raw = data_path("userdict.txt").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" not in raw
    assert ("三社联动", 2000, "n") in user_dictionary()


def test_unknown_segmenter_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown segmenter"):
        get_segmenter("pkuseg")
    assert available_segmenters() == ["jieba", "rjieba"]


def test_index_text_drops_whitespace_tokens():
    assert segment_for_index("社区 养老\n服务") == "社区 养老 服务"
