"""Near-copies: a MinHash of each article's text, cut in bands the engines index.

A wire dispatch is often published twice: an update that adds a line, a second feed
that changes the title. The two texts share most of their runs of five words. Each
article's MinHash (``HASHES`` minima of its five-word shingles, ``signature``) is cut
into ``BANDS`` bands of ``ROWS``; two articles whose texts have a
Jaccard similarity J share a band with probability 1 - (1 - J^ROWS)^BANDS: 0.89 at
J = 0.7, 0.40 at J = 0.5 (Broder's locality-sensitive hashing). The engines index the
bands as plain terms (``bands``: "3:9f2c..."); the search core reads which articles
share one, and keeps as copies those whose texts really are that near
(``service.search.copies``).

Shingles are of the first ``LEAD_WORDS`` runs (about words: ``indexer.runs``) of the
text, in lower case, stop words included, title aside (an update often rewrites it).
Run hashes are CRC-32 (stable across processes, unlike ``hash``) computed once per
distinct run, a shingle's hash a polynomial of its runs' hashes, the hash functions
multiply-shift ones, all in NumPy: about 0.1 ms an article.

    bands(cut(title, text)) -> ("0:9f2c01aa", ..., "7:03b4e7d1")
"""

from __future__ import annotations

import zlib

import numpy as np

from .runs import Cut, per_run

SHINGLE = 5  # words per shingle
BANDS, ROWS = 16, 4
HASHES = BANDS * ROWS
LEAD_WORDS = 300  # words of the text hashed: a dispatch and its update share their lead
# A text of fewer words has no bands: a brief's few words in common are not a copy ("Le
# tungstène, lot 1." and "..., lot 2." share 3 of 5 words), and no dispatch is that short.
MIN_WORDS = 30
_MIX = np.uint64(0x9E3779B97F4A7C15)  # a shingle's hash: a polynomial of its runs'
_FMIX = np.uint64(0xFF51AFD7ED558CCD)
_SHIFT = np.uint64(33)
_BIN_SHIFT = np.uint64(64 - 6)  # the top 6 bits: one of 64 bins
_VALUE = np.uint64((1 << 58) - 1)
_EMPTY = np.uint64(1 << 58)  # a bin no shingle fell in


def _run_hash(run: str) -> int:
    """The CRC-32 of a run in lower case (a run is about a word: "l'État", "sino-russe")."""
    return zlib.crc32(run.lower().encode("utf-8", "surrogatepass"))


HASHED = per_run(_run_hash)


def word_hashes(texts: Cut, part: int) -> np.ndarray:
    """The run hashes of the first ``LEAD_WORDS`` runs of one text of a cut, in order
    (each distinct run hashed once per build)."""
    column = texts.vocabulary.column(HASHED)
    numbers = texts.numbers[part][:LEAD_WORDS]
    return np.fromiter(map(column.__getitem__, numbers), dtype=np.uint64, count=len(numbers))


def shingle_hashes(h: np.ndarray) -> np.ndarray:
    """The hashes of a text's runs of ``SHINGLE`` words, from its word hashes (repeats
    kept: a minimum does not mind them)."""
    if len(h) < SHINGLE:
        return h
    n = len(h) - SHINGLE + 1
    mixed = h[:n].copy()
    for i in range(1, SHINGLE):
        mixed = mixed * _MIX + h[i : n + i]  # wraps around: a polynomial mod 2^64
    return mixed


def signature(h: np.ndarray) -> np.ndarray | None:
    """The MinHash of a text's shingles (``HASHES`` values), None for an empty text, by
    one-permutation hashing (Li, Owen and Zhang, 2012): each shingle's hash, mixed once,
    falls in one of ``HASHES`` bins by its top bits; a bin keeps its smallest value. One
    hash per shingle instead of ``HASHES``."""
    x = shingle_hashes(h)
    if not len(x):
        return None
    x = (x ^ (x >> _SHIFT)) * _FMIX  # MurmurHash3's finalizer spreads every bit
    x ^= x >> _SHIFT
    out = np.full(HASHES, _EMPTY, dtype=np.uint64)
    np.minimum.at(out, (x >> _BIN_SHIFT).astype(np.intp), x & _VALUE)
    return out


def bands(texts: Cut, part: int = 1) -> tuple[str, ...]:
    """The bands of one text of a cut (the body by default) as terms: "band:hex"; none
    for a text under ``MIN_WORDS`` words."""
    words = word_hashes(texts, part)
    sig = signature(words) if len(words) >= MIN_WORDS else None
    if sig is None:
        return ()
    rows = sig.reshape(BANDS, ROWS)
    # A band whose bins no shingle fell in says nothing, and every short text has some:
    # shared by thousands of articles, it only made the engines' posting lists long.
    return tuple(
        f"{i}:{zlib.crc32(row.tobytes()):08x}"
        for i, row in enumerate(rows)
        if not (row == _EMPTY).all()
    )


def similarity(a: Cut, b: Cut, part: int = 1) -> float:
    """The Jaccard similarity of two texts' shingles (exact, not estimated)."""
    return jaccard(shingle_set(a, part), shingle_set(b, part))


def shingle_set(texts: Cut, part: int = 1) -> np.ndarray:
    """The distinct shingle hashes of one text of a cut, sorted: what ``jaccard``
    compares (made once per article when it is compared with several)."""
    return np.unique(shingle_hashes(word_hashes(texts, part)))


def jaccard(x: np.ndarray, y: np.ndarray) -> float:
    """The Jaccard similarity of two ``shingle_set``s."""
    union = len(np.union1d(x, y))
    return len(np.intersect1d(x, y, assume_unique=True)) / union if union else 0.0
