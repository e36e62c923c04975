"""Comparison downloads and the heatmap as bytes, written in a private temporary directory.

The library writers work on paths; each request gets its own fresh directory,
so no path ever comes from the request and concurrent requests never meet.
"""

from __future__ import annotations

import io
import tempfile
import threading
import zipfile
from collections import OrderedDict
from pathlib import Path

from ..compare import TABLES, Comparison, ComparisonPlan, write_csv, write_xlsx

# matplotlib's pyplot state is global; two threads drawing at once corrupt each other's figure.
_DRAW_LOCK = threading.Lock()
# Drawing is slow next to a page; the picture depends only on the place × theme table, so that table is the key.
HEATMAP_CACHE_SIZE = 32
_heatmaps: OrderedDict[str, bytes] = OrderedDict()


def xlsx_bytes(comparison: Comparison) -> bytes:
    with tempfile.TemporaryDirectory(prefix="govcase-web-") as tmp:
        return write_xlsx(comparison, Path(tmp) / "compare.xlsx").read_bytes()


def _csv_files(comparison: Comparison, tmp: str) -> dict[str, Path]:
    paths = write_csv(comparison, Path(tmp))
    return {attr: path for attr, path in zip(TABLES, paths, strict=False)}


def csv_bytes(comparison: Comparison) -> bytes:
    """The 案例对比 table as UTF-8 CSV with a BOM (Excel reads the Chinese)."""
    with tempfile.TemporaryDirectory(prefix="govcase-web-") as tmp:
        return _csv_files(comparison, tmp)["cases"].read_bytes()


def zip_bytes(comparison: Comparison) -> bytes:
    """Every comparison table as a CSV file, zipped."""
    buffer = io.BytesIO()
    with (
        tempfile.TemporaryDirectory(prefix="govcase-web-") as tmp,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
    ):
        for path in _csv_files(comparison, tmp).values():
            archive.write(path, arcname=path.name)
    return buffer.getvalue()


def heatmap_png(comparison: Comparison | ComparisonPlan) -> bytes:
    """The place × theme heatmap drawn by ``pipeline.charts``, from memory when this table was drawn before.

    Raises:
        charts.ChartError: no installed font can draw the Chinese labels.
    """
    from ..charts import heatmap  # imports matplotlib: only when a picture is asked for

    key = comparison.by + "\n" + comparison.theme_counts.to_csv(index=False)
    with _DRAW_LOCK:
        if key in _heatmaps:
            _heatmaps.move_to_end(key)
            return _heatmaps[key]
        with tempfile.TemporaryDirectory(prefix="govcase-web-") as tmp:
            png = Path(tmp) / "heatmap.png"
            heatmap(comparison, png)
            _heatmaps[key] = png.read_bytes()
        if len(_heatmaps) > HEATMAP_CACHE_SIZE:
            _heatmaps.popitem(last=False)
        return _heatmaps[key]
