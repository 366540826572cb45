"""A text cut once into runs, numbered once, the pieces every word of the analysis lies in.

A run is a maximal stretch of characters other than ASCII punctuation, symbols and
spaces; the ASCII apostrophe and hyphen stay inside (``"l'État"``, ``"sino-russe"``).
Every word of the analysis chain (``analysis.WORD``: letters, digits, inner apostrophes)
lies inside one run, so a text's words are the concatenation of its runs' words::

    runs("Pékin, l’État (sino-russe)")  ->  "Pékin" "l’État" "sino-russe", as UTF-8 bytes

Runs are UTF-8 bytes: one ``bytes.translate`` and ``bytes.split`` run in C, three times
faster than ``analysis.WORD.findall`` on news text. Words repeat: 12.2 million runs in
the 34,160 news articles, 179,428 distinct. So a text is cut once (``cut``), its runs
numbered in a ``Vocabulary``, and each part of a build (countries, each engine's terms,
the article vectors) keeps what it computes per distinct run in a column of the
vocabulary, a list indexed by those numbers: a text's values are then a ``map`` over its
numbers in C. Hashing a run's bytes is the costly step (a fresh ``bytes`` from the cut,
out of cache): it happens once per run of a text, not once per part.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, NamedTuple

_KEPT = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz'-")
# Every ASCII byte but word characters, apostrophe and hyphen becomes a space; bytes
# of non-ASCII characters (0x80 and up) stay.
_SPACES = bytes.maketrans(
    bytes(range(256)), bytes(b if b >= 0x80 or b in _KEPT else 0x20 for b in range(256))
)
# Runs a build's vocabulary numbers before the next text starts a new one: bounds the
# memory of huge builds (a run and its columns: a few hundred bytes).
MAX_RUNS = 1_000_000

# compute(runs numbered since the last call, as bytes) -> one value (or one tuple of a
# ``width``, see ``Vocabulary.columns``) per run, in order.
Compute = Callable[[list[bytes]], Iterable[Any]]


def runs(text: str) -> tuple[bytes, ...]:
    """The runs of a text, in order, as UTF-8 (lone surrogates pass through)."""
    return tuple(text.encode("utf-8", "surrogatepass").translate(_SPACES).split())


def run_text(run: bytes) -> str:
    """A run back as text."""
    return run.decode("utf-8", "surrogatepass")


def per_run(compute: Callable[[str], Any]) -> Compute:
    """A column's ``Compute`` from a function of one run's text."""
    return lambda new: map(compute, map(run_text, new))


class _Numbers(dict):
    """run -> its number; a new run gets the next one (``__missing__``, under the lock)."""

    def __init__(self, vocabulary: Vocabulary):
        super().__init__()
        self._vocabulary = vocabulary

    def __missing__(self, run: bytes) -> int:
        vocabulary = self._vocabulary
        with vocabulary.lock:
            number = self.get(run)  # another thread may have numbered it meanwhile
            if number is None:
                number = self[run] = len(vocabulary.runs)
                vocabulary.runs.append(run)
            return number


class Vocabulary:
    """The distinct runs seen, numbered from 0 in order of first sight, and the columns of
    what each part of the analysis computed for them. Thread-safe: the service numbers its
    queries' runs while an API write builds."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.runs: list[bytes] = []
        self.numbers = _Numbers(self)
        self._columns: dict[tuple[Compute, int], tuple[list, ...]] = {}

    def __len__(self) -> int:
        return len(self.runs)

    def column(self, compute: Compute) -> list:
        """``compute``'s value of every run numbered so far, indexed by number.

        ``compute`` is called with the runs numbered since its last call, all at once,
        which lets a column batch its work (one look-up of many words' vectors).
        """
        return self.columns(compute, 1)[0]

    def columns(self, compute: Compute, width: int) -> tuple[list, ...]:
        """Like ``column``, for a ``compute`` that gives a tuple of ``width`` values per run
        (width 2 or more): ``width`` columns, one per place in the tuples."""
        with self.lock:
            found = self._columns.get((compute, width))
            if found is None:
                found = self._columns[compute, width] = tuple([] for _ in range(width))
            done, now = len(found[0]), len(self.runs)
            if done < now:
                new = list(compute(self.runs[done:now]))
                if len(new) != now - done:
                    raise ValueError(f"{compute!r}: {len(new)} values for {now - done} runs")
                if width == 1:
                    found[0].extend(new)
                else:
                    for column, values in zip(found, zip(*new, strict=True), strict=True):
                        column.extend(values)
            return found


class Cut(NamedTuple):
    """Texts cut into runs and numbered: ``numbers[i]`` are the i-th text's, in order, in
    ``vocabulary``'s numbering (look columns up in that vocabulary: a later text may be
    numbered in a new one)."""

    vocabulary: Vocabulary
    numbers: tuple[list[int], ...]


class _Shared:
    """The vocabulary that a build's texts share while it runs (``shared_vocabulary``)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.vocabulary: Vocabulary | None = None


_shared = _Shared()


@contextmanager
def shared_vocabulary() -> Iterator[None]:
    """Number the runs of every text cut in the block in one vocabulary (a build: each
    distinct run analysed once for all its articles); dropped when the last block ends.

    Outside such a block each cut has a vocabulary of its own, dropped with it: a
    service numbers no query's or written article's runs for the rest of its life.
    """
    with _shared.lock:
        if not _shared.users:
            _shared.vocabulary = Vocabulary()
        _shared.users += 1
    try:
        yield
    finally:
        with _shared.lock:
            _shared.users -= 1
            if not _shared.users:
                _shared.vocabulary = None
                cut.cache_clear()  # the cuts kept hold the vocabulary


@lru_cache(maxsize=8)
def cut(*texts: str) -> Cut:
    """The texts' runs, numbered in one vocabulary: the build's (``shared_vocabulary``),
    else one of their own.

    The last few cuts are kept: an article's title and text are cut once, for its
    countries, its terms and its vector, one part right after the other.
    """
    with _shared.lock:
        vocabulary = _shared.vocabulary
        if vocabulary is not None and len(vocabulary) >= MAX_RUNS:
            # Between texts only: a text's numbers share one vocabulary.
            vocabulary = _shared.vocabulary = Vocabulary()
    if vocabulary is None:
        vocabulary = Vocabulary()
    number = vocabulary.numbers.__getitem__
    return Cut(vocabulary, tuple(list(map(number, runs(text))) for text in texts))
