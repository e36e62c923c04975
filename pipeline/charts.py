"""Charts of a comparison: a place × theme heatmap and indicator bars.

Chinese labels need a CJK font. One is chosen explicitly and checked against
the characters of the labels (through the font's cmap); when none is found
the charts refuse with an install hint instead of drawing empty boxes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (after the backend is chosen)
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from .compare import Comparison  # noqa: E402
from .fileio import PathLike, atomic_path  # noqa: E402

# Simplified-Chinese faces first: the first face of the Noto CJK collection is
# the Japanese one, whose glyph shapes differ for a few characters.
PREFERRED_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Noto Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Droid Sans Fallback",
)
# Installed after matplotlib built its font cache, these would be invisible to it.
KNOWN_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
NO_FONT = (
    "找不到中文字体,请安装 fonts-noto-cjk (apt-get install fonts-noto-cjk)。"
    " / No CJK font found: install fonts-noto-cjk (apt-get install fonts-noto-cjk)."
)


class ChartError(RuntimeError):
    """A chart that cannot be drawn (message in Chinese, with English)."""


@dataclass(frozen=True)
class FontChoice:
    family: str
    path: str
    index: int  # face index inside a .ttc collection


@cache
def _cmap(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(path, fontNumber=index, lazy=True)
        return frozenset(font.getBestCmap() or ())
    except Exception:  # an unreadable font file just does not qualify
        return frozenset()


def covers(choice: FontChoice, text: str) -> bool:
    """True when the font has a glyph for every visible character of ``text``."""
    cmap = _cmap(choice.path, choice.index)
    return all(ord(c) in cmap for c in set(text) if not c.isspace())


def find_cjk_font(labels: Iterable[str] = ()) -> FontChoice:
    """A regular-weight font that covers every character of ``labels`` (and common Chinese).

    Raises:
        ChartError: no installed font covers them.
    """
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for path in KNOWN_FONT_FILES:
        if Path(path).exists() and path not in known:
            font_manager.fontManager.addfont(path)
    text = "".join(labels) + "社区治理主题城市"
    rank = {name: i for i, name in enumerate(PREFERRED_FAMILIES)}
    entries = sorted(
        font_manager.fontManager.ttflist,
        key=lambda e: (rank.get(e.name, len(rank)), abs(_weight(e.weight) - 400), e.name),
    )
    for entry in entries:
        choice = FontChoice(entry.name, entry.fname, getattr(entry, "index", 0))
        if covers(choice, text):
            return choice
    raise ChartError(NO_FONT)


def _weight(weight) -> int:
    return weight if isinstance(weight, int) else font_manager.weight_dict.get(weight, 400)


def _save(fig, path_png: PathLike, path_svg: PathLike | None) -> list[Path]:
    written = []
    for path, fmt in ((path_png, "png"), (path_svg, "svg")):
        if path is None:
            continue
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=fmt, dpi=150, bbox_inches="tight")
        written.append(Path(path))
    plt.close(fig)
    return written


def _style(font: FontChoice) -> dict:
    return {"font.family": [font.family], "axes.unicode_minus": False, "svg.hashsalt": "govcase"}


def heatmap(comparison: Comparison, path_png: PathLike, path_svg: PathLike | None = None) -> list[Path]:
    """Place × theme heatmap of practice counts, each cell labelled with its count."""
    counts = comparison.theme_counts.set_index(comparison.place_header)
    places, themes = [str(p) for p in counts.index], [str(t) for t in counts.columns]
    title = f"各{comparison.place_header}主题做法数"
    font = find_cjk_font([*places, *themes, title, "暂无可比较的做法"])
    with plt.rc_context(_style(font)):
        fig, ax = plt.subplots(figsize=(max(6.0, 0.7 * len(themes) + 2.5), max(3.0, 0.45 * len(places) + 2.0)))
        if counts.empty:
            ax.text(0.5, 0.5, "暂无可比较的做法", ha="center", va="center", fontsize=14)
            ax.set_axis_off()
        else:
            values = counts.to_numpy()
            image = ax.imshow(values, cmap="YlGnBu", aspect="auto", vmin=0)
            ax.set_xticks(range(len(themes)), labels=themes, rotation=45, ha="right")
            ax.set_yticks(range(len(places)), labels=places)
            high = values.max() or 1
            for (i, j), v in _cells(values):
                ax.text(
                    j, i, str(v), ha="center", va="center", fontsize=8, color="white" if v > high * 0.6 else "black"
                )
            fig.colorbar(image, ax=ax, label="做法数").ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title)
        return _save(fig, path_png, path_svg)


def _cells(values):
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            yield (i, j), int(v)


def indicator_bars(
    comparison: Comparison, indicator: str, path_png: PathLike, path_svg: PathLike | None = None
) -> list[Path]:
    """Bars of one indicator across places (``社工人数`` or ``社工人数(人)``).

    A place with several values shows its largest (for a change, the later
    value); the bar is labelled as the report wrote it (约1.3万人, 183→769家).

    Raises:
        ChartError: no place has a value for the indicator.
    """
    values = comparison.indicator_values
    rows = values[(values["指标"] == indicator) | (values["指标"].str.split("(").str[0] == indicator)]
    if rows.empty:
        raise ChartError(f"没有“{indicator}”指标的数据,无法作图。 / No values for indicator {indicator!r}.")
    header = comparison.place_header
    best = rows.sort_values("数值", ascending=False, kind="stable").drop_duplicates(header)
    best = best.sort_values("数值", ascending=False, kind="stable")
    name = str(best["指标"].iloc[0])
    places, labels = [str(p) for p in best[header]], [str(s) for s in best["显示"]]
    title = f"各{header}{name}"
    font = find_cjk_font([*places, *labels, title])
    with plt.rc_context(_style(font)):
        fig, ax = plt.subplots(figsize=(max(5.0, 0.8 * len(places) + 2.0), 4.0))
        bars = ax.bar(places, best["数值"].astype(float), color="#3b7dbf")
        ax.bar_label(bars, labels=labels, fontsize=8, padding=2)
        ax.set_ylabel(name)
        ax.set_title(title)
        ax.margins(y=0.15)
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right")
        return _save(fig, path_png, path_svg)
