"""A text cut once into runs, the pieces that every word of the analysis lies inside.

A run is a maximal stretch of characters other than ASCII punctuation, symbols and
spaces; the ASCII apostrophe and hyphen stay inside (``"l'État"``, ``"sino-russe"``).
Every word of the analysis chain (``analysis.WORD``: letters, digits, inner apostrophes)
lies inside one run, so a text's words are the concatenation of its runs' words::

    runs("Pékin, l’État (sino-russe)")  ->  "Pékin" "l’État" "sino-russe", as UTF-8 bytes

Runs are UTF-8 bytes: one ``bytes.translate`` and ``bytes.split`` run in C, three times
faster than ``analysis.WORD.findall`` on news text. Words repeat, so callers analyse each
distinct run once (``RunTable``) and map a text's runs through the table in C.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Generic, TypeVar

_KEPT = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz'-")
# Every ASCII byte but word characters, apostrophe and hyphen becomes a space; bytes
# of non-ASCII characters (0x80 and up) stay.
_SPACES = bytes.maketrans(
    bytes(range(256)), bytes(b if b >= 0x80 or b in _KEPT else 0x20 for b in range(256))
)

V = TypeVar("V")


@lru_cache(maxsize=4)
def runs(text: str) -> tuple[bytes, ...]:
    """The runs of a text, in order, as UTF-8 (lone surrogates pass through).

    The last few texts' runs are kept: an article's text is cut once for its countries
    and once more for its terms, one right after the other.
    """
    return tuple(text.encode("utf-8", "surrogatepass").translate(_SPACES).split())


def run_text(run: bytes) -> str:
    """A run back as text."""
    return run.decode("utf-8", "surrogatepass")


class RunTable(dict, Generic[V]):
    """run -> ``compute(run as text)``, computed once per distinct run.

    ``list(map(table.__getitem__, runs))`` looks a text's runs up in C; the table is
    emptied when it holds ``max_size`` runs, which bounds memory on huge builds.
    """

    def __init__(self, compute: Callable[[str], V], max_size: int = 500_000):
        super().__init__()
        self._compute = compute
        self._max_size = max_size

    def __missing__(self, run: bytes) -> V:
        if len(self) >= self._max_size:
            self.clear()
        value = self[run] = self._compute(run_text(run))
        return value
