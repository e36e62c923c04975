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

from ..resources import models_dir
from .binary_model import BinaryModel, load

MODEL_FILE = "title_model.json"
MAX_LINES = 30  # opening lines considered: portal chrome runs to a dozen lines and more
_LEN = (4, 80)

_BREADCRUMB = re.compile(r"[>»›]|首页\s*[/|]|当前位置|您的位置|所在位置")
# Site, outlet and account names (宜昌市西陵区人民政府门户网站, 青秀民政, 蜀山发布).
_SITE_END = re.compile(
    r"(?:人民政府|门户网站?|政府网|民政局|民政厅|民政|政务|融媒|网|频道|发布|公众号|日报|晚报|新闻|客户端|官网|在线|之窗)$"
)
_NAV_SEPARATORS = re.compile(r"\s+|[|丨]")
_META = re.compile(r"来源|发布时间|发布日期|时间[::]|日期[::]|作者|记者|编辑|责任编辑|浏览|阅读|点击[数量率]|字号|打印")
_DATE = re.compile(r"(?:19|20)\d{2}\s*[-./年]\s*\d{1,2}")
_SENTENCE_END = re.compile(r"[。;!?]$|[。;]")
_QUOTES = re.compile(r"[“”「」『』\"]")
_COLON = re.compile(r"[::]")
_GARBLED = re.compile(r"[\u00c0-\u00ff\ufffd]")  # mojibake (ç½‘ç«™) and replacement characters
_WECHAT = re.compile(r"点击.{0,4}(?:蓝字|关注)|关注我们|长按|识别二维码|星标")
_TAG = re.compile(r"^\s*[【\[][^【】\[\]]{1,20}[】\]]")


TitleModel = BinaryModel


@lru_cache(maxsize=1)
def default_model() -> BinaryModel:
    return load(models_dir() / MODEL_FILE, "找不到标题识别模型(请运行 govcase train --model titles 生成)")


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
    if _BREADCRUMB.search(stripped) or _WECHAT.search(stripped):
        return "chrome"
    if _META.search(stripped) or (_DATE.search(stripped) and len(stripped) < 40):
        return "meta"
    if len(stripped) > _LEN[1] or _SENTENCE_END.search(stripped):
        return "body"
    return "short"


def line_features(lines: list[str], i: int, *, heading_like, is_byline) -> dict[str, float]:
    """Named features of opening line ``i`` as the page's headline.

    ``heading_like`` and ``is_byline`` are metadata's own readings of a line (passed in, since that
    module chooses the headline with this one).
    """
    line = lines[i].strip()
    size = len(line)
    tokens = [t for t in _NAV_SEPARATORS.split(line) if t]
    feats: dict[str, float] = {
        "bias": 1.0,
        f"position={_bucket(i, (0, 1, 2, 4, 8, 15))}": 1.0,
        f"length={_bucket(size, (6, 10, 16, 24, 32, 45, 60))}": 1.0,
        f"pieces={_bucket(len(tokens), (1, 2, 3, 5))}": 1.0,
    }
    tests = {
        "breadcrumb": bool(_BREADCRUMB.search(line)),
        "site_name_end": bool(_SITE_END.search(line)),
        "meta_words": bool(_META.search(line)),
        "date_inside": bool(_DATE.search(line)),
        "sentence_punct": bool(_SENTENCE_END.search(line)),
        "quotes": bool(_QUOTES.search(line)),
        "colon": bool(_COLON.search(line)),
        "garbled": bool(_GARBLED.search(line)),
        "wechat_banner": bool(_WECHAT.search(line)),
        # 【数说社区】活动阵地…: a column tag before a headline; 【字号:大 中 小】 is a tool bar.
        "tag_prefix": bool((tag := _TAG.match(line)) and ":" not in tag.group() and len(line) - tag.end() >= 6),
        "tool_bar_tag": bool((tag := _TAG.match(line)) and ":" in tag.group()),
        "heading_like": heading_like(line),
        "byline": is_byline(line),
        "ends_with_dash": line.endswith(("——", "—", "-")),
        "opens_with_dash": line.startswith(("——", "—")),
        "question": line.endswith(("?", "?")),
    }
    feats.update({key: 1.0 for key, found in tests.items() if found})
    before = lines[i - 1] if i else ""
    after = lines[i + 1] if i + 1 < len(lines) else ""
    feats[f"before={_kind(before) if i else 'start'}"] = 1.0
    feats[f"after={_kind(after)}"] = 1.0
    if after.strip().startswith(("——", "—")):
        feats["subtitle_after"] = 1.0
    # The first line that reads like a headline, among the opening ones.
    if heading_like(line) and not any(heading_like(x) for x in lines[:i]):
        feats["first_heading_like"] = 1.0
    return feats


def choose(lines: list[str], *, heading_like, is_byline, model: TitleModel | None = None) -> tuple[int, float] | None:
    """(index, probability) of the opening line most likely the headline, or None when none reaches the
    model's threshold (an untitled brief)."""
    model = model or default_model()
    best: tuple[int, float] | None = None
    for i, line in enumerate(lines[:MAX_LINES]):
        if not (_LEN[0] <= len(line.strip()) <= _LEN[1]):
            continue
        p = model.probability(line_features(lines, i, heading_like=heading_like, is_byline=is_byline))
        if best is None or p > best[1]:
            best = (i, p)
    return best if best and best[1] >= model.threshold else None
