import pytest

from pipeline.numbers import (
    is_bare_magnitude,
    is_lone_one,
    parse_number,
    reads_digit_by_digit,
)


@pytest.mark.parametrize(
    "numeral, value",
    [
        ("7", 7),
        ("1,000", 1000),
        ("1,200.5", 1200.5),
        ("2.083", 2.083),
        ("七", 7),
        ("二十", 20),
        ("两百", 200),
        ("三千", 3000),
        ("一百零五", 105),
        ("1750万", 17_500_000),
        ("1.3万", 13_000),
        ("12.2万", 122_000),
        ("3亿", 300_000_000),
        ("十亿3000万", 1_030_000_000),
        ("百", 100),  # cn2an refuses a bare magnitude
        ("千万", 10_000_000),
    ],
)
def test_parse_number(numeral, value):
    assert parse_number(numeral) == pytest.approx(value, rel=1e-9)


@pytest.mark.parametrize("text", ["", "个", "1750万元", "abc"])
def test_parse_number_rejects_non_numerals(text):
    with pytest.raises(ValueError):
        parse_number(text)


@pytest.mark.parametrize(
    "numeral, expected",
    [("二〇一六", True), ("三五", True), ("七八十", True), ("一百零五", False), ("二十", False), ("两", False)],
)
def test_reads_digit_by_digit(numeral, expected):
    assert reads_digit_by_digit(numeral) is expected


def test_bare_magnitude_and_lone_one():
    assert is_bare_magnitude("千") and is_bare_magnitude("千万")
    assert not is_bare_magnitude("十") and not is_bare_magnitude("一千")
    assert is_lone_one("一") and not is_lone_one("一百") and not is_lone_one("1")


def test_small_chinese_table_reads_like_cn2an():
    # The table spares importing cn2an for 七, 十二, 三十五; it must agree with cn2an entry by entry.
    import cn2an

    from pipeline.numbers import SMALL_CHINESE

    assert {numeral: cn2an.cn2an(numeral, "smart") for numeral in SMALL_CHINESE} == SMALL_CHINESE


@pytest.mark.parametrize("numeral", ["8.4万", "1750万", "1.23456万", "0.5亿", "3千", "12.05百", "7十"])
def test_scaled_arabic_numerals_read_like_cn2an(numeral):
    import cn2an

    assert parse_number(numeral) == float(cn2an.cn2an(numeral, "smart"))
