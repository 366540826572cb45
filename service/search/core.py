"""The search core: a request and a snapshot in, a result out, the same for every door.

    search(snapshot, request, settings) -> SearchResult
      1. plan      parse the query, widen it with spelling variants, bound its prefixes,
                   decide how deep to rank (``plan``)
      2. rank      ask the engine tier by tier: as typed, with variants, then partial
                   (``plan.rank``, ``tiers``); near copies leave the ranking (``collapse``)
      3. rerank    reorder the first hits by proximity (and meaning, for partial matches)
      4. fuse      mix in articles found by meaning, when the query fell back to partial
      5. page      fetch the page's articles, cut their passages, say why each matched
      6. respell   propose a better spelling when the query finds little

It imports neither Flask nor click: the API, the page and the command line call it and
render its result. Everything it reads comes from one ``Snapshot`` (engine, lexicon,
vectors), so a build that publishes meanwhile never mixes two generations in an answer.

Every search has a time budget (``Settings.time_budget_ms``): the engines stop at its
deadline where they can, each step looks at it, and a search past it answers 503
(``TooLong``) instead of holding a server thread for seconds.
"""

from __future__ import annotations

import functools
import time
from collections import Counter
from dataclasses import replace

from indexer.articles import Article
from indexer.engines import querytree as qt
from indexer.sources import nfc

from ..errors import DocumentNotFound
from . import hybrid, rerank, tiers
from .collapse import collapse_copies
from .match_kinds import match_kinds
from .models import Hit, SearchRequest, SearchResult, facets_of
from .passages import Passage, best_passages, match_spans
from .plan import (
    Plan,
    Ranked,
    count_matches,
    deadline_of,
    is_french_word,
    plan_query,
    rank,
)
from .query import parse_query
from .settings import Settings
from .snapshot import Snapshot, reads_index
from .spelling import did_you_mean
from .tiers import Ranking
from .wordforms import written_forms

DEFAULT_SETTINGS = Settings()


@reads_index
def search(
    snapshot: Snapshot, request: SearchRequest, settings: Settings = DEFAULT_SETTINGS
) -> SearchResult:
    """Run a search request on a snapshot of the index."""
    started = time.perf_counter()
    ready(snapshot)
    plan = plan_query(snapshot, request, settings, deadline_of(settings))
    ranked = collapse_copies(snapshot, plan, rank(snapshot, plan))
    ranked = rerank_head(snapshot, plan, ranked)
    ranked = fuse_by_meaning(snapshot, plan, ranked)
    hits = page_of(snapshot, plan, ranked, settings)
    return SearchResult(
        request,
        ranked.total,
        hits,
        facets_of(ranked.facets),
        took_ms=(time.perf_counter() - started) * 1000,
        all_terms_total=ranked.all_terms,
        suggestion=respell(snapshot, plan, ranked.ranking, settings),
    )


def ready(snapshot: Snapshot) -> None:
    """What a commit makes once for all its searches, made before a search's time
    budget starts: the budget bounds one search's own work. The near-copy groups
    (``copies``) and the lexicon's indexes for corrections and names are the cost of a
    write (patched from the commit before), or of a process's first search: a command
    line ``search`` on 34,160 articles, or a server before its warm-up ends."""
    snapshot.lexicon.warm_up()
    snapshot.copies  # noqa: B018 (memoized on the snapshot)


def rerank_head(snapshot: Snapshot, plan: Plan, ranked: Ranked) -> Ranked:
    """The first hits reordered by proximity and meaning (``rerank``); their articles and
    match spans are kept for the page."""
    head = plan.head and rerank.depth(ranked.ranking.tiers)
    if not head:
        return ranked
    plan.check_time()
    first = ranked.hits[:head]
    articles = snapshot.engine.fetch([doc_id for doc_id, _ in first])
    texts = [match_spans(a.text, plan.leaves) if a is not None else [] for a in articles]
    tiers = ranked.ranking.tiers[:head]
    order = rerank.rerank(first, tiers, articles, plan.leaves, snapshot.lexicon, texts)
    ranked.hits = [first[i] for i in order] + ranked.hits[head:]
    ranked.articles.update((a.id, a) for a in articles if a is not None)
    ranked.spans.update(
        (a.id, spans) for a, spans in zip(articles, texts, strict=True) if a is not None
    )
    return ranked


def fuse_by_meaning(snapshot: Snapshot, plan: Plan, ranked: Ranked) -> Ranked:
    """Partial matches: articles found by meaning join them (``hybrid``), on every page
    alike, counted in the total and the facets."""
    if not plan.fused or ranked.ranking.all_terms >= tiers.FEW:
        return ranked
    plan.check_time()
    dense = snapshot.vectors
    vector = dense.query_vector(plan.request.q) if dense is not None else None
    if vector is None:
        return ranked
    nearest = hybrid.nearest(dense, vector)
    matched = _matching(snapshot, plan, hybrid.candidates(ranked.hits, nearest))
    fused = hybrid.fuse(ranked.hits, ranked.all_terms, nearest, matched)
    ranked.hits, ranked.by_meaning = fused.hits, fused.by_meaning
    if fused.added:
        ranked.total += fused.added
        found = snapshot.engine.search(
            qt.EngineQuery(
                qt.Ids(tuple(sorted(fused.by_meaning))),
                limit=0,
                facets=True,
                deadline=plan.deadline,
            )
        )
        ranked.facets = add_facets(ranked.facets, found.facets)
    return ranked


def _matching(snapshot: Snapshot, plan: Plan, ids: list[str]) -> frozenset[str]:
    """Those of ``ids`` that hold some of the query's words (a lexical hit further down)."""
    if not ids:
        return frozenset()
    words = tiers.relaxed(plan.expanded) or plan.expanded
    tree = qt.And((words, qt.Ids(tuple(ids))))
    found = snapshot.engine.search(qt.EngineQuery(tree, limit=len(ids), deadline=plan.deadline))
    return frozenset(doc_id for doc_id, _ in found.hits)


def add_facets(a: dict[str, dict[str, int]], b: dict[str, dict[str, int]]) -> dict:
    """Facet counts of two disjoint sets of articles, summed."""
    return {
        name: dict(Counter(a.get(name, {})) + Counter(b.get(name, {})))
        for name in a.keys() | b.keys()
    }


def page_of(snapshot: Snapshot, plan: Plan, ranked: Ranked, settings: Settings) -> list[Hit]:
    """The requested page's hits, with passages and (if asked) why each matched."""
    plan.check_time()
    offset = plan.query.offset
    page = ranked.hits[offset : offset + plan.request.per_page]
    missing = [doc_id for doc_id, _ in page if doc_id not in ranked.articles]
    ranked.articles.update((a.id, a) for a in snapshot.engine.fetch(missing) if a is not None)
    hits = [
        make_hit(
            ranked.articles[doc_id],
            score,
            plan.leaves,
            settings,
            plan.request.explain,
            ranked.spans.get(doc_id),
        )
        for doc_id, score in page
        if doc_id in ranked.articles
    ]
    return [
        replace(h, by_meaning=h.id in ranked.by_meaning, copies=ranked.copies.get(h.id, ()))
        for h in hits
    ]


def respell(snapshot: Snapshot, plan: Plan, ranking: Ranking, settings: Settings) -> str | None:
    """ "Vouliez-vous dire": a better spelling of the query, when it finds little."""

    def found(q: str) -> int:
        """How many articles hold every word of ``q``, under the request's filters."""
        tree = parse_query(q, settings.synonyms)
        return count_matches(snapshot, plan.query.filters, plan.deadline, plan.counts, tree)

    return did_you_mean(
        plan.request.q,
        ranking.total,
        snapshot.lexicon,
        found,
        written=functools.partial(written_forms, snapshot),
        is_word=is_french_word,
    )


@reads_index
def count(snapshot: Snapshot, request: SearchRequest, settings: Settings = DEFAULT_SETTINGS) -> int:
    """How many results ``request`` has, as ``search`` counts them, without the page."""
    request = replace(request, page=1, explain=False)
    ready(snapshot)
    plan = plan_query(snapshot, request, settings, deadline_of(settings))
    ranked = collapse_copies(snapshot, plan, rank(snapshot, plan))
    return fuse_by_meaning(snapshot, plan, ranked).total


@reads_index
def document(snapshot: Snapshot, doc_id: str) -> Article:
    """One article by id (in any Unicode form: ids are NFC); DocumentNotFound if none."""
    article = snapshot.engine.fetch([nfc(doc_id)])[0]
    if article is None:
        raise DocumentNotFound(f"aucun article n'a l'identifiant « {doc_id} »")
    return article


def highlight(article: Article, q: str, settings: Settings = DEFAULT_SETTINGS) -> list:
    """The whole text of an article as one passage, with a query's matches marked."""
    leaves = list(qt.positive_leaves(parse_query(q, settings.synonyms))) if q else []
    # Not best_passages: its window opens a quarter-size before the first match, which cut
    # the start of the text whenever the first match came after the first quarter.
    spans = match_spans(article.text, leaves) if leaves else []
    return [Passage(article.text, tuple((start, end) for start, end, _ in spans))]


def make_hit(
    article: Article,
    score: float,
    leaves: list,
    settings: Settings,
    why: bool,
    spans: list[tuple] | None = None,
) -> Hit:
    """A result: the article's metadata, its passages and, if asked, its match kinds."""
    passages = best_passages(article.text, leaves, settings.passages, settings.passage_chars, spans)
    return Hit(
        id=article.id,
        title=article.title,
        date=article.date.value if article.date else None,
        countries=article.countries,
        score=score,
        passages=passages,
        url=article.url,
        explain=match_kinds(article, leaves) if why else None,
    )
