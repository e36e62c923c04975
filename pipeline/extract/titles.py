"""The headline of a saved page: a trained choice among its opening lines.

A page saved as text opens with whatever its site put above the article: the
site's name (宜昌市西陵区人民政府门户网站), a breadcrumb (红网首页 > 怀化站 >
溆浦), a navigation bar, a WeChat banner (点击蓝字 关注我们), a dateline. The
headline is one of the opening lines; which one is decided by a logistic
regression over named features of each line (its place, its length and
marks, whether it reads like a site name, a breadcrumb or a sentence, and
what stands around it: a 来源/发布时间 line right below a headline, chrome
above it). Trained from the gold titles by pipeline.titles_train
(``govcase train --model titles``), shipped as plain numbers.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..patterns import (
    BREADCRUMB_LINE,
    COLON,
    DATE,
    GARBLED,
    NAV_SEPARATORS,
    PAGE_META_WORDS,
    QUOTE_MARKS,
    SENTENCE_MARK,
    SITE_NAME_END,
    TAG_LINE,
    WECHAT_BANNER,
)
from ..resources import models_dir
from .binary_model import BinaryModel, load
from .metadata import heading_like, is_byline

MODEL_FILE = "title_model.json"
MAX_LINES = 30  # opening lines considered: portal chrome runs to a dozen lines and more
_LEN = (4, 80)
MAX_TITLE_CHARS = _LEN[1]  # longer opening lines are no headline

TitleModel = BinaryModel


@lru_cache(maxsize=1)
def default_model() -> BinaryModel:
    return load(models_dir() / MODEL_FILE, "找不到标题识别模型(请运行 govcase train --model titles 生成)")


# An enumerated item's marker (一是 一、 (一) 1.), not LIST_MARKER_START: 第三届…, 第35个… open headlines.
_LIST_ITEM = re.compile(r"^(?:[一二三四五六七八九十]+[、是]|[((][一二三四五六七八九十\d]+[))]|\d+[.、](?!\d))")


def _bucket(value: int, bounds: tuple[int, ...]) -> str:
    for bound in bounds:
        if value <= bound:
            return f"<={bound}"
    return f">{bounds[-1]}"


def _kind(line: str) -> str:
    """A coarse reading of a line, for the features of its neighbours."""
    stripped = line.strip()
    if not stripped:
        return "empty"
    if BREADCRUMB_LINE.search(stripped) or WECHAT_BANNER.search(stripped):
        return "chrome"
    if PAGE_META_WORDS.search(stripped) or (DATE.search(stripped) and len(stripped) < 40):
        return "meta"
    if len(stripped) > _LEN[1] or SENTENCE_MARK.search(stripped):
        return "body"
    return "short"


def _line_features(lines: list[str], i: int, shaped: list[bool], first_shaped: int) -> dict[str, float]:
    """Named features of opening line ``i`` as the page's headline."""
    line = lines[i].strip()
    tokens = [t for t in NAV_SEPARATORS.split(line) if t]
    tag = TAG_LINE.match(line)
    feats: dict[str, float] = {
        "bias": 1.0,
        f"position={_bucket(i, (0, 1, 2, 4, 8, 15))}": 1.0,
        f"length={_bucket(len(line), (6, 10, 16, 24, 32, 45, 60))}": 1.0,
        f"pieces={_bucket(len(tokens), (1, 2, 3, 5))}": 1.0,
    }
    tests = {
        "breadcrumb": bool(BREADCRUMB_LINE.search(line)),
        "site_name_end": bool(SITE_NAME_END.search(line)),
        "meta_words": bool(PAGE_META_WORDS.search(line)),
        "date_inside": bool(DATE.search(line)),
        "sentence_punct": bool(SENTENCE_MARK.search(line)),
        "quotes": bool(QUOTE_MARKS.search(line)),
        "colon": bool(COLON.search(line)),
        "ends_with_colon": line.endswith((":", "：")),  # 区委、区政府: 同志们: a salutation or label, no headline
        "garbled": bool(GARBLED.search(line)),
        "wechat_banner": bool(WECHAT_BANNER.search(line)),
        # 【数说社区】活动阵地…: a column tag before a headline; 【字号:大 中 小】 is a tool bar.
        "tag_prefix": bool(tag and ":" not in tag.group() and len(line) - tag.end() >= 6),
        "tool_bar_tag": bool(tag and ":" in tag.group()),
        "heading_like": shaped[i],
        "byline": is_byline(line),
        "ends_with_dash": line.endswith(("——", "—", "-")),
        "opens_with_dash": line.startswith(("——", "—")),
        "question": line.endswith(("?", "?")),
        "list_item": bool(_LIST_ITEM.match(line)),  # 一是搭建议事平台。: an untitled brief's first item
        # The first line that reads like a headline, among the opening ones.
        "first_heading_like": i == first_shaped,
    }
    feats.update({key: 1.0 for key, found in tests.items() if found})
    after = lines[i + 1] if i + 1 < len(lines) else ""
    feats[f"before={_kind(lines[i - 1]) if i else 'start'}"] = 1.0
    feats[f"after={_kind(after)}"] = 1.0
    if after.strip().startswith(("——", "—")):
        feats["subtitle_after"] = 1.0
    return feats


def candidates(lines: list[str]) -> list[tuple[int, dict[str, float]]]:
    """(index, features) of every opening line long enough and short enough to be the headline."""
    opening = lines[: MAX_LINES + 1]
    shaped = [heading_like(line) for line in opening]
    first = next((i for i, found in enumerate(shaped) if found), -1)
    return [
        (i, _line_features(opening, i, shaped, first))
        for i, line in enumerate(opening[:MAX_LINES])
        if _LEN[0] <= len(line.strip()) <= _LEN[1]
    ]


def choose(lines: list[str], model: BinaryModel | None = None) -> tuple[int, float] | None:
    """(index, probability) of the opening line most likely the headline, or None when none reaches the
    model's threshold (an untitled brief)."""
    model = model or default_model()
    scored = [(i, model.probability(feats)) for i, feats in candidates(lines)]
    best = max(scored, key=lambda x: x[1], default=None)
    return best if best and best[1] >= model.threshold else None
