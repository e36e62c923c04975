"""Exact and near-duplicate detection.

Exact: sha256 of the normalized text. Near: MinHash over character
5-shingles of the text stripped of whitespace and punctuation, with LSH
banding. The store keeps each document's ``signature`` bytes and its
``band_keys`` (pipeline.store), so a lookup reads only the candidates that
share a band; ``NearDuplicateIndex`` is the same lookup in memory.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import numpy as np

NUM_PERM = 128
SHINGLE = 5
SEED = 1
# Estimated Jaccard of 5-shingle sets at or above which two texts are one
# report. Measured on the seeds after normalization: a repost with other site
# chrome and edited paragraphs (the tests' ``repost``) scores 0.92-0.98; cutting
# every fifth sentence in half and rewriting its end 0.80-0.88, every third
# 0.78-0.85; two different reports on the same subject (sharing 三社联动,
# 社区治理 …) 0.00-0.01. 0.7 keeps lightly rewritten reposts together and stays
# far from distinct reports; the estimate's standard error at 128 permutations
# is ~0.04 (measured against exact Jaccard on 450 pairs: RMSE 0.028).
THRESHOLD = 0.7
# LSH bands x rows per band: datasketch's MinHashLSH choice for THRESHOLD and
# NUM_PERM (equal weights on false positives and negatives, each ~0.035 at the
# threshold). Pinned: the store keeps band keys, so changing them needs a migration.
BANDS = 14
ROWS = 9
_DTYPE = np.dtype("<u8")
_EMPTY = np.uint64(0xFFFF_FFFF_FFFF_FFFF)  # every slot of a text without shingles

# The permutations are datasketch's "affine64" scheme (seeded numpy draws of odd a
# and any b; a*h + b wrapping mod 2^64; MurmurHash3 fmix64 pre-mix). They are
# applied here to a whole array of shingle hashes at once, written by hand because
# datasketch hashes each shingle with its own Python call to sha1 (millions of calls
# per thousand reports; several times the cost of this).
# tests/ingest/test_dedupe.py checks the values against datasketch's MinHash.
_draws = np.random.RandomState(SEED)
_A = _draws.randint(0, 1 << 63, NUM_PERM, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
_B = _draws.randint(0, 1 << 64, NUM_PERM, dtype=np.uint64)
del _draws
_POLY = np.uint64(0x100000001B3)  # FNV-1a 64 prime: an odd multiplier with well-spread bits
_NOT_ALNUM = re.compile(r"[\W_]+")  # exactly the characters for which str.isalnum() is false


def content_hash(text: str) -> str:
    """sha256 hex of the (already normalized) text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _fmix64(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's finalizer, a bijection that spreads every input bit.
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xFF51AFD7ED558CCD)
    h = h ^ (h >> np.uint64(33))
    h = h * np.uint64(0xC4CEB9FE1A85EC53)
    return h ^ (h >> np.uint64(33))


def shingle_hashes(text: str) -> np.ndarray:
    """A 64-bit hash of each character 5-gram of ``text`` without punctuation and spacing.

    A text of at most five such characters is one shingle; an empty one has none.
    The hash is a polynomial over the code points, so it is the same in every
    process and run (unlike Python's ``hash``).
    """
    # Letters, digits and Han characters only: punctuation and spacing differ
    # between reposts of the same text.
    compact = _NOT_ALNUM.sub("", text)
    points = np.frombuffer(compact.encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    count = max(len(points) - SHINGLE + 1, 1) if len(points) else 0
    hashes = points[:count].copy()
    for offset in range(1, min(SHINGLE, len(points))):
        hashes *= _POLY
        hashes += points[offset : offset + count]
    return hashes


def signature(text: str) -> bytes:
    """MinHash signature of ``text``: NUM_PERM little-endian uint64 values (1 KiB)."""
    hashes = _fmix64(shingle_hashes(text))
    # One row per permutation, so that each minimum is taken over contiguous memory
    # (a tenth faster than one row per shingle). Wraps mod 2^64, like datasketch.
    # NUM_PERM rows of every shingle at once cost 1 KiB a shingle (600 MB for a 2 MB text, 17 GB
    # for the 50 MB report test): the minimum is taken chunk by chunk, with the same result.
    minimum = np.full(NUM_PERM, _EMPTY, dtype=_DTYPE)  # a text without shingles keeps it
    for start in range(0, len(hashes), _CHUNK):
        permuted = np.multiply(_A[:, None], hashes[start : start + _CHUNK])
        permuted += _B[:, None]
        np.minimum(minimum, permuted.min(axis=1), out=minimum)
    return minimum.astype(_DTYPE, copy=False).tobytes()


_CHUNK = 32768  # shingles a step: 32 MB of permuted values; the 83 work reports hash as fast as in one step


def _values(sig: bytes) -> np.ndarray:
    values = np.frombuffer(sig, dtype=_DTYPE)
    if values.shape != (NUM_PERM,):
        raise ValueError(f"signature must hold {NUM_PERM} uint64 values, got {values.size}")
    return values


def _is_empty(values: np.ndarray) -> bool:
    return bool((values == _EMPTY).all())


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the texts behind two signatures."""
    return float(np.count_nonzero(_values(a) == _values(b))) / NUM_PERM


def band_keys(sig: bytes) -> list[int]:
    """The LSH keys of a signature, one per band; none for an empty text.

    Two texts whose estimated Jaccard is at THRESHOLD share at least one key
    with probability ~0.96. Each key is a signed 64-bit integer (an SQLite
    INTEGER) naming its band, so keys of different bands never meet.
    """
    values = _values(sig)
    if _is_empty(values):
        return []
    raw = values[: BANDS * ROWS].tobytes()
    size = ROWS * _DTYPE.itemsize
    return [
        int.from_bytes(
            hashlib.blake2b(
                raw[band * size : (band + 1) * size], digest_size=8, person=band.to_bytes(2, "little")
            ).digest(),
            "little",
            signed=True,
        )
        for band in range(BANDS)
    ]


def best_matches(sig: bytes, candidates: Iterable[tuple[str, bytes]], threshold: float = THRESHOLD) -> list[str]:
    """Ids of the candidates (id, signature) whose estimated Jaccard with ``sig`` reaches the threshold.

    Best first, ties by id; an empty text matches nothing.
    """
    if _is_empty(_values(sig)):
        return []
    scored = sorted((-similarity(sig, other), doc_id) for doc_id, other in candidates)
    return [doc_id for score, doc_id in scored if -score >= threshold]


class NearDuplicateIndex:
    """The store's near-duplicate lookup over signatures held in memory (for a list of texts)."""

    def __init__(self, threshold: float = THRESHOLD) -> None:
        self.threshold = threshold
        self._sigs: dict[str, bytes] = {}
        self._buckets: dict[int, set[str]] = {}

    def add(self, doc_id: str, sig: bytes) -> None:
        keys = band_keys(sig)
        if doc_id in self._sigs:
            for key in band_keys(self._sigs[doc_id]):
                self._buckets[key].discard(doc_id)
        self._sigs[doc_id] = sig
        for key in keys:
            self._buckets.setdefault(key, set()).add(doc_id)

    def query(self, sig: bytes) -> list[str]:
        """Ids whose estimated Jaccard with ``sig`` is at least the threshold, best first."""
        found = {doc_id for key in band_keys(sig) for doc_id in self._buckets.get(key, ())}
        return best_matches(sig, ((doc_id, self._sigs[doc_id]) for doc_id in found), self.threshold)

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._sigs
