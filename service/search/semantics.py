"""Meaning signals: how near an article comes to a query, beyond the words they share.

Stems meet "invention" and "inventée", never "mort" and "décès". Questions are typed in
the asker's words, not the article's, so the re-ranking (``rerank.rerank``) reads two
signals from the French word vectors (``wordvectors``), with the words' IDF:

- **soft coverage**: each query word the article lacks (none of its spellings in the title
  or text) counts for its best cosine with a word of the article, above ``FLOOR`` and
  scaled to 0..1: an article on a "décès" gets part of the credit for "mort";
- **subject**: the cosine between the query (its words' vectors, IDF-weighted) and the
  article (the mean vector of its words): what the whole article is about.

Measured on the PIAF questions (EVALUATION.md) before choosing: FLOOR 0.3 to 0.5 and the
weights in ``rerank`` within 0.003 MRR@10 of each other.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from indexer.analysis import WORD, kept_word
from indexer.wordvectors import WordVectors

TOKEN_CACHE = 500_000  # distinct tokens whose rows are kept (about 60 MB at most)
FLOOR = 0.3  # cosine under which two words are unrelated: "voiture" ~ "décès" 0.05
NEAR = 0.5  # cosine from which explain names the word: "mort" ~ "décès" 0.62, not "arrivée" 0.31


@dataclass(frozen=True)
class QueryVectors:
    """A query's side of the signals, computed once per query, not once per article:
    the vector row of each query word that has one, and the query's IDF-weighted vector."""

    rows: list[tuple[int, int]]  # (query word, vector row)
    vector: np.ndarray | None  # None when no query word has a vector


def query_vectors(vectors: WordVectors, words: list[str | None], idf: list[float]) -> QueryVectors:
    """``words`` are the query words (None where a query word is a phrase or a prefix),
    ``idf`` their weights."""
    rows = [(g, vectors.row(w)) for g, w in enumerate(words) if w]
    rows = [(g, r) for g, r in rows if r >= 0]
    vector = sum(vectors.unit[r] * idf[g] for g, r in rows) if rows else None
    return QueryVectors(rows, vector)


def signals(
    vectors: WordVectors,
    query: QueryVectors,
    idf: list[float],
    found: set[int],
    rows: np.ndarray,
) -> tuple[float, float]:
    """(soft coverage, subject) of one article.

    ``query`` is the query's side (``query_vectors``), ``idf`` the query words' weights,
    ``found`` those the article holds, ``rows`` the article's word vectors
    (``article_rows``). Soft coverage is an IDF sum, like coverage.
    """
    if not len(rows) or query.vector is None:
        return 0.0, 0.0
    unit = vectors.unit
    distinct = unit[np.unique(rows)]
    soft = 0.0
    for g, r in query.rows:
        if g not in found:
            best = float((distinct @ unit[r]).max())
            if best > FLOOR:
                soft += idf[g] * (best - FLOOR) / (1 - FLOOR)
    mean = unit[rows].mean(axis=0)
    norms = float(np.linalg.norm(query.vector) * np.linalg.norm(mean))
    return soft, float(query.vector @ mean) / norms if norms else 0.0


def nearest(vectors: WordVectors, word: str, text: str) -> str | None:
    """The word of ``text`` nearest in meaning to ``word``, as written, if its cosine is
    ``NEAR`` or more: ("mort", "Le décès du pape") -> "décès"; None for none. Between
    ``FLOOR`` and ``NEAR`` a word earns a little credit, too little to be the reason."""
    row = vectors.row(word)
    if row < 0:
        return None
    token_row = _token_rows(vectors)
    best, best_cosine = None, NEAR
    for token in dict.fromkeys(WORD.findall(text)):
        other = token_row(token)
        if other >= 0:
            cosine = float(vectors.unit[other] @ vectors.unit[row])
            if cosine >= best_cosine:
                best, best_cosine = kept_word(token), cosine
    return best


def article_rows(vectors: WordVectors, title: str, text: str) -> np.ndarray:
    """The vector rows of an article's kept words (stop words aside), title first, in
    order and with repeats: the words as written, without elision ("l'empire" ->
    "empire"). About 0.1 ms for a news article of 2,300 characters (``_token_row``)."""
    token_row = _token_rows(vectors)
    rows = [token_row(token) for token in WORD.findall(f"{title}\n{text}")]
    return np.array([row for row in rows if row >= 0], dtype=np.int32)


@functools.lru_cache(maxsize=1)
def _token_rows(vectors: WordVectors) -> Callable[[str], int]:
    """A token's row (-1 if it has none or is a stop word), cached per distinct token:
    the same few hundred thousand tokens make most texts."""
    cache: dict[str, int] = {}

    def token_row(token: str) -> int:
        row = cache.get(token)
        if row is None:
            if len(cache) >= TOKEN_CACHE:
                cache.clear()
            word = kept_word(token)
            row = cache[token] = -1 if word is None else vectors.row(word)
        return row

    return token_row
