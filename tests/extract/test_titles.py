"""The title model: the headline among a saved page's opening lines (portal chrome, WeChat banners)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.extract.metadata import case_metadata
from pipeline.extract.titles import TitleModel
from pipeline.ingest.normalize import normalize
from pipeline.resources import models_dir
from pipeline.structure import build_structure

ROOT = Path(__file__).resolve().parents[2]

PORTAL = """宜宾市翠屏区人民政府门户网站
首页 > 政务公开 > 基层动态
【字号:大 中 小】 打印 关闭
白沙湾街道:“院落管家”让老旧小区有人管
发布时间:2025-04-18 10:32  来源:翠屏区民政局  浏览次数:326
白沙湾街道辖区老旧院落多、物业缺位。去年以来,街道在42个无物业院落推行“院落管家”,由居民推选管家,社区党委牵头议事。
目前,院落环境投诉同比下降四成。
"""

WECHAT = """邻里议事桌搬进写字楼,这个社区这样做
原创 青秀民政 2024-09-02 18:06 发表于广西
点击蓝字 关注我们
东盟商务区社区的居民以年轻白领为主。社区把议事桌搬进写字楼大堂,每月第二个周四午间开议。
半年来议定事项27件,办结25件。
"""

BRIEF = """近日,福州市鼓楼区温泉街道组织辖区12个社区开展消防安全检查,排查隐患43处,已整改41处。
街道还为独居老人免费安装烟感报警器200余个。
"""


# Written for these tests: a page that runs its headline into the first paragraph, a dateline that does the
# same, and a report whose salutation stands under its title.
INLINE = (
    "桐木镇:“院坝夜谈”谈出乡村好风气  近年来,桐木镇在全镇14个村推行“院坝夜谈”,每月由村干部和群众围坐院坝,"
    "商量村里的大事小情。两年来共收集意见建议860条,办结812条。\n“以前有事找不到人,现在院坝里就能说。”村民李大姐说。\n"
)

DATELINE = """新华社成都3月2日电  记者从四川省民政厅获悉,全省已建成城乡社区综合服务设施5.1万个,覆盖率达到百分之百。
下一步,全省将推进服务设施提质增效。
"""

SALUTATION = """关于桐木镇院坝议事工作开展情况的报告
镇党委、镇政府:
今年以来,桐木镇坚持把院坝议事作为基层治理的重要抓手,现将有关情况报告如下。
一、基本情况
全镇共14个村,已全部建立院坝议事制度。
"""


def _title(text: str) -> str | None:
    return case_metadata(build_structure("t", normalize(text).text)).title


@pytest.mark.parametrize(
    "text, title",
    [
        (PORTAL, "白沙湾街道:“院落管家”让老旧小区有人管"),
        (WECHAT, "邻里议事桌搬进写字楼,这个社区这样做"),
        (INLINE, "桐木镇:“院坝夜谈”谈出乡村好风气"),
        (SALUTATION, "关于桐木镇院坝议事工作开展情况的报告"),
    ],
)
def test_the_headline_and_not_the_site_breadcrumb_or_banner(text, title):
    assert _title(text) == title


def test_an_untitled_brief_has_no_title():
    assert _title(BRIEF) is None
    assert _title(DATELINE) is None  # its dateline is run into the paragraph like a headline, and heads nothing


def test_the_shipped_model_is_plain_numbers_with_a_card():
    data = json.loads((models_dir() / "title_model.json").read_text(encoding="utf-8"))
    model = TitleModel.from_json(data)
    assert 0.0 < model.threshold < 1.0 and model.weights
    assert "Leave-one-document-out" in (models_dir() / "title_model.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_the_shipped_title_model_is_what_training_on_the_gold_gives(tmp_path):
    from pipeline.titles_train import train

    texts = [
        ROOT / "corpus" / "reports",
        ROOT / "tests" / "fixtures" / "reports",
        ROOT / "tests" / "fixtures" / "pages",
    ]
    relevance = ROOT / "corpus" / "relevance"
    report = train([ROOT / "corpus" / "gold", *texts[1:], relevance], [*texts, relevance], tmp_path)
    shipped = json.loads((models_dir() / "title_model.json").read_text(encoding="utf-8"))
    rebuilt = json.loads(report.model_path.read_text(encoding="utf-8"))
    assert rebuilt["threshold"] == shipped["threshold"]
    assert all(abs(rebuilt["weights"][k] - shipped["weights"][k]) < 1e-3 for k in rebuilt["weights"])
    # Leave-one-document-out at the shipped threshold, as measured: 0.905, 0.949 over 553, 0.936 over 629 (the
    # case pages and feed16 joined; 0.3 is within one standard error of the best, 0.944 at 0.1), 0.945 over 669
    # (at 0.2), 0.933 over 689 (case22's WeChat pages joined, 15 of 20 right; the 669 others stay at 0.936 at
    # 0.3, and held-out titles stay 107/120 over case17, case21, case23, feed14 and feed15), 0.930 over 713 with
    # neg15's 快讯 roundups (their first line, 国内联播快讯, is the title; held out 106/120), 0.935 once a case
    # form's 案例名称: label and a by-line run into the headline's line left the title (held out 107/120).
    assert report.lodo[report.threshold]["accuracy"] >= 0.934


def test_the_threshold_is_the_highest_within_one_standard_error_of_the_best():
    from pipeline.titles_train import choose_threshold

    def lodo(*accuracies):
        return {
            t: {"accuracy": a, "documents": 629} for t, a in zip((0.1, 0.2, 0.3, 0.4, 0.5), accuracies, strict=True)
        }

    # One SE of 0.944 over 629 pages is 0.009: 0.3 is as good as 0.1, 0.4 is not.
    assert choose_threshold(lodo(0.944, 0.943, 0.936, 0.927, 0.924)) == 0.3
    assert choose_threshold(lodo(0.90, 0.95, 0.93, 0.92, 0.91)) == 0.2
