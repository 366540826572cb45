"""Folding and stemming: accents and ligatures folded, then Snowball's French stem.

Folding comes before stemming so that accented and accent-less spellings meet:
"coopération" and "cooperation" both stem to "cooper".
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from unidecode import unidecode

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lowercase and fold to ASCII letters and digits: 'Œuvre' -> 'oeuvre'."""
    return _NON_ALNUM.sub("", unidecode(text.lower()).lower())


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("french", 0)  # no cache of its own: callers cache words


def stem(term: str) -> str:
    """Snowball French stem of a folded term, through PyStemmer (C): 'relations' -> 'relat'."""
    return _stemmer().stemWord(term)
