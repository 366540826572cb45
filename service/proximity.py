"""Proximity re-ranking: the first hits reordered by how closely they show the query.

BM25 scores each query word on its own, wherever it stands in the article. The first
``DEPTH`` hits of a relevance ranking are reordered by BM25 plus three signals read from
the words the passages mark (``passages.match_spans``), as Meilisearch's "words" and
"proximity" ranking rules do, each weighted by the rarity of the words (IDF):

- coverage: the share of the query's words found in the article (title or text);
- window: the share of them inside the best window of ``WINDOW`` characters of the text;
- adjacency: the pairs of query words that follow each other in the text as in the query
  ("conseil constitutionnel"), stop words aside.

    score = BM25 / best BM25 of the head + COVERAGE x coverage + PROXIMITY x window
            + ADJACENCY x adjacency

A query word is a typed word with its corrected and variant spellings, a phrase, or a
prefix. The tiers keep their order: a hit that matches every term stays above one that
does not, and one that matches as typed above a corrected one. The weights were chosen
on the PIAF dev questions (EVALUATION.md): MRR@10 0.785 -> 0.795, and 0.666 -> 0.676
with 34,160 news articles as distractors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from indexer.articles import Article
from indexer.engines import querytree as qt

from .lexicon import Lexicon
from .passages import match_spans

DEPTH = 10  # hits reordered: the first page, whose articles are fetched anyway
COVERAGE = 1.0
PROXIMITY = 0.5
ADJACENCY = 0.5
WINDOW = 60  # characters: about eight words
ADJACENT_GAP = 7  # characters between two words that follow each other: " de la "

Leaf = qt.Term | qt.Phrase | qt.Prefix


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

    def key(i: int) -> tuple[int, float]:
        article = articles[i]
        bonus = _signals(article, spans[i], leaves, groups, idf) if article else (0, 0, 0)
        coverage, window, adjacency = (signal / total for signal in bonus)
        score = hits[i][1] / best + COVERAGE * coverage + PROXIMITY * window
        return -tiers[i], -(score + ADJACENCY * adjacency)

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


def _signals(
    article: Article, spans: list[tuple], leaves: list[Leaf], groups: list[int], idf: list[float]
) -> tuple[float, float, float]:
    """IDF-weighted coverage, best window and adjacent pairs of one article."""
    found = {groups[i] for _, _, i in spans}
    if article.title:
        found.update(groups[i] for _, _, i in match_spans(article.title, leaves))
    coverage = sum(idf[g] for g in found)
    return coverage, _best_window(spans, groups, idf), _adjacent(spans, groups, idf)


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
