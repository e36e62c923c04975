"""Comparison downloads and the heatmap as bytes, written in a private temporary directory.

The library writers work on paths; each request gets its own fresh directory,
so no path ever comes from the request and concurrent requests never meet.
"""
from __future__ import annotations

import io
import tempfile
import threading
import zipfile
from pathlib import Path

from ..compare import TABLES, Comparison, write_csv, write_xlsx

# matplotlib's pyplot state is global; two threads drawing at once corrupt each other's figure.
_DRAW_LOCK = threading.Lock()


def xlsx_bytes(comparison: Comparison) -> bytes:
    with tempfile.TemporaryDirectory(prefix="govcase-web-") as tmp:
        return write_xlsx(comparison, Path(tmp) / "compare.xlsx").read_bytes()


def _csv_files(comparison: Comparison, tmp: str) -> dict[str, Path]:
    paths = write_csv(comparison, Path(tmp))
    return {attr: path for attr, path in zip(TABLES, paths)}


def csv_bytes(comparison: Comparison) -> bytes:
    """The place × theme table as UTF-8 CSV with a BOM (Excel reads the Chinese)."""
    with tempfile.TemporaryDirectory(prefix="govcase-web-") as tmp:
        return _csv_files(comparison, tmp)["theme_counts"].read_bytes()


def zip_bytes(comparison: Comparison) -> bytes:
    """Every comparison table as a CSV file, zipped."""
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="govcase-web-") as tmp, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _csv_files(comparison, tmp).values():
            archive.write(path, arcname=path.name)
    return buffer.getvalue()


def heatmap_png(comparison: Comparison) -> bytes:
    """The place × theme heatmap drawn by ``pipeline.charts``.

    Raises:
        ImportError: the charts module is not available.
    """
    from ..charts import heatmap

    with _DRAW_LOCK, tempfile.TemporaryDirectory(prefix="govcase-web-") as tmp:
        png, svg = Path(tmp) / "heatmap.png", Path(tmp) / "heatmap.svg"
        heatmap(comparison, png, svg)
        return png.read_bytes()
