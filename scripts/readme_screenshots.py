"""Screenshots for the README: the web page 对比 in headless Chromium and one indicator chart.

    python scripts/readme_screenshots.py [REPORT_PATH ...] [--out docs/img]

Ingests the reports (default: the shipped corpus and the fixture reports, 33 cases from many
cities) into a temporary store, serves the web app on 127.0.0.1 in a thread, opens /compare in
Debian's Chromium (driven by Playwright, as tests/web/test_browser.py does) and saves the top of
the page; then draws the 资金投入 bars across cases. Both PNGs are reduced to a 256-colour palette
so that each stays at a few hundred KB.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
from pathlib import Path

from PIL import Image
from werkzeug.serving import make_server

from pipeline import api
from pipeline.charts import indicator_bars
from pipeline.compare import compare
from pipeline.web import create_app

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
DEFAULT_REPORTS = [ROOT / "corpus" / "reports", ROOT / "tests" / "fixtures" / "reports"]
REPORT_SUFFIXES = {".txt", ".html", ".docx", ".pdf"}


def _report_files(paths: list[Path]) -> list[Path]:
    files = []
    for path in paths:
        files += sorted(p for p in path.iterdir() if p.suffix in REPORT_SUFFIXES) if path.is_dir() else [path]
    return files


def _palette(path: Path) -> None:
    """Rewrite a PNG with 256 colours: flat tables and bar charts lose nothing visible."""
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def page_screenshot(db: Path, target: Path, *, width: int = 1600, height: int = 760) -> Path:
    from playwright.sync_api import sync_playwright

    server = make_server("127.0.0.1", 0, create_app(db), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            page = browser.new_page(locale="zh-CN", viewport={"width": width, "height": height})
            page.goto(f"http://127.0.0.1:{server.server_port}/compare")
            page.wait_for_load_state()
            # The case table from its heading down: the first rows, every column the width allows.
            top = page.locator("h2#cases").bounding_box()
            page.screenshot(
                path=target, full_page=True, clip={"x": 0, "y": top["y"] - 16, "width": width, "height": height}
            )
            browser.close()
    finally:
        server.shutdown()
        thread.join()
    _palette(target)
    return target


def chart(db: Path, target: Path, indicator: str = "资金投入") -> Path:
    with api.open_store(db, readonly=True) as store:
        comparison = compare(store, by="case")
    indicator_bars(comparison, indicator, target)
    _palette(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reports", nargs="*", type=Path, default=DEFAULT_REPORTS)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "shots.db"
        api.ingest(_report_files(args.reports), db=db)
        for path in (page_screenshot(db, args.out / "compare_page.png"), chart(db, args.out / "indicator_bars.png")):
            print(f"{path}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
