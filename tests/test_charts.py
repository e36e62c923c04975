"""Charts: a CJK font chosen and checked against the labels; files written whole."""

import pandas as pd
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager

from pipeline import charts
from pipeline.charts import ChartError, find_cjk_font, heatmap, indicator_bars
from pipeline.compare import VALUE_COLUMNS, Comparison

PLACES = ["深圳市", "武汉市", "潍坊市", "乌鲁木齐市"]
THEMES = ["党建引领", "社会组织培育", "居民参与与协商自治", "矛盾调解与平安建设"]


def _comparison() -> Comparison:
    counts = pd.DataFrame({"城市": PLACES, **{t: [i + j for j in range(len(PLACES))] for i, t in enumerate(THEMES)}})
    values = pd.DataFrame(
        [
            ["深圳市", "社会组织数(家)", 769, "家", None, 183, "183→769家", "a", 10, 30, "由183家增长到769家"],
            ["武汉市", "社会组织数(家)", 36, "家", None, None, "36家", "b", 5, 12, "孵化社会组织36家"],
            ["武汉市", "社会组织数(家)", 40, "家", "近", None, "近40家", "b", 40, 52, "引进近40家"],
            ["潍坊市", "常住人口(人)", 13000, "人", "约", None, "约1.3万人", "c", 0, 9, "常住人口约1.3万人"],
        ],
        columns=["城市", *VALUE_COLUMNS],
    )
    empty = pd.DataFrame()
    return Comparison("city", "城市", counts, counts.astype(str), empty, values, empty, empty, empty)


def _cmap(choice) -> set[int]:
    return set(TTFont(choice.path, fontNumber=choice.index, lazy=True).getBestCmap())


def test_chosen_font_covers_every_label():
    labels = PLACES + THEMES + ["各城市主题做法数", "做法数", "183→769家", "约1.3万人"]
    choice = find_cjk_font(labels)
    cmap = _cmap(choice)
    missing = {c for label in labels for c in label if ord(c) not in cmap}
    assert not missing, f"{choice.family} lacks {missing}"
    assert "SC" in choice.family or "Hei" in choice.family  # Simplified glyph shapes when installed


def test_heatmap_writes_png_and_svg(tmp_path):
    written = heatmap(_comparison(), tmp_path / "h.png", tmp_path / "h.svg")
    assert [p.name for p in written] == ["h.png", "h.svg"]
    assert (tmp_path / "h.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "h.png").stat().st_size > 10_000
    assert "<svg" in (tmp_path / "h.svg").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.png", "h.svg"]  # no temporary files left


def test_heatmap_of_an_empty_comparison_still_draws(tmp_path):
    cmp = _comparison()
    cmp.theme_counts = pd.DataFrame(columns=["城市"])
    heatmap(cmp, tmp_path / "e.png")
    assert (tmp_path / "e.png").stat().st_size > 0


def test_indicator_bars_by_name_or_header(tmp_path):
    indicator_bars(_comparison(), "社会组织数", tmp_path / "a.png")
    indicator_bars(_comparison(), "社会组织数(家)", tmp_path / "b.png", tmp_path / "b.svg")
    assert (tmp_path / "a.png").stat().st_size > 5_000 and (tmp_path / "b.svg").exists()
    with pytest.raises(ChartError, match="没有“社工人数”指标的数据"):
        indicator_bars(_comparison(), "社工人数", tmp_path / "c.png")
    assert not (tmp_path / "c.png").exists()


def test_missing_cjk_font_is_a_clear_error(monkeypatch, tmp_path):
    latin = [e for e in font_manager.fontManager.ttflist if "DejaVu" in e.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    monkeypatch.setattr(charts, "KNOWN_FONT_FILES", ())
    with pytest.raises(ChartError, match="找不到中文字体,请安装 fonts-noto-cjk"):
        heatmap(_comparison(), tmp_path / "h.png")
    assert not (tmp_path / "h.png").exists()


def test_failed_save_keeps_the_previous_chart(monkeypatch, tmp_path):
    target = tmp_path / "h.png"
    target.write_bytes(b"old chart")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("matplotlib.figure.Figure.savefig", boom)
    with pytest.raises(OSError):
        heatmap(_comparison(), target)
    assert target.read_bytes() == b"old chart"
    assert [p.name for p in tmp_path.iterdir()] == ["h.png"]
