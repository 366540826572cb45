"""Ranking tiers: from what was typed to ranked partial matches.

0. for a quoted phrase, its matches that write its words with the accents as typed
   ('"En Marche"': the party before "en marché"; a capital's accent aside: ``Written``);
1. the words as typed, every one of them (terms are ANDed);
2. the same with corrected and variant spellings (``spelling.expand``), so that an
   article that holds the word as typed always ranks above one that holds a variant;
3. when fewer than ``FEW`` articles hold them all (a page at the default size, whatever
   page and page size are asked, so that every page counts and shows the same results),
   as Meilisearch's matching strategy does, the words
   as an OR, ranked by BM25, so a question typed in full ("Quand l'Azerbaïdjan a-t-il
   présidé la CICA ?") still finds the article though no article holds every word.

Each tier's hits follow those of the tiers before it; the exclusions of the query apply
to every tier. Dropping the most frequent words one tier at a time (Meilisearch's
"frequency" strategy) was measured too, and lost 0.12 MRR@10 on the PIAF questions
against a plain OR after the full matches (EVALUATION.md): BM25 already weighs rare
words up, and the extra tiers overrode it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from indexer.engines import querytree as qt
from indexer.engines.base import Engine

FEW = 10  # fewer full matches than this, and partial matches come in (whatever the page)


def split(tree: qt.Node) -> tuple[list[qt.Node], list[qt.Node]] | None:
    """The positive parts and the exclusions of an AND of several positive parts."""
    if not isinstance(tree, qt.And):
        return None
    positives = [c for c in tree.children if not isinstance(c, qt.Not | qt.MatchAll)]
    negatives = [c for c in tree.children if isinstance(c, qt.Not)]
    return (positives, negatives) if len(positives) >= 2 else None


def relaxed(tree: qt.Node) -> qt.Node | None:
    """The OR form of an AND of several positive parts (exclusions kept), else None."""
    parts = split(tree)
    if parts is None:
        return None
    positives, negatives = parts
    either = qt.Or(tuple(positives))
    return qt.And((either, *negatives)) if negatives else either


def as_written(tree: qt.Node) -> qt.Node | None:
    """The tree whose quoted phrases must be written as typed, or None without any."""
    if isinstance(tree, qt.Term | qt.Phrase) and tree.written:
        return qt.And((tree, qt.Written(tree.written)))
    if isinstance(tree, qt.Alternatives):  # the spelling typed, not its synonyms
        written = [w for w in map(as_written, tree.children) if w is not None]
        return written[0] if len(written) == 1 else (qt.Or(tuple(written)) if written else None)
    if isinstance(tree, qt.And | qt.Or):
        children = [as_written(c) for c in tree.children]
        if any(c is not None for c in children):
            kept = (c if w is None else w for c, w in zip(tree.children, children, strict=True))
            return type(tree)(tuple(kept))
    return None


def search_in_tiers(
    engine: Engine,
    query: qt.EngineQuery,
    expanded: qt.Node,
    depth: int = 0,
    counts: Ranking | None = None,
    members: tuple[str, ...] = (),
) -> Ranking:
    """Run the query tier by tier: the merged hits from the first to the end of its page
    (``offset + limit``, or ``depth`` if more), the tier of each, and how many articles
    match every term. Partial matches come in when full ones do not fill the page.

    Only the tiers whose counts can be the answer's count: the expanded AND (the answer
    unless partial matches are needed) and the OR; the others are ranked alone. Given
    ``counts`` (a ranking of the same query, shallower), no tier counts: its numbers stand.
    The counted tiers ask for ``members`` too (the copies' pass): the widest answers them.
    """
    window = query.offset + query.limit
    fetched = max(window, depth)

    def run(tree: qt.Node, counted: bool = False) -> qt.EngineResult:
        counted = counted and counts is None
        page = replace(query, tree=tree, offset=0, limit=fetched)
        wanted = members if counted else ()
        return engine.search(replace(page, facets=counted, counted=counted, members=wanted))

    written = as_written(query.tree) if query.sort == "relevance" else None
    results = [] if written is None else [(WRITTEN, run(written))]
    if expanded != query.tree:
        results.append((TYPED, run(query.tree)))
    results.append((ALL_TERMS, run(expanded, counted=True)))
    all_terms = results[-1][1].total if counts is None else counts.all_terms
    loose = relaxed(expanded) if query.sort == "relevance" else None
    if loose is not None and all_terms < FEW:
        results.append((SOME_TERMS, run(loose, counted=True)))
    widest = results[-1][1] if counts is None else counts
    hits, tiers = _merge(results)
    tree = loose if len(results) and results[-1][0] == SOME_TERMS else expanded
    found = Ranking(hits[:fetched], tiers[:fetched], widest.total, widest.facets, all_terms, tree)
    return replace(found, members=widest.members)


@dataclass(frozen=True)
class Ranking:
    """The first hits of a query, best first, with the tier each came from (higher is
    better: ``WRITTEN`` quoted words as written, ``TYPED`` as typed with every term,
    ``ALL_TERMS`` with other spellings, ``SOME_TERMS`` partial), the number of matches,
    their facets, and how many match every term."""

    hits: list[tuple[str, float]]
    tiers: list[int]
    total: int
    facets: dict[str, dict[str, int]]
    all_terms: int
    tree: qt.Node | None = None  # what ``total`` counts: the expanded tree, or its OR
    members: dict[str, float] | None = None  # the asked members ``tree`` matches: scores


SOME_TERMS, ALL_TERMS, TYPED, WRITTEN = 0, 1, 2, 3


def _merge(results: list[tuple[int, qt.EngineResult]]) -> tuple[list, list[int]]:
    """Each tier's new hits after those of the tiers before it, and the tier of each."""
    hits: list[tuple[str, float]] = []
    tiers: list[int] = []
    seen: set[str] = set()
    for level, result in results:
        new = [hit for hit in result.hits if hit[0] not in seen]
        hits += new
        tiers += [level] * len(new)
        seen.update(doc_id for doc_id, _ in new)
    return hits, tiers
