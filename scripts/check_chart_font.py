"""Check that charts draw Chinese with the font shipped through PyPI, with no system CJK font.

Run it where matplotlib cannot see a system CJK font, so the font shipped with
the package (noto-cjk-sans-otc) is the only one that can draw Chinese:

    unshare --mount sh -c 'mount -t tmpfs tmpfs /usr/share/fonts && \
        MPLCONFIGDIR=$(mktemp -d) .venv/bin/python scripts/check_chart_font.py'

or, where no mount namespace can be made, with ``--hide-system-fonts`` (this
process's matplotlib then lists only its own fonts before adding ours).

It fails (exit 1) when a font other than the shipped one draws Chinese (the
check would prove nothing), when the chosen font is not the shipped one, or
when a chart with two different characters does not hold two different,
non-empty glyphs, in the SVG outlines and in the PNG pixels alike.
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from pathlib import Path

PROBE = ("社", "治")


def _hide_system_fonts() -> None:
    """Rebuild matplotlib's font list from its own data folder only (DejaVu, LastResortHE …)."""
    from matplotlib import font_manager

    system = font_manager.findSystemFonts
    # Called with matplotlib's own data folder it lists that; without a folder (the system's) nothing.
    font_manager.findSystemFonts = lambda fontpaths=None, fontext="ttf": (
        [] if fontpaths is None else system(fontpaths, fontext)
    )
    font_manager.fontManager = font_manager.FontManager()

    from pipeline import charts

    charts.font_manager.fontManager = font_manager.fontManager
    charts.KNOWN_FONT_FILES = ()


def _svg_glyphs(svg: str) -> list[str]:
    """Glyph outlines of an SVG matplotlib wrote: one <path id="…-hexcode" d="…"> per character."""
    return [m.group(1) for m in re.finditer(r'<path id="[^"]*-[0-9a-fA-F]+" d="([^"]*)"', svg)]


def _png_of(text: str, choice):
    import matplotlib.pyplot as plt
    import numpy as np

    from pipeline import charts

    with plt.rc_context(charts._style(choice)):
        fig = plt.figure(figsize=(1, 1), dpi=100)
        fig.text(0.5, 0.5, text, fontsize=40, ha="center", va="center")
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
    buf.seek(0)
    return np.asarray(plt.imread(buf))


def check() -> list[str]:
    """Problems found (empty when charts read); prints what it saw."""
    import matplotlib.pyplot as plt
    import numpy as np

    from pipeline import charts

    problems = []
    shipped = set(charts.bundled_font_files())
    if not shipped:
        return ["noto-cjk-sans-otc is not installed: no CJK font ships with the package"]
    others = sorted(
        {
            e.fname
            for e in charts.font_manager.fontManager.ttflist
            if e.fname not in shipped
            # cmap first: the glyph test of a Latin font would only warn about missing glyphs
            and charts.covers(charts.FontChoice(e.name, e.fname, getattr(e, "index", 0)), "".join(PROBE))
            and charts.draws_distinct_glyphs(e.fname, getattr(e, "index", 0))
        }
    )
    if others:
        problems.append(f"a system CJK font is visible, so this check proves nothing: {others[:3]}")
    choice = charts.find_cjk_font(["深圳市", "社区治理"])
    print(f"font: {choice.family} ({choice.path}, face {choice.index})")
    if choice.path not in shipped:
        problems.append(f"the chosen font is not the shipped one: {choice.path}")
    with plt.rc_context(charts._style(choice)):
        fig = plt.figure(figsize=(2, 1))
        fig.text(0.1, 0.5, "".join(PROBE), fontsize=20)
        buf = io.StringIO()
        fig.savefig(buf, format="svg")
        plt.close(fig)
    outlines = _svg_glyphs(buf.getvalue())
    print(f"svg: {len(outlines)} glyph outline(s), {len(set(outlines))} distinct")
    if len(set(outlines)) != len(PROBE) or not all(o.strip() for o in outlines):
        problems.append(f"{'、'.join(PROBE)} did not come out as {len(PROBE)} different glyph outlines")
    first, second = (_png_of(c, choice) for c in PROBE)
    inked = [int((img[..., :3] < 0.5).any(axis=-1).sum()) for img in (first, second)]
    differ = int((np.abs(first - second) > 0.25).any(axis=-1).sum())
    print(f"png: inked pixels {inked[0]} and {inked[1]}, {differ} pixels differ")
    if min(inked) < 50 or differ < 50:
        problems.append(f"{'、'.join(PROBE)} did not render to two different, inked glyph images")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hide-system-fonts", action="store_true", help="list only matplotlib's own fonts")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    if args.hide_system_fonts:
        _hide_system_fonts()
    problems = check()
    for problem in problems:
        print(f"FAIL: {problem}")
    print("charts draw Chinese with the shipped font" if not problems else "charts do not read")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
