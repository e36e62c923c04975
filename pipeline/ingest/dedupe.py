"""Exact and near-duplicate detection.

Exact: sha256 of the normalized text. Near: MinHash over character
5-shingles of the text stripped of whitespace and punctuation, indexed with
datasketch's LSH. The store persists ``signature`` bytes and rebuilds a
``NearDuplicateIndex`` from them when it opens.
"""
from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from datasketch import LeanMinHash

NUM_PERM = 128
SHINGLE = 5
SEED = 1
# Pinned so that signatures persisted by the store stay comparable across
# datasketch versions (2.0 changed the default hashing scheme).
SCHEME = "affine64"
# Estimated Jaccard of 5-shingle sets at or above which two texts are one
# report. Measured on the seeds after normalization: a repost with other site
# chrome and three edited paragraphs scores 0.94-0.99; cutting every fifth
# sentence in half and rewriting its end 0.80-0.89, every third 0.74-0.85;
# two different reports on the same subject (sharing 三社联动, 社区治理 …)
# 0.00-0.01. 0.7 keeps lightly rewritten reposts together and stays far from
# distinct reports; the estimate's standard error at 128 permutations is ~0.04.
THRESHOLD = 0.7
_DTYPE = np.dtype("<u8")


def content_hash(text: str) -> str:
    """sha256 hex of the (already normalized) text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _shingles(text: str) -> set[bytes]:
    # isalnum keeps Han characters, letters and digits: punctuation and
    # spacing differ between reposts of the same text.
    compact = "".join(ch for ch in text if ch.isalnum())
    if len(compact) <= SHINGLE:
        return {compact.encode("utf-8")} if compact else set()
    return {compact[i : i + SHINGLE].encode("utf-8") for i in range(len(compact) - SHINGLE + 1)}


def signature(text: str) -> bytes:
    """MinHash signature of ``text``: NUM_PERM little-endian uint64 values (1 KiB)."""
    from datasketch import MinHash  # imports scipy (~1 s): only when deduplicating

    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    minhash.update_batch(list(_shingles(text)))
    return np.asarray(minhash.hashvalues, dtype=_DTYPE).tobytes()


def _lean(sig: bytes) -> LeanMinHash:
    from datasketch import LeanMinHash

    values = np.frombuffer(sig, dtype=_DTYPE)
    if values.shape != (NUM_PERM,):
        raise ValueError(f"signature must hold {NUM_PERM} uint64 values, got {values.size}")
    return LeanMinHash(seed=SEED, hashvalues=values, scheme=SCHEME)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the texts behind two signatures."""
    return float(_lean(a).jaccard(_lean(b)))


class NearDuplicateIndex:
    """Signatures by doc id; ``query`` returns the ids of near-duplicates."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self._lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        self._sigs: dict[str, LeanMinHash] = {}

    def add(self, doc_id: str, sig: bytes) -> None:
        if doc_id in self._sigs:
            self._lsh.remove(doc_id)
        lean = _lean(sig)
        self._lsh.insert(doc_id, lean)
        self._sigs[doc_id] = lean

    def query(self, sig: bytes) -> list[str]:
        """Ids whose estimated Jaccard with ``sig`` is at least the threshold, best first.

        An empty text (no shingles) matches nothing.
        """
        lean = _lean(sig)
        if lean.is_empty():
            return []
        # LSH buckets give candidates; the estimate itself decides.
        scored = [(self._sigs[doc_id].jaccard(lean), doc_id) for doc_id in self._lsh.query(lean)]
        return [doc_id for score, doc_id in sorted(scored, key=lambda s: (-s[0], s[1])) if score >= self.threshold]

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._sigs
