"""Ingest: read files and URLs, normalize the text, find duplicates.

The names below are loaded from their module on first use, so that importing one
module of the package (``pipeline.ingest.read``, say) does not load the others and
their libraries (numpy, OpenCC).
"""

from importlib import import_module
from typing import Any

_MODULE_OF = {
    "NearDuplicateIndex": "dedupe",
    "content_hash": "dedupe",
    "signature": "dedupe",
    "similarity": "dedupe",
    "NormalizedText": "normalize",
    "normalize": "normalize",
    "RawText": "read",
    "ReadError": "read",
    "SUPPORTED_EXTENSIONS": "read",
    "fetch_url": "read",
    "iter_sources": "read",
    "read_path": "read",
}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_MODULE_OF[name]}", __name__), name)
    globals()[name] = value
    return value
