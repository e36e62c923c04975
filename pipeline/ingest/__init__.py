"""Ingest: read files and URLs, normalize the text, find duplicates."""
from .dedupe import NearDuplicateIndex, content_hash, signature, similarity
from .normalize import NormalizedText, normalize
from .read import SUPPORTED_EXTENSIONS, RawText, ReadError, fetch_url, iter_sources, read_path

__all__ = [
    "NearDuplicateIndex",
    "NormalizedText",
    "RawText",
    "ReadError",
    "SUPPORTED_EXTENSIONS",
    "content_hash",
    "fetch_url",
    "iter_sources",
    "normalize",
    "read_path",
    "signature",
    "similarity",
]
