"""Matching strategy: every term first, then ranked partial matches.

Terms are ANDed. When that finds less than a page, as Meilisearch's matching strategy
does, the same words are also run as an OR and its hits follow, so a question typed in
full ("Quand l'Azerbaïdjan a-t-il présidé la CICA ?") still finds the article even though
no article holds every word. Articles that match every term always come first; the
exclusions of the query still apply to the partial matches.
"""

from __future__ import annotations

from dataclasses import replace

from indexer.engines import querytree as qt
from indexer.engines.base import Engine


def relax(tree: qt.Node) -> qt.Node | None:
    """The OR form of an AND of several positive parts (exclusions kept), else None."""
    if not isinstance(tree, qt.And):
        return None
    positives = [c for c in tree.children if not isinstance(c, qt.Not | qt.MatchAll)]
    negatives = [c for c in tree.children if isinstance(c, qt.Not)]
    if len(positives) < 2:
        return None
    either = qt.Or(tuple(positives))
    return qt.And((either, *negatives)) if negatives else either


def search_with_fallback(engine: Engine, query: qt.EngineQuery) -> tuple[qt.EngineResult, int]:
    """Run a query, with partial matches after the full ones when they fill less than a page.

    Returns the result and how many articles match every term.
    """
    window = query.offset + query.limit
    strict = engine.search(replace(query, offset=0, limit=window))
    relaxed = relax(query.tree) if query.sort == "relevance" else None
    if relaxed is None or strict.total >= window:
        return _page(strict, query), strict.total
    loose = engine.search(replace(query, tree=relaxed, offset=0, limit=window + strict.total))
    seen = {doc_id for doc_id, _ in strict.hits}
    hits = strict.hits + [hit for hit in loose.hits if hit[0] not in seen]
    merged = qt.EngineResult(loose.total, hits, loose.facets)
    return _page(merged, query), strict.total


def _page(result: qt.EngineResult, query: qt.EngineQuery) -> qt.EngineResult:
    hits = result.hits[query.offset : query.offset + query.limit]
    return qt.EngineResult(result.total, hits, result.facets)
