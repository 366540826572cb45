"""The copies' step of a search (``core``): wire copies among the results. The
best-ranked of each group of near copies stays, the others leave the hits, the total and
the facets, on every page alike (``copies`` finds the groups).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from indexer.engines import querytree as qt

from . import copies
from .plan import Plan, Ranked, rank
from .snapshot import Snapshot
from .tiers import Ranking


def collapse_copies(snapshot: Snapshot, plan: Plan, ranked: Ranked) -> Ranked:
    """Wire copies among the results: the best-ranked of each group stays, the others
    leave the hits, the total and the facets, on every page alike (``copies``)."""
    groups = snapshot.copies
    tree = ranked.ranking.tree
    if not groups.of or tree is None:
        return ranked
    kept = copies.hidden(groups, _copy_ranks(snapshot, plan, ranked.ranking, groups))
    if not kept:
        return ranked
    hidden = {doc_id for ids in kept.values() for doc_id in ids}
    needed = max(plan.head, plan.fused, plan.query.offset + plan.query.limit)
    ranked = _deep_enough(snapshot, plan, ranked, hidden, needed)
    ranked.hits = [hit for hit in ranked.hits if hit[0] not in hidden]
    ranked.total -= len(hidden)
    ranked.copies = kept
    # Counts only, not hits: an engine's hits cost per hit (tantivy loads each one's id).
    found = _among(snapshot, plan, qt.MatchAll(), hidden, facets=True, limit=0)
    ranked.facets = subtract_facets(ranked.facets, found.facets)
    full = len(hidden)
    if tree != plan.expanded:
        full = _among(snapshot, plan, plan.expanded, hidden, limit=0).total
    ranked.all_terms = ranked.ranking.all_terms - full
    return ranked


def _deep_enough(snapshot: Snapshot, plan: Plan, ranked: Ranked, hidden: set, needed: int):
    """Hits enough to fill the page once the hidden copies leave them: ranked deeper,
    by twice as many each time, up to as many more as there are hidden copies (enough
    whatever their ranks). Ranking them all at once loaded 5,000 hits per search when
    every article had a copy. The counts do not change with the depth: kept, not asked
    again."""
    more = needed
    while len(ranked.hits) < ranked.total:
        if sum(1 for hit in ranked.hits if hit[0] not in hidden) >= needed:
            break
        ranked = rank(snapshot, plan, min(more, len(hidden)), counts=ranked.ranking)
        if more >= len(hidden):
            break
        more *= 2
    return ranked


def _copy_ranks(snapshot: Snapshot, plan: Plan, ranking: Ranking, groups) -> dict[str, tuple]:
    """The members of copy groups among the results, each with its rank key: by score
    (the answer's tree), or newest first when sorted by date. The ranking's own scan
    answered them when its engine could (postgres: asked apart, the members were read
    again one by one, 150 to 300 ms a search at 341,600 articles); else they are asked."""
    found = ranking.members
    if found is None:
        found = dict(_among(snapshot, plan, ranking.tree, groups.members).hits)
    if plan.request.sort == "date":
        return {doc_id: (_negated(groups.dates.get(doc_id, "")),) for doc_id in found}
    return {doc_id: (-round(score, 6),) for doc_id, score in found.items()}


def _among(
    snapshot: Snapshot,
    plan: Plan,
    tree: qt.Node,
    ids,
    facets: bool = False,
    limit: int | None = None,
):
    """The articles of ``ids`` (a sorted tuple, or any collection) that ``tree`` matches
    under the request's filters: all of them as hits, or ``limit``."""
    ids = ids if isinstance(ids, tuple) else tuple(sorted(ids))  # a tuple: sorted already
    query = qt.EngineQuery(
        qt.And((tree, qt.Ids(ids))),
        plan.query.filters,
        limit=len(ids) if limit is None else limit,
        deadline=plan.deadline,
    )
    return snapshot.engine.search(replace(query, facets=facets))


def _negated(value: str) -> tuple[int, ...]:
    """A date key that sorts newest first: '2020-06-18' -> (-2020, -6, -18)."""
    return tuple(-int(part) for part in value.split("-") if part.isdigit())


def subtract_facets(a: dict[str, dict[str, int]], b: dict[str, dict[str, int]]) -> dict:
    """Facet counts of a set of articles without those of a subset of it."""
    return {name: dict(Counter(a.get(name, {})) - Counter(b.get(name, {}))) for name in a}
