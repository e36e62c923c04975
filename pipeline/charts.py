"""Charts of a comparison: a case (or place) × theme heatmap and indicator bars across cases.

Chinese labels need a CJK font. One is chosen explicitly: its character map
must cover the labels and it must really draw them, two different characters
rendered to two different glyph images (matplotlib's own LastResortHE maps
every code point to the same placeholder box, so a character map alone
passes it). A CJK font ships with the package's dependencies
(noto-cjk-sans-otc: Noto Sans CJK, SIL Open Font License 1.1), so charts read
on a machine without Debian's fonts-noto-cjk; when no font draws the labels
the charts refuse with an install hint instead of drawing boxes.
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
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from .compare import Comparison, ComparisonPlan, format_number  # noqa: E402
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
    "找不到能显示中文的字体,请安装 noto-cjk-sans-otc (pip install noto-cjk-sans-otc) 或 fonts-noto-cjk"
    " (apt-get install fonts-noto-cjk)。 / No font draws Chinese: pip install noto-cjk-sans-otc,"
    " or apt-get install fonts-noto-cjk."
)
# Two different characters a real CJK font draws differently (and a placeholder font alike).
PROBE_CHARACTERS = ("社", "治")


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


def glyph_image(path: str, index: int, character: str):
    """The character drawn by the font as a grey-level bitmap (numpy array)."""
    import numpy as np
    from matplotlib.ft2font import FT2Font

    font = FT2Font(path, face_index=index)
    font.set_size(32, 72)
    font.set_text(character)
    font.draw_glyphs_to_bitmap()
    return np.asarray(font.get_image())


@cache
def draws_distinct_glyphs(path: str, index: int = 0) -> bool:
    """True when two different CJK characters come out as two different, non-empty glyph images."""
    try:
        first, second = (glyph_image(path, index, c) for c in PROBE_CHARACTERS)
    except Exception:  # an unreadable font file just does not qualify
        return False
    if not first.any() or not second.any():
        return False
    return first.shape != second.shape or bool((first != second).any())


def bundled_font_files() -> list[str]:
    """The CJK font shipped through PyPI (noto-cjk-sans-otc), when installed."""
    try:
        import noto_cjk_sans_otc
    except ImportError:
        return []
    path = Path(str(noto_cjk_sans_otc.FONT_PATH))
    return [str(path)] if path.exists() else []


def find_cjk_font(labels: Iterable[str] = ()) -> FontChoice:
    """A regular-weight font that covers every character of ``labels`` (and common Chinese) and draws them.

    Raises:
        ChartError: no installed font covers and draws them.
    """
    known = {entry.fname for entry in font_manager.fontManager.ttflist}
    for path in (*KNOWN_FONT_FILES, *bundled_font_files()):
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
        if covers(choice, text) and draws_distinct_glyphs(choice.path, choice.index):
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


def heatmap(
    comparison: Comparison | ComparisonPlan, path_png: PathLike, path_svg: PathLike | None = None
) -> list[Path]:
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


def _indicator_rows(comparison: Comparison, header: str) -> tuple[list[str], list[float], list[str]]:
    """(row labels, values, values as written) of the rows that have a number for ``header``, largest first."""
    frame, shown = comparison.cases, comparison.cases_shown
    rows = [
        (str(frame.iloc[i][comparison.place_header]), float(v), str(shown.iloc[i][header]))
        for i, v in enumerate(frame[header])
        if isinstance(v, (int, float)) and not isinstance(v, bool)
    ]
    rows.sort(key=lambda r: -r[1])
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def _header(comparison: Comparison, indicator: str) -> str | None:
    return next((h for h in comparison.indicator_headers if h == indicator or h.split("(")[0] == indicator), None)


def indicator_bars(
    comparison: Comparison, indicator: str, path_png: PathLike, path_svg: PathLike | None = None
) -> list[Path]:
    """Bars of one indicator across cases (``社工人数`` or ``社工人数(人)``), one value per case.

    Each bar is labelled as the report wrote it (约1.3万人, 183→769家); a
    place row that lists its cases instead of summing them has no bar.

    Raises:
        ChartError: no case has a value for the indicator.
    """
    header = _header(comparison, indicator)
    labels, values, shown = _indicator_rows(comparison, header) if header else ([], [], [])
    if not values:
        raise ChartError(f"没有“{indicator}”指标的数据,无法作图。 / No values for indicator {indicator!r}.")
    title = f"各{comparison.place_header}{header}"
    font = find_cjk_font([*labels, *shown, title])
    with plt.rc_context(_style(font)):
        fig, ax = plt.subplots(figsize=(7.0, max(2.5, 0.32 * len(labels) + 1.2)))
        _bar_panel(ax, labels, values, shown, header)
        ax.set_title(title)
        return _save(fig, path_png, path_svg)


def _bar_panel(ax, labels: list[str], values: list[float], shown: list[str], header: str) -> None:
    positions = range(len(labels))
    bars = ax.barh(list(positions), values, color="#3b7dbf")
    ax.bar_label(bars, labels=shown, fontsize=7, padding=2)
    ax.set_yticks(list(positions), labels=labels, fontsize=7)
    ax.invert_yaxis()  # largest on top
    ax.set_xlabel(header, fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    # Money runs to 3亿元: an axis offset ("1e8") would be read as part of the numbers; write them out.
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: format_number(x)))
    ax.margins(x=0.35)


def indicator_panels(comparison: Comparison, path_png: PathLike, path_svg: PathLike | None = None) -> list[Path]:
    """One bar panel per indicator across cases: every indicator some case has a number for.

    Raises:
        ChartError: no case has a value for any indicator.
    """
    panels = [(h, *_indicator_rows(comparison, h)) for h in comparison.indicator_headers]
    panels = [p for p in panels if p[2]]
    if not panels:
        raise ChartError("没有可作图的指标数据。 / No indicator values to draw.")
    title = f"各{comparison.place_header}指标对比(每个{comparison.place_header}一个值)"
    font = find_cjk_font([title, *(t for p in panels for t in (p[0], *p[1], *p[3]))])
    columns = 3 if len(panels) > 4 else len(panels)
    rows = -(-len(panels) // columns)
    tallest = max(len(p[1]) for p in panels)
    with plt.rc_context(_style(font)):
        fig, axes = plt.subplots(
            rows, columns, figsize=(5.2 * columns, rows * max(2.2, 0.2 * tallest + 1.0)), squeeze=False
        )
        for ax, (header, labels, values, shown) in zip(axes.flat, panels, strict=False):
            _bar_panel(ax, labels, values, shown, header)
            ax.set_title(header, fontsize=10)
        for ax in list(axes.flat)[len(panels) :]:
            ax.set_axis_off()
        fig.suptitle(title, fontsize=13)
        fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / fig.get_figheight()))
        return _save(fig, path_png, path_svg)
