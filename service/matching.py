"""Matching strategy: ranking tiers, from what was typed to ranked partial matches.

1. the words as typed, every one of them (terms are ANDed);
2. the same with corrected and variant spellings (``spelling.expand``), so that an
   article that holds the word as typed always ranks above one that holds a variant;
3. when those fill less than a page, as Meilisearch's "frequency" matching strategy
   does, the most frequent word is dropped, then the next, each time as an AND of what
   is left, so a question typed in full ("Quand l'Azerbaïdjan a-t-il présidé la CICA ?")
   still finds the article, and articles that hold more of the rare words come first;
4. last, the words as an OR, which gives the total and the facets of partial matching.

Each tier's hits follow those of the tiers before it; the exclusions of the query apply
to every tier.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from indexer.engines import querytree as qt
from indexer.engines.base import Engine

MAX_DROP_TIERS = 6  # long questions: past this, the OR tier fills the page


def split(tree: qt.Node) -> tuple[list[qt.Node], list[qt.Node]] | None:
    """The positive parts and the exclusions of an AND of several positive parts."""
    if not isinstance(tree, qt.And):
        return None
    positives = [c for c in tree.children if not isinstance(c, qt.Not | qt.MatchAll)]
    negatives = [c for c in tree.children if isinstance(c, qt.Not)]
    return (positives, negatives) if len(positives) >= 2 else None


def relaxed_tiers(tree: qt.Node, frequency: Callable[[qt.Node], int]) -> list[qt.Node]:
    """The partial-match tiers of a tree: most frequent parts dropped one by one, then OR."""
    parts = split(tree)
    if parts is None:
        return []
    positives, negatives = parts
    by_rarity = sorted(positives, key=frequency)  # stable: ties keep the typed order
    tiers = []
    for keep in range(len(positives) - 1, 0, -1)[:MAX_DROP_TIERS]:
        kept = [p for p in positives if p in by_rarity[:keep]]
        tiers.append(_with(kept, negatives))
    either = qt.Or(tuple(positives))
    return [*tiers, qt.And((either, *negatives)) if negatives else either]


def _with(positives: list[qt.Node], negatives: list[qt.Node]) -> qt.Node:
    children = (*positives, *negatives)
    return children[0] if len(children) == 1 else qt.And(children)


def search_in_tiers(
    engine: Engine,
    query: qt.EngineQuery,
    expanded: qt.Node,
    frequency: Callable[[qt.Node], int] = lambda node: 0,
) -> tuple[qt.EngineResult, int]:
    """Run the query tier by tier; the merged page, and how many match every term."""
    window = query.offset + query.limit
    tiers = [query.tree] + ([expanded] if expanded != query.tree else [])
    results = [engine.search(replace(query, tree=tree, offset=0, limit=window)) for tree in tiers]
    all_terms = results[-1].total
    hits = _merge(results)
    if all_terms < window and query.sort == "relevance":
        *drops, widest = relaxed_tiers(expanded, frequency) or [None]
        for tier in drops:
            if len(hits) >= window:
                break
            results.append(engine.search(replace(query, tree=tier, offset=0, limit=window)))
            hits = _merge(results)
        if widest is not None:
            results.append(engine.search(replace(query, tree=widest, offset=0, limit=window)))
            hits = _merge(results)
    widest_result = results[-1]
    page = hits[query.offset : query.offset + query.limit]
    return qt.EngineResult(widest_result.total, page, widest_result.facets), all_terms


def _merge(results: list[qt.EngineResult]) -> list[tuple[str, float]]:
    hits: list[tuple[str, float]] = []
    seen: set[str] = set()
    for result in results:
        hits += [hit for hit in result.hits if hit[0] not in seen]
        seen.update(doc_id for doc_id, _ in result.hits)
    return hits
