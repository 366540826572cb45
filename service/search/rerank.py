"""Re-ranking: the first hits reordered by how closely, and how aptly, they show the query.

BM25 scores each query word on its own, wherever it stands in the article. The first
``DEPTH`` hits of a relevance ranking (``PARTIAL_DEPTH`` with partial matches among
them: ``depth``) are reordered by BM25 plus signals read from the words the passages mark
(``passages.match_spans``), as Meilisearch's "words" and "proximity" ranking rules do,
each weighted by the rarity of the words (IDF):

- coverage: the share of the query's words found in the article (title or text);
- window: the share of them inside the best window of ``WINDOW`` characters of the text;
- adjacency: the pairs of query words that follow each other in the text as in the query
  ("conseil constitutionnel"), stop words aside;
- for partial matches, two signals of meaning from French word vectors (``semantics``):
  soft coverage, the words the article lacks met by words of the same meaning ("mort"
  by "décès"), and subject, the cosine of the query and the whole article.

    score = BM25 / best BM25 of the head + COVERAGE x coverage + PROXIMITY x window
            + ADJACENCY x adjacency [+ MEANING x soft coverage + SUBJECT x subject]

A query word is a typed word with its corrected and variant spellings, a phrase, or a
prefix. The tiers keep their order: a hit that matches every term stays above one that
does not, and one that matches as typed above a corrected one. Full matches lack no
word, so the meaning signals are only read, and the vectors only loaded, for partial
ones. The weights were chosen on the PIAF dev questions (EVALUATION.md): MRR@10 0.785 ->
0.795 with the first three signals, 0.808 with meaning; with 34,160 news articles as
distractors 0.666 -> 0.676 -> 0.685.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING

from indexer.articles import Article
from indexer.engines import querytree as qt

from .lexicon import Lexicon
from .passages import match_spans
from .tiers import SOME_TERMS

if TYPE_CHECKING:
    from indexer.wordvectors import WordVectors

DEPTH = 10  # hits reordered: the first page, whose articles are fetched anyway
PARTIAL_DEPTH = 20  # ... or the first two pages when partial matches are among them
COVERAGE = 1.0
PROXIMITY = 0.5
ADJACENCY = 0.5
MEANING = 1.0  # soft coverage: the words the article lacks, by meaning (``semantics``)
SUBJECT = 0.5  # the cosine of the query and the article (``semantics``)
WINDOW = 60  # characters: about eight words
ADJACENT_GAP = 7  # characters between two words that follow each other: " de la "

Leaf = qt.Term | qt.Phrase | qt.Prefix


def meaning() -> tuple[ModuleType | None, WordVectors | None]:
    """The meaning signals (``semantics``) and the word vectors, imported and loaded on
    first need: numpy alone adds 0.14 s to the start of every command, and a search for
    words that all match never needs it. (None, None) without the vectors."""
    from indexer.wordvectors import word_vectors

    from . import semantics

    vectors = word_vectors()
    return (semantics, vectors) if vectors is not None else (None, None)


def depth(tiers: Sequence[int]) -> int:
    """How many of the first hits to reorder: ``PARTIAL_DEPTH`` when some of them are
    partial matches (a question, a long phrase), whose order needs the most help; else
    ``DEPTH``. Measured (EVALUATION.md): 20 instead of 10 lifts MRR@10 by 0.002 on the
    PIAF questions and costs 1.8 ms a query (+32 %) on the news corpus, so full matches,
    most of a news search, keep 10."""
    return PARTIAL_DEPTH if SOME_TERMS in tiers[:PARTIAL_DEPTH] else DEPTH


def rerank(
    hits: Sequence[tuple[str, float]],
    tiers: Sequence[int],
    articles: Sequence[Article | None],
    leaves: list[Leaf],
    lexicon: Lexicon,
    spans: Sequence[list[tuple]] | None = None,
) -> list[int]:
    """The new order of ``hits`` (indexes into it), each tier reordered on its own.

    ``articles`` are the hits' (None if gone), ``spans`` their texts' ``match_spans``
    for ``leaves`` when the caller has them already (the passages need them too).
    """
    if spans is None:
        spans = [match_spans(a.text, leaves) if a is not None else [] for a in articles]
    groups, idf = query_words(leaves, lexicon)
    total = sum(idf) or 1.0
    best = max((score for _, score in hits), default=0.0) or 1.0
    semantics, vectors = meaning() if SOME_TERMS in tiers else (None, None)
    words = typed_words(leaves, groups, len(idf), vectors)
    query = semantics.query_vectors(vectors, words, idf) if semantics and vectors else None

    def key(i: int) -> tuple[int, float]:
        article = articles[i]
        if article is None:
            return -tiers[i], -hits[i][1] / best
        found = _found(article, spans[i], leaves, groups)
        coverage = sum(idf[g] for g in found) / total
        window = _best_window(spans[i], groups, idf) / total
        adjacency = _adjacent(spans[i], groups, idf) / total
        score = hits[i][1] / best + COVERAGE * coverage + PROXIMITY * window
        score += ADJACENCY * adjacency
        if query and tiers[i] == SOME_TERMS:  # full matches lack no word
            rows = semantics.article_rows(vectors, article.title or "", article.text)
            soft, subject = semantics.signals(vectors, query, idf, found, rows)
            score += MEANING * soft / total + SUBJECT * subject
        return -tiers[i], -score

    return sorted(range(len(hits)), key=key)


def query_words(leaves: list[Leaf], lexicon: Lexicon) -> tuple[list[int], list[float]]:
    """The query word of each leaf (spellings of a typed word are one word), and each
    word's IDF from the lexicon's stem frequencies."""
    index: dict[object, int] = {}
    groups: list[int] = []
    freq: list[int] = []
    for leaf in leaves:
        word = _word_of(leaf)
        if word not in index:
            index[word] = len(freq)
            freq.append(0)
        group = index[word]
        groups.append(group)
        freq[group] = max(freq[group], _df(leaf, lexicon))
    n = max(lexicon.doc_count, 1)
    return groups, [math.log(1 + (n - df + 0.5) / (df + 0.5)) for df in freq]


def _word_of(leaf: Leaf) -> object:
    if isinstance(leaf, qt.Term):
        return ("term", leaf.typed or leaf.exact)
    return leaf


def _df(leaf: Leaf, lexicon: Lexicon) -> int:
    if isinstance(leaf, qt.Term):
        return lexicon.stem_df(leaf.stem)
    if isinstance(leaf, qt.Phrase):
        return min((lexicon.stem_df(word) for word in leaf.stems), default=0)
    return lexicon.doc_count // 10  # a prefix: many words, none rare


def typed_words(
    leaves: list[Leaf], groups: list[int], count: int, vectors: WordVectors | None
) -> list[str | None]:
    """Each query word as the vectors know it: as typed, else its first other spelling
    with a vector ("chnie" -> "chine"); None for a phrase, a prefix or an unknown word."""
    words: list[str | None] = [None] * count
    if vectors is None:
        return words
    for leaf, group in zip(leaves, groups, strict=True):
        if isinstance(leaf, qt.Term) and words[group] is None:
            for word in (leaf.typed, leaf.exact):
                if word and vectors.row(word) >= 0:
                    words[group] = word
                    break
    return words


def _found(article: Article, spans: list[tuple], leaves: list[Leaf], groups: list[int]) -> set:
    """The query words an article holds, in its title or its text."""
    found = {groups[i] for _, _, i in spans}
    if article.title:
        found.update(groups[i] for _, _, i in match_spans(article.title, leaves))
    return found


def _best_window(spans: list[tuple], groups: list[int], idf: list[float]) -> float:
    """The largest IDF sum of distinct query words within WINDOW characters (one pass)."""
    best = current = 0.0
    inside: dict[int, int] = {}
    first = 0
    for start, _, leaf in spans:
        group = groups[leaf]
        inside[group] = inside.get(group, 0) + 1
        if inside[group] == 1:
            current += idf[group]
        while spans[first][0] <= start - WINDOW:
            gone = groups[spans[first][2]]
            inside[gone] -= 1
            if inside[gone] == 0:
                current -= idf[gone]
            first += 1
        best = max(best, current)
    return best


def _adjacent(spans: list[tuple], groups: list[int], idf: list[float]) -> float:
    """The IDF of query word pairs that follow each other in the text as in the query."""
    pairs = set()
    for (_, end, a), (start, _, b) in zip(spans, spans[1:], strict=False):
        first, second = groups[a], groups[b]
        if second == first + 1 and start - end <= ADJACENT_GAP:
            pairs.add(first)
    return sum(min(idf[g], idf[g + 1]) for g in pairs)
