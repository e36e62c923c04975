"""Charts: a CJK font chosen and checked against the labels; files written whole."""

import re
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from fontTools.ttLib import TTFont
from matplotlib import font_manager

from pipeline import charts
from pipeline.charts import ChartError, find_cjk_font, heatmap, indicator_bars, indicator_panels
from pipeline.compare import VALUE_COLUMNS, Comparison

PLACES = ["深圳市", "武汉市", "潍坊市", "乌鲁木齐市"]
THEMES = ["党建引领", "社会组织培育", "居民参与与协商自治", "矛盾调解与平安建设"]


def _comparison() -> Comparison:
    counts = pd.DataFrame({"城市": PLACES, **{t: [i + j for j in range(len(PLACES))] for i, t in enumerate(THEMES)}})
    cases = pd.DataFrame(
        {
            "城市": PLACES,
            "社会组织数(家)": [769, 36, "未找到", "深圳市:3家;武汉市:5家"],
            "常住人口(人)": ["未找到", "未找到", 13000, "未找到"],
        }
    )
    shown = cases.copy()
    shown["社会组织数(家)"] = ["183→769家", "36家", "未找到", "深圳市:3家;武汉市:5家"]
    shown["常住人口(人)"] = ["未找到", "未找到", "约1.3万人", "未找到"]
    values = pd.DataFrame(columns=["城市", *VALUE_COLUMNS])
    empty = pd.DataFrame()
    return Comparison(
        "city", "城市", cases, counts, counts.astype(str), values, empty, empty, empty, shown, cases.astype(str) * 0
    )


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
    """One bar per row with a number; a row that lists its cases has none."""
    indicator_bars(_comparison(), "社会组织数", tmp_path / "a.png")
    indicator_bars(_comparison(), "社会组织数(家)", tmp_path / "b.png", tmp_path / "b.svg")
    assert (tmp_path / "a.png").stat().st_size > 5_000 and (tmp_path / "b.svg").exists()
    with pytest.raises(ChartError, match="没有“社工人数”指标的数据"):
        indicator_bars(_comparison(), "社工人数", tmp_path / "c.png")
    assert not (tmp_path / "c.png").exists()


def test_indicator_panels_draw_every_indicator_with_values(tmp_path):
    written = indicator_panels(_comparison(), tmp_path / "i.png", tmp_path / "i.svg")
    assert [p.name for p in written] == ["i.png", "i.svg"]
    svg = (tmp_path / "i.svg").read_text(encoding="utf-8")
    assert svg.count('<g id="patch_') >= 3  # bars of two indicators (and the axes' backgrounds)


def _no_system_fonts(monkeypatch) -> None:
    """matplotlib sees only its own fonts: DejaVu and the LastResortHE placeholder, no system CJK font."""
    own = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    entries = [e for e in font_manager.fontManager.ttflist if Path(e.fname).parent == own]
    last_resort = own / "LastResortHE-Regular.ttf"
    if last_resort.exists() and all(Path(e.fname) != last_resort for e in entries):
        entries.append(font_manager.FontEntry(fname=str(last_resort), name="LastResort", weight=400))
    monkeypatch.setattr(font_manager.fontManager, "ttflist", entries)
    monkeypatch.setattr(charts, "KNOWN_FONT_FILES", ())


def _glyph_paths(svg: str) -> dict[str, str]:
    """SVG glyph definitions (matplotlib writes one <path id="Font-hexcode" d=…> per character)."""
    return {m.group(1).lower(): m.group(2) for m in re.finditer(r'<path id="[^"]*-([0-9a-fA-F]+)" d="([^"]*)"', svg)}


def test_charts_read_without_a_system_cjk_font(monkeypatch, tmp_path):
    """The font shipped through PyPI draws Chinese; two characters come out as two different glyphs."""
    _no_system_fonts(monkeypatch)
    choice = find_cjk_font(PLACES)
    assert choice.path in charts.bundled_font_files() and "SC" in choice.family
    heatmap(_comparison(), tmp_path / "h.png", tmp_path / "h.svg")
    assert (tmp_path / "h.png").stat().st_size > 10_000
    # A chart whose only text is two different characters holds two different, non-empty glyph outlines.
    with plt.rc_context(charts._style(choice)):
        fig, ax = plt.subplots(figsize=(2, 1))
        ax.set_axis_off()
        ax.text(0.5, 0.5, "社治")
        charts._save(fig, tmp_path / "t.png", tmp_path / "t.svg")
    outlines = set(_glyph_paths((tmp_path / "t.svg").read_text(encoding="utf-8")).values())
    assert len(outlines) == 2 and all(o.strip() for o in outlines)


def test_a_placeholder_font_is_not_taken_for_a_cjk_font(monkeypatch):
    """LastResortHE maps every code point, but to one box: its character map passes, its glyphs do not."""
    last_resort = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "LastResortHE-Regular.ttf"
    if not last_resort.exists():
        pytest.skip("this matplotlib ships no LastResortHE")
    choice = charts.FontChoice("LastResort", str(last_resort), 0)
    assert charts.covers(choice, "社区治理")
    assert not charts.draws_distinct_glyphs(str(last_resort), 0)
    _no_system_fonts(monkeypatch)
    monkeypatch.setattr(charts, "bundled_font_files", lambda: [])
    with pytest.raises(ChartError, match="找不到能显示中文的字体"):
        find_cjk_font(["社区"])


def test_missing_cjk_font_is_a_clear_error(monkeypatch, tmp_path):
    latin = [e for e in font_manager.fontManager.ttflist if "DejaVu" in e.name]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", latin)
    monkeypatch.setattr(charts, "KNOWN_FONT_FILES", ())
    monkeypatch.setattr(charts, "bundled_font_files", lambda: [])
    with pytest.raises(ChartError, match="找不到能显示中文的字体,请安装 noto-cjk-sans-otc"):
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


def _font_check_command(tmp_path) -> tuple[list[str], str]:
    """scripts/check_chart_font.py in a fresh process: system fonts unmounted where a mount namespace can
    be made (root, as in CI), else hidden from that process's matplotlib."""
    import shutil
    import subprocess
    import sys

    script = str(Path(__file__).resolve().parent.parent / "scripts" / "check_chart_font.py")
    if shutil.which("unshare") and shutil.which("mount"):
        probe = subprocess.run(
            ["unshare", "--mount", "sh", "-c", "mount -t tmpfs tmpfs /usr/share/fonts"], capture_output=True
        )
        if probe.returncode == 0:
            inner = f'mount -t tmpfs tmpfs /usr/share/fonts && exec "{sys.executable}" "{script}"'
            return ["unshare", "--mount", "sh", "-c", inner], "mount namespace"
    return [sys.executable, script, "--hide-system-fonts"], "hidden in process"


def test_a_fresh_process_without_system_fonts_draws_two_different_characters(tmp_path):
    """The shipped font is the one chosen, and 社 and 治 come out as different, inked glyphs (SVG and PNG)."""
    import os
    import subprocess

    command, how = _font_check_command(tmp_path)
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl")}  # no font cache that lists system fonts
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, f"{how}:\n{done.stdout}\n{done.stderr[-2000:]}"
    assert "noto_cjk_sans_otc" in done.stdout and "2 distinct" in done.stdout
