"""Reading numerals: Arabic (1,200.5), Chinese (两百, 二十), and mixed (1.3万, 十亿3000万).

cn2an's ``"smart"`` mode does the arithmetic of mixed numerals; this module
reads the common simple forms itself (importing cn2an is slow, so it is
imported only when a numeral needs it) and adds what cn2an 0.5.24 lacks: thousands separators, a bare
leading magnitude (百, 百万 raise ValueError), and telling apart numerals read
digit by digit (二〇一六, 三五个), which cn2an turns into 2016 and 35, from
quantities.  Finding numerals in running text is the callers' job, with
:data:`NUMERAL` as the building block.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

CN_DIGITS = "零〇一二两三四五六七八九"
CN_MAGNITUDES = "十百千万亿"
_CN = f"[{CN_DIGITS}{CN_MAGNITUDES}]"
# One Arabic number is never followed by a digit: two numbers side by side inside NUMERAL's loop
# would let a long digit run split in exponentially many ways when a pattern around it fails
# (hypothesis found a 75-character text that hung changes()).
_ARABIC = r"[0-9]+(?:,[0-9]{3})*(?:\.[0-9]+)?(?![0-9])"

#: One numeral as written: runs of Arabic numbers and Chinese numeral
#: characters (``1.3万``, ``十亿3000万``, ``二十``, ``1,200.5``, ``九十八点五``).
NUMERAL = rf"(?:{_ARABIC}|{_CN}|(?<=[{CN_DIGITS}{CN_MAGNITUDES}])点(?=[{CN_DIGITS}]))+"

_NUMERAL_RE = re.compile(rf"{NUMERAL}\Z")
_SCALE = {"万": 10_000, "亿": 100_000_000}
_PLAIN_ARABIC = re.compile(r"[0-9]+(?:\.[0-9]+)?\Z")
# What cn2an's smart mode reads as a decimal times a magnitude (8.4万): int(Decimal(...) * magnitude).
_ARABIC_SCALED = re.compile(r"([0-9]+(?:\.[0-9]+)?)([十百千万亿])\Z")
_MAGNITUDE = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_ONES = "一二三四五六七八九"
# Chinese numerals below 100 written the canonical way (七, 十二, 二十, 三十五; 两 alone),
# read by table; tests check each entry against cn2an.
SMALL_CHINESE = {
    "两": 2,
    "十": 10,
    **{d: v for v, d in enumerate(_ONES, 1)},
    **{"十" + d: 10 + v for v, d in enumerate(_ONES, 1)},
    **{d + "十": 10 * v for v, d in enumerate(_ONES, 1)},
    **{d + "十" + e: 10 * v + w for v, d in enumerate(_ONES, 1) for w, e in enumerate(_ONES, 1)},
}
# Two Chinese digits side by side (零 only fills a gap, as in 一百零五).
_DIGIT_PAIR = re.compile(f"[{CN_DIGITS.replace('零', '')}]{{2}}")


# Cached: a corpus states the same few hundred numerals over and over.
@lru_cache(maxsize=4096)
def parse_number(numeral: str) -> float:
    """Value of a numeral with no unit: ``"1,750万"`` -> 17500000.0.

    Raises:
        ValueError: ``numeral`` is not a numeral cn2an can read.
    """
    numeral = numeral.strip()
    if not _NUMERAL_RE.match(numeral):
        raise ValueError(f"not a numeral: {numeral!r}")
    numeral = numeral.replace(",", "")
    if _PLAIN_ARABIC.match(numeral):
        return float(numeral)  # the common case, and far cheaper than cn2an
    if numeral in SMALL_CHINESE:
        return float(SMALL_CHINESE[numeral])
    scaled = _ARABIC_SCALED.match(numeral)
    if scaled:
        # cn2an's own arithmetic for this form, truncation included.
        return float(int(Decimal(scaled.group(1)) * _MAGNITUDE[scaled.group(2)]))
    if numeral[0] in "百千万亿":
        # A bare magnitude (百余名, 百万) means one of it; cn2an refuses it.
        numeral = "一" + numeral
    try:
        try:
            return float(cn2an_smart(numeral))
        except (KeyError, IndexError) as exc:
            # cn2an fails with a KeyError on malformed numerals such as 亿0 or 0十2.
            raise ValueError(f"not a numeral cn2an can read: {numeral!r}") from exc
    except ValueError:
        # cn2an reads 三点五 but not 三点五万: scale a trailing magnitude ourselves.
        if len(numeral) > 1 and numeral[-1] in _SCALE:
            return parse_number(numeral[:-1]) * _SCALE[numeral[-1]]
        raise


def cn2an_smart(numeral: str) -> int | float:
    """cn2an's smart reading (int or float); cn2an is imported on the first call."""
    import cn2an

    value: int | float = cn2an.cn2an(numeral, "smart")
    return value


def reads_digit_by_digit(numeral: str) -> bool:
    """True for Chinese numerals that are not a quantity reading.

    Adjacent Chinese digits are either read one by one (years: 二〇一六) or
    give a rough range (三五个 "three or five", 七八十人 "seventy or eighty").
    """
    return bool(_DIGIT_PAIR.search(numeral)) or ("〇" in numeral)


def is_bare_magnitude(numeral: str) -> bool:
    """True for 百, 千万, 亿 ...: magnitudes with no digit, as in idioms (千家万户)."""
    return all(ch in "百千万亿" for ch in numeral)


def is_lone_one(numeral: str) -> bool:
    """True for a single 一, which before a measure word is an article (一个书桌, 一批)."""
    return numeral == "一"
